"""The one aiohttp middleware every emulator request passes, and what it checks.

Every request passes one middleware, in this order: read and record the body
(so faulted requests are counted too), apply a matching fault (delay, reset,
error status), check the API key, admit it to its rate-limit bucket, answer
with a queued script if one matches, and only then run the endpoint. It is
separate from the endpoints (:mod:`._server`) because none of this depends on
which endpoint is called; the replies it sends are spelt by :mod:`._replies`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional

from aiohttp import web

from . import _azure
from . import _errors as err
from ._multipart import boundary_of, parse_multipart
from ._records import ReceivedRequest
from ._replies import _CALL, Replies, _Call, _drop_connection
from ._wire import random_hex

logger = logging.getLogger("openai_accel.testing")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 64 * 1024 * 1024
IMAGE_ROUTE = "/v1/_files/images"


class Middleware(Replies):
    """The request pipeline of :class:`Server`: record, fault, auth, rate limit, script."""

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


def _model_of(body: Any, form: Optional[Dict[str, Any]]) -> Optional[str]:
    """The model a request names (rate limits are per model)."""
    source = body if isinstance(body, dict) else form if isinstance(form, dict) else {}
    model = source.get("model")
    return model if isinstance(model, str) else None
