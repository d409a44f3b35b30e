"""Fault descriptions and what each one looks like on the wire.

A :class:`Fault` says *how* a reply should go wrong (an error status with
retry hints, extra latency, a reset connection, a stream that breaks off or
carries an error event) and *which* requests it hits (route, count,
probability). The emulator applies it; this module only describes it, parses
the CLI's ``--fault`` spelling and renders the error reply, so a soak test and
a command-line user get exactly the same misbehaviour.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any, Dict, Optional, Tuple

import attrs

from ._wire import dumps_pretty, error_body


def _check_status(instance: Any, attribute: Any, value: Optional[int]) -> None:
    if value is not None and not 100 <= value <= 599:
        raise ValueError(f"status must be an HTTP status code (100-599), got {value}")


def _check_count(instance: Any, attribute: Any, value: Optional[int]) -> None:
    if value is not None and value < 1:
        raise ValueError(f"count must be >= 1 or None (forever), got {value}")


def _check_probability(instance: Any, attribute: Any, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"probability must be within [0, 1], got {value}")


def _check_non_negative(instance: Any, attribute: Any, value: Optional[float]) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value}")


@attrs.frozen(kw_only=True)
class Fault:
    """How to misbehave, and on which requests.

    What happens, in order: ``latency`` seconds of delay; then ``reset`` closes
    the connection before any response byte; else ``status`` answers with that
    error (the real error body; 502 and 504 get a proxy's HTML page) plus the
    ``retry-after``/``retry-after-ms``/``x-should-retry`` headers asked for.
    A retry hint without a status means 429. ``cut_stream_after`` and
    ``error_event`` only hit streaming requests: the stream sends that many
    events and then drops the connection (no ``[DONE]``), or sends an in-stream
    ``{"error": ...}`` event and ends.

    Which requests: ``route`` (a path such as ``/v1/chat/completions``; None =
    any), ``count`` (how many requests it hits; None = every one) and
    ``probability`` (each matching request is hit with this chance, drawn from
    the emulator's seeded RNG, so soak tests are reproducible).
    """

    status: Optional[int] = attrs.field(default=None, validator=_check_status)
    retry_after: Optional[float] = attrs.field(default=None, validator=_check_non_negative)
    retry_after_ms: Optional[int] = attrs.field(default=None, validator=_check_non_negative)
    retry_after_date: bool = False
    should_retry: Optional[bool] = None
    latency: float = attrs.field(default=0.0, validator=_check_non_negative)
    reset: bool = False
    cut_stream_after: Optional[int] = attrs.field(default=None, validator=_check_non_negative)
    error_event: bool = False
    route: Optional[str] = None
    count: Optional[int] = attrs.field(default=1, validator=_check_count)
    probability: float = attrs.field(default=1.0, validator=_check_probability)

    @property
    def stream_only(self) -> bool:
        """Faults that only make sense inside an SSE body skip non-streaming requests."""
        return (self.cut_stream_after is not None or self.error_event) and not (
            self.reset or self.effective_status is not None
        )

    @property
    def effective_status(self) -> Optional[int]:
        if self.status is not None:
            return self.status
        if self.retry_after is not None or self.retry_after_ms is not None:
            return 429
        if self.retry_after_date:
            return 429
        return None


_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True}
_BOOL_WORDS.update({"0": False, "false": False, "no": False, "off": False})
_FOREVER_WORDS = {"none", "inf", "forever", "always", "-1"}


def _parse_bool(key: str, text: str) -> bool:
    try:
        return _BOOL_WORDS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"fault spec: {key} expects true/false, got {text!r}") from None


def parse_fault_spec(spec: str) -> Fault:
    """Parse the CLI spelling of a fault: comma-separated ``key=value`` items.

    Examples: ``status=503,count=3``; ``status=429,retry_after=2,route=/v1/chat/completions``;
    ``reset,count=1``; ``latency=0.5``; ``cut_stream_after=3``; ``error_event``;
    ``should_retry=false,status=500``; ``status=503,count=forever,probability=0.3``.
    A bare flag (``reset``, ``error_event``, ``retry_after_date``) means true.
    ``count`` accepts ``forever``/``none``/``inf`` for "every matching request".
    """
    fields = {f.name: f for f in attrs.fields(Fault)}
    values: Dict[str, Any] = {}
    for raw_item in spec.split(","):
        item = raw_item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        value = value.strip()
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ValueError(f"fault spec: unknown key {key!r} (known: {known})")
        if key in ("reset", "error_event", "retry_after_date", "should_retry"):
            values[key] = _parse_bool(key, value) if sep else True
            continue
        if not sep:
            raise ValueError(f"fault spec: {key} needs a value ({key}=...)")
        try:
            if key in ("status", "retry_after_ms", "cut_stream_after"):
                values[key] = int(value)
            elif key == "count":
                values[key] = None if value.lower() in _FOREVER_WORDS else int(value)
            elif key in ("retry_after", "latency", "probability"):
                values[key] = float(value)
            else:  # route
                values[key] = value or None
        except ValueError:
            raise ValueError(f"fault spec: bad value for {key}: {value!r}") from None
    return Fault(**values)


_HTML_PAGES = {
    502: "502 Bad Gateway",
    504: "504 Gateway Time-out",
}

_ERROR_TEXT: Dict[int, Tuple[str, str, Optional[str]]] = {
    400: ("Bad request.", "invalid_request_error", None),
    401: ("Unauthorized.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None),
    404: ("Not found.", "invalid_request_error", None),
    408: ("Request timed out.", "timeout", None),
    409: ("The request conflicted with another request; please retry.", "conflict", None),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


def fault_headers(fault: Fault, now: Optional[float] = None) -> Dict[str, str]:
    """The retry hint headers a fault asks for (also used on scripted replies)."""
    headers: Dict[str, str] = {}
    if fault.retry_after_date:
        delay = fault.retry_after if fault.retry_after is not None else 1.0
        moment = (time.time() if now is None else now) + delay
        headers["retry-after"] = email.utils.formatdate(moment, usegmt=True)
    elif fault.retry_after is not None:
        headers["retry-after"] = _seconds_text(fault.retry_after)
    if fault.retry_after_ms is not None:
        headers["retry-after-ms"] = str(int(fault.retry_after_ms))
    if fault.should_retry is not None:
        headers["x-should-retry"] = "true" if fault.should_retry else "false"
    return headers


def fault_reply(fault: Fault, status: int) -> Tuple[bytes, str, Dict[str, str]]:
    """Body, content type and extra headers for a fault's error status."""
    headers = fault_headers(fault)
    if status in _HTML_PAGES:
        title = _HTML_PAGES[status]
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return page.encode("ascii"), "text/html", headers
    if status == 429:
        wait = fault.retry_after if fault.retry_after is not None else 1.0
        if fault.retry_after_ms is not None and fault.retry_after is None:
            wait = fault.retry_after_ms / 1000.0
        message = (
            "Rate limit reached for requests in organization org-emulator on requests per "
            f"min (RPM): Limit 3, Used 3, Requested 1. Please try again in {wait:g}s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more."
        )
        body = error_body(message, "requests", None, "rate_limit_exceeded")
        headers.update(
            {
                "x-ratelimit-limit-requests": "3",
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": f"{wait:g}s",
            }
        )
    else:
        default = _ERROR_TEXT.get(status)
        if default is None:
            kind = "server_error" if status >= 500 else "invalid_request_error"
            default = (f"The emulator injected an HTTP {status} error.", kind, None)
        message, type_, code = default
        body = error_body(message, type_, None, code)
    return dumps_pretty(body, trailing_newline=False), "application/json", headers
