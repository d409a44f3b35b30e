"""The model list: which models the server (or the emulator) offers."""

from __future__ import annotations

from typing import Any, List

from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import ENDPOINTS
from .._core.pipeline import Exchange, call_json
from .._core.request import ApiCall, split_options
from ..errors import InvalidResponseError
from ..models._base import structure
from ..models._result import ResultList
from ..models.misc import ModelCard

__all__ = ["list_models"]


def _parse(data: Any, exchange: Exchange) -> List[ModelCard]:
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InvalidResponseError("the model list has no 'data' array", body=data)
    cards = (structure(item, ModelCard, request_id=exchange.request_id) for item in items)
    return ResultList(cards, exchange.response.headers)


def list_models(ctx: ClientCore, /, **extra: Any) -> Flow[List[ModelCard]]:
    """The models the server offers (``.id``, ``.created``, ``.owned_by``), in its order.

    Useful against OpenAI-compatible servers, whose model names vary. Accepts
    the per-call options (``timeout``, ``extra_headers``, ...).
    """
    options, _ = split_options(extra)
    return (yield from call_json(ctx, ApiCall(ENDPOINTS["models"], options), _parse))
