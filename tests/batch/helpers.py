"""Small builders shared by the batch tests."""

from __future__ import annotations

import json
from typing import Any, Dict, List


def chat_body(text: str) -> Dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def chat_requests(count: int) -> List[Dict[str, Any]]:
    return [chat_body(f"question {i}") for i in range(count)]


def answer(item: Any) -> str:
    """The emulator echoes the question: 'You said: question N'."""
    return str(item.response.choices[0].message.content)


def input_jsonl(count: int, endpoint: str = "/v1/chat/completions") -> bytes:
    lines = (
        json.dumps(
            {
                "custom_id": f"c{i}",
                "method": "POST",
                "url": endpoint,
                "body": chat_body(f"question {i}"),
            }
        )
        for i in range(count)
    )
    return ("\n".join(lines) + "\n").encode()
