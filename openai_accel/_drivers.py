"""The two drivers: the only places where a flow's effects are carried out.

``SyncDriver`` performs them with a blocking transport, ``time.sleep``, a
thread gate and a thread pool; ``AsyncDriver`` with an asyncio transport,
``asyncio.sleep``, an async gate and ``gather`` + ``wait_for``. The stepping
loop (send a result in, get the next effect out) is all each driver adds; every
decision lives in the flows (see ``_core/pipeline.py`` and ``_ops/``).
"""

from __future__ import annotations

import functools
import threading
import time
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Optional,
    TypeVar,
)

from ._core.effects import (
    Acquire,
    AwaitLatch,
    Emit,
    Flow,
    Invoke,
    ReadChunk,
    RunTools,
    Send,
    Shared,
    Sleep,
    ToolInvocation,
    ToolOutcome,
    WriteFile,  # files and batch jobs (issue 10)
)
from ._driver_support import (
    GateSlot as _GateSlot,
)
from ._driver_support import (
    await_latch_async as _await_latch_async,
)
from ._driver_support import (
    await_latch_blocking as _await_latch_blocking,
)
from ._driver_support import (
    invoke_async as _invoke_async,
)
from ._driver_support import (
    invoke_blocking as _invoke_blocking,
)
from ._driver_support import (
    is_async_callable as _is_async_callable,
)
from ._driver_support import (
    not_a_stream as _not_a_stream,
)
from ._driver_support import (
    run_coroutine_function as _run_coroutine_function,
)
from ._driver_support import (
    tool_timeout as _tool_timeout,
)
from ._fileio import write_atomically
from ._gates import AsyncGate, ThreadGate
from ._streams import AsyncStream, Stream

if TYPE_CHECKING:
    import concurrent.futures

# asyncio and concurrent.futures are imported where they are used (the
# asyncio driver, the tool pool): ``import openai_accel`` for a blocking chat
# must not pay for either (see tests/test_import_cost.py).

__all__ = ["AsyncDriver", "AsyncStream", "Stream", "SyncDriver"]

Y = TypeVar("Y")
R = TypeVar("R")
T = TypeVar("T")


class SyncDriver:
    def __init__(self, transport: Any, gate: ThreadGate, *, max_tool_workers: int = 32) -> None:
        self.transport = transport
        self.gate = gate
        #: Replaceable in tests to observe retry waits without waiting.
        self.sleep: Callable[[float], None] = time.sleep
        self._max_tool_workers = max_tool_workers
        self._pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._pool_lock = threading.Lock()
        self._handlers: Dict[type, Callable[[Any], Any]] = {
            Send: lambda e: self.transport.send(e.request),
            ReadChunk: lambda e: e.stream.read_chunk(),
            Sleep: lambda e: self.sleep(e.seconds),
            Acquire: self._acquire,
            RunTools: self._run_tools,
            Invoke: _invoke_blocking,  # sdk branch: token providers
            WriteFile: lambda e: write_atomically(e.path, e.data),  # batch jobs (issue 10)
            Shared: lambda e: e.store.execute(e),  # rate budgets: one Redis round trip
            AwaitLatch: _await_latch_blocking,  # rate budgets: the first wave
        }

    def _acquire(self, effect: Acquire) -> _GateSlot:
        self.gate.acquire(effect.timeout)
        return _GateSlot(self.gate)

    def _tool_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        import concurrent.futures

        with self._pool_lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self._max_tool_workers, thread_name_prefix="openai_accel-tool"
                )
            return self._pool

    def _run_tools(self, effect: RunTools) -> List[ToolOutcome]:
        import concurrent.futures

        pool = self._tool_pool()
        futures = []
        for invocation in effect.calls:
            fn, kwargs = invocation.function, dict(invocation.arguments)
            if _is_async_callable(fn):
                futures.append(pool.submit(_run_coroutine_function, fn, kwargs))
            else:
                futures.append(pool.submit(fn, **kwargs))
        deadline = None if effect.timeout is None else time.monotonic() + effect.timeout
        outcomes = []
        for invocation, future in zip(effect.calls, futures):
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                outcomes.append(ToolOutcome(invocation.call_id, value=future.result(remaining)))
            except concurrent.futures.TimeoutError:
                future.cancel()  # a thread cannot be stopped; its result is ignored
                outcomes.append(
                    ToolOutcome(invocation.call_id, error=_tool_timeout(invocation, effect.timeout))
                )
            except Exception as exc:
                outcomes.append(ToolOutcome(invocation.call_id, error=exc))
        return outcomes

    def run(self, flow: Flow[T]) -> T:
        """Perform a non-streaming flow's effects until it returns.

        The stepping of :class:`_FlowCursor` without the cursor object: a
        plain call is a handful of effects, and the iterator protocol per
        step was a measurable part of its cost.
        """
        perform = self.perform
        value: Any = None
        error: Optional[BaseException] = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if type(effect) is Emit:
                flow.close()
                raise _not_a_stream(effect)
            try:
                value, error = perform(effect), None
            except BaseException as exc:
                value, error = None, exc

    def stream(self, flow: Flow[R]) -> Stream[Any, R]:
        return Stream(self, flow)

    def perform(self, effect: Any) -> Any:
        # perf: the two effects of every call and every stream chunk first,
        # then the handler table (where other effects are registered).
        kind = type(effect)
        if kind is ReadChunk:
            return effect.stream.read_chunk()
        if kind is Send:
            return self.transport.send(effect.request)
        return self._handlers[kind](effect)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        self.transport.close()


class AsyncDriver:
    def __init__(self, transport: Any, gate: AsyncGate) -> None:
        self.transport = transport
        self.gate = gate
        import asyncio

        self.sleep: Callable[[float], Any] = asyncio.sleep

    async def _acquire(self, effect: Acquire) -> _GateSlot:
        await self.gate.acquire(effect.timeout)
        return _GateSlot(self.gate)

    async def _run_one(self, invocation: ToolInvocation, timeout: Optional[float]) -> ToolOutcome:
        import asyncio

        fn, kwargs = invocation.function, dict(invocation.arguments)
        try:
            if _is_async_callable(fn):
                awaitable = fn(**kwargs)
            else:
                loop = asyncio.get_running_loop()
                awaitable = loop.run_in_executor(None, functools.partial(fn, **kwargs))
            value = await asyncio.wait_for(awaitable, timeout)
        except asyncio.TimeoutError:
            return ToolOutcome(invocation.call_id, error=_tool_timeout(invocation, timeout))
        except Exception as exc:
            return ToolOutcome(invocation.call_id, error=exc)
        return ToolOutcome(invocation.call_id, value=value)

    async def perform(self, effect: Any) -> Any:
        kind = type(effect)
        if kind is Send:
            return await self.transport.send(effect.request)
        if kind is ReadChunk:
            return await effect.stream.read_chunk()
        if kind is Sleep:
            return await self.sleep(effect.seconds)
        if kind is Acquire:
            return await self._acquire(effect)
        if kind is RunTools:
            import asyncio

            return list(
                await asyncio.gather(*(self._run_one(c, effect.timeout) for c in effect.calls))
            )
        if kind is Invoke:  # sdk branch: token providers
            return await _invoke_async(effect.function)
        if kind is WriteFile:  # batch jobs (issue 10): fsync must not block the loop
            import asyncio

            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, write_atomically, effect.path, effect.data)
        if kind is Shared:  # rate budgets: one Redis round trip
            return await effect.store.execute_async(effect)
        if kind is AwaitLatch:  # rate budgets: the first wave
            return await _await_latch_async(effect)
        raise TypeError(f"unknown effect {effect!r}")

    async def run(self, flow: Flow[T]) -> T:
        """The asyncio twin of :meth:`SyncDriver.run`.

        perf: the two effects of every call are performed here, not through
        ``perform``: a coroutine fewer per effect, and a free queue slot is
        taken without any (``AsyncGate.try_acquire``). The awaits, and so the
        points where the task may be suspended, are those of ``perform``.
        """
        perform = self.perform
        value: Any = None
        error: Optional[BaseException] = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            kind = type(effect)
            if kind is Emit:
                flow.close()
                raise _not_a_stream(effect)
            try:
                if kind is Send:
                    value = await self.transport.send(effect.request)
                elif kind is Acquire and self.gate.try_acquire():
                    value = _GateSlot(self.gate)
                else:
                    value = await perform(effect)
                error = None
            except BaseException as exc:
                value, error = None, exc

    def stream(self, flow: Flow[R]) -> AsyncStream[Any, R]:
        return AsyncStream(self, flow)

    async def aclose(self) -> None:
        await self.transport.aclose()
