"""The Batch API's own calls: create, retrieve, cancel, list."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from .._core.context import ClientCore
from .._core.effects import Flow, emit
from .._core.pipeline import call_json
from ..errors import BadRequestError
from ..models.batch import Batch
from .files import _check_id, _structured, api_call, fetch_page

__all__ = [
    "BATCH_ENDPOINTS",
    "cancel_batch",
    "check_endpoint",
    "create_batch",
    "list_batches",
    "retrieve_batch",
]

#: The endpoints the Batch API accepts (the official spec's ``CreateBatchRequest``).
BATCH_ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)

#: The largest page ``GET /batches`` serves.
BATCHES_PAGE_SIZE = 100


def check_endpoint(endpoint: Any) -> str:
    if endpoint not in BATCH_ENDPOINTS:
        raise BadRequestError(
            f"the Batch API does not accept endpoint {endpoint!r}; "
            f"use one of {', '.join(BATCH_ENDPOINTS)}",
            param="endpoint",
        )
    return str(endpoint)


def create_batch(
    ctx: ClientCore,
    /,
    input_file_id: str,
    *,
    endpoint: str = "/v1/chat/completions",
    completion_window: str = "24h",
    metadata: Optional[Mapping[str, str]] = None,
    **extra: Any,
) -> Flow[Batch]:
    """Start a batch over an uploaded JSONL file (``purpose="batch"``)."""
    body: Dict[str, Any] = {
        "input_file_id": _check_id(input_file_id, "input_file_id"),
        "endpoint": check_endpoint(endpoint),
        "completion_window": completion_window,
    }
    if metadata is not None:
        body["metadata"] = dict(metadata)
    call = api_call(ctx, "batch_create", extra=extra, json=body)
    return (yield from call_json(ctx, call, _structured(Batch)))


def retrieve_batch(ctx: ClientCore, /, batch_id: str, **extra: Any) -> Flow[Batch]:
    """The batch's current state: ``status``, ``request_counts``, its files."""
    call = api_call(ctx, "batch_retrieve", _check_id(batch_id, "batch_id"), extra=extra)
    return (yield from call_json(ctx, call, _structured(Batch)))


def cancel_batch(ctx: ClientCore, /, batch_id: str, **extra: Any) -> Flow[Batch]:
    """Ask the API to stop a batch: it turns ``cancelling``, then ``cancelled``."""
    call = api_call(ctx, "batch_cancel", _check_id(batch_id, "batch_id"), "cancel", extra=extra)
    return (yield from call_json(ctx, call, _structured(Batch)))


def list_batches(ctx: ClientCore, /, **extra: Any) -> Flow[int]:
    """Every batch, newest first, fetched a page at a time as the stream is read.

    Iterate it for ``Batch`` items; ``final()`` is the number listed.
    """
    listed = 0
    after: Optional[str] = None
    query = {"limit": BATCHES_PAGE_SIZE}
    while True:
        objects, after = yield from fetch_page(ctx, "batch_list", Batch, query, after, extra)
        for item in objects:
            listed += 1
            yield from emit(item)
        if after is None:
            return listed
