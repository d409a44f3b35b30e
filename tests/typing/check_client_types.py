"""Checked by ``mypy --strict`` (``tox -e type``), never run: the one-definition
surface must still give each client its own precise types."""

from typing import Awaitable, List

from typing_extensions import assert_type

from openai_accel import AsyncOpenAI, AsyncVoiceAgent, ChatChunk, ChatResponse, OpenAI, VoiceAgent
from openai_accel._streams import AsyncStream, Stream


def blocking(client: OpenAI) -> None:
    assert_type(client.chat("hi"), ChatResponse)
    assert_type(client.stream_chat("hi"), Stream[ChatChunk, ChatResponse])
    assert_type(client.embedding("hi"), List[List[float]])
    assert_type(client.create_voice_agent("be brief"), VoiceAgent)


def asynchronous(client: AsyncOpenAI) -> None:
    assert_type(client.chat("hi"), Awaitable[ChatResponse])
    assert_type(client.stream_chat("hi"), AsyncStream[ChatChunk, ChatResponse])
    assert_type(client.embedding("hi"), Awaitable[List[List[float]]])
    assert_type(client.create_voice_agent("be brief"), AsyncVoiceAgent)


def sdk_shaped(client: OpenAI, aclient: AsyncOpenAI) -> None:
    # sdk branch: client.chat stays precisely typed while also being a namespace.
    assert_type(client.chat("hi"), ChatResponse)
    assert_type(aclient.chat("hi"), Awaitable[ChatResponse])
    client.chat.completions.create(model="gpt-4o-mini", messages=[])
    client.with_options(timeout=5).chat("hi")
