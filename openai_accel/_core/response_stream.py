"""Assemble a Responses API event stream into the ``response`` body a plain call returns.

The stream ends with a terminal event (``response.completed``, or
``response.incomplete``) that carries the whole response, so the final body is
normally that event's ``response``. The accumulator still follows the items
(``response.output_item.added`` / ``.done``) and their deltas, for two
reasons: a server that sends a terminal response without its ``output`` (some
compatible servers do) still yields the full answer, and a stream cut before
the terminal event is reported with what was received, never passed off as a
complete answer. ``response.failed`` is the model failing mid-answer: a
:class:`~openai_accel.errors.StreamError` carrying the server's error.

Pure and cheap per event: deltas are appended to lists and joined once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ..errors import StreamError

__all__ = ["TERMINAL_EVENTS", "ResponseStreamAccumulator"]

TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})


class _Item:
    __slots__ = ("body", "fragments", "parts")

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body: Dict[str, Any] = dict(body)
        self.fragments: List[str] = []  # function_call arguments
        self.parts: Dict[int, List[str]] = {}  # content_index -> text deltas

    def finished(self) -> Dict[str, Any]:
        body = dict(self.body)
        if body.get("type") == "function_call" and self.fragments and not body.get("arguments"):
            body["arguments"] = "".join(self.fragments)
        if body.get("type") == "message" and self.parts and not body.get("content"):
            body["content"] = [
                {"type": "output_text", "text": "".join(self.parts[index]), "annotations": []}
                for index in sorted(self.parts)
            ]
        return body


class ResponseStreamAccumulator:
    """Feed each decoded event (a dict); ask :meth:`final_body` after the terminal one."""

    def __init__(self) -> None:
        self._response: Optional[Dict[str, Any]] = None
        self._items: Dict[int, _Item] = {}
        self._terminal: Optional[Dict[str, Any]] = None
        self.events = 0

    @property
    def finished(self) -> bool:
        return self._terminal is not None

    def add(self, event: Mapping[str, Any]) -> None:
        self.events += 1
        kind = event.get("type")
        if kind == "response.output_text.delta":
            item = self._items.get(_index(event.get("output_index")))
            if item is not None:
                delta = event.get("delta")
                if isinstance(delta, str):
                    item.parts.setdefault(_index(event.get("content_index")), []).append(delta)
        elif kind == "response.function_call_arguments.delta":
            item = self._items.get(_index(event.get("output_index")))
            delta = event.get("delta")
            if item is not None and isinstance(delta, str):
                item.fragments.append(delta)
        elif kind in ("response.output_item.added", "response.output_item.done"):
            body = event.get("item")
            if isinstance(body, Mapping):
                index = _index(event.get("output_index"))
                current = self._items.get(index)
                if current is None or kind == "response.output_item.added":
                    self._items[index] = _Item(body)
                else:
                    current.body = dict(body)
        elif kind in ("response.created", "response.in_progress"):
            response = event.get("response")
            if isinstance(response, Mapping):
                self._response = dict(response)
        elif kind in TERMINAL_EVENTS:
            response = event.get("response")
            self._terminal = dict(response) if isinstance(response, Mapping) else {}
            if kind == "response.failed":
                raise _failed(self._terminal, event)

    def final_body(self) -> Dict[str, Any]:
        """The whole ``response`` object; StreamError when the terminal event never came."""
        if self._terminal is None:
            where = f"after {self.events} events" if self.events else "before any event"
            raise StreamError(f"the stream ended {where}, before response.completed")
        body = {**(self._response or {}), **self._terminal}
        if not body.get("output") and self._items:
            body["output"] = [self._items[index].finished() for index in sorted(self._items)]
        return body


def _index(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _failed(response: Mapping[str, Any], event: Mapping[str, Any]) -> StreamError:
    error = response.get("error")
    fields: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    message = fields.get("message") or "the response failed while streaming"
    code = fields.get("code")
    return StreamError(str(message), code=None if code is None else str(code), body=dict(event))
