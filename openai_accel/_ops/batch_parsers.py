"""How a batch line's ``response.body`` becomes the value the direct call returns.

One row per Batch API endpoint, so ``BatchItem.response`` for chat is the
``ChatResponse`` that ``chat()`` returns, for embeddings the vectors that
``embedding()`` returns, and so on. An endpoint without a row gives the
decoded JSON dict.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, cast

from .._core.http import Headers
from ..models._base import structure
from ..models.chat import ChatResponse
from ..models.misc import ImageResponse, ModerationResponse
from ..models.responses import structure_response
from .embeddings import _vectors

__all__ = ["BATCH_PARSERS", "parse_body"]

#: ``parser(body, request_id)`` by endpoint.
Parser = Callable[[Any, Optional[str]], Any]


class _Reply:
    """A batch line carries no HTTP headers of its own: its reply's are empty."""

    __slots__ = ("headers",)

    def __init__(self) -> None:
        self.headers = Headers()


class _Origin:
    """What the direct call's parsers read from the exchange: the request id, the headers."""

    __slots__ = ("request_id", "response")

    def __init__(self, request_id: Optional[str]) -> None:
        self.request_id = request_id
        self.response = _Reply()


def _model(cls: Any) -> Parser:
    def parse(body: Any, request_id: Optional[str]) -> Any:
        return structure(body, cls, request_id=request_id)

    return parse


def _embeddings(body: Any, request_id: Optional[str]) -> List[List[float]]:
    items = body.get("data") if isinstance(body, dict) else None
    count = len(items) if isinstance(items, list) else 0
    return _vectors(count)(body, cast(Any, _Origin(request_id)))


BATCH_PARSERS: Dict[str, Parser] = {
    "/v1/chat/completions": _model(ChatResponse),
    "/v1/embeddings": _embeddings,
    "/v1/moderations": _model(ModerationResponse),
    "/v1/images/generations": _model(ImageResponse),
    "/v1/images/edits": _model(ImageResponse),
    "/v1/responses": lambda body, request_id: structure_response(body, request_id=request_id),
}


def parse_body(endpoint: str, body: Any, request_id: Optional[str]) -> Any:
    parser = BATCH_PARSERS.get(endpoint)
    return body if parser is None else parser(body, request_id)
