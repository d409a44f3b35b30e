"""Moderation: classify texts (or an omni model's text and image parts)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Union

from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import ENDPOINTS
from .._core.pipeline import Exchange, call_json
from .._core.request import ApiCall, split_options
from ..errors import BadRequestError
from ..models._base import structure
from ..models.misc import ModerationResponse

__all__ = ["moderation"]

#: A text, texts, or the omni models' list of ``{"type": "text"|"image_url", ...}`` parts.
ModerationInput = Union[str, Sequence[str], Sequence[Mapping[str, Any]]]


def _check_input(value: Any) -> Any:
    """The input as it goes into the body; BadRequestError for what the API cannot take.

    Strings and parts may not be mixed: the API reads a list either as texts
    (one result each) or as the parts of one multimodal input (one result).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Sequence):
        raise BadRequestError(
            "input must be a string, a list of strings or a list of content parts, "
            f"not {type(value).__name__}",
            param="input",
        )
    if not value:
        raise BadRequestError("input is an empty list", param="input")
    parts = isinstance(value[0], Mapping)
    for position, item in enumerate(value):
        if parts and not (isinstance(item, Mapping) and isinstance(item.get("type"), str)):
            raise BadRequestError(
                f"input[{position}] must be a content part like "
                f"{{'type': 'text', 'text': ...}} (all items are parts), got {item!r:.80}",
                param="input",
            )
        if not parts and not isinstance(item, str):
            raise BadRequestError(
                f"input[{position}] must be a string like the other items, "
                f"got {type(item).__name__}",
                param="input",
            )
    return [dict(item) for item in value] if parts else list(value)


def _parse(data: Any, exchange: Exchange) -> ModerationResponse:
    return structure(
        data, ModerationResponse, request_id=exchange.request_id, headers=exchange.response.headers
    )


def moderation(
    ctx: ClientCore,
    /,
    text_or_texts: ModerationInput,
    *,
    model: Optional[str] = None,
    **extra: Any,
) -> Flow[ModerationResponse]:
    """Classify content: ``.results[i].flagged``, ``.categories``, ``.category_scores``.

    A list of strings gets one result per string. With an omni model, a list
    of content parts (``{"type": "text", "text": ...}``,
    ``{"type": "image_url", "image_url": {"url": ...}}``) is one input and
    gets one result, whose ``category_applied_input_types`` says which part
    types each category was judged on. ``model=None`` lets the server pick
    its default. Other keyword arguments go into the JSON body.
    """
    body: Dict[str, Any] = {"input": _check_input(text_or_texts)}
    if model is not None:
        body["model"] = model
    options, body_extra = split_options(extra)
    body.update(body_extra)
    call = ApiCall(ENDPOINTS["moderation"], options, json=body, model=model)
    return (yield from call_json(ctx, call, _parse))
