"""``ChatChunk.from_checked`` builds what the converter would, from a checked chunk."""

from __future__ import annotations

from typing import Any, Dict

from hypothesis import given
from hypothesis import strategies as st

from openai_accel._core.chat_stream import ChatStreamAccumulator
from openai_accel.models._base import structure
from openai_accel.models.chat import ChatChunk

optional_text = st.none() | st.text(max_size=5)

function_deltas = st.fixed_dictionaries(
    {}, optional={"name": st.text(max_size=5), "arguments": st.text(max_size=5)}
)
tool_call_deltas = st.fixed_dictionaries(
    {"index": st.integers(0, 3)},
    optional={"id": st.text(max_size=5), "type": st.just("function"), "function": function_deltas},
)
deltas = st.fixed_dictionaries(
    {},
    optional={
        "role": st.just("assistant"),
        "content": optional_text,
        "refusal": optional_text,
        "tool_calls": st.lists(tool_call_deltas, max_size=2),
    },
)
choices = st.fixed_dictionaries(
    {"index": st.integers(0, 2), "delta": deltas},
    optional={"finish_reason": st.none() | st.sampled_from(["stop", "tool_calls", "length"])},
)
usages = st.fixed_dictionaries(
    {
        "prompt_tokens": st.integers(0, 99),
        "completion_tokens": st.integers(0, 99),
        "total_tokens": st.integers(0, 199),
    }
)
chunks = st.fixed_dictionaries(
    {
        "id": st.text(max_size=8),
        "object": st.just("chat.completion.chunk"),
        "created": st.integers(0, 2**31),
        "model": st.text(max_size=8),
        "choices": st.lists(choices, max_size=2),
    },
    optional={"usage": st.none() | usages, "system_fingerprint": optional_text},
)


@given(chunks)
def test_from_checked_equals_structuring(payload: Dict[str, Any]) -> None:
    ChatStreamAccumulator().add(payload)  # the check the stream path runs first
    built = ChatChunk.from_checked(payload)
    assert built == structure(payload, ChatChunk)
    assert built.raw is payload
