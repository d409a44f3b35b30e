"""How the emulator's replies go out: headers, JSON, errors, SSE streams, scripts, faults.

The endpoint handlers (:mod:`._server`) and the request middleware
(:mod:`._middleware`) decide *what* to answer; this module decides how the
bytes go out (JSON layout, headers, SSE framing, broken streams). It also
holds :class:`_Call`, what the middleware learnt about the request being
handled, since every reply reads it (request id, fault, rate-limit bucket).
It is separate so that the wire spelling of a reply lives in one place,
apart from request intake and from the endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import socket
import struct
import time
from typing import Any, Callable, Dict, List, Mapping, Optional

import attrs
from aiohttp import web
from multidict import CIMultiDict

from . import _azure
from . import _errors as err
from ._faults import Fault, fault_headers, fault_reply
from ._records import ScriptedResponse
from ._state import EmulatorState
from ._wire import (
    JSON_CONTENT_TYPE,
    JSON_UTF8_CONTENT_TYPE,
    SSE_CONTENT_TYPE,
    SSE_DONE,
    dumps_compact,
    dumps_pretty,
    ratelimit_headers,
    sse_event,
)

_STREAM_ERROR = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}


@attrs.define
class _Call:
    """What the middleware learnt about the request being handled (one per request)."""

    started: float
    request_id: str
    json: Any = None
    form: Optional[Dict[str, Any]] = None
    bad_json: bool = False
    fault: Optional[Fault] = None
    #: Rate limits: the (key, model) bucket that admitted it, the tokens to charge.
    limit_key: Optional[Any] = None
    charge_tokens: Optional[int] = None


# aiohttp runs the middleware and the handler it calls in one task, so a context
# variable carries the per-request state without touching aiohttp's request storage.
_CALL: contextvars.ContextVar[_Call] = contextvars.ContextVar("openai_accel_emulator_call")


def _call() -> _Call:
    return _CALL.get()


def _ratelimit_kind(path: str) -> str:
    path = _azure.canonical_path(path)  # sdk branch: Azure paths are limited alike
    if path.startswith(("/v1/chat/", "/v1/embeddings")):
        return "full"
    if path.startswith("/v1/audio/"):
        return "requests"
    return "none"


class Replies:
    """The reply helpers shared by the middleware and the endpoints of :class:`Server`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # ------------------------------------------------------------ plumbing

    def _headers(
        self, request: web.Request, *, tokens: int = 0, ratelimit: Optional[str] = None
    ) -> CIMultiDict[str]:
        elapsed = int((time.monotonic() - _call().started) * 1000)
        headers: CIMultiDict[str] = CIMultiDict()
        headers["access-control-expose-headers"] = "X-Request-ID"
        headers["openai-processing-ms"] = str(max(1, elapsed))
        headers["openai-version"] = "2020-10-01"
        kind = ratelimit if ratelimit is not None else _ratelimit_kind(request.path)
        headers.update(ratelimit_headers(kind, tokens))
        if _call().limit_key is not None:  # live headers of the emulator's rate limiter
            charge = _call().charge_tokens
            headers.update(
                self.state.rate_limiter.reply_headers(
                    _call().limit_key, tokens if charge is None else charge
                )
            )
            _call().limit_key = None  # charged once
        headers["x-request-id"] = _call().request_id
        fault = _call().fault
        if fault is not None and fault.should_retry is not None:  # a hint on a normal reply
            headers.update(fault_headers(fault))
        return headers

    def _json(
        self, request: web.Request, body: Any, *, tokens: int = 0, status: int = 200
    ) -> web.Response:
        headers = self._headers(request, tokens=tokens)
        headers["Content-Type"] = JSON_CONTENT_TYPE
        return web.Response(status=status, body=dumps_pretty(body), headers=headers)

    def _error(self, request: web.Request, error: err.ApiError) -> web.Response:
        if error.style == err.STYLE_GATEWAY:
            headers: CIMultiDict[str] = CIMultiDict()
            headers["Content-Type"] = JSON_UTF8_CONTENT_TYPE
            headers["vary"] = "Origin"
            headers["x-request-id"] = _call().request_id
            body = dumps_pretty(error.body(), indent=4, trailing_newline=True)
        else:
            headers = self._headers(request)
            headers["Content-Type"] = JSON_CONTENT_TYPE
            body = dumps_pretty(error.body(), trailing_newline=False)
        headers.update(error.headers)
        return web.Response(status=error.status, body=body, headers=headers)

    async def _stream(
        self,
        request: web.Request,
        payloads: List[bytes],
        headers: CIMultiDict[str],
        status: int = 200,
        frame: Callable[[bytes], bytes] = sse_event,
        error_payload: Optional[bytes] = None,
    ) -> web.StreamResponse:
        """Send SSE events, honouring a stream fault: cut the connection or send an error.

        ``frame`` writes one event (the Responses API names its events);
        ``error_payload`` is the endpoint's own mid-stream error event.
        """
        fault = _call().fault
        headers.setdefault("Content-Type", SSE_CONTENT_TYPE)
        response = web.StreamResponse(status=status, headers=headers)
        await response.prepare(request)
        # A client that hangs up mid-stream (a cancelled call) is no error of the server's.
        with contextlib.suppress(ConnectionError):
            await self._send_events(request, response, payloads, fault, frame, error_payload)
        return response

    async def _send_events(
        self,
        request: web.Request,
        response: web.StreamResponse,
        payloads: List[bytes],
        fault: Optional[Fault],
        frame: Callable[[bytes], bytes] = sse_event,
        error_payload: Optional[bytes] = None,
    ) -> None:
        done = bool(payloads) and payloads[-1] == b"[DONE]"
        events = payloads[:-1] if done else payloads
        delay = self.state.stream_chunk_delay
        cut = fault.cut_stream_after if fault is not None else None
        if fault is not None and fault.error_event:
            for payload in events[: (1 if cut is None else cut)]:
                await response.write(frame(payload))
            await response.write(frame(error_payload or dumps_compact(_STREAM_ERROR)))
            await response.write_eof()
            return
        for index, payload in enumerate(events):
            if cut is not None and index >= cut:
                break
            await response.write(frame(payload))
            if delay > 0:
                await asyncio.sleep(delay)
        if cut is not None:
            _drop_connection(request, abortive=False)
            return
        if done:
            await response.write(SSE_DONE if frame is sse_event else frame(b"[DONE]"))
        await response.write_eof()

    async def _scripted(self, request: web.Request, script: ScriptedResponse) -> web.StreamResponse:
        headers = self._headers(request)
        if script.sse_events is not None:
            payloads = [
                dumps_compact(e) if isinstance(e, Mapping) else str(e).encode("utf-8")
                for e in script.sse_events
            ]
            if script.done and (not payloads or payloads[-1] != b"[DONE]"):
                payloads.append(b"[DONE]")
            headers["Content-Type"] = script.content_type or SSE_CONTENT_TYPE
            headers.update(script.headers)
            return await self._stream(request, payloads, headers, status=script.status)
        if script.body is not None:
            body = script.body
            headers["Content-Type"] = script.content_type or "application/octet-stream"
        elif script.json is not None:
            body = dumps_pretty(script.json)
            headers["Content-Type"] = script.content_type or JSON_CONTENT_TYPE
        else:
            body = b""
            if script.content_type:
                headers["Content-Type"] = script.content_type
        headers.update(script.headers)
        return web.Response(status=script.status, body=body, headers=headers)

    def _fault_response(self, request: web.Request, fault: Fault, status: int) -> web.Response:
        body, content_type, extra = fault_reply(fault, status)
        headers: CIMultiDict[str] = CIMultiDict()
        headers["Content-Type"] = content_type
        if content_type == JSON_CONTENT_TYPE:
            headers["openai-processing-ms"] = "1"
            headers["openai-version"] = "2020-10-01"
        headers["x-request-id"] = _call().request_id
        headers.update(extra)
        return web.Response(status=status, body=body, headers=headers)


def _drop_connection(request: web.Request, *, abortive: bool) -> None:
    """Close the client's connection: with a TCP reset (abortive) or after a flush."""
    transport = request.transport
    if transport is None:
        return
    if abortive:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
