"""The aiohttp application: routing and the endpoint handlers.

Every request first passes the middleware of :mod:`._middleware` (recording,
faults, auth, rate limits, scripts). Endpoint handlers are thin: the pure
modules decide what to say; :mod:`._replies` decides how the bytes go out
(JSON layout, headers, SSE framing, broken streams).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

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
from ._middleware import IMAGE_ROUTE, MAX_BODY, Middleware
from ._replies import _call
from ._wire import SSE_CONTENT_TYPE, TEXT_CONTENT_TYPE, dumps_compact, random_alnum


class Server(Middleware):
    """Builds the app; its handlers close over the shared :class:`EmulatorState`."""

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
