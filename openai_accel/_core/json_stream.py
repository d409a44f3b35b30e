"""OpenAI's JSON-over-SSE conventions: JSON payloads, ``[DONE]``, errors inside a stream.

The upper of two layers (the lower, :mod:`~openai_accel._core.sse`, parses
``text/event-stream`` and knows nothing about OpenAI): ``data:`` carries
JSON, ``[DONE]`` ends a Chat Completions stream, and an ``error`` object
inside the stream is a failure, not a payload. Separate so that the WHATWG
rules and OpenAI's stay readable (and testable) on their own.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List, Mapping, Optional, Tuple

from ..errors import StreamError
from .effects import FrozenValue, set_frozen
from .json_depth import too_deep
from .sse import SSEDecoder

__all__ = ["JSONStreamDecoder", "StreamEvent"]

_DONE = "[DONE]"
_EXCERPT_LIMIT = 200


class StreamEvent(FrozenValue):
    """A decoded JSON payload and the SSE event name it came with.

    The Responses API names every event (``response.output_text.delta``...);
    Chat Completions streams leave ``event`` as ``None``.
    """

    __slots__ = ("data", "event")
    event: Optional[str]
    data: Any

    def __init__(self, event: Optional[str], data: Any) -> None:
        set_frozen(self, "event", event)
        set_frozen(self, "data", data)


class JSONStreamDecoder:
    """OpenAI's JSON-over-SSE conventions on top of :class:`SSEDecoder`.

    Chat Completions and audio transcription streams end with ``data: [DONE]``;
    its absence at end of input means the connection broke, which must not be
    mistaken for a complete answer. Responses API streams end after
    ``response.completed`` with no ``[DONE]``: pass ``expect_done=False`` for
    those (a ``[DONE]`` from a compatible server still ends the stream).

    An ``error`` object inside the stream raises :class:`StreamError`. When
    valid events precede the error in the same chunk they are returned first
    and the error is raised by the next :meth:`feed`/:meth:`finish` call, so a
    caller never loses output the server did send.
    """

    def __init__(self, *, expect_done: bool = True) -> None:
        self._sse = SSEDecoder()
        self._expect_done = expect_done
        self._done = False
        self._error: Optional[StreamError] = None

    @property
    def done(self) -> bool:
        """True once ``[DONE]`` was seen; later input is ignored."""
        return self._done

    @property
    def pending(self) -> bool:
        """Whether undelivered partial input remains (see :attr:`SSEDecoder.pending`)."""
        return not self._done and self._sse.pending

    def feed(self, chunk: bytes) -> List[Any]:
        """Consume bytes; return the decoded JSON payloads they completed."""
        return self._decode(chunk, with_events=False)

    def feed_events(self, chunk: bytes) -> List[StreamEvent]:
        """Like :meth:`feed`, keeping each payload's SSE event name."""
        return self._decode(chunk, with_events=True)

    def _decode(self, chunk: bytes, *, with_events: bool) -> List[Any]:
        if self._error is not None:
            raise self._error
        if self._done:
            return []
        decoded: List[Any] = []
        for data, event, _, _ in self._sse.feed_fields(chunk):
            if data[:1] != "{":  # perf: a JSON object is neither [DONE] nor blank (no strip copy)
                stripped = data.strip()
                if stripped == _DONE:
                    self._done = True
                    break
                if not stripped:
                    continue  # An empty data event carries nothing; treat it as a keep-alive.
            try:
                if too_deep(data):
                    raise RecursionError("nested too deeply")
                payload = _loads(data)
            except (ValueError, RecursionError) as exc:
                # RecursionError: JSON nested thousands deep; still just bad input.
                reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                error = StreamError(
                    f"invalid JSON in stream event ({reason}): {_excerpt(data)}", body=data
                )
            else:
                # perf: an ordinary chunk (no event name, no error or type key)
                # is told apart without the call; _stream_error decides the rest.
                if (
                    event is None
                    and type(payload) is dict
                    and "error" not in payload
                    and "type" not in payload
                ):
                    decoded.append(payload if not with_events else StreamEvent(event, payload))
                    continue
                found = _stream_error(event, payload)
                if found is None:
                    decoded.append(StreamEvent(event, payload) if with_events else payload)
                    continue
                error = found
            self._error = error
            if decoded:
                break  # Deliver what came before the error; raise on the next call.
            raise error
        return decoded

    def finish(self) -> None:
        """Signal end of input; raise :class:`StreamError` if the stream was cut short."""
        if self._error is not None:
            raise self._error
        self._sse.close()
        if self._done:
            return
        if self._expect_done:
            raise StreamError("stream ended before [DONE]")
        if self._sse.pending:
            raise StreamError("stream ended in the middle of an event")


def _loads(text: str) -> Any:
    """``json.loads(text)``, calling the decoder's scanner directly when it can.

    perf: ``json.loads`` wraps the C scanner in three Python calls and two
    whitespace regex matches per event. When the scanner reads a value that
    starts at 0 and ends at the end of ``text``, ``json.loads`` would return an
    equal value (it strips no whitespace there, and finds no extra data);
    anything else (leading or trailing whitespace, a BOM, extra data, bad
    JSON) goes through ``json.loads`` itself, for its result or its error.
    """
    try:
        value, end = _scan_once(text, 0)
    except Exception:  # StopIteration, JSONDecodeError, RecursionError...
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value


#: The scanner ``json.loads`` uses (its default decoder's); typeshed does not declare it.
_scan_once: Callable[[str, int], Tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _stream_error(event: Optional[str], payload: Any) -> Optional[StreamError]:
    """The error a payload reports, or ``None`` for an ordinary event.

    Chat Completions (and most compatible servers) send ``{"error": {...}}``;
    some servers send ``{"error": "text"}``; the Responses API sends an
    ``error`` event whose fields sit at the top level.
    """
    if not isinstance(payload, dict):
        return None
    nested = payload.get("error")
    fields: Mapping[str, Any]
    if isinstance(nested, dict):
        fields = nested
        error_type = _opt_str(nested.get("type"))
    elif isinstance(nested, str):
        fields = {"message": nested}
        error_type = None
    elif event == "error" or payload.get("type") == "error":
        fields = payload
        error_type = None  # Here "type" names the event, not the error.
    else:
        return None
    message = fields.get("message") or "the server reported an error in the stream"
    return StreamError(
        str(message),
        type=error_type,
        code=_opt_str(fields.get("code")),
        param=_opt_str(fields.get("param")),
        body=payload,
    )


def _opt_str(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def _excerpt(text: str) -> str:
    if len(text) <= _EXCERPT_LIMIT:
        return repr(text)
    return repr(text[:_EXCERPT_LIMIT]) + "..."
