"""What an error reply says: its body decoded, its texts made safe to show, its Retry-After.

Pure text handling, split from :mod:`openai_accel.errors` (which keeps the
exception hierarchy and ``error_from_response``, the one function that turns a
reply into a typed error): none of it may raise on a server's garbage, since a
malformed hint must never mask the real error, and that is easier to see and
test here, away from the classes.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any, Mapping, Optional, Tuple

from .json_depth import too_deep

__all__ = [
    "decode_error_body",
    "excerpt",
    "opt_str",
    "parse_retry_after",
    "printable",
    "summarise_text",
]


def parse_retry_after(
    headers: Mapping[str, str], *, now: Optional[float] = None
) -> Optional[float]:
    """Seconds the server asked us to wait, from ``retry-after-ms`` then ``retry-after``.

    ``retry-after`` may be seconds or an HTTP date. Garbage yields ``None``
    rather than an exception: a malformed hint must never mask the real error.
    Garbage includes negative values, NaN, infinities, numbers written with
    underscores or exponents, and dates no calendar holds (year 99999).
    ``headers`` must be a case-insensitive mapping or use lower-case names.
    """
    milliseconds = _plain_number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000.0
    raw = headers.get("retry-after")
    if not isinstance(raw, str):
        return None
    seconds = _plain_number(raw)
    if seconds is not None:
        return seconds
    return _seconds_until(raw, time.time() if now is None else now)


_PLAIN_NUMBER = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?")


def _plain_number(raw: Any) -> Optional[float]:
    """A non-negative decimal like ``12`` or ``0.5``; anything else (``1e9``, ``nan``) is None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _seconds_until(raw: str, now: float) -> Optional[float]:
    """Seconds from ``now`` to the HTTP date ``raw`` (0 if past); None if it is no date.

    ``email.utils`` (with socket, random, datetime) is imported here, on the
    first Retry-After given as a date: a rare form that ``import openai_accel``
    must not pay for.
    """
    import email.utils

    try:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        at = float(email.utils.mktime_tz(parsed))
    except (ValueError, OverflowError, TypeError, IndexError):  # year 99999, day 40, ...
        return None
    if not math.isfinite(at) or not math.isfinite(now):
        return None
    return max(0.0, at - now)


def decode_error_body(body: bytes) -> Tuple[Any, Mapping[str, Any]]:
    """Return (decoded body, the ``error`` object or {}) without ever raising.

    A body nested too deeply to decode is kept as a short text excerpt: the
    status error must still be raised, never a RecursionError.
    """
    text = body.decode("utf-8", errors="replace")
    if too_deep(text):
        return excerpt(text), {}
    try:
        decoded: Any = json.loads(text) if text.strip() else None
    except ValueError:
        return text, {}
    except RecursionError:
        return excerpt(text), {}
    if isinstance(decoded, dict):
        error = decoded.get("error")
        if isinstance(error, dict):
            return decoded, error
        if isinstance(error, str):  # some compatible servers send {"error": "text"}
            return decoded, {"message": error}
        return decoded, decoded if "message" in decoded else {}
    return decoded, {}


def excerpt(text: str, limit: int = 200) -> str:
    return text[:limit] + ("..." if len(text) > limit else "")


def summarise_text(text: str, limit: int = 200) -> str:
    """A one-line excerpt of a non-JSON body (an HTML page from a proxy, say)."""
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return excerpt(text, limit)


def printable(text: str) -> str:
    """``text`` with lone surrogates escaped, so printing or logging the error cannot fail."""
    if text.isascii():
        return text
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def opt_str(value: Any) -> Optional[str]:
    """An error field (``type``, ``code``, ``param``) as text, if it is text or a number.

    Anything else (an object, a list, a boolean) is a server's mistake and
    becomes None rather than ``"{'t': 1}"``.
    """
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) < 10**30 else None
    return None
