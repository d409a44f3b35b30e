"""``client.request(method, path, ...)``: any endpoint through the one pipeline.

For endpoints the library has no method for (yet): the call is an ordinary
row-less endpoint, so it gets the client's target (Azure URLs and credentials
included), retries, circuit breaker, queue, metrics and typed errors. The
reply is returned as received, with its status, headers and body.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import attrs

from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import Encoding, Endpoint, Reply
from .._core.pipeline import Exchange, call_raw
from .._core.request import ApiCall, split_options
from ..models.raw import RawResponse

__all__ = ["REQUEST_TYPE", "request"]

#: The metrics request type of raw requests.
REQUEST_TYPE = "request"
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _check_path(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise ValueError(f"path must be a non-empty string such as '/models', got {path!r}")
    if "://" in path or path.startswith("//"):
        # The key goes with every request: it must never leave for another host.
        raise ValueError(f"path must be relative to the client's base URL, got {path!r}")
    return path if path.startswith("/") else "/" + path


def _raw(exchange: Exchange) -> RawResponse:
    response = exchange.response
    return RawResponse(response.status, response.headers, response.content)


def request(
    ctx: ClientCore,
    /,
    method: str,
    path: str,
    *,
    json: Optional[Mapping[str, Any]] = None,
    params: Optional[Mapping[str, Any]] = None,
    **options: Any,
) -> Flow[RawResponse]:
    """Call any endpoint: ``client.request("GET", "/models")``, ``("POST", "/x", json={...})``.

    ``path`` is relative to the client's base URL (an absolute URL is a
    ``ValueError``: the key must not travel elsewhere). ``json`` is sent as the
    body, ``params`` as the query. The per-call options (``timeout``,
    ``extra_headers``, ``max_retries``, ...) apply; any other keyword is a
    ``TypeError``. A 2xx reply is returned as a ``RawResponse``
    (``.status_code``, ``.headers``, ``.json()``, ``.content``, ``.text``,
    ``.rate_limits``); an error reply raises the usual typed error.
    """
    verb = method.upper() if isinstance(method, str) else method
    if verb not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    call_options, unknown = split_options(options)
    if unknown:
        raise TypeError(f"request() got unexpected keyword arguments: {sorted(unknown)}")
    if json is not None and not isinstance(json, Mapping):
        raise TypeError(f"json must be a mapping (a JSON object), not {type(json).__name__}")
    if params:
        call_options = attrs.evolve(
            call_options, extra_query={**params, **call_options.extra_query}
        )
    endpoint = Endpoint(
        REQUEST_TYPE,
        verb,
        _check_path(path),
        Encoding.JSON if json is not None else Encoding.NONE,
        Reply.BYTES,
        REQUEST_TYPE,
    )
    model = json.get("model") if json is not None else None
    call = ApiCall(
        endpoint,
        call_options,
        json=json,
        model=model if isinstance(model, str) else None,
    )
    return (yield from call_raw(ctx, call, _raw))
