"""Bookkeeping for the bounded request queue: who runs, who waits, who is next.

This is only the arithmetic. It never locks, blocks or awaits, so the same
rules serve the blocking client (``openai_accel._gates.ThreadGate``) and the
asyncio client (``AsyncGate``), and can be tested exhaustively without
threads. The caller serialises access (a lock, or the event loop thread).

Slots are handed over, not released and re-acquired: when a running call
leaves while someone is queued, the slot passes straight to the oldest waiter
and ``running`` never dips. A newcomer therefore cannot barge in between and
overtake the queue, which keeps waiting FIFO and bounded.
"""

from __future__ import annotations

from collections import deque
from typing import Deque, Optional

from openai_accel.errors import QueueFullError

__all__ = ["AdmissionState"]


class AdmissionState:
    """``max_concurrent`` calls may run; up to ``queue_size`` more may wait, in order.

    Waiters are opaque tokens chosen by the caller (an ``Event``, a
    ``Future``, any object); they are compared by identity.
    """

    __slots__ = ("_max_concurrent", "_queue_size", "_running", "_waiters")

    def __init__(self, max_concurrent: int, queue_size: int) -> None:
        if isinstance(max_concurrent, bool) or not isinstance(max_concurrent, int):
            raise TypeError(f"max_concurrent must be an int, got {max_concurrent!r}")
        if isinstance(queue_size, bool) or not isinstance(queue_size, int):
            raise TypeError(f"queue_size must be an int, got {queue_size!r}")
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be >= 1, got {max_concurrent}")
        if queue_size < 0:
            raise ValueError(f"queue_size must be >= 0, got {queue_size}")
        self._max_concurrent = max_concurrent
        self._queue_size = queue_size
        self._running = 0
        self._waiters: Deque[object] = deque()

    @property
    def max_concurrent(self) -> int:
        return self._max_concurrent

    @property
    def queue_size(self) -> int:
        return self._queue_size

    @property
    def running(self) -> int:
        """Calls holding a slot, including waiters handed one but not yet woken."""
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def try_enter(self, waiter: object) -> bool:
        """Admit now (``True``) or queue ``waiter`` (``False``).

        A free slot is only taken when nobody is queued: otherwise the
        newcomer would overtake the queue. Raises ``QueueFullError`` when the
        queue already holds ``queue_size`` waiters, so the caller fails fast
        instead of piling up unbounded work.
        """
        if self._running < self._max_concurrent and not self._waiters:
            self._running += 1
            return True
        if len(self._waiters) >= self._queue_size:
            raise QueueFullError(
                f"request queue is full: {self._running} running "
                f"(max_concurrent_requests={self._max_concurrent}) and "
                f"{len(self._waiters)} waiting (queue_size={self._queue_size})"
            )
        self._waiters.append(waiter)
        return False

    def try_take(self) -> bool:
        """Admit now if a slot is free and nobody is queued; never queues, never raises.

        perf: the uncontended path of a gate, which then needs no waiter
        token (and the asyncio gate no coroutine). ``False`` means: go
        through :meth:`try_enter`, which queues or refuses.
        """
        if self._running < self._max_concurrent and not self._waiters:
            self._running += 1
            return True
        return False

    def leave(self) -> Optional[object]:
        """A running call ended. Returns the waiter that now owns its slot, if any.

        The returned waiter already counts as running; the caller only has to
        wake it. ``RuntimeError`` on a ``leave`` without a matching admission:
        a slot counted twice would silently raise the concurrency limit.
        """
        if self._running <= 0:
            raise RuntimeError("AdmissionState.leave() called with no call running")
        if self._waiters:
            return self._waiters.popleft()
        self._running -= 1
        return None

    def cancel(self, waiter: object) -> bool:
        """A queued waiter gave up. ``True`` if it was removed from the queue.

        ``False`` means it is not queued: normally because ``leave`` already
        handed it a slot, which it now owns and must give back with
        ``leave()`` so the slot is not lost.
        """
        for index, queued in enumerate(self._waiters):
            if queued is waiter:
                del self._waiters[index]
                return True
        return False

    def __repr__(self) -> str:
        return (
            f"AdmissionState(running={self._running}/{self._max_concurrent}, "
            f"waiting={len(self._waiters)}/{self._queue_size})"
        )
