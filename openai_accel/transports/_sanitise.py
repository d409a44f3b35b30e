"""Transport failures without secrets: what the HTTP library said, redacted.

Exceptions from requests and aiohttp hold the request they failed on:
aiohttp's ``ClientResponseError`` prints its ``RequestInfo`` headers
(``Authorization: Bearer sk-...``) in its repr, and requests' exceptions keep
the ``PreparedRequest``. Chaining them as ``__cause__`` (or leaving them as
``__context__``) puts the API key into every logged traceback. So a transport
raises its typed error outside the ``except`` block, with a
:class:`TransportErrorDetail` as the cause: the library's exception type and
message, with every credential of the request replaced by ``[redacted]``.
"""

from __future__ import annotations

import re
from typing import List
from urllib.parse import urlsplit

from .._core.http import HttpRequest
from ..errors import APIConnectionError

__all__ = ["TransportErrorDetail", "redact", "with_sanitised_cause"]

#: Request headers whose values are credentials (lower case).
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "openai-api-key"}
)
_URL_USERINFO = re.compile(r"(?<=//)[^/@\s'\"]+@")
_REDACTED = "[redacted]"


class TransportErrorDetail(Exception):
    """The HTTP library's own report of a failure, with credentials removed.

    Chained as ``__cause__`` of ``APIConnectionError`` / ``APITimeoutError``
    so a traceback still says what went wrong underneath (``ConnectTimeout``,
    ``ServerDisconnectedError``, ...), without the objects that hold the key.
    """


def _secrets(request: HttpRequest) -> List[str]:
    found = []
    for name, value in request.headers.items():
        if name.lower() in _SECRET_HEADERS and value:
            found.append(value)
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() in ("bearer", "basic"):
                found.append(credential)
    query = urlsplit(request.url).query  # Azure-style ?api-key=...
    if query:
        found.append(query)
    # Longest first, so a bearer value is replaced whole before its token alone.
    return sorted(set(found), key=len, reverse=True)


def redact(text: str, request: HttpRequest) -> str:
    """``text`` with the request's credentials and any URL user:password removed."""
    for secret in _secrets(request):
        text = text.replace(secret, _REDACTED)
    return _URL_USERINFO.sub(_REDACTED + "@", text)


def with_sanitised_cause(
    error: APIConnectionError, exc: BaseException, request: HttpRequest
) -> APIConnectionError:
    """``error`` with a redacted copy of ``exc`` as its cause (and ``exc`` itself nowhere).

    The caller must raise ``error`` outside its ``except`` block, so that
    Python does not attach the original as ``__context__`` either.
    """
    kind = type(exc)
    detail = TransportErrorDetail(
        f"{kind.__module__}.{kind.__qualname__}: {redact(str(exc), request)}"
    )
    error.__cause__ = detail
    error.__suppress_context__ = True
    return error
