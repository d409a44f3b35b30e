"""Small helpers for the emulator tests: SSE parsing by hand and canned requests."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import requests

from openai_accel.testing import Emulator

USER = {"role": "user", "content": "Say this is a test"}


def chat(
    http: requests.Session, emulator: Emulator, *, lazy: bool = False, **body: Any
) -> requests.Response:
    """POST a chat request (``lazy``: leave the body unread, to watch a stream break)."""
    payload: Dict[str, Any] = {"model": "gpt-4o-mini", "messages": [USER]}
    payload.update(body)
    return http.post(emulator.base_url + "/chat/completions", json=payload, stream=lazy)


def sse_payloads(raw: bytes) -> List[str]:
    """Split an SSE body into its ``data:`` payloads, checking the framing on the way.

    Every event must be exactly one ``data: ...`` line followed by a blank line
    (the Chat Completions framing: no ``event:`` lines, no comments).
    """
    text = raw.decode("utf-8")
    assert text.endswith("\n\n"), "an SSE body ends with a blank line"
    events = text[:-2].split("\n\n")
    payloads = []
    for event in events:
        assert "\n" not in event, f"one line per event, got {event!r}"
        assert event.startswith("data: "), f"every event is a data line, got {event!r}"
        payloads.append(event[len("data: ") :])
    return payloads


def sse_json(raw: bytes) -> List[Dict[str, Any]]:
    """The JSON events of a complete stream (which must end with ``[DONE]``)."""
    payloads = sse_payloads(raw)
    assert payloads[-1] == "[DONE]"
    return [json.loads(p) for p in payloads[:-1]]


def error_of(response: requests.Response) -> Dict[str, Any]:
    body = response.json()
    assert list(body) == ["error"] or set(body) == {"error", "usage"}
    error: Dict[str, Any] = body["error"]
    assert list(error) == ["message", "type", "param", "code"]
    return error


def tool(name: str, description: str = "", parameters: Optional[Dict[str, Any]] = None) -> Any:
    function: Dict[str, Any] = {"name": name, "description": description}
    if parameters is not None:
        function["parameters"] = parameters
    return {"type": "function", "function": function}
