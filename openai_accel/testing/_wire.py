"""Byte-level conventions of the OpenAI wire format, shared by every endpoint.

The recordings in the conformance corpus show that clients meet several JSON
layouts (2-space bodies with a trailing newline on success, 2-space without one
on validation errors, 4-space with a newline on auth and model errors, compact
JSON inside SSE events) and a fixed family of headers. Keeping them here means
an endpoint module only decides *what* to answer, never how it is spelled.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
from typing import Any, Dict, FrozenSet, List, Optional

JSON_CONTENT_TYPE = "application/json"
JSON_UTF8_CONTENT_TYPE = "application/json; charset=utf-8"
SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"

_ALNUM = string.ascii_letters + string.digits


def dumps_pretty(obj: Any, *, trailing_newline: bool = True, indent: int = 2) -> bytes:
    """Serialise like the API's non-streaming bodies (pretty-printed, UTF-8, not escaped)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False)
    if trailing_newline:
        text += "\n"
    return text.encode("utf-8")


def dumps_compact(obj: Any) -> bytes:
    """Serialise like one SSE event payload: no whitespace between tokens."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def random_alnum(rng: random.Random, length: int) -> str:
    """An id body in the API's alphabet; drawn from the emulator's seeded RNG."""
    return "".join(rng.choice(_ALNUM) for _ in range(length))


def random_hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def stable_hash(*parts: str) -> int:
    """A process-independent hash: ``hash()`` is salted per process, outputs must not be."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def fingerprint(model: str) -> str:
    """A ``system_fingerprint`` that stays the same for one served model, like the real one."""
    return "fp_" + format(stable_hash("fingerprint", model), "016x")[:10]


# One regex defines both the token count and the streaming split, so that the
# number of content deltas of a stream equals the reported completion_tokens and
# the deltas always concatenate back to the exact text.
_PIECE_RE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+$", re.UNICODE)


def pieces(text: str) -> List[str]:
    """Split text into 'tokens' (a word or a punctuation mark with leading whitespace)."""
    return _PIECE_RE.findall(text)


def count_tokens(text: str) -> int:
    """The emulator's deterministic tokenizer: words plus punctuation marks."""
    return len(_PIECE_RE.findall(text))


def go_duration(seconds: float) -> str:
    """Format like the ``x-ratelimit-reset-*`` headers: ``6ms``, ``0s``, ``1m6.779s``."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60.0)
    rest_text = f"{rest:.3f}".rstrip("0").rstrip(".")
    if minutes >= 1:
        hours, minutes = divmod(int(minutes), 60)
        head = f"{hours}h" if hours else ""
        return f"{head}{minutes}m{rest_text}s"
    return f"{rest_text}s"


def ratelimit_headers(kind: str, tokens_used: int = 0) -> Dict[str, str]:
    """``x-ratelimit-*`` headers as the API sends them for one endpoint family.

    ``kind`` is ``"full"`` (chat, embeddings: request and token families),
    ``"requests"`` (audio: only the request family) or ``"none"``.
    """
    if kind == "none":
        return {}
    headers = {
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-reset-requests": "6ms",
    }
    if kind == "full":
        limit = 30000000
        headers.update(
            {
                "x-ratelimit-limit-tokens": str(limit),
                "x-ratelimit-remaining-tokens": str(max(0, limit - tokens_used)),
                "x-ratelimit-reset-tokens": "0s",
            }
        )
    return dict(sorted(headers.items()))


def error_body(
    message: str,
    type_: str = "invalid_request_error",
    param: Optional[str] = None,
    code: Optional[str] = None,
) -> Dict[str, Any]:
    """The one error shape every endpoint uses: ``{"error": {message, type, param, code}}``."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def sse_event(data: bytes) -> bytes:
    """One Chat Completions SSE event: ``data: <payload>`` and a blank line, no ``event:``."""
    return b"data: " + data + b"\n\n"


SSE_DONE = sse_event(b"[DONE]")


def wordset(text: str) -> FrozenSet[str]:
    """A set of words written as one whitespace-separated block (easier to read than a list)."""
    return frozenset(text.split())
