"""The aiohttp application: routing, recording, faults, auth, scripts, and replies.

Every request passes one middleware, in this order: read and record the body
(so faulted requests are counted too), apply a matching fault (delay, reset,
error status), check the API key, answer with a queued script if one matches,
and only then run the endpoint. Endpoint handlers are thin: the pure modules
decide what to say; this module decides how the bytes go out (JSON layout,
headers, SSE framing, broken streams).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hmac
import json
import logging
import socket
import struct
import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional

import attrs
from aiohttp import web
from multidict import CIMultiDict

from . import (
    _audio,
    _azure,
    _catalog,
    _chat,
    _embeddings,
    _images,
    _moderation,
    _responses,
    _responses_stream,  # responses
)
from . import _errors as err
from ._batch_routes import add_routes as add_batch_routes  # files and batches (issue 10)
from ._faults import Fault, fault_headers, fault_reply
from ._multipart import boundary_of, parse_multipart
from ._records import ReceivedRequest, ScriptedResponse
from ._state import EmulatorState
from ._wire import (
    JSON_CONTENT_TYPE,
    JSON_UTF8_CONTENT_TYPE,
    SSE_CONTENT_TYPE,
    SSE_DONE,
    TEXT_CONTENT_TYPE,
    dumps_compact,
    dumps_pretty,
    random_alnum,
    random_hex,
    ratelimit_headers,
    sse_event,
)

logger = logging.getLogger("openai_accel.testing")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 64 * 1024 * 1024
IMAGE_ROUTE = "/v1/_files/images"
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


class Server:
    """Builds the app; its handlers close over the shared :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=MAX_BODY)
        app.router.add_get("/v1/models", self.list_models)
        app.router.add_get("/v1/models/{model:.+}", self.get_model)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_post("/v1/moderations", self.moderations)
        app.router.add_post("/v1/images/generations", self.images)
        app.router.add_get(IMAGE_ROUTE + "/{name}", self.image_file)
        app.router.add_post("/v1/audio/speech", self.speech)
        app.router.add_post("/v1/audio/transcriptions", self.transcriptions)
        app.router.add_post("/v1/audio/translations", self.translations)
        # sdk branch: Azure's URL shapes, served by the same handlers.
        handlers = {
            (r.method, r.resource.canonical): r.handler
            for r in app.router.routes()
            if r.resource is not None
        }
        for method, azure_path, v1_path in _azure.azure_routes():
            app.router.add_route(method, azure_path, handlers[(method, v1_path)])
        add_batch_routes(app, self, _call, self.state.files, self.state.batches)  # issue 10
        app.router.add_post("/v1/responses", self.responses)  # responses
        return app

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

    def _record(self, request: web.Request, raw: bytes, call: _Call) -> None:
        """Decode the body (JSON or multipart) into ``call`` and keep the request."""
        parsed: Any = None
        form: Optional[Dict[str, Any]] = None
        boundary = boundary_of(request.headers.get("Content-Type", ""))
        if boundary is not None:
            form = parse_multipart(raw, boundary)
        elif raw:
            try:
                parsed = json.loads(raw.decode("utf-8"))
            except ValueError:
                call.bad_json = True
        call.json = parsed
        call.form = form
        peer = None
        transport = request.transport
        if transport is not None:
            address = transport.get_extra_info("peername")
            if isinstance(address, tuple) and len(address) >= 2:
                peer = (str(address[0]), int(address[1]))
        self.state.record(
            ReceivedRequest(
                method=request.method,
                path=request.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                json=parsed,
                form=form,
                body=raw,
                query=dict(request.query),
                received_at=time.time(),
                request_id=call.request_id,
                peer=peer,
            )
        )

    def _check_auth(self, request: web.Request) -> None:
        expected = self.state.api_key
        if _azure.is_azure(request.path):  # sdk branch: api-version, api-key or AD token
            _azure.check_azure_request(request.path, request.query, request.headers, expected)
            return
        if expected is None or request.path.startswith(IMAGE_ROUTE + "/"):
            return
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise err.missing_api_key()
        if not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
            raise err.incorrect_api_key(token)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        call = _Call(
            started=time.monotonic(), request_id="req_" + random_hex(self.state.id_rng, 32)
        )
        _CALL.set(call)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._error(
                request, err.ApiError(413, f"Maximum content size limit ({MAX_BODY}) exceeded")
            )
        self._record(request, raw, call)
        form = call.form
        body = call.json
        streaming = (isinstance(body, dict) and body.get("stream") is True) or (
            isinstance(form, dict) and str(form.get("stream", "")).lower() == "true"
        )
        fault = self.state.take_fault(request.path, streaming)
        call.fault = fault
        delay = self.state.latency + (fault.latency if fault is not None else 0.0)
        if delay > 0:
            await asyncio.sleep(delay)
        if fault is not None:
            if fault.reset:
                _drop_connection(request, abortive=True)
                return web.Response(status=500)  # never sent: the connection is gone
            status = fault.effective_status
            if status is not None:
                return self._fault_response(request, fault, status)
        try:
            self._check_auth(request)
            if request.method == "POST":
                call.limit_key = self.state.rate_limiter.admit(
                    request.headers.get("Authorization", ""), _model_of(body, form)
                )
            script = self.state.take_script(request.path)
            if script is not None:
                return await self._scripted(request, script)
            if call.bad_json:
                raise err.invalid_json()
            return await handler(request)
        except err.ApiError as error:
            return self._error(request, error)
        except web.HTTPMethodNotAllowed:
            return self._error(
                request,
                err.ApiError(405, f"Invalid method for URL ({request.method} {request.path})"),
            )
        except web.HTTPNotFound:
            return self._error(request, err.invalid_url(request.method, request.path))
        except web.HTTPException:
            raise
        except Exception:  # the emulator's own bug: answer like the API, keep a trace
            logger.exception("emulator failed on %s %s", request.method, request.path)
            return self._error(request, err.internal_error())

    # ------------------------------------------------------------ endpoints

    async def list_models(self, request: web.Request) -> web.StreamResponse:
        data = [_catalog.model_object(m) for m in _catalog.listed_models()]
        return self._json(request, {"object": "list", "data": data})

    async def get_model(self, request: web.Request) -> web.StreamResponse:
        model = request.match_info["model"]
        if not _catalog.model_known(model):
            raise err.ApiError(
                404,
                f"The model '{model}' does not exist",
                param="model",
                code="model_not_found",
            )
        return self._json(request, _catalog.model_object(model))

    def _json_body(self, request: web.Request) -> Any:
        body = _call().json
        if _call().form is not None:
            raise err.ApiError(
                400,
                "Invalid Content-Type header (multipart/form-data), expected application/json.",
            )
        body = {} if body is None else body
        deployment = _azure.deployment_of(request.path)  # sdk branch: Azure names it in the URL
        if deployment is not None and isinstance(body, dict) and "model" not in body:
            body["model"] = deployment
        return body

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = self._json_body(request)
        _chat.validate(body)
        rng = self.state.id_rng
        plan = _chat.plan(body, rng)
        completion_id = "chatcmpl-" + random_alnum(rng, 29)
        _call().charge_tokens = int(plan.usage.get("total_tokens", 0))
        created = int(time.time())
        tokens = int(plan.usage["prompt_tokens"])
        if body.get("stream"):
            chunks = _chat.stream_chunks(plan, completion_id, created, rng)
            payloads = [dumps_compact(c) for c in chunks] + [b"[DONE]"]
            headers = self._headers(request, tokens=tokens)
            headers["Content-Type"] = SSE_CONTENT_TYPE
            return await self._stream(request, payloads, headers)
        reply = _chat.completion_body(plan, completion_id, created)
        return self._json(request, reply, tokens=tokens)

    async def embeddings(self, request: web.Request) -> web.StreamResponse:
        body = self._json_body(request)
        _embeddings.validate(body)
        reply, tokens = _embeddings.response_body(body)
        return self._json(request, reply, tokens=tokens)

    async def moderations(self, request: web.Request) -> web.StreamResponse:
        body = self._json_body(request)
        _moderation.validate(body)
        return self._json(request, _moderation.response_body(body, self.state.id_rng))

    async def images(self, request: web.Request) -> web.StreamResponse:
        body = self._json_body(request)
        _images.validate(body)
        count = int(body.get("n") or 1)
        ids = ["img-" + random_alnum(self.state.id_rng, 24) for _ in range(count)]
        base = f"{request.scheme}://{request.host}{IMAGE_ROUTE}"
        loop = asyncio.get_running_loop()
        reply, stored = await loop.run_in_executor(
            None, _images.generate, body, int(time.time()), ids, base
        )
        self.state.store_images(stored)
        return self._json(request, reply)

    async def image_file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        data = self.state.image(name[:-4] if name.endswith(".png") else name)
        if data is None:
            raise err.ApiError(404, "The specified blob does not exist.", code="BlobNotFound")
        headers: CIMultiDict[str] = CIMultiDict()
        headers["Content-Type"] = "image/png"
        return web.Response(body=data, headers=headers)

    async def speech(self, request: web.Request) -> web.StreamResponse:
        body = self._json_body(request)
        _audio.validate_speech(body)
        loop = asyncio.get_running_loop()
        data, content_type = await loop.run_in_executor(None, _audio.speech, body)
        headers = self._headers(request)
        headers["Content-Type"] = content_type
        return web.Response(body=data, headers=headers)

    async def transcriptions(self, request: web.Request) -> web.StreamResponse:
        return await self._transcribe(request, translation=False)

    async def translations(self, request: web.Request) -> web.StreamResponse:
        return await self._transcribe(request, translation=True)

    async def _transcribe(self, request: web.Request, translation: bool) -> web.StreamResponse:
        form = _call().form
        if form is None:
            content_type = request.headers.get("Content-Type", "none")
            raise err.ApiError(
                400,
                f"Invalid Content-Type header ({content_type}), expected multipart/form-data. "
                "(HINT: If you're using curl, you can pass form data with `-F` flags.)",
            )
        _audio.validate_transcription(form, translation)
        upload = _audio.Upload(form["file"].data)
        model = str(form.get("model"))
        if not translation and model != "whisper-1" and str(form.get("stream")).lower() == "true":
            payloads = [dumps_compact(e) for e in _audio.stream_events(upload)] + [b"[DONE]"]
            headers = self._headers(request)
            headers["Content-Type"] = SSE_CONTENT_TYPE
            # The recorded transcription stream ends its events with CRLF (responses).
            return await self._stream(request, payloads, headers, frame=_audio.crlf_event)
        reply = _audio.transcript_reply(form, upload, translation)
        if isinstance(reply, str):
            headers = self._headers(request)
            headers["Content-Type"] = TEXT_CONTENT_TYPE
            return web.Response(body=reply.encode("utf-8"), headers=headers)
        return self._json(request, reply)

    # -- Responses API (responses) --

    async def responses(self, request: web.Request) -> web.StreamResponse:
        body = self._json_body(request)
        _responses.validate(body)
        previous = None
        previous_id = body.get("previous_response_id")
        if previous_id is not None:
            previous = self.state.stored_response(str(previous_id))
            if previous is None:
                raise err.ApiError(
                    400,
                    f"Previous response with id '{previous_id}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
        plan = _responses.plan(body, self.state.id_rng, int(time.time()), previous)
        if plan.body["store"]:
            self.state.store_response(plan.body["id"], plan.conversation)
        tokens = plan.prompt_tokens
        if body.get("stream"):
            events = _responses_stream.stream_events(plan, self.state.id_rng)
            payloads = [dumps_compact(payload) for _, payload in events]
            headers = self._headers(request, tokens=tokens)
            headers["Content-Type"] = SSE_CONTENT_TYPE
            error = dumps_compact(_responses_stream.error_event(len(events)))
            return await self._stream(
                request, payloads, headers, frame=_responses_stream.frame, error_payload=error
            )
        return self._json(request, plan.body, tokens=tokens)


def _model_of(body: Any, form: Optional[Dict[str, Any]]) -> Optional[str]:
    """The model a request names (rate limits are per model)."""
    source = body if isinstance(body, dict) else form if isinstance(form, dict) else {}
    model = source.get("model")
    return model if isinstance(model, str) else None


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
