"""Both clients expose the same calls: names, signatures and docstrings."""

from __future__ import annotations

import inspect
import subprocess
import sys

from openai_accel import AsyncOpenAI, OpenAI

LIFECYCLE = {"close", "aclose"}


def public_names(cls):
    return {name for name in dir(cls) if not name.startswith("_")} - LIFECYCLE


def test_same_public_names():
    assert public_names(OpenAI) == public_names(AsyncOpenAI)


def test_same_signatures_and_docstrings():
    for name in public_names(OpenAI):
        sync_attr = inspect.getattr_static(OpenAI, name)
        async_attr = inspect.getattr_static(AsyncOpenAI, name)
        assert sync_attr is async_attr, f"{name} is defined twice"
        member = getattr(OpenAI, name)
        if callable(member):
            assert inspect.signature(member) == inspect.signature(getattr(AsyncOpenAI, name))
            assert inspect.getdoc(member), f"{name} has no docstring"


def test_api_md_calls_exist_on_both_clients():
    calls = [
        "chat",
        "stream_chat",
        "chat_with_functions",
        "embedding",
        "moderation",
        "text_to_image",
        "get_image_bytes",
        "text_to_speech",
        "stream_speech",
        "speech_to_file",
        "speech_to_text",
        "translate_audio",
        "create_voice_agent",
        "get_model_max_tokens",
        "supports_vision",
        "recent_requests",
    ]
    for name in calls:
        assert hasattr(OpenAI, name) and hasattr(AsyncOpenAI, name)


def test_async_methods_return_awaitables():
    client = AsyncOpenAI(api_key="sk-x")
    coroutine = client.chat("Hi")
    assert inspect.isawaitable(coroutine)
    coroutine.close()


def test_importing_the_package_does_not_import_aiohttp():
    code = "import sys, openai_accel; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_model_facts():
    client = OpenAI(api_key="sk-x")
    assert client.get_model_max_tokens("gpt-4o-2024-08-06") == 128000
    assert client.supports_vision("gpt-4o-mini") is True
    assert client.supports_vision("gpt-3.5-turbo") is False
    assert client.get_model_max_tokens("no-such-model") == 8192
