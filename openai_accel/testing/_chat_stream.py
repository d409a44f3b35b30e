"""The ``chat.completion.chunk`` sequence of a streamed chat answer (see :mod:`._chat`)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Dict, List, Optional

if TYPE_CHECKING:  # the plan is built in ._chat, which imports this module
    from ._chat import ChatPlan
from ._wire import pieces, random_alnum

_FRAGMENT_SIZES = (3, 5, 4, 6, 2, 7)


def split_arguments(arguments: str) -> List[str]:
    """Cut a JSON string at deterministic, deliberately awkward points (like the API)."""
    fragments = []
    position = 0
    turn = 0
    while position < len(arguments):
        size = _FRAGMENT_SIZES[turn % len(_FRAGMENT_SIZES)]
        fragments.append(arguments[position : position + size])
        position += size
        turn += 1
    return fragments or [""]


def stream_chunks(
    chat: ChatPlan, completion_id: str, created: int, rng: random.Random
) -> List[Dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a stream, in order (without ``[DONE]``)."""
    chunks: List[Dict[str, Any]] = []

    def chunk(choices: List[Dict[str, Any]], usage_first: bool = False) -> Dict[str, Any]:
        item: Dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": chat.model,
            "service_tier": chat.service_tier,
            "system_fingerprint": chat.system_fingerprint,
        }
        if chat.include_usage and usage_first:
            item["usage"] = None
        item["choices"] = choices
        if chat.include_usage and not usage_first:
            item["usage"] = None
        if chat.include_obfuscation:
            item["obfuscation"] = random_alnum(rng, rng.randint(1, 16))
        return item

    def choice(
        index: int,
        delta: Dict[str, Any],
        finish: Optional[str] = None,
        logprobs: Optional[Dict[str, Any]] = None,
    ) -> List[Dict[str, Any]]:
        return [{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]

    for index, plan_choice in enumerate(chat.choices):
        if plan_choice.tool_calls is not None:
            chunks.append(chunk(choice(index, {"role": "assistant", "content": None}), True))
            for call_index, call in enumerate(plan_choice.tool_calls):
                opening = {
                    "index": call_index,
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": ""},
                }
                chunks.append(chunk(choice(index, {"tool_calls": [opening]}), True))
                for fragment in split_arguments(call["function"]["arguments"]):
                    delta = {
                        "tool_calls": [{"index": call_index, "function": {"arguments": fragment}}]
                    }
                    chunks.append(chunk(choice(index, delta), True))
        else:
            opening_delta = {"role": "assistant", "content": "", "refusal": None}
            chunks.append(chunk(choice(index, opening_delta)))
            entries = (plan_choice.logprobs or {}).get("content") or []
            for piece_index, piece in enumerate(pieces(plan_choice.content or "")):
                logprobs = None
                if plan_choice.logprobs is not None and piece_index < len(entries):
                    logprobs = {"content": [entries[piece_index]], "refusal": None}
                chunks.append(chunk(choice(index, {"content": piece}, None, logprobs)))
        chunks.append(chunk(choice(index, {}, plan_choice.finish_reason)))
    if chat.include_usage:
        final = chunk([])
        final["usage"] = chat.usage
        if "obfuscation" in final:
            final["obfuscation"] = final.pop("obfuscation")
        chunks.append(final)
    return chunks
