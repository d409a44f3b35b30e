"""Test against a local OpenAI API: :class:`Emulator`, :class:`Fault`, :class:`ScriptedResponse`.

The emulator is a real HTTP server on 127.0.0.1 that speaks the OpenAI wire
format (JSON shapes and key order, SSE framing, headers, error bodies and
statuses) closely enough for any OpenAI client, this library's included:

=================================  ==========================================
``GET /v1/models[/{id}]``          the model list; unknown id -> 404
``POST /v1/chat/completions``      deterministic answers, tool calls, streams
``POST /v1/embeddings``            deterministic unit vectors, base64 too
``POST /v1/moderations``           keyword-driven verdicts (omni and legacy)
``POST /v1/images/generations``    real PNGs, by URL or ``b64_json``
``POST /v1/audio/speech``          real WAV/PCM; other formats well-formed
``POST /v1/audio/transcriptions``  recovers the text of its own speech
``POST /v1/audio/translations``    the same, as a translation
=================================  ==========================================

It is deterministic (same request, same content), scriptable
(:meth:`Emulator.enqueue`), and it misbehaves on demand
(:meth:`Emulator.inject`): error statuses with Retry-After hints, latency,
connection resets, streams cut short or carrying an error event. It records
every request it receives, so tests can check what a client sent.
"""

from typing import TYPE_CHECKING, Any, List

from .._lazy import lazy_attribute, lazy_dir

if TYPE_CHECKING:
    from ._faults import Fault, parse_fault_spec
    from ._records import ReceivedRequest, ScriptedResponse, UploadedFile
    from .emulator import Emulator, run_forever

# perf: the pytest plugin (``openai_accel.testing.pytest_plugin``) is imported
# at every pytest start, which imports this package first; the emulator and
# its aiohttp server load on first use of a name instead.
#: Public name -> the submodule that defines it.
_LAZY_NAMES = {
    "Emulator": "emulator",
    "Fault": "_faults",
    "ReceivedRequest": "_records",
    "ScriptedResponse": "_records",
    "UploadedFile": "_records",
    "parse_fault_spec": "_faults",
    "run_forever": "emulator",
}

__all__ = [
    "Emulator",
    "Fault",
    "ReceivedRequest",
    "ScriptedResponse",
    "UploadedFile",
    "parse_fault_spec",
    "run_forever",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, globals(), _LAZY_NAMES, name)


def __dir__() -> List[str]:
    return lazy_dir(globals(), __all__, ["emulator"])
