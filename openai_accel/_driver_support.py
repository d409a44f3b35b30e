"""How the drivers carry out the effects that take more than one call.

Kept apart from :mod:`openai_accel._drivers` (the stepping loops and the
stream cursors) so each module stays small: the queue slot handle, calling a
caller's function or tool from either client, and waiting on a latch (the
rate budget's first wave) with a thread Event or a Future on the task's loop.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from typing import Any, Callable, Dict, Optional

from ._core.effects import AwaitLatch, Emit, Invoke, ToolInvocation
from .errors import StreamError

__all__ = [
    "GateSlot",
    "await_latch_async",
    "await_latch_blocking",
    "invoke_async",
    "invoke_blocking",
    "is_async_callable",
    "not_a_stream",
    "run_coroutine_function",
    "tool_timeout",
]


class GateSlot:
    """A held queue place; ``release`` is idempotent so cleanup paths may repeat it."""

    __slots__ = ("_gate",)

    def __init__(self, gate: Any) -> None:
        self._gate = gate

    def release(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()


def is_async_callable(fn: Callable[..., Any]) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - callable objects with async __call__
    )


def run_coroutine_function(fn: Callable[..., Any], kwargs: Dict[str, Any]) -> Any:
    """Run an ``async def`` tool from the blocking client: its own loop, in a worker."""
    import asyncio

    return asyncio.run(fn(**kwargs))


def tool_timeout(invocation: ToolInvocation, timeout: Optional[float]) -> TimeoutError:
    return TimeoutError(f"tool {invocation.name!r} did not finish within {timeout} s")


def not_a_stream(effect: Emit) -> StreamError:
    return StreamError(f"a non-streaming flow emitted {type(effect.value).__name__}")


def invoke_blocking(effect: Invoke) -> Any:
    """Call a caller's function from the blocking client; a coroutine runs on its own loop."""
    fn = effect.function
    if is_async_callable(fn):
        import asyncio

        return asyncio.run(fn())
    value = fn()
    if inspect.iscoroutine(value):
        import asyncio

        return asyncio.run(value)
    return value


async def invoke_async(fn: Callable[[], Any]) -> Any:
    """Await a coroutine function; run a plain one in an executor (it may do blocking I/O)."""
    if is_async_callable(fn):
        return await fn()
    import asyncio

    value = await asyncio.get_running_loop().run_in_executor(None, fn)
    return await value if inspect.isawaitable(value) else value


def await_latch_blocking(effect: AwaitLatch) -> bool:
    event = threading.Event()
    if not effect.latch.add_waker(event.set):
        return True
    try:
        return event.wait(effect.timeout)
    finally:
        effect.latch.remove_waker(event.set)


async def await_latch_async(effect: AwaitLatch) -> bool:
    import asyncio

    loop = asyncio.get_running_loop()
    opened: asyncio.Future[None] = loop.create_future()

    def settle() -> None:
        if not opened.done():
            opened.set_result(None)

    def wake() -> None:  # may run in another thread: the one that opened the latch
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits now
            loop.call_soon_threadsafe(settle)

    if not effect.latch.add_waker(wake):
        return True
    try:
        done, _ = await asyncio.wait({opened}, timeout=effect.timeout)
        return bool(done)
    finally:
        effect.latch.remove_waker(wake)
