"""The per-request metrics record and how token counts are read from ``usage``."""

from collections import abc
from typing import Any, Mapping, Optional, Tuple

import attrs

__all__ = ["INERT_RECORD", "RequestMetrics", "tokens_from_usage"]


@attrs.define
class RequestMetrics:
    """What one request did, success or failure.

    ``start_time`` / ``end_time`` are wall-clock (``time.time()``) so they can be
    shown and correlated with logs; ``duration`` and ``time_to_first_token`` are
    measured with a monotonic clock so a wall-clock step cannot make them
    negative. ``end_time`` is ``start_time + duration`` for the same reason.
    Sizes are bytes on the wire (request body sent, response body received);
    ``server_request_id`` is the server's ``x-request-id`` when there was a reply.
    """

    request_id: str
    request_type: str
    start_time: float
    end_time: Optional[float] = None
    duration: Optional[float] = None
    success: bool = False
    model: Optional[str] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    total_tokens: Optional[int] = None
    error_type: Optional[str] = None
    retry_count: int = 0
    request_size: int = 0
    response_size: int = 0
    status_code: Optional[int] = None
    time_to_first_token: Optional[float] = None
    server_request_id: Optional[str] = None
    # obs (telemetry): what the reply said about itself, for spans; see note_reply().
    response_model: Optional[str] = None
    response_id: Optional[str] = None
    finish_reasons: Optional[Tuple[str, ...]] = None
    # Monotonic start, only meaningful to the recorder that made the record.
    monotonic_start: float = attrs.field(default=0.0, repr=False, eq=False)


@attrs.frozen
class _InertRequestMetrics(RequestMetrics):
    """The one shared record the :class:`NullRecorder` hands out.

    Frozen so that a pipeline bug writing into it fails loudly instead of
    leaking data between unrelated requests through a shared object.
    """


INERT_RECORD = _InertRequestMetrics(request_id="", request_type="", start_time=0.0)


def _as_count(value: Any) -> Optional[int]:
    """An int token count, or None for anything else (bools, strings, floats...).

    Usage comes from the server; a malformed value must not break metrics or
    the caller, it is simply not counted.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def tokens_from_usage(
    usage: Optional[Mapping[str, Any]],
) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """Read ``(input, output, total)`` tokens from any OpenAI ``usage`` shape.

    Shapes: chat completions ``prompt_tokens`` / ``completion_tokens`` /
    ``total_tokens``; the Responses API and token-billed transcription
    ``input_tokens`` / ``output_tokens`` / ``total_tokens``; embeddings
    ``prompt_tokens`` + ``total_tokens`` (no output); whisper's
    ``{"type": "duration", "seconds": N}`` carries no tokens at all. A missing
    total is the sum of input and output when both are known.
    """
    # type() first: isinstance against an ABC is slow, and this runs per request
    if not usage or (type(usage) is not dict and not isinstance(usage, abc.Mapping)):
        return None, None, None
    # perf: a plain non-negative int is taken as it is; anything else goes
    # through _as_count (three calls fewer per request on the usual reply).
    inp = usage.get("prompt_tokens")
    if type(inp) is not int or inp < 0:
        inp = _as_count(inp)
        if inp is None:
            inp = _as_count(usage.get("input_tokens"))
    out = usage.get("completion_tokens")
    if type(out) is not int or out < 0:
        out = _as_count(out)
        if out is None:
            out = _as_count(usage.get("output_tokens"))
    total = usage.get("total_tokens")
    if type(total) is not int or total < 0:
        total = _as_count(total)
    if total is None and inp is not None and out is not None:
        total = inp + out
    return inp, out, total


def note_reply(m: RequestMetrics, reply: Mapping[str, Any]) -> None:
    """Copy the reply's ``model``, ``id`` and choices' ``finish_reason`` into ``m``.

    Only strings are taken (the server decides these fields; a malformed value
    is dropped, never raised), so a telemetry sink can report them as span
    attributes without parsing the reply again.
    """
    model, rid = reply.get("model"), reply.get("id")
    m.response_model = model if isinstance(model, str) else None
    m.response_id = rid if isinstance(rid, str) else None
    choices = reply.get("choices")
    if type(choices) is list and len(choices) == 1 and type(choices[0]) is dict:
        # perf: the usual reply has one choice; no list comprehension (a function
        # call and a list each in 3.11) for it
        reason = choices[0].get("finish_reason")
        m.finish_reasons = (reason,) if isinstance(reason, str) else None
    elif isinstance(choices, list):
        reasons = [  # perf: type() first, the ABC check only for other mappings
            c.get("finish_reason") for c in choices if type(c) is dict or isinstance(c, Mapping)
        ]
        # perf: a list comprehension, not a generator, into tuple()
        m.finish_reasons = tuple([r for r in reasons if isinstance(r, str)]) or None
