"""HTTP routes of the emulator's Files and Batch APIs (``/v1/files``, ``/v1/batches``).

Registered by ``Server.application`` through :func:`add_routes`; the stores
(:mod:`._files`, :mod:`._batches`) decide, the server's helpers spell the
replies. Executing a finished batch's lines can take a moment for 50,000
lines, so it runs in a worker thread rather than on the server's loop.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from aiohttp import web
from multidict import CIMultiDict

from . import _errors as err
from ._batches import BatchEngine
from ._files import FileStore, validate_upload
from ._wire import random_alnum

if TYPE_CHECKING:
    from ._server import Server

_MAX_FILE_PAGE = 10_000
_MAX_BATCH_PAGE = 100


def _limit(request: web.Request, default: int, maximum: int) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise err.invalid_type("limit", "an integer", raw) from None
    if not 1 <= value <= maximum:
        raise err.ApiError(400, f"limit must be between 1 and {maximum}.", param="limit")
    return value


def _listing(data: Any, has_more: bool) -> Any:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def add_routes(
    app: web.Application,
    server: Server,
    current_call: Callable[[], Any],
    files: FileStore,
    batches: BatchEngine,
) -> None:
    """Add the Files and Batch routes; ``server`` provides ``_json`` and ``_headers``."""

    async def in_worker(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def upload(request: web.Request) -> web.StreamResponse:
        filename, purpose, data = validate_upload(current_call().form)
        file_id = "file-" + random_alnum(server.state.id_rng, 22)
        return server._json(request, files.add(file_id, filename, purpose, data).wire())

    async def list_files(request: web.Request) -> web.StreamResponse:
        order = request.query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise err.invalid_value("order", order, ["asc", "desc"])
        page, more = files.page(
            request.query.get("purpose"),
            request.query.get("after"),
            _limit(request, _MAX_FILE_PAGE, _MAX_FILE_PAGE),
            order,
        )
        return server._json(request, _listing([f.wire() for f in page], more))

    async def retrieve_file(request: web.Request) -> web.StreamResponse:
        return server._json(request, files.get(request.match_info["file_id"]).wire())

    async def delete_file(request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        files.delete(file_id)
        return server._json(request, {"object": "file", "deleted": True, "id": file_id})

    async def file_content(request: web.Request) -> web.StreamResponse:
        stored = files.get(request.match_info["file_id"])
        headers: CIMultiDict[str] = server._headers(request)
        headers["Content-Type"] = "application/octet-stream"
        headers["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
        return web.Response(body=stored.data, headers=headers)

    async def create_batch(request: web.Request) -> web.StreamResponse:
        body = server._json_body(request)
        return server._json(request, await in_worker(batches.create, body))

    async def list_batches(request: web.Request) -> web.StreamResponse:
        limit = _limit(request, 20, _MAX_BATCH_PAGE)
        page, more = await in_worker(batches.page, request.query.get("after"), limit)
        return server._json(request, _listing(page, more))

    async def retrieve_batch(request: web.Request) -> web.StreamResponse:
        view = await in_worker(batches.view, request.match_info["batch_id"])
        return server._json(request, view)

    async def cancel_batch(request: web.Request) -> web.StreamResponse:
        return server._json(
            request, await in_worker(batches.cancel, request.match_info["batch_id"])
        )

    app.router.add_post("/v1/files", upload)
    app.router.add_get("/v1/files", list_files)
    app.router.add_get("/v1/files/{file_id}", retrieve_file)
    app.router.add_delete("/v1/files/{file_id}", delete_file)
    app.router.add_get("/v1/files/{file_id}/content", file_content)
    app.router.add_post("/v1/batches", create_batch)
    app.router.add_get("/v1/batches", list_batches)
    app.router.add_get("/v1/batches/{batch_id}", retrieve_batch)
    app.router.add_post("/v1/batches/{batch_id}/cancel", cancel_batch)
