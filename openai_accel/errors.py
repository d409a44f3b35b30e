"""The error hierarchy, and the one pure function that turns a reply into an error.

Every failure the library raises derives from :class:`OpenAIError`, so a caller
can catch one type and still ask precise questions (``is_rate_limit_error``,
``retry_after``) without parsing messages. ``error_from_response`` does no I/O:
both clients, the retry policy and the tests share it.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Type

from ._core.error_body import (
    decode_error_body,
    opt_str,
    parse_retry_after,
    printable,
    summarise_text,
)

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


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, now: Optional[float] = None
) -> APIStatusError:
    """Build the typed error for an HTTP error reply. Pure; never raises itself.

    ``headers`` must be case-insensitive or lower-cased.
    """
    decoded, error = decode_error_body(body)
    message = error.get("message") if error else None
    if not isinstance(message, str) or not message.strip():
        message = None
    if not message:
        if isinstance(decoded, str) and decoded.strip():
            message = f"HTTP {status}: {summarise_text(decoded)}"
        else:
            message = f"HTTP {status} with no error message"
    cls = _quota_aware_class(status, opt_str(error.get("code")))
    return cls(
        printable(message),
        status_code=status,
        type=opt_str(error.get("type")),
        code=opt_str(error.get("code")),
        param=opt_str(error.get("param")),
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
