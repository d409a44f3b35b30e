"""Read a successful reply body according to its endpoint's reply kind. Pure."""

from __future__ import annotations

import json
from typing import Any, Callable, NoReturn, Tuple

from ..errors import InvalidResponseError
from .http import HttpResponse
from .json_depth import too_deep

__all__ = ["decode_json", "is_json", "loads_reply"]


def is_json(response: HttpResponse) -> bool:
    content_type = response.headers.get("content-type", "")
    return "json" in content_type


def _refuse_constant(name: str) -> NoReturn:
    # NaN and Infinity are not JSON (RFC 8259); Python's decoder accepts them by default.
    raise ValueError(f"{name} is not a JSON number")


#: Built once: ``json.loads`` with any keyword argument builds a new decoder per call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
#: The decoder's scanner (what ``raw_decode`` calls): ``(value, end)`` from an index.
_SCAN: Callable[[str, int], Tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def loads_reply(text: Any) -> Any:
    """``json.loads`` for a reply: ValueError for anything that is not strict JSON.

    Absurd nesting (``[[[[...`` ten thousand deep) makes the C decoder raise
    RecursionError; here it is a ValueError like any other malformed body, so
    every caller's ``except ValueError`` covers it.
    """
    if isinstance(text, (bytes, bytearray)):  # as json.loads reads bytes
        # perf: "{" then a non-zero byte is what detect_encoding calls UTF-8 (no BOM
        # starts with "{", and UTF-16/32 would put a zero byte next to it).
        utf8 = text[:1] == b"{" and text[1:2] != b"\x00"
        text = text.decode("utf-8" if utf8 else json.detect_encoding(text), "surrogatepass")
    if too_deep(text):
        raise ValueError("the JSON is nested too deeply")
    try:
        # perf: a body that is one object with nothing around it (every API
        # reply) is scanned directly, without decode()'s two whitespace
        # regexes; anything else, errors included, goes through decode().
        if text[:1] == "{" and text[-1:] == "}":
            try:
                value, end = _SCAN(text, 0)
            except ValueError:  # JSONDecodeError: decode() says it the usual way
                pass
            else:
                if end == len(text):
                    return value
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def decode_json(response: HttpResponse) -> Any:
    """The reply as JSON; a body that is not JSON is a typed error, never a crash."""
    try:
        return loads_reply(response.content)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        excerpt = response.content[:200].decode("utf-8", errors="replace")
        raise InvalidResponseError(
            f"expected JSON from the server ({exc}), got {excerpt!r}",
            status_code=response.status,
            request_id=response.headers.get("x-request-id"),
            body=excerpt,
        ) from None
