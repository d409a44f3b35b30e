"""The closed set of effects a flow may yield, and typed helpers to yield them.

A *flow* is a plain generator: it yields an effect, the driver carries it out
and sends back the result (or throws the exception it raised). Only the two
drivers in :mod:`openai_accel._drivers` ever perform effects, so everything a
flow decides is testable with a scripted driver and no I/O at all.

Flows call the helpers below (``response = yield from send(request)``) so
that mypy sees real types. The one exception is a loop that runs once per
stream chunk (``stream_chat``): it yields a reused ``ReadChunk`` and ``Emit``
itself, because a helper costs a generator object per step.

Other areas append their effects here; an effect is any immutable value
class (see :class:`FrozenValue`) with a handler in both drivers.
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
    Tuple,
    TypeVar,
    cast,
)

from .http import HttpRequest, HttpResponse

T = TypeVar("T")

__all__ = [
    "Acquire",
    "Effect",
    "Emit",
    "Flow",
    "FrozenValue",
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
    "set_frozen",
    "shared",
    "sleep",
    "write_file",
]


class FrozenValue:
    """Base of the effect classes: immutable values compared by their fields.

    Plain ``__slots__`` classes rather than ``attrs.frozen``: they behave the
    same for the drivers and the tests (fields, ``==``, ``hash``, ``repr``,
    no assignment), and ``import openai_accel`` does not pay attrs' class
    generation for each of them (about a millisecond apiece).
    """

    __slots__: Tuple[str, ...] = ()

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


#: How a FrozenValue's ``__init__`` sets its fields (its own ``__setattr__`` refuses).
set_frozen = object.__setattr__


class Send(FrozenValue):
    """Send a request; the result is an HttpResponse (streamed when request.stream)."""

    __slots__ = ("request",)
    request: HttpRequest

    def __init__(self, request: HttpRequest) -> None:
        set_frozen(self, "request", request)


class ReadChunk(FrozenValue):
    """Read the next piece of a streamed body; ``b""`` at the end."""

    __slots__ = ("stream",)
    stream: Any

    def __init__(self, stream: Any) -> None:
        set_frozen(self, "stream", stream)


class Sleep(FrozenValue):
    __slots__ = ("seconds",)
    seconds: float

    def __init__(self, seconds: float) -> None:
        set_frozen(self, "seconds", seconds)


class Acquire(FrozenValue):
    """Take a place in the client's bounded request queue; the result is a Slot."""

    __slots__ = ("timeout",)
    timeout: Optional[float]

    def __init__(self, timeout: Optional[float] = None) -> None:
        set_frozen(self, "timeout", timeout)


class ToolInvocation(FrozenValue):
    """One tool call to run: the callable and its keyword arguments."""

    __slots__ = ("arguments", "call_id", "function", "name")
    call_id: str
    name: str
    function: Callable[..., Any]
    arguments: Mapping[str, Any]

    def __init__(
        self, call_id: str, name: str, function: Callable[..., Any], arguments: Mapping[str, Any]
    ) -> None:
        set_frozen(self, "call_id", call_id)
        set_frozen(self, "name", name)
        set_frozen(self, "function", function)
        set_frozen(self, "arguments", arguments)


class ToolOutcome(FrozenValue):
    """What a tool call produced: ``value`` or ``error`` (a TimeoutError on timeout)."""

    __slots__ = ("call_id", "error", "value")
    call_id: str
    value: Any
    error: Optional[BaseException]

    def __init__(
        self, call_id: str, value: Any = None, error: Optional[BaseException] = None
    ) -> None:
        set_frozen(self, "call_id", call_id)
        set_frozen(self, "value", value)
        set_frozen(self, "error", error)


class RunTools(FrozenValue):
    """Run every invocation concurrently, each limited to ``timeout`` seconds.

    The result is a list of ToolOutcome in the order of ``calls``.
    """

    __slots__ = ("calls", "timeout")
    calls: Sequence[ToolInvocation]
    timeout: Optional[float]

    def __init__(self, calls: Sequence[ToolInvocation], timeout: Optional[float]) -> None:
        set_frozen(self, "calls", calls)
        set_frozen(self, "timeout", timeout)


class Emit(FrozenValue):
    """Hand a value to the consumer of a stream flow (the driver's iterator yields it)."""

    __slots__ = ("value",)
    value: Any

    def __init__(self, value: Any) -> None:
        set_frozen(self, "value", value)


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
    return cast("List[ToolOutcome]", (yield RunTools(calls, timeout)))


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


class Invoke(FrozenValue):
    """Call ``function()`` (the caller's code: it may block, or be a coroutine function).

    The result is what it returned (awaited when it is a coroutine). The
    blocking driver calls it in place; the asyncio driver awaits a coroutine
    function and runs a plain function in an executor so the loop never blocks.
    """

    __slots__ = ("function",)
    function: Callable[[], Any]

    def __init__(self, function: Callable[[], Any]) -> None:
        set_frozen(self, "function", function)


def invoke(function: Callable[[], Any]) -> Flow[Any]:
    return (yield Invoke(function))


__all__ += ["Invoke", "invoke"]
# -- files and batch jobs (issue 10) ---------------------------------------


class WriteFile(FrozenValue):
    """Replace the file ``path`` with ``data`` atomically and durably (write, fsync, rename).

    A batch job's state lives in such a file: a kill at any moment leaves
    either the old or the new version on disk, never a torn one.
    """

    __slots__ = ("data", "path")
    path: str
    data: bytes

    def __init__(self, path: str, data: bytes) -> None:
        set_frozen(self, "path", path)
        set_frozen(self, "data", data)

    def __repr__(self) -> str:
        return f"WriteFile(path={self.path!r}, data=<{len(self.data)} bytes>)"


def write_file(path: str, data: bytes) -> Flow[None]:
    yield WriteFile(path, data)


# -- rate budgets: shared state (Redis) ----------------------------------------


class Shared(FrozenValue):
    """Run ``script`` atomically on the shared store with ``keys`` and ``args``.

    The result is the script's reply; an unreachable store raises
    ``SharedStateUnavailable`` (``_core.shared_scripts``), which the flow
    turns into its in-process fallback. ``store`` does the I/O
    (``execute`` for the blocking driver, ``execute_async`` for asyncio).
    """

    __slots__ = ("args", "keys", "script", "store")
    store: Any
    script: Any
    keys: Sequence[str]
    args: Sequence[Any]

    def __init__(self, store: Any, script: Any, keys: Sequence[str], args: Sequence[Any]) -> None:
        set_frozen(self, "store", store)
        set_frozen(self, "script", script)
        set_frozen(self, "keys", keys)
        set_frozen(self, "args", args)


def shared(store: Any, script: Any, keys: Sequence[str], args: Sequence[Any]) -> Flow[Any]:
    return (yield Shared(store, script, keys, args))


# -- rate budgets: the first wave waits for the first reply ---------------------


class AwaitLatch(FrozenValue):
    """Wait (not busy) until ``latch`` opens, at most ``timeout`` seconds.

    The result is True when it opened, False when the time ran out. The
    blocking driver parks the thread on an Event, the asyncio driver the task
    on a Future; either way a cancelled wait leaves nothing behind.
    """

    __slots__ = ("latch", "timeout")
    latch: Any
    timeout: float

    def __init__(self, latch: Any, timeout: float) -> None:
        set_frozen(self, "latch", latch)
        set_frozen(self, "timeout", timeout)


def await_latch(latch: Any, timeout: float) -> Flow[bool]:
    return cast(bool, (yield AwaitLatch(latch, timeout)))


__all__ += ["AwaitLatch", "await_latch"]
