"""A small multipart/form-data parser working on the already-read body.

The emulator reads every body once, up front, to record it; aiohttp's own
parser wants the unread stream. Parsing the bytes here keeps the recorded body
and the parsed fields consistent, with no size limit on file parts.
"""

from __future__ import annotations

from email.message import Message
from typing import Any, Dict, List, Optional, Tuple

from ._records import UploadedFile


def boundary_of(content_type: str) -> Optional[str]:
    message = Message()
    message["content-type"] = content_type
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary")
    return boundary if isinstance(boundary, str) and boundary else None


def _parse_part_headers(block: bytes) -> Message:
    message = Message()
    for line in block.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            message[name.strip()] = value.strip()
    return message


def parse_multipart(body: bytes, boundary: str) -> Dict[str, Any]:
    """Fields by name: ``str`` for text, :class:`UploadedFile` for files, lists when repeated."""
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    fields: List[Tuple[str, Any]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers = _parse_part_headers(head)
        disposition = headers.get("content-disposition")
        if disposition is None:
            continue
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = headers.get_filename()
        if filename is not None or headers.get("content-type", "").startswith(
            ("audio/", "video/", "application/octet-stream", "image/")
        ):
            value: Any = UploadedFile(filename, headers.get("content-type"), data)
        else:
            value = data.decode("utf-8", "replace")
        fields.append((name, value))
    result: Dict[str, Any] = {}
    for name, value in fields:
        if name in result:
            previous = result[name]
            if isinstance(previous, list):
                previous.append(value)
            else:
                result[name] = [previous, value]
        else:
            result[name] = value
    return result
