"""A one-shot latch: closed until someone opens it, then open for good. Pure (no waiting here).

Why a latch and not a sleep loop: the calls that wait for the rate budget's
first reply (``Budget.reserve``: "the first wave") must wake the moment it
arrives, without polling. The latch only keeps the state and a list of
*wakers*; the drivers do the waiting (a ``threading.Event`` for the blocking
client, a Future on its own loop for asyncio, see ``AwaitLatch``), so the
decision stays in the core and testable without threads.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Callable, List

__all__ = ["Latch"]


class Latch:
    __slots__ = ("_lock", "_wakers", "is_open")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wakers: List[Callable[[], None]] = []
        self.is_open = False

    def open(self) -> None:
        """Open for good and wake every waiter (idempotent)."""
        with self._lock:
            if self.is_open:
                return
            self.is_open = True
            wakers, self._wakers = self._wakers, []
        for wake in wakers:
            wake()

    def add_waker(self, wake: Callable[[], None]) -> bool:
        """Register ``wake`` for the opening; False (not registered) when already open."""
        with self._lock:
            if self.is_open:
                return False
            self._wakers.append(wake)
            return True

    def remove_waker(self, wake: Callable[[], None]) -> None:
        """Forget ``wake`` (a waiter that timed out or was cancelled)."""
        with self._lock, contextlib.suppress(ValueError):  # ValueError: already woken
            self._wakers.remove(wake)

    def __repr__(self) -> str:
        state = "open" if self.is_open else f"closed, {len(self._wakers)} waiting"
        return f"Latch({state})"
