"""The stream objects a caller iterates: a flow's cursor, stepped by a driver.

A streaming call returns a :class:`Stream` (blocking) or an
:class:`AsyncStream` (asyncio) wrapping the operation's flow. Both share
:class:`_FlowCursor`, which knows where the flow stands (the next effect, the
item it emitted, its final value or the error it ended with); the stream
types only add the protocol (``for`` / ``async for``, ``with`` / ``async
with``, ``final()``) and hand every effect back to their driver, so no effect
is performed here that a driver does not also perform for a plain call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Generic, Iterator, Optional, TypeVar

from ._core.effects import Emit, Flow, ReadChunk
from .errors import OpenAIError, StreamError

if TYPE_CHECKING:
    from ._drivers import AsyncDriver, SyncDriver

__all__ = ["AsyncStream", "Stream"]

Y = TypeVar("Y")
R = TypeVar("R")


class _FlowCursor(Generic[Y, R]):
    """Where a flow stands: all of the stepping both stream types share.

    ``_resume`` sends the last effect's outcome in and returns the next effect
    to perform, or ``None`` when the flow emitted an item (kept in
    ``_item``). When the flow returns, its value is kept for ``final()`` and
    ``_stop`` (StopIteration or StopAsyncIteration) is raised. The drivers'
    iterators are then just "perform until an item comes out".
    """

    _stop: type = StopIteration

    def __init__(self, flow: Flow[R]) -> None:
        self._flow = flow
        self._done = False
        self._result: Any = None
        self._item: Any = None
        # Why there is no final answer: closed before the end, or the error it ended with.
        self._closed_early = False
        self._error: Optional[BaseException] = None

    def _resume(self, value: Any = None, error: Optional[BaseException] = None) -> Any:
        if self._done:
            raise self._stop
        try:
            effect = self._flow.throw(error) if error is not None else self._flow.send(value)
        except StopIteration as stop:
            self._done, self._result = True, stop.value
            raise self._stop from None
        except BaseException as exc:
            self._done, self._error = True, exc
            raise
        if type(effect) is Emit:
            self._item = effect.value
            return None
        return effect

    def result(self) -> R:
        return self._result  # type: ignore[no-any-return]

    def _final_answer(self) -> R:
        """The flow's result, or StreamError when the stream has none (closed early, failed)."""
        if self._closed_early:
            raise StreamError(
                "the stream was closed before its end, so there is no final answer; "
                "read it to the end (or call final() / until_done() before closing it)"
            )
        error = self._error
        if error is not None:
            if isinstance(error, OpenAIError):
                raise error
            raise StreamError(f"the stream failed before its end: {error!r}") from error
        return self._result  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop early: the flow's ``finally`` blocks give back connection and slot."""
        if not self._done:
            self._closed_early = True
        self._done = True
        self._flow.close()


class Stream(_FlowCursor[Y, R]):
    """Iterate over what a flow emits; ``final()`` is what it returned.

    Closing (explicitly, by ``with``, or by the garbage collector) closes the
    flow, whose ``finally`` blocks give the connection and queue slot back.
    """

    def __init__(self, driver: SyncDriver, flow: Flow[R]) -> None:
        super().__init__(flow)
        self._driver = driver

    def __iter__(self) -> Iterator[Y]:
        return self

    def __next__(self) -> Y:
        effect = self._resume()
        perform = self._driver.perform
        while effect is not None:
            try:
                value = perform(effect)
            except BaseException as exc:
                effect = self._resume(None, exc)
            else:
                effect = self._resume(value)
        return self._item  # type: ignore[no-any-return]

    def final(self) -> R:
        """The assembled answer; reads the rest of the stream first if it is still open.

        Raises ``StreamError`` when the stream was closed before its end (by
        ``close()``, or by leaving its ``with`` block after a ``break``) and
        re-raises the error a failed stream ended with: never a partial or a
        missing answer. See "final() after breaking out" in the streaming guide.
        """
        for _ in self:
            pass
        return self._final_answer()

    until_done = final

    def __enter__(self) -> Stream[Y, R]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncStream(_FlowCursor[Y, R]):
    """The asyncio twin of :class:`Stream`: ``async for``, ``async with``, ``final()``."""

    _stop = StopAsyncIteration

    def __init__(self, driver: AsyncDriver, flow: Flow[R]) -> None:
        super().__init__(flow)
        self._driver = driver

    def __aiter__(self) -> AsyncIterator[Y]:
        return self

    async def __anext__(self) -> Y:
        effect = self._resume()
        perform = self._driver.perform
        while effect is not None:
            try:
                if type(effect) is ReadChunk:  # perf: once per chunk, no extra coroutine
                    value = await effect.stream.read_chunk()
                else:
                    value = await perform(effect)
            except BaseException as exc:
                effect = self._resume(None, exc)
            else:
                effect = self._resume(value)
        return self._item  # type: ignore[no-any-return]

    def final(self) -> R:
        """The assembled answer of a stream read to its end (``async for`` or ``until_done``).

        The same rule as the blocking ``Stream.final()``, except that it cannot
        read the rest without ``await``: on a stream still open it raises
        ``StreamError`` pointing at ``await stream.until_done()``. Closed
        before its end: ``StreamError``; failed: its error again.
        """
        if not self._done:
            raise StreamError(
                "the stream is not finished: read it to the end, or "
                "`await stream.until_done()`, which reads the rest and returns the answer"
            )
        return self._final_answer()

    async def until_done(self) -> R:
        """Read the rest of the stream and return the assembled answer (rules of ``final``)."""
        async for _ in self:
            pass
        return self._final_answer()

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> AsyncStream[Y, R]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
