"""The error hierarchy, and the one pure function that turns a reply into an error.

Every failure the library raises derives from :class:`OpenAIError`, so a caller
can catch one type and still ask precise questions (``is_rate_limit_error``,
``retry_after``) without parsing messages. ``error_from_response`` does no I/O:
both clients, the retry policy and the tests share it.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any, Mapping, Optional, Type

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CircuitOpenError",
    "ClientClosedError",
    "ConflictError",
    "FunctionCallError",
    "InternalServerError",
    "InvalidResponseError",
    "NotFoundError",
    "OpenAIError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "StreamError",
    "error_from_response",
    "parse_retry_after",
]

_TRANSIENT_STATUSES = frozenset({408, 409, 429})


class OpenAIError(Exception):
    """Base of every error this library raises.

    The attributes are always present (``None`` when unknown) so that handlers
    never need ``getattr`` guards.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: Optional[int] = None,
        type: Optional[str] = None,
        code: Optional[str] = None,
        param: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body
        self.headers: Mapping[str, str] = dict(headers or {})
        #: How many attempts were made before this error was raised (1 = no retry).
        self.attempts = 1

    @property
    def is_auth_error(self) -> bool:
        """True for 401/403: retrying with the same credentials will not help."""
        return self.status_code in (401, 403)

    @property
    def is_rate_limit_error(self) -> bool:
        return self.status_code == 429

    @property
    def is_transient_error(self) -> bool:
        """True when the same request may succeed later (the retry policy's view)."""
        if self.status_code is None:
            return False
        return self.status_code in _TRANSIENT_STATUSES or self.status_code >= 500

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.append(f"(status {self.status_code}")
            if self.code:
                parts[-1] += f", code {self.code}"
            if self.request_id:
                parts[-1] += f", request {self.request_id}"
            parts[-1] += ")"
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"

    def __reduce__(self) -> Any:
        # Keep the keyword attributes when an error crosses a process boundary.
        state = dict(self.__dict__)
        return (_rebuild_error, (type(self), self.message, state))


def _rebuild_error(cls: Type[OpenAIError], message: str, state: dict[str, Any]) -> OpenAIError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class APIStatusError(OpenAIError):
    """The server answered with an error status."""


class BadRequestError(APIStatusError):
    """400 or 422, or input the library refused before sending it."""


class AuthenticationError(APIStatusError):
    """401, or no API key configured."""

    # edges: a missing key is raised before any request, so there is no 401 to
    # look at; it is an authentication failure all the same.
    @property
    def is_auth_error(self) -> bool:
        return True


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404 (unknown model, unknown object)."""


class ConflictError(APIStatusError):
    """409."""


class RateLimitError(APIStatusError):
    """429: rate limited or out of quota; see ``retry_after``."""


class InternalServerError(APIStatusError):
    """Any 5xx."""


class APIConnectionError(OpenAIError):
    """No usable reply: refused, reset, DNS, TLS, a body cut short."""

    @property
    def is_transient_error(self) -> bool:
        return True


class APITimeoutError(APIConnectionError):
    """The request took longer than its timeout."""


class CircuitOpenError(OpenAIError):
    """The circuit breaker refused the call; ``retry_after`` says when it probes again."""


class QueueFullError(OpenAIError):
    """The bounded request queue is full (or the wait for a slot timed out)."""


class StreamError(OpenAIError):
    """A stream broke off before ``[DONE]`` or carried an error event."""

    @property
    def is_transient_error(self) -> bool:
        return self.status_code is None or super().is_transient_error


class InvalidResponseError(OpenAIError):
    """The server answered 2xx with a body that is not what the endpoint returns."""


# edges: the lifecycle error.
class ClientClosedError(OpenAIError):
    """A call on a client after ``close()`` / ``aclose()``: make a new client instead.

    Raised before anything is sent. A closed client does not reopen by itself:
    a silent reopen would leak the connections the caller meant to release.
    """


class FunctionCallError(OpenAIError):
    """A tool function failed, timed out, was unknown, or got invalid arguments."""

    def __init__(
        self, message: str, *, function_name: str, cause: Optional[BaseException] = None
    ) -> None:
        super().__init__(message)
        self.function_name = function_name
        self.cause = cause


_STATUS_CLASSES: Mapping[int, Type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def status_error_class(status: int) -> Type[APIStatusError]:
    if status >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status, APIStatusError)


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


def _decode_error_body(body: bytes) -> tuple[Any, Mapping[str, Any]]:
    """Return (decoded body, the ``error`` object or {}) without ever raising.

    A body nested too deeply to decode is kept as a short text excerpt: the
    status error must still be raised, never a RecursionError.
    """
    text = body.decode("utf-8", errors="replace")
    from ._core.json_depth import too_deep  # errors is imported first: no cycle at import

    if too_deep(text):
        return _excerpt(text), {}
    try:
        decoded: Any = json.loads(text) if text.strip() else None
    except ValueError:
        return text, {}
    except RecursionError:
        return _excerpt(text), {}
    if isinstance(decoded, dict):
        error = decoded.get("error")
        if isinstance(error, dict):
            return decoded, error
        if isinstance(error, str):  # some compatible servers send {"error": "text"}
            return decoded, {"message": error}
        return decoded, decoded if "message" in decoded else {}
    return decoded, {}


def _excerpt(text: str, limit: int = 200) -> str:
    return text[:limit] + ("..." if len(text) > limit else "")


def _summarise_text(text: str, limit: int = 200) -> str:
    """A one-line excerpt of a non-JSON body (an HTML page from a proxy, say)."""
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return _excerpt(text, limit)


def _printable(text: str) -> str:
    """``text`` with lone surrogates escaped, so printing or logging the error cannot fail."""
    if text.isascii():
        return text
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _opt_str(value: Any) -> Optional[str]:
    """An error field (``type``, ``code``, ``param``) as text, if it is text or a number.

    Anything else (an object, a list, a boolean) is a server's mistake and
    becomes None rather than ``"{'t': 1}"``.
    """
    if isinstance(value, str):
        return _printable(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) < 10**30 else None
    return None


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, now: Optional[float] = None
) -> APIStatusError:
    """Build the typed error for an HTTP error reply. Pure; never raises itself.

    ``headers`` must be case-insensitive or lower-cased.
    """
    decoded, error = _decode_error_body(body)
    message = error.get("message") if error else None
    if not isinstance(message, str) or not message.strip():
        message = None
    if not message:
        if isinstance(decoded, str) and decoded.strip():
            message = f"HTTP {status}: {_summarise_text(decoded)}"
        else:
            message = f"HTTP {status} with no error message"
    cls = _quota_aware_class(status, _opt_str(error.get("code")))
    return cls(
        _printable(message),
        status_code=status,
        type=_opt_str(error.get("type")),
        code=_opt_str(error.get("code")),
        param=_opt_str(error.get("param")),
        request_id=headers.get("x-request-id"),
        retry_after=parse_retry_after(headers, now=now),
        body=decoded,
        headers=headers,
    )


# -- the official SDK's error names (sdk branch) -----------------------------

#: The official SDK's base of API errors; here every error of the library, so an
#: ``except APIError`` written for the SDK catches what it caught there and more.
APIError = OpenAIError


class UnprocessableEntityError(BadRequestError):
    """HTTP 422: the request was well-formed but could not be processed.

    A ``BadRequestError`` subclass, so handlers written before it existed
    still catch it.
    """


_STATUS_CLASSES = {**_STATUS_CLASSES, 422: UnprocessableEntityError}
__all__ += ["APIError", "UnprocessableEntityError"]
# -- files and batch jobs (issue 10) ---------------------------------------


class BatchInputError(OpenAIError):
    """A request given to ``run_batch`` cannot be submitted; nothing was uploaded.

    ``index`` is the request's position in the input (0-based) and
    ``custom_id`` its id, when known, so the first offending request is named.
    """

    def __init__(
        self, message: str, *, index: Optional[int] = None, custom_id: Optional[str] = None
    ) -> None:
        super().__init__(message, param="requests")
        self.index = index
        self.custom_id = custom_id


class BatchJobError(OpenAIError):
    """A batch job file is unreadable, incomplete, or belongs to another key or base URL."""

    def __init__(self, message: str, *, path: Optional[str] = None) -> None:
        super().__init__(message, param="job")
        self.path = path


class BatchFailedError(OpenAIError):
    """The Batch API refused a batch (status ``failed``): ``errors`` are its ``errors.data``.

    The message names the first problems (code, message and input line).
    """

    def __init__(self, message: str, *, batch_id: str, errors: Any = ()) -> None:
        super().__init__(message, code="batch_failed", body=list(errors))
        self.batch_id = batch_id
        self.errors: list = list(errors)  # type: ignore[type-arg]


class BatchLineError(OpenAIError):
    """One request of a batch has no reply: the batch expired or was cancelled first,
    or the line carried an ``error`` object instead of a ``response``."""


__all__ += ["BatchFailedError", "BatchInputError", "BatchJobError", "BatchLineError"]
# -- structured outputs (responses) -------------------------------------------


class LengthFinishReasonError(OpenAIError):
    """The answer was cut by the token limit (``finish_reason="length"`` or an
    incomplete response) before a structured output could be complete."""


__all__ += ["LengthFinishReasonError"]


# -- rate budgets (issue 13) --------------------------------------------------


class QuotaExceededError(RateLimitError):
    """429 ``insufficient_quota``: the account is out of credit. Waiting will not help,
    so it is not transient and never retried."""

    @property
    def is_transient_error(self) -> bool:
        return False


class RateLimitTimeoutError(RateLimitError):
    """The rate budget would have made this call wait longer than ``rate_limit_timeout``.

    Raised before anything is sent; ``retry_after`` is the wait the budget
    asked for. ``status_code`` is ``None``: the server was never asked.
    """

    @property
    def is_transient_error(self) -> bool:
        return False


__all__ += ["QuotaExceededError", "RateLimitTimeoutError"]


def _quota_aware_class(status: int, code: Optional[str]) -> Type[APIStatusError]:
    if status == 429 and code == "insufficient_quota":
        return QuotaExceededError
    return status_error_class(status)
