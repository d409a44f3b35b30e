"""The event stream of a Responses API reply, in the recorded sequence and framing.

``response.created`` and ``response.in_progress`` (the response without output
or usage), then per output item ``output_item.added``, its parts and deltas
(one ``output_text.delta`` per token; ``function_call_arguments.delta``
fragments) and ``output_item.done``, then ``response.completed`` (or
``response.incomplete``) carrying the whole response. Every event is framed
as ``event: <type>`` + ``data: <json>`` and numbered by ``sequence_number``;
there is no ``[DONE]``. Keys are in the recordings' order.
"""

from __future__ import annotations

import json
import random
from typing import Any, Dict, List, Mapping, Tuple

from ._responses import ResponsePlan
from ._wire import pieces, random_alnum

__all__ = ["error_event", "frame", "stream_events"]


def _obfuscation(rng: random.Random, delta: str) -> str:
    return random_alnum(rng, max(1, 16 - len(delta)))


def _in_progress(response: Mapping[str, Any]) -> Dict[str, Any]:
    early = dict(response)
    early.update(status="in_progress", completed_at=None, output=[], usage=None)
    early["incomplete_details"] = None
    return early


def stream_events(plan_: ResponsePlan, rng: random.Random) -> List[Tuple[str, Dict[str, Any]]]:
    """(event name, payload) pairs of the stream, in order, numbered by ``sequence_number``."""
    events: List[Tuple[str, Dict[str, Any]]] = []

    def add(kind: str, **fields: Any) -> None:
        payload: Dict[str, Any] = {"type": kind}
        payload.update(fields)
        payload["sequence_number"] = len(events)
        if "text" in fields:  # the API puts ``text`` after the number
            payload["text"] = payload.pop("text")
        events.append((kind, payload))

    response = plan_.body
    early = _in_progress(response)
    add("response.created", response=early)
    add("response.in_progress", response=early)
    for index, item in enumerate(response["output"]):
        if item["type"] == "message":
            opened = {**item, "status": "in_progress", "content": []}
            add("response.output_item.added", item=opened, output_index=index)
            text = item["content"][0]["text"]
            empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
            add(
                "response.content_part.added",
                content_index=0,
                item_id=item["id"],
                output_index=index,
                part=empty,
            )
            for piece in pieces(text):
                add(
                    "response.output_text.delta",
                    content_index=0,
                    delta=piece,
                    item_id=item["id"],
                    logprobs=[],
                    obfuscation=_obfuscation(rng, piece),
                    output_index=index,
                )
            add(
                "response.output_text.done",
                content_index=0,
                item_id=item["id"],
                logprobs=[],
                output_index=index,
                text=text,
            )
            add(
                "response.content_part.done",
                content_index=0,
                item_id=item["id"],
                output_index=index,
                part=item["content"][0],
            )
        elif item["type"] == "function_call":
            opened = {**item, "status": "in_progress", "arguments": ""}
            add("response.output_item.added", item=opened, output_index=index)
            for piece in pieces(item["arguments"]) or [item["arguments"]]:
                add(
                    "response.function_call_arguments.delta",
                    delta=piece,
                    item_id=item["id"],
                    obfuscation=_obfuscation(rng, piece),
                    output_index=index,
                )
            add(
                "response.function_call_arguments.done",
                arguments=item["arguments"],
                item_id=item["id"],
                output_index=index,
            )
        else:
            add("response.output_item.added", item=item, output_index=index)
        add("response.output_item.done", item=item, output_index=index)
    terminal = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    add(terminal, response=response)
    return events


def error_event(sequence_number: int) -> Dict[str, Any]:
    """The ``error`` event the API sends when it fails mid-stream."""
    return {
        "type": "error",
        "code": "server_error",
        "message": "The server had an error while processing your request. Sorry about that!",
        "param": None,
        "sequence_number": sequence_number,
    }


def frame(payload: bytes) -> bytes:
    """One named SSE event: ``event: <type>`` then ``data: <payload>``."""
    kind = json.loads(payload).get("type", "error")
    return b"event: " + str(kind).encode("utf-8") + b"\ndata: " + payload + b"\n\n"
