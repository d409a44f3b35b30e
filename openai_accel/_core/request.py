"""Turn a call (endpoint + parameters + per-call options) into an HttpRequest.

Pure: no I/O. The JSON body is encoded once per call; a multipart body is a
StreamingBody whose ``chunks()`` restart, so a retry re-sends the whole upload.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import urlencode

import attrs

from .endpoints import Encoding, Endpoint
from .http import Body, HttpRequest, StreamingBody, Timeout
from .json_body import encode_json
from .target import RequestTarget

__all__ = ["ApiCall", "CallOptions", "build_request", "encode_json", "split_options"]

#: Keyword arguments every call accepts that configure the request rather than
#: going into the JSON body.
_OPTION_NAMES = frozenset(
    {
        "timeout",
        "extra_headers",
        "extra_query",
        "extra_body",
        "max_retries",
        "initial_retry_delay",
        "backoff_factor",
        "max_retry_delay",
        "queue_timeout",
    }
)


@attrs.frozen
class CallOptions:
    timeout: Optional[Timeout] = None
    extra_headers: Mapping[str, str] = attrs.field(factory=dict)
    extra_query: Mapping[str, Any] = attrs.field(factory=dict)
    extra_body: Mapping[str, Any] = attrs.field(factory=dict)
    #: Per-call overrides of the client's retry settings (None = client's value).
    retry_overrides: Mapping[str, Any] = attrs.field(factory=dict)
    queue_timeout: Optional[float] = None


_NO_OPTIONS = CallOptions()


def split_options(extra: Dict[str, Any]) -> Tuple[CallOptions, Dict[str, Any]]:
    """Separate per-call options from the keyword arguments that go into the body.

    ``extra`` is the ``**extra`` of a public call; it is not modified.
    """
    if not extra or _OPTION_NAMES.isdisjoint(extra):
        return _NO_OPTIONS, extra
    body = {k: v for k, v in extra.items() if k not in _OPTION_NAMES}
    timeout = extra.get("timeout")
    retry = {
        name: extra[name]
        for name in ("max_retries", "initial_retry_delay", "backoff_factor", "max_retry_delay")
        if extra.get(name) is not None
    }
    options = CallOptions(
        timeout=None if timeout is None else Timeout.of(timeout),
        extra_headers=dict(extra.get("extra_headers") or {}),
        extra_query=dict(extra.get("extra_query") or {}),
        extra_body=dict(extra.get("extra_body") or {}),
        retry_overrides=retry,
        queue_timeout=extra.get("queue_timeout"),
    )
    return options, body


@attrs.frozen
class ApiCall:
    endpoint: Endpoint
    options: CallOptions = _NO_OPTIONS
    #: The JSON body (Encoding.JSON).
    json: Optional[Mapping[str, Any]] = None
    #: The multipart body (Encoding.MULTIPART).
    multipart: Optional[StreamingBody] = None
    #: The model named in the request, for metrics.
    model: Optional[str] = None
    #: An absolute URL replacing base_url + endpoint.path (downloads).
    url: Optional[str] = None


def build_request(
    call: ApiCall,
    *,
    target: RequestTarget,
    base_headers: Mapping[str, str],
    default_timeout: Timeout,
) -> HttpRequest:
    """The HttpRequest of ``call``: the target decides the URL and the credential header."""
    endpoint = call.endpoint
    options = call.options
    url = call.url or target.url(endpoint.path, call.model)
    if options.extra_query:
        url += ("&" if "?" in url else "?") + urlencode(options.extra_query, doseq=True)
    if endpoint.authenticated:
        name, value = target.auth.header()
        headers = dict(base_headers)
        headers[name] = value
    else:
        # A URL outside the API (an image on blob storage) sees no key, no
        # organization or project, and none of the caller's default headers.
        headers = {"Accept": "*/*", "User-Agent": base_headers.get("User-Agent", "openai-accel")}
    body: Body = None
    if endpoint.encoding is Encoding.JSON:
        payload = call.json or {}
        if options.extra_body:
            payload = {**payload, **options.extra_body}
        body = encode_json(payload)
        headers["Content-Type"] = "application/json"
    elif endpoint.encoding is Encoding.MULTIPART:
        if call.multipart is None:
            raise ValueError(f"{endpoint.name} needs a multipart body")
        body = call.multipart
        headers["Content-Type"] = getattr(call.multipart, "content_type", "multipart/form-data")
        headers["Content-Length"] = str(call.multipart.content_length)
    streams = endpoint.streams  # a property: read once
    if streams:
        headers["Accept"] = "text/event-stream" if endpoint.reply.value == "sse" else "*/*"
    if options.extra_headers:
        headers.update(options.extra_headers)
    return HttpRequest(
        method=endpoint.method,
        url=url,
        headers=headers,
        body=body,
        timeout=options.timeout or default_timeout,
        stream=streams,
    )


def body_size(request: HttpRequest) -> int:
    body = request.body
    if body is None:
        return 0
    if isinstance(body, bytes):
        return len(body)
    return body.content_length
