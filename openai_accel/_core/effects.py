"""The closed set of effects a flow may yield, and typed helpers to yield them.

A *flow* is a plain generator: it yields an effect, the driver carries it out
and sends back the result (or throws the exception it raised). Only the two
drivers in :mod:`openai_accel._drivers` ever perform effects, so everything a
flow decides is testable with a scripted driver and no I/O at all.

Flows never ``yield`` directly; they call the helpers below
(``response = yield from send(request)``) so that mypy sees real types.
"""

from __future__ import annotations

from typing import (
    Any,
    Callable,
    Generator,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    TypeVar,
    cast,
)

import attrs

from .http import HttpRequest, HttpResponse

T = TypeVar("T")

__all__ = [
    "Acquire",
    "Effect",
    "Emit",
    "Flow",
    "ReadChunk",
    "RunTools",
    "Send",
    "Shared",
    "Sleep",
    "Slot",
    "ToolInvocation",
    "ToolOutcome",
    "WriteFile",
    "acquire",
    "emit",
    "read_chunk",
    "run_tools",
    "send",
    "shared",
    "sleep",
    "write_file",
]


@attrs.frozen
class Send:
    """Send a request; the result is an HttpResponse (streamed when request.stream)."""

    request: HttpRequest


@attrs.frozen
class ReadChunk:
    """Read the next piece of a streamed body; ``b""`` at the end."""

    stream: Any


@attrs.frozen
class Sleep:
    seconds: float


@attrs.frozen
class Acquire:
    """Take a place in the client's bounded request queue; the result is a Slot."""

    timeout: Optional[float] = None


@attrs.frozen
class ToolInvocation:
    """One tool call to run: the callable and its keyword arguments."""

    call_id: str
    name: str
    function: Callable[..., Any]
    arguments: Mapping[str, Any]


@attrs.frozen
class ToolOutcome:
    """What a tool call produced: ``value`` or ``error`` (a TimeoutError on timeout)."""

    call_id: str
    value: Any = None
    error: Optional[BaseException] = None


@attrs.frozen
class RunTools:
    """Run every invocation concurrently, each limited to ``timeout`` seconds.

    The result is a list of ToolOutcome in the order of ``calls``.
    """

    calls: Sequence[ToolInvocation]
    timeout: Optional[float]


@attrs.frozen
class Emit:
    """Hand a value to the consumer of a stream flow (the driver's iterator yields it)."""

    value: Any


Effect = Any  # one of the classes above; kept open for mypy's sake in Generator[...]
Flow = Generator[Effect, Any, T]


class Slot(Protocol):
    """A place in the request queue. ``release`` is synchronous and idempotent, so
    cleanup code in a flow's ``finally`` can run even while a generator closes."""

    def release(self) -> None: ...


def send(request: HttpRequest) -> Flow[HttpResponse]:
    return cast(HttpResponse, (yield Send(request)))


def read_chunk(stream: Any) -> Flow[bytes]:
    return cast(bytes, (yield ReadChunk(stream)))


def sleep(seconds: float) -> Flow[None]:
    yield Sleep(seconds)


def acquire(timeout: Optional[float] = None) -> Flow[Slot]:
    return cast(Slot, (yield Acquire(timeout)))


def run_tools(calls: Sequence[ToolInvocation], timeout: Optional[float]) -> Flow[List[ToolOutcome]]:
    return cast(List[ToolOutcome], (yield RunTools(calls, timeout)))


def emit(value: Any) -> Flow[None]:
    yield Emit(value)


def read_all(stream: Any) -> Flow[bytes]:
    """Read a streamed body to its end (used for error replies on a stream)."""
    parts: List[bytes] = []
    while True:
        chunk = yield from read_chunk(stream)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


# -- calling a caller's function (sdk branch: Azure AD token providers) --------


@attrs.frozen
class Invoke:
    """Call ``function()`` (the caller's code: it may block, or be a coroutine function).

    The result is what it returned (awaited when it is a coroutine). The
    blocking driver calls it in place; the asyncio driver awaits a coroutine
    function and runs a plain function in an executor so the loop never blocks.
    """

    function: Callable[[], Any]


def invoke(function: Callable[[], Any]) -> Flow[Any]:
    return (yield Invoke(function))


__all__ += ["Invoke", "invoke"]
# -- files and batch jobs (issue 10) ---------------------------------------


@attrs.frozen
class WriteFile:
    """Replace the file ``path`` with ``data`` atomically and durably (write, fsync, rename).

    A batch job's state lives in such a file: a kill at any moment leaves
    either the old or the new version on disk, never a torn one.
    """

    path: str
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")


def write_file(path: str, data: bytes) -> Flow[None]:
    yield WriteFile(path, data)


# -- rate budgets: shared state (Redis) ----------------------------------------


@attrs.frozen
class Shared:
    """Run ``script`` atomically on the shared store with ``keys`` and ``args``.

    The result is the script's reply; an unreachable store raises
    ``SharedStateUnavailable`` (``_core.shared_scripts``), which the flow
    turns into its in-process fallback. ``store`` does the I/O
    (``execute`` for the blocking driver, ``execute_async`` for asyncio).
    """

    store: Any
    script: Any
    keys: Sequence[str]
    args: Sequence[Any]


def shared(store: Any, script: Any, keys: Sequence[str], args: Sequence[Any]) -> Flow[Any]:
    return (yield Shared(store, script, keys, args))
