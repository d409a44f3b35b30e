"""Incremental Server-Sent Events decoding: feed bytes, get events.

Transports hand the core whatever byte chunks the socket produced, split at
arbitrary points (inside a line, inside a ``\\r\\n`` pair, inside a multi-byte
UTF-8 character). Keeping the parser a pure "feed bytes, get events" object
means the blocking and the asyncio client share one implementation and the
tests can replay every possible split without a network.

Two layers live here:

* :class:`SSEDecoder` implements the WHATWG ``text/event-stream`` parsing
  rules and knows nothing about OpenAI.
* :class:`JSONStreamDecoder` sits on top and applies the OpenAI conventions:
  ``data:`` carries JSON, ``[DONE]`` ends a Chat Completions stream, and an
  ``error`` object inside the stream is a failure, not a payload.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List, Mapping, Optional, Tuple

from ..errors import StreamError
from .effects import FrozenValue, set_frozen
from .json_depth import too_deep

__all__ = ["JSONStreamDecoder", "SSEDecoder", "ServerSentEvent", "StreamEvent"]

#: One dispatched event as ``(data, event, id, retry)`` (see SSEDecoder.feed_fields).
_EventFields = Tuple[str, Optional[str], Optional[str], Optional[int]]

_BOM = b"\xef\xbb\xbf"
_DONE = "[DONE]"
_EXCERPT_LIMIT = 200


class ServerSentEvent(FrozenValue):
    """One dispatched event.

    ``event`` is ``None`` when the stream did not name the event (the spec's
    default type, ``"message"``), so callers can tell "unnamed" from a server
    that literally sent ``event: message``. ``id`` is the stream's *last event
    ID* at dispatch time: per the spec it persists across events until an
    ``id:`` field changes it. ``retry`` is set only on the event whose block
    carried a valid ``retry:`` field. An immutable value (``==``, ``hash``).
    """

    __slots__ = ("data", "event", "id", "retry")
    data: str
    event: Optional[str]
    id: Optional[str]
    retry: Optional[int]

    def __init__(
        self,
        data: str,
        event: Optional[str] = None,
        id: Optional[str] = None,
        retry: Optional[int] = None,
    ) -> None:
        set_frozen(self, "data", data)
        set_frozen(self, "event", event)
        set_frozen(self, "id", id)
        set_frozen(self, "retry", retry)

    def json(self) -> Any:
        """Parse ``data`` as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.data)


class SSEDecoder:
    """A WHATWG event-stream parser that accepts bytes split anywhere.

    Bytes are buffered and only complete lines are decoded: decoding each
    chunk separately would corrupt a UTF-8 character cut in two by the
    transport. Each chunk is scanned once (``rfind`` for its last line end),
    so feeding a long line one byte at a time stays linear, and complete
    lines are split with C-level ``bytes``/``str`` operations rather than a
    per-byte Python loop.
    """

    #: A line longer than this is refused: a server (or a proxy) that never
    #: sends a line end must not make the client buffer without limit.
    DEFAULT_MAX_LINE = 16 * 1024 * 1024

    def __init__(self, *, max_line: int = DEFAULT_MAX_LINE) -> None:
        self._max_line = max_line
        # Bytes after the last line end seen so far (an unterminated line).
        self._partial = bytearray()
        self._bom_checked = False
        # The previous chunk ended with CR: a LF opening the next chunk is the
        # second half of the same CRLF line end, not an empty line.
        self._skip_lf = False
        self._data: List[str] = []
        self._event: Optional[str] = None
        self._block_retry: Optional[int] = None
        # True once a data/event field was read since the last blank line.
        self._in_event = False
        self._last_event_id: Optional[str] = None
        self._retry: Optional[int] = None
        self._closed = False

    @property
    def pending(self) -> bool:
        """Whether input that was never delivered as an event remains.

        True for an unterminated line or for ``data:``/``event:`` fields not
        yet closed by a blank line. After :meth:`close` this tells a clean end
        from a stream cut off mid-event, which the spec otherwise hides by
        silently discarding the partial event.
        """
        return bool(self._partial) or self._in_event

    @property
    def last_event_id(self) -> Optional[str]:
        """The last ``id:`` value seen (``None`` before any), for reconnection."""
        return self._last_event_id

    @property
    def retry(self) -> Optional[int]:
        """The last valid ``retry:`` value in milliseconds (``None`` before any)."""
        return self._retry

    def feed(self, chunk: bytes) -> List[ServerSentEvent]:
        """Consume the next bytes of the stream; return the events they completed."""
        return [ServerSentEvent(*fields) for fields in self.feed_fields(chunk)]

    def feed_fields(self, chunk: bytes) -> List[_EventFields]:
        """Like :meth:`feed`, each event as a ``(data, event, id, retry)`` tuple.

        The JSON layer reads only ``data`` and ``event`` of hundreds of events
        per stream; a tuple costs a fraction of a frozen attrs instance.
        """
        if self._closed:
            raise RuntimeError("SSEDecoder.feed() called after close()")
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        if not self._bom_checked:
            self._partial += chunk
            if len(self._partial) < len(_BOM) and _BOM.startswith(self._partial):
                return []  # Too few bytes yet to tell a BOM from data.
            self._bom_checked = True
            if self._partial.startswith(_BOM):
                del self._partial[: len(_BOM)]
            chunk = bytes(self._partial)
            self._partial.clear()
        cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if cut < 0:
            self._partial += chunk
            self._check_line_length()
            return []
        if self._partial:
            self._partial += chunk[: cut + 1]
            block = bytes(self._partial)
            self._partial = bytearray(chunk[cut + 1 :])
        elif cut + 1 == len(chunk):  # perf: the usual read, ending at a line end
            self._skip_lf = chunk[cut] == 13  # a CR: a LF may open the next chunk
            return self._process(chunk)
        else:
            block = chunk[: cut + 1]
            self._partial += chunk[cut + 1 :]
        self._skip_lf = not self._partial and block.endswith(b"\r")
        self._check_line_length()
        return self._process(block)

    def _check_line_length(self) -> None:
        if len(self._partial) > self._max_line:
            raise StreamError(
                f"stream line longer than {self._max_line} bytes without a line end; "
                "refusing to buffer more"
            )

    def close(self) -> List[ServerSentEvent]:
        """Signal end of input.

        The spec discards an event not terminated by a blank line, so this
        always returns ``[]``; it exists so that drivers can treat end of input
        like any other feed, and so that :attr:`pending` can be checked
        afterwards to report truncation. Idempotent.
        """
        self._closed = True
        return []

    def _process(self, block: bytes) -> List[_EventFields]:
        # ``block`` ends exactly at a line end, and line ends are ASCII, so it
        # never ends inside a UTF-8 sequence and decodes as a whole. Invalid
        # bytes become U+FFFD, as the spec's UTF-8 decode requires.
        text = block.decode("utf-8", "replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not self._in_event and self._block_retry is None:
            fast = self._plain_events(text)
            if fast is not None:
                return fast
        lines = text.split("\n")
        lines.pop()  # The block ends with a line end, so the last piece is "".
        events: List[_EventFields] = []
        for line in lines:
            if not line:
                event = self._dispatch()
                if event is not None:
                    events.append(event)
                continue
            colon = line.find(":")
            if colon == 0:
                continue  # A comment (servers use these as keep-alives).
            if colon < 0:
                name, value = line, ""
            else:
                name = line[:colon]
                value = line[colon + 1 :]
                if value[:1] == " ":
                    value = value[1:]
            if name == "data":
                self._data.append(value)
                self._in_event = True
            elif name == "event":
                self._event = value
                self._in_event = True
            elif name == "id":
                if "\0" not in value:
                    self._last_event_id = value
            elif name == "retry" and value.isascii() and value.isdigit():
                self._retry = self._block_retry = int(value)
            # Any other field name is ignored, as the spec requires.
        return events

    def _plain_events(self, text: str) -> Optional[List[_EventFields]]:
        """The events of ``text`` if it is only ``data: <one line>`` events, else ``None``.

        perf: what OpenAI sends, one ``data: {...}\\n\\n`` per event, costs one
        split and one slice per event instead of the line-by-line loop. Only
        called with no fields pending (outside an event, no ``retry:`` read),
        where the loop would produce exactly these tuples and leave the state
        as it found it; anything else (comments, other fields, several data
        lines, blank-line runs) returns ``None`` having changed nothing.
        """
        pieces = text.split("\n\n")
        if pieces[-1]:
            return None  # The block does not end with a blank line.
        pieces.pop()
        last_id = self._last_event_id
        events: List[_EventFields] = []
        for piece in pieces:
            if piece[:6] != "data: " or "\n" in piece:
                return None
            events.append((piece[6:], None, last_id, None))
        return events

    def _dispatch(self) -> Optional[_EventFields]:
        data, event, retry = self._data, self._event, self._block_retry
        self._event = None
        self._block_retry = None
        self._in_event = False
        if not data:
            return None  # The spec dispatches nothing for a block without data.
        self._data = []
        return (
            "\n".join(data) if len(data) > 1 else data[0],
            event or None,
            self._last_event_id,
            retry,
        )


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
