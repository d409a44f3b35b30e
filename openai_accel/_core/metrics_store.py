"""The bounded, time-windowed store behind ``client.recent_requests``.

Why a store of its own instead of an unbounded dict: a busy client makes
thousands of requests a minute, and ``recent_requests`` must not grow without
bound. Entries expire ``retention`` seconds after they were stored and the
oldest go first when the entry cap is reached; both are enforced on insert (and
on read) in amortised O(1), so no background thread is needed.

Why an entry is a plain tuple of the record's values, not the record: the
10,000 records a busy client keeps were a third of its process's objects that
the cyclic garbage collector walks, and every full collection walked them all
(about 5 % of an asyncio client's CPU at 16 calls at a time). A tuple of
strings and numbers holds no reference cycle, so the collector stops tracking
it; the records are built again when they are read (``recent_requests``,
``metrics_summary()``), which is rare next to the calls that store them.
"""

import math
import operator
import threading
import time
import types
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Mapping, Tuple

import attrs

from .metrics_record import RequestMetrics
from .metrics_stats import summarize

__all__ = ["MetricsStore", "check_limits"]

#: The record's fields in ``__init__`` order: ``RequestMetrics(*values)`` rebuilds it.
_FIELDS = tuple(field.name for field in attrs.fields(RequestMetrics))
_values_of = operator.attrgetter(*_FIELDS)
#: An entry: the record's values, then the time it was stored (the store's clock).
Entry = Tuple[Any, ...]


def _record(entry: Entry) -> RequestMetrics:
    return RequestMetrics(*entry[:-1])


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
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            self._prune(self._clock())
            return len(self._entries)

    def _prune(self, now: float) -> None:
        """Drop expired entries and any beyond the cap (caller holds the lock)."""
        entries = self._entries
        cutoff = now - self.retention
        while entries:
            stored_at = next(iter(entries.values()))[-1]
            if stored_at >= cutoff and len(entries) <= self.max_entries:
                break
            entries.popitem(last=False)

    def add(self, m: RequestMetrics) -> None:
        """Store a finished record's values (replacing any with the same id) and prune.

        The store keeps what the record says now: changing the record later
        does not change what ``recent_requests`` shows.
        """
        values = _values_of(m)
        with self._lock:
            now = self._clock()
            entries = self._entries
            entries.pop(m.request_id, None)
            entries[m.request_id] = (*values, now)
            # perf: _prune only when the oldest entry expired or the cap is passed
            if len(entries) > self.max_entries or (
                next(iter(entries.values()))[-1] < now - self.retention
            ):
                self._prune(now)

    def clear(self) -> None:
        """Forget everything (e.g. between benchmark phases)."""
        with self._lock:
            self._entries.clear()

    def records(self) -> List[RequestMetrics]:
        """Live records, oldest first (new ones, built from the stored values)."""
        with self._lock:
            self._prune(self._clock())
            entries = list(self._entries.values())
        return [_record(entry) for entry in entries]

    def snapshot(self) -> Mapping[str, RequestMetrics]:
        """A read-only copy of the live entries, oldest first, for ``recent_requests``.

        A copy, so iterating it never races with requests finishing in other
        threads; read-only, so nobody mistakes it for a way to edit the store.
        """
        with self._lock:
            self._prune(self._clock())
            entries = list(self._entries.items())
        return types.MappingProxyType({rid: _record(entry) for rid, entry in entries})

    def summary(self) -> Dict[str, Any]:
        """Aggregate the live entries (see :func:`summarize`); computed outside the lock."""
        return summarize(self.records(), self.retention)
