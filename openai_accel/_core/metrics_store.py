"""The bounded, time-windowed store behind ``client.recent_requests``.

Why a store of its own instead of an unbounded dict: a busy client makes
thousands of requests a minute, and ``recent_requests`` must not grow without
bound. Entries expire ``retention`` seconds after they were stored and the
oldest go first when the entry cap is reached; both are enforced on insert (and
on read) in amortised O(1), so no background thread is needed.
"""

import math
import threading
import time
import types
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Mapping, Tuple

from .metrics_record import RequestMetrics
from .metrics_stats import summarize

__all__ = ["MetricsStore", "check_limits"]


def check_limits(retention: float, max_entries: int) -> None:
    if not (isinstance(retention, (int, float)) and retention >= 0 and math.isfinite(retention)):
        raise ValueError(f"metrics_retention must be a finite number >= 0, got {retention!r}")
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
        raise ValueError(f"max_entries must be an int >= 1, got {max_entries!r}")


class MetricsStore:
    """Thread-safe, bounded, time-windowed map of request id -> finished record.

    An entry expires ``retention`` seconds (by ``clock``, monotonic) after it
    was stored, i.e. after its request finished; at most ``max_entries`` are
    kept, the oldest dropped first. Insertion order equals expiry order, so
    pruning pops from the front of an ``OrderedDict``: amortised O(1) per insert.
    """

    def __init__(
        self,
        retention: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_limits(retention, max_entries)
        self.retention = float(retention)
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, Tuple[float, RequestMetrics]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            self._prune(self._clock())
            return len(self._entries)

    def _prune(self, now: float) -> None:
        """Drop expired entries and any beyond the cap (caller holds the lock)."""
        entries = self._entries
        cutoff = now - self.retention
        while entries:
            stored_at, _ = next(iter(entries.values()))
            if stored_at >= cutoff and len(entries) <= self.max_entries:
                break
            entries.popitem(last=False)

    def add(self, m: RequestMetrics) -> None:
        """Store a finished record (replacing one with the same id) and prune."""
        with self._lock:
            now = self._clock()
            entries = self._entries
            entries.pop(m.request_id, None)
            entries[m.request_id] = (now, m)
            # perf: _prune only when the oldest entry expired or the cap is passed
            if len(entries) > self.max_entries or (
                next(iter(entries.values()))[0] < now - self.retention
            ):
                self._prune(now)

    def clear(self) -> None:
        """Forget everything (e.g. between benchmark phases)."""
        with self._lock:
            self._entries.clear()

    def records(self) -> List[RequestMetrics]:
        """Live records, oldest first (a new list; the records themselves are shared)."""
        with self._lock:
            self._prune(self._clock())
            return [m for _, m in self._entries.values()]

    def snapshot(self) -> Mapping[str, RequestMetrics]:
        """A read-only copy of the live entries, oldest first, for ``recent_requests``.

        A copy, so iterating it never races with requests finishing in other
        threads; read-only, so nobody mistakes it for a way to edit the store.
        """
        with self._lock:
            self._prune(self._clock())
            return types.MappingProxyType({rid: m for rid, (_, m) in self._entries.items()})

    def summary(self) -> Dict[str, Any]:
        """Aggregate the live entries (see :func:`summarize`); computed outside the lock."""
        return summarize(self.records(), self.retention)
