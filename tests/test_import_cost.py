"""What ``import openai_accel`` loads: only what a blocking chat needs.

Nothing here is timed (timings belong to ``benchmarks/``); the tests run a
fresh interpreter and look at ``sys.modules``, which is deterministic. A
module listed here costs milliseconds at every start-up of every script that
imports the library, and is loaded on first use instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import List

import pytest

#: Loaded on first use only: the asyncio client and its transport, the
#: retry waits (backoff imports asyncio), the StatsD client, the tool loop,
#: and every flow module but chat (audio / voice with their multipart encoder).
NOT_IMPORTED = [
    "asyncio",
    "aiohttp",
    "backoff",
    "statsd",
    "concurrent.futures",
    "openai_accel.async_client",
    "openai_accel.transports.aiohttp",
    "openai_accel._core.tool_schema",
    "openai_accel._core.multipart",
    "openai_accel._ops.audio",
    "openai_accel._ops.voice",
    "openai_accel._ops.embeddings",
    "openai_accel._ops.images",
    "openai_accel._ops.moderation",
]


def loaded_after(code: str) -> List[str]:
    """The NOT_IMPORTED modules present in a fresh interpreter after ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {NOT_IMPORTED!r} if m in sys.modules]))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_import_loads_none_of_the_lazy_modules() -> None:
    assert loaded_after("import openai_accel") == []


def test_building_a_blocking_client_loads_none_of_them() -> None:
    code = "from openai_accel import OpenAI\nOpenAI(api_key='sk-x', base_url='http://127.0.0.1:9')"
    assert loaded_after(code) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from openai_accel import AsyncOpenAI", "openai_accel.async_client"),
        ("from openai_accel import VoiceResponse", "openai_accel._ops.voice"),
        (
            "import openai_accel, inspect\ninspect.signature(openai_accel.OpenAI.text_to_speech)",
            "openai_accel._ops.audio",
        ),
    ],
)
def test_lazy_names_load_their_module_on_first_use(code: str, expected: str) -> None:
    assert expected in loaded_after(code)


def test_a_lazy_method_has_its_flows_signature_and_docstring() -> None:
    import inspect

    from openai_accel import OpenAI
    from openai_accel._ops import audio

    method = OpenAI.speech_to_text
    assert method.__doc__ == audio.speech_to_text.__doc__
    assert list(inspect.signature(method).parameters)[:2] == ["self", "audio"]
