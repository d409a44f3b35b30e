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
from typing import List, Sequence

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

#: Loaded on first use since issue 11 (``import openai_accel`` budget): cattrs
#: (the converter is built by the first reply), the reply models of every
#: endpoint but chat (attrs classes cost ~0.5 ms each to create), the schema
#: mapping of structured outputs, the SDK-shaped models, the sinks and tables
#: only some clients use, and the emulator behind the pytest plugin.
LAZY_SINCE_ISSUE_11 = [
    "cattrs",
    "cattrs.gen",
    "openai_accel.models.audio",
    "openai_accel.models.batch",
    "openai_accel.models.files",
    "openai_accel.models.misc",
    "openai_accel.models.responses",
    "openai_accel.models.sdk",
    "openai_accel.models.transcription_stream",
    "openai_accel.models.raw",
    "openai_accel._core.schema_types",
    "openai_accel._ops.raw",
    "openai_accel._client_copy",
    "openai_accel.statsd_sink",
    "openai_accel.otel",
    "openai_accel.model_info",
    "openai_accel.types",
    "openai_accel._core.target_azure",
    "openai_accel.testing.emulator",
    *(["typing_extensions"] if sys.version_info >= (3, 10) else []),
]


def loaded_after(code: str, watched: Sequence[str] = NOT_IMPORTED) -> List[str]:
    """The ``watched`` modules present in a fresh interpreter after ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_import_loads_none_of_the_lazy_modules() -> None:
    assert loaded_after("import openai_accel") == []


#: Loaded by the first blocking client with the default transport (issue 11):
#: requests and urllib3 are about half of a bare import's time, which an asyncio
#: program, or one with a transport of its own, never needs.
LOADED_BY_THE_REQUESTS_TRANSPORT = ["requests", "urllib3"]


def test_import_loads_neither_requests_nor_urllib3() -> None:
    # email.utils too: the transports bring it (http.client, aiohttp); the client
    # itself reads it only for a Retry-After given as an HTTP date.
    watched = [*LOADED_BY_THE_REQUESTS_TRANSPORT, "email.utils"]
    assert loaded_after("import openai_accel", watched) == []


def test_an_asyncio_client_never_loads_requests() -> None:
    code = (
        "from openai_accel import AsyncOpenAI\n"
        "AsyncOpenAI(api_key='sk-x', base_url='http://127.0.0.1:9/v1')"
    )
    assert loaded_after(code, LOADED_BY_THE_REQUESTS_TRANSPORT) == []


def test_a_blocking_client_with_its_own_transport_never_loads_requests() -> None:
    code = (
        "from openai_accel import OpenAI\n"
        "from openai_accel.transports import MockTransport\n"
        "OpenAI(api_key='sk-x', transport=MockTransport(lambda request: None))"
    )
    assert loaded_after(code, LOADED_BY_THE_REQUESTS_TRANSPORT) == []


def test_the_default_blocking_client_loads_requests_when_built() -> None:
    code = "from openai_accel import OpenAI\nOpenAI(api_key='sk-x', base_url='http://127.0.0.1:9')"
    assert loaded_after(code, ["requests", "urllib3"]) == ["requests", "urllib3"]


def test_the_requests_transport_stays_importable_from_the_package() -> None:
    code = (
        "from openai_accel.transports import RequestsTransport\n"
        "import openai_accel.transports.requests as module\n"
        "assert RequestsTransport is module.RequestsTransport"
    )
    assert loaded_after(code, []) == []


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


def test_import_leaves_the_issue_11_modules_for_first_use() -> None:
    assert loaded_after("import openai_accel", LAZY_SINCE_ISSUE_11) == []


CHAT_OVER_A_MOCK = """
import json
from openai_accel import OpenAI, ChatResponse
from openai_accel._core.http import Headers, HttpResponse
from openai_accel.transports.mock import MockTransport
body = {"id": "c", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Hi!", "refusal": None}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
def handler(request):
    headers = Headers({"content-type": "application/json"})
    return HttpResponse(200, headers, content=json.dumps(body).encode())
client = OpenAI(api_key="sk-x", transport=MockTransport(handler), rate_limits=False)
answer = client.chat("Hello")
assert isinstance(answer, ChatResponse) and answer.content == "Hi!", answer
"""


def test_a_blocking_chat_loads_cattrs_and_nothing_else_of_them() -> None:
    loaded = loaded_after(CHAT_OVER_A_MOCK, LAZY_SINCE_ISSUE_11)
    came_with_cattrs = ("cattrs", "typing_extensions")  # cattrs imports typing_extensions
    assert [m for m in loaded if not m.startswith(came_with_cattrs)] == []
    assert "cattrs" in loaded  # the converter was built on first use


def test_the_pytest_plugin_loads_neither_the_emulator_nor_aiohttp() -> None:
    watched = ["aiohttp", "asyncio", "openai_accel.testing.emulator"]
    # pytest itself imports asyncio on some Pythons (3.8: through unittest.async_case)
    brought_by_pytest = loaded_after("import pytest", watched)
    loaded = loaded_after("import openai_accel.testing.pytest_plugin", watched)
    assert [m for m in loaded if m not in brought_by_pytest] == []


LAZY_PUBLIC_NAMES = {
    "openai_accel": ["Response", "ResponseEvent", "Batch", "FileObject", "Voice", "Transcription"],
    "openai_accel.models": ["Batch", "ModelCard", "Response", "Word", "ChatResponse"],
    "openai_accel.testing": ["Emulator", "Fault", "ScriptedResponse", "run_forever"],
}


@pytest.mark.parametrize("module", sorted(LAZY_PUBLIC_NAMES))
def test_lazy_public_names_resolve_and_are_listed(module: str) -> None:
    import importlib

    package = importlib.import_module(module)
    for name in LAZY_PUBLIC_NAMES[module]:
        value = getattr(package, name)
        assert value is getattr(importlib.import_module(value.__module__), name)
        assert name in dir(package)
        assert name in package.__all__
    with pytest.raises(AttributeError):
        package.NoSuchName  # noqa: B018


def test_every_public_name_resolves_in_a_fresh_interpreter() -> None:
    code = (
        "import openai_accel, openai_accel.models, openai_accel.testing\n"
        "for package in (openai_accel, openai_accel.models, openai_accel.testing):\n"
        "    for name in package.__all__:\n"
        "        getattr(package, name)\n"
        "from openai_accel import Response, Batch, BatchStatus, TranscriptionEvent, Voice\n"
        "import pickle, attrs\n"
        "from openai_accel.models import ModelCard\n"
        "card = ModelCard(id='m')\n"
        "assert pickle.loads(pickle.dumps(card)) == card\n"
        "assert isinstance(card, openai_accel.models.misc.ModelCard)\n"
    )
    assert loaded_after(code, []) == []


def test_submodules_the_old_imports_loaded_stay_attributes() -> None:
    code = (
        "import sys, openai_accel, openai_accel.testing\n"
        "assert openai_accel.types.Voice.ALLOY == 'alloy'\n"
        "assert openai_accel.models.misc.ModelCard.__name__ == 'ModelCard'\n"
        "assert {'types', 'otel', 'statsd_sink', 'model_info'} <= set(dir(openai_accel))\n"
        "assert not hasattr(openai_accel, 'async_client')  # never imported by a bare read\n"
        "assert not hasattr(openai_accel.models, 'no_such_module')\n"
        "assert 'aiohttp' not in sys.modules\n"
        "assert openai_accel.testing.emulator.Emulator.__name__ == 'Emulator'\n"
    )
    assert loaded_after(code, []) == []
