"""Incremental Server-Sent Events decoding: feed bytes, get events.

Transports hand the core whatever byte chunks the socket produced, split at
arbitrary points (inside a line, inside a ``\\r\\n`` pair, inside a multi-byte
UTF-8 character). Keeping the parser a pure "feed bytes, get events" object
means the blocking and the asyncio client share one implementation and the
tests can replay every possible split without a network.

This is the lower of two layers: :class:`SSEDecoder` implements the WHATWG
``text/event-stream`` parsing rules and knows nothing about OpenAI. The
OpenAI conventions on top (JSON payloads, ``[DONE]``, errors inside the
stream) are :mod:`~openai_accel._core.json_stream`'s.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional, Tuple

from ..errors import StreamError
from .effects import FrozenValue, set_frozen

__all__ = ["SSEDecoder", "ServerSentEvent"]

#: One dispatched event as ``(data, event, id, retry)`` (see SSEDecoder.feed_fields).
_EventFields = Tuple[str, Optional[str], Optional[str], Optional[int]]

_BOM = b"\xef\xbb\xbf"


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
