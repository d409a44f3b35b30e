"""The waiting layers over :class:`~openai_accel._core.admission.AdmissionState`.

The core decides who runs and who is next; this module is the only place that
makes anybody actually wait for a request slot. ``ThreadGate`` parks a thread
on its own ``threading.Event``; ``AsyncGate`` parks a task on its own
``asyncio.Future``. Either way the waker names exactly one waiter (the oldest,
which ``AdmissionState`` has already made the owner of the slot), so there is
no polling, no thundering herd, and FIFO order holds.

The pipeline calls ``acquire``/``release`` explicitly rather than through a
context manager, because a queue slot is released while sleeping between
retries and held by a stream until the stream ends: the lifetimes do not nest.

A gate owns its ``AdmissionState``: never share one state between two gates,
the waiter tokens of one would be meaningless to the other.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Optional, cast

from openai_accel._core.admission import AdmissionState
from openai_accel.errors import QueueFullError

if TYPE_CHECKING:
    import asyncio  # perf: imported by AsyncGate.acquire, not by import openai_accel

__all__ = ["AsyncGate", "ThreadGate"]


def _timed_out(timeout: float, state: AdmissionState) -> QueueFullError:
    return QueueFullError(
        f"waited {timeout:g} s for a request slot without getting one "
        f"({state.running} running, max_concurrent_requests={state.max_concurrent}; "
        f"{state.waiting} waiting, queue_size={state.queue_size})"
    )


class _ThreadWaiter:
    """A queue token. The Event is created only once the caller really has to wait,
    so the uncontended path allocates no lock objects."""

    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event: Optional[threading.Event] = None


class _Gate:
    """What both gates show: the counts (``client.queue`` is the driver's gate)."""

    def __init__(self, state: AdmissionState) -> None:
        self._state = state

    @property
    def running(self) -> int:
        """Calls holding a place now (at most ``max_concurrent``)."""
        return self._state.running

    @property
    def waiting(self) -> int:
        """Calls waiting in line (at most ``queue_size``)."""
        return self._state.waiting

    @property
    def max_concurrent(self) -> int:
        return self._state.max_concurrent

    @property
    def queue_size(self) -> int:
        return self._state.queue_size

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(running={self.running}/{self.max_concurrent}, "
            f"waiting={self.waiting}/{self.queue_size})"
        )


class ThreadGate(_Gate):
    """Admission for the blocking client: threads block on a per-waiter Event."""

    def __init__(self, state: AdmissionState) -> None:
        super().__init__(state)
        self._lock = threading.Lock()

    def acquire(self, timeout: Optional[float] = None) -> None:
        """Take a slot, waiting in line if needed.

        Raises ``QueueFullError`` at once when the queue is full, or after
        ``timeout`` seconds of waiting (``None`` waits for as long as it takes).
        If the wait is interrupted (``KeyboardInterrupt`` in the main thread),
        the place in line, or the slot if it was already handed over, is given
        back before the exception propagates.
        """
        waiter = _ThreadWaiter()
        with self._lock:
            if self._state.try_enter(waiter):
                return
            # Created under the lock that also guards leave(), so a releaser
            # can never pop this waiter before it has an Event to set.
            event = waiter.event = threading.Event()
        try:
            if event.wait(timeout):
                return
        except BaseException:
            self._abandon(waiter)
            raise
        with self._lock:
            if self._state.cancel(waiter):
                raise _timed_out(timeout if timeout is not None else 0.0, self._state)
        # The slot was handed over between the timeout and taking the lock: it
        # is ours now, and giving it back only to fail would waste it.

    def release(self) -> None:
        """Give the slot back, handing it to the oldest waiter if there is one."""
        with self._lock:
            waiter = self._state.leave()
        if waiter is not None:
            event = cast(_ThreadWaiter, waiter).event
            assert event is not None  # set before the waiter became visible
            event.set()

    def _abandon(self, waiter: _ThreadWaiter) -> None:
        with self._lock:
            handed_over = not self._state.cancel(waiter)
        if handed_over:
            self.release()


class _AsyncWaiter:
    """A queue token; its Future is created in the running loop only when needed."""

    __slots__ = ("future", "loop")

    def __init__(self) -> None:
        self.future: Optional[asyncio.Future[None]] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None


def _grant(future: asyncio.Future[None]) -> None:
    # A cancelled future means the waiter's task is being cancelled; it now
    # owns the slot and its CancelledError handler will release it.
    if not future.done():
        future.set_result(None)


def _running_loop() -> Optional[asyncio.AbstractEventLoop]:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class AsyncGate(_Gate):
    """Admission for the asyncio client: tasks await a per-waiter Future.

    One client may be used from several event loops, in turn (successive
    ``asyncio.run`` calls) or at once (a loop per thread), and they all share
    this gate's limits. A lock guards the state (uncontended, it costs about
    as much as a dict lookup), and a slot handed to a waiter of another loop
    is granted through that loop's ``call_soon_threadsafe``: a Future may only
    be completed from its own loop's thread. The loop is looked up when a task
    first has to wait, which lets a gate be built before any loop exists.
    """

    def __init__(self, state: AdmissionState) -> None:
        super().__init__(state)
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        """Take a free slot at once if nobody waits (``False``: call :meth:`acquire`).

        perf: what ``acquire`` does first, without a coroutine per call; the
        driver awaits ``acquire`` only when this says no.
        """
        with self._lock:
            return self._state.try_take()

    async def acquire(self, timeout: Optional[float] = None) -> None:
        """Take a slot, waiting in line if needed.

        Raises ``QueueFullError`` at once when the queue is full, or after
        ``timeout`` seconds of waiting. A task cancelled while waiting leaves
        the line; if the slot had already been handed to it, the slot is
        passed on, so cancellation never leaks capacity.
        """
        import asyncio  # perf: only the asyncio client imports it

        waiter = _AsyncWaiter()
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._state.try_enter(waiter):
                return
            # Set under the lock release() takes, so a hand-over always finds them.
            future: asyncio.Future[None] = loop.create_future()
            waiter.future, waiter.loop = future, loop
        # A timer callback rather than asyncio.wait_for: the callback runs on
        # the loop and decides "still queued? then give up" under the lock, so
        # it cannot race a hand-over.
        timer = None
        if timeout is not None:
            timer = loop.call_later(max(0.0, timeout), self._expire, waiter, timeout)
        try:
            await future
        except asyncio.CancelledError:
            with self._lock:
                still_queued = self._state.cancel(waiter)
            if not still_queued:
                self.release()
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def release(self) -> None:
        """Give the slot back, handing it to the oldest waiter if there is one."""
        while True:
            with self._lock:
                waiter = cast("Optional[_AsyncWaiter]", self._state.leave())
            if waiter is None:
                return
            future, loop = waiter.future, waiter.loop
            assert future is not None and loop is not None  # set before it became visible
            if loop is _running_loop():
                _grant(future)
                return
            try:
                loop.call_soon_threadsafe(_grant, future)
                return
            except RuntimeError:
                # Its loop is closed: the waiter can never run. Pass the slot on.
                continue

    def _expire(self, waiter: _AsyncWaiter, timeout: float) -> None:
        future = waiter.future
        if future is None or future.done():
            return
        with self._lock:
            gave_up = self._state.cancel(waiter)
        if gave_up:
            future.set_exception(_timed_out(timeout, self._state))
