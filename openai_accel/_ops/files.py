"""Files: upload (streamed from disk), retrieve, list (lazily paginated), delete, download.

Uploads reuse the streaming multipart body of the audio uploads, so a 200 MB
batch input costs 64 KiB of memory, and a retry re-reads the file from disk.
Downloads are read chunk by chunk: to a path (a temporary file renamed into
place once complete) or, without a path, into bytes.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Type, TypeVar, Union
from urllib.parse import quote, urlencode

from .._core.audio_source import AudioInput, audio_source
from .._core.context import ClientCore
from .._core.effects import Flow, emit
from .._core.endpoints import ENDPOINTS
from .._core.multipart import FilePart, MultipartBody
from .._core.pipeline import Exchange, call_json, finish_error, finish_ok, open_exchange
from .._core.pipeline import read_stream as read_piece
from .._core.request import ApiCall, split_options
from ..errors import BadRequestError, InvalidResponseError
from ..models._base import structure
from ..models.files import FileDeleted, FileObject
from .speech import _open_partial, _remove_quietly

__all__ = [
    "api_call",
    "delete_file",
    "download_file",
    "download_to",
    "fetch_page",
    "list_files",
    "retrieve_file",
    "upload_file",
]

#: The largest page ``GET /files`` serves.
FILES_PAGE_SIZE = 10_000

T = TypeVar("T")

PathArg = Union[str, "os.PathLike[str]"]


def _check_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequestError(f"{what} must be a non-empty string, got {value!r}", param=what)
    return value


def api_call(
    ctx: ClientCore,
    endpoint: str,
    *segments: str,
    query: Optional[Mapping[str, Any]] = None,
    extra: Optional[Dict[str, Any]] = None,
    **fields: Any,
) -> ApiCall:
    """A call to ``endpoint``'s path followed by ``/segment...`` (ids are URL-quoted)."""
    row = ENDPOINTS[endpoint]
    options, _ = split_options(extra or {})
    url = ctx.config.base_url + row.path + "".join("/" + quote(s, safe="") for s in segments)
    present = {k: v for k, v in (query or {}).items() if v is not None}
    if present:
        url += "?" + urlencode(present)
    return ApiCall(row, options, url=url, **fields)


def _structured(cls: Type[T]) -> Callable[[Any, Exchange], T]:
    def parse(data: Any, exchange: Exchange) -> T:
        return structure(
            data, cls, request_id=exchange.request_id, headers=exchange.response.headers
        )

    return parse


def upload_file(
    ctx: ClientCore,
    /,
    file: AudioInput,
    *,
    purpose: str,
    filename: Optional[str] = None,
    **extra: Any,
) -> Flow[FileObject]:
    """Upload ``file`` (a path, bytes or a binary file object) for ``purpose``.

    The body is streamed from disk in 64 KiB pieces with an exact
    ``Content-Length``: memory stays flat whatever the file size, and a
    retried upload re-reads the file. ``filename`` overrides the name the API
    stores (by default the file's own name). A missing or empty file raises
    ``BadRequestError`` before anything is sent.
    """
    if not isinstance(purpose, str) or not purpose:
        raise BadRequestError("purpose must be a non-empty string", param="purpose")
    try:
        source = audio_source(file, filename)
    except BadRequestError as exc:  # the shared reader speaks of audio; this is any file
        raise BadRequestError(exc.message.replace("audio", "file"), param="file") from exc
    part = FilePart("file", source.filename, "application/octet-stream", source)
    body = MultipartBody([("purpose", purpose)], [part])
    call = ApiCall(ENDPOINTS["file_upload"], split_options(extra)[0], multipart=body)
    try:
        return (yield from call_json(ctx, call, _structured(FileObject)))
    finally:
        body.close()


def retrieve_file(ctx: ClientCore, /, file_id: str, **extra: Any) -> Flow[FileObject]:
    """The ``FileObject`` of ``file_id``."""
    call = api_call(ctx, "file_retrieve", _check_id(file_id, "file_id"), extra=extra)
    return (yield from call_json(ctx, call, _structured(FileObject)))


def delete_file(ctx: ClientCore, /, file_id: str, **extra: Any) -> Flow[FileDeleted]:
    """Delete ``file_id``; the reply says whether it was deleted."""
    call = api_call(ctx, "file_delete", _check_id(file_id, "file_id"), extra=extra)
    return (yield from call_json(ctx, call, _structured(FileDeleted)))


def _page(cls: Type[T]) -> Callable[[Any, Exchange], Tuple[List[T], bool, Any]]:
    def parse(data: Any, exchange: Exchange) -> Tuple[List[T], bool, Any]:
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise InvalidResponseError(
                "the list reply has no 'data' list", body=data, request_id=exchange.request_id
            )
        objects = [structure(item, cls, request_id=exchange.request_id) for item in items]
        return objects, bool(data.get("has_more")), data.get("last_id")

    return parse


def fetch_page(
    ctx: ClientCore,
    endpoint: str,
    cls: Type[T],
    query: Mapping[str, Any],
    after: Optional[str],
    extra: Optional[Dict[str, Any]] = None,
) -> Flow[Tuple[List[T], Optional[str]]]:
    """One page of a list endpoint: ``(objects, cursor of the next page or None)``.

    The cursor is the last object's id (``after=``), so callers fetch the
    next page only when they get there: ``list_files`` is lazy that way.
    """
    call = api_call(ctx, endpoint, query={**query, "after": after}, extra=extra)
    objects, has_more, last_id = yield from call_json(ctx, call, _page(cls))
    if not has_more or not objects:
        return objects, None
    return objects, getattr(objects[-1], "id", None) or last_id


def list_files(
    ctx: ClientCore,
    /,
    *,
    purpose: Optional[str] = None,
    order: Optional[str] = None,
    **extra: Any,
) -> Flow[int]:
    """Every stored file (of ``purpose``, when given), fetched a page at a time.

    A stream: iterate it (``for`` / ``async for``) for ``FileObject`` items;
    the next page is requested only when the consumer reaches it, and closing
    the stream early fetches nothing more. ``final()`` is the number listed.
    """
    listed = 0
    query = {"purpose": purpose, "order": order, "limit": FILES_PAGE_SIZE}
    after: Optional[str] = None
    while True:
        objects, after = yield from fetch_page(ctx, "file_list", FileObject, query, after, extra)
        for item in objects:
            listed += 1
            yield from emit(item)
        if after is None:
            return listed


def download_to(
    ctx: ClientCore, file_id: str, write: Callable[[bytes], Any], extra: Any
) -> Flow[int]:
    """Stream the content of ``file_id`` into ``write``; returns the byte count."""
    call = api_call(ctx, "file_content", _check_id(file_id, "file_id"), "content", extra=extra)
    exchange = yield from open_exchange(ctx, call)
    written = 0
    try:
        stream = exchange.response.stream
        while True:
            piece = yield from read_piece(stream)
            if not piece:
                break
            write(piece)
            written += len(piece)
    except BaseException as exc:
        finish_error(ctx, exchange, exc, response_size=written)
        raise
    finally:
        exchange.close()
    finish_ok(ctx, exchange, response_size=written)
    return written


def download_file(
    ctx: ClientCore, /, file_id: str, path: Optional[PathArg] = None, **extra: Any
) -> Flow[Union[bytes, int]]:
    """The content of ``file_id``: written to ``path`` as it arrives (returns the byte
    count), or returned as bytes when no path is given.

    The file goes to a temporary name beside ``path`` and is renamed into place
    only once complete, so a failed download never leaves a truncated file.
    """
    if path is None:
        pieces: List[bytes] = []
        yield from download_to(ctx, file_id, pieces.append, extra)
        return b"".join(pieces)
    target = os.fsdecode(os.fspath(path))
    partial, handle = _open_partial(target)
    try:
        with handle:
            written = yield from download_to(ctx, file_id, handle.write, extra)
        os.replace(partial, target)
    except BaseException:
        _remove_quietly(partial)
        raise
    return written
