"""Small builders for mock-transport handlers."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from openai_accel._core.http import Headers, HttpRequest, HttpResponse


def reply(
    status: int = 200,
    body: Any = None,
    headers: Optional[Mapping[str, str]] = None,
    *,
    raw: Optional[bytes] = None,
    content_type: str = "application/json",
) -> HttpResponse:
    h = Headers({"content-type": content_type})
    h.update({k.lower(): v for k, v in (headers or {}).items()})
    content = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    return HttpResponse(status, h, content=content)


def recorded_reply(exchange: Mapping[str, Any]) -> HttpResponse:
    """The HttpResponse of a recorded exchange (see tests/_shared.py)."""
    response = exchange["response"]
    headers = Headers.from_pairs(
        (k, v) for k, v in response["headers"] if k.lower() != "content-encoding"
    )
    return HttpResponse(response["status"], headers, content=response["body"].encode("utf-8"))


def sequence(*responses: HttpResponse) -> Callable[[HttpRequest], HttpResponse]:
    """A handler answering with ``responses`` in order (the last one repeats)."""
    queue: List[HttpResponse] = list(responses)

    def handler(request: HttpRequest) -> HttpResponse:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def chat_body(
    content: Optional[str] = "Hello!",
    *,
    tool_calls: Optional[Sequence[Tuple[str, str, Dict[str, Any]]]] = None,
    **extra: Any,
) -> Dict[str, Any]:
    """A chat.completion body; ``tool_calls`` are (id, name, arguments) triples."""
    message: Dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": cid,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for cid, name, args in tool_calls
        ]
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }
    body.update(extra)
    return body


def error_body(
    message: str,
    type_: str = "invalid_request_error",
    code: Optional[str] = None,
    param: Optional[str] = None,
) -> Dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def sent_json(request: HttpRequest) -> Dict[str, Any]:
    assert isinstance(request.body, bytes)
    return json.loads(request.body)  # type: ignore[no-any-return]
