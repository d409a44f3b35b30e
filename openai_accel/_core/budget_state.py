"""What the budget keeps per model family, and how ``client.rate_limits`` shows it.

Split from :mod:`~openai_accel._core.budget` (the decisions) so that the
state's shape, read by the reservations, by learning from replies and by the
snapshot, is written down once.
"""

from __future__ import annotations

from typing import Mapping, Optional, Union

import attrs

from .gcra import Bucket
from .latch import Latch
from .rate_config import RateLimits
from .rate_headers import RateLimitInfo, parse_rate_limit_headers

__all__ = ["BudgetView", "FamilyState", "is_full", "view_of"]


@attrs.frozen
class BudgetView:
    """One family's limits as the client sees them (``client.rate_limits[family]``)."""

    source: str  # "configured", "learned" or "unknown"
    requests_per_minute: Optional[float]
    tokens_per_minute: Optional[float]
    remaining_requests: Optional[float]
    remaining_tokens: Optional[float]
    reset_requests: Optional[float]  # seconds from now until the server's window is full
    reset_tokens: Optional[float]
    paused_for: float


class FamilyState:
    """One family's buckets, first-wave probe, pause, and what its last reply said."""

    __slots__ = (
        "issued",
        "issued_tokens",
        "learned",
        "learned_at",
        "paused_until",
        "probe",
        "probe_since",
        "probed",
        "requests",
        "said",
        "said_limit_requests",
        "said_limit_tokens",
        "tokens",
    )

    def __init__(self) -> None:
        self.requests: Optional[Bucket] = None
        self.tokens: Optional[Bucket] = None
        #: Reservations (and their tokens) handed out so far, for learning from replies.
        self.issued = 0
        self.issued_tokens = 0.0
        #: "auto" before any reply: the one call in flight whose reply will tell
        #: the limits (its latch), and whether such a reply has come.
        self.probe: Optional[Latch] = None
        self.probe_since = 0.0
        self.probed = False
        self.paused_until = 0.0
        #: The last reply's limits, as read (``learned``) or as the headers that
        #: said them (``said``, read only when shown: see ``view_of``), and when.
        self.learned: Optional[RateLimitInfo] = None
        self.said: Optional[Mapping[str, str]] = None
        self.learned_at = 0.0
        #: The limit headers' text when they were last read in full: the same
        #: text again means the same limits (see ``budget_learning``).
        self.said_limit_requests: Optional[str] = None
        self.said_limit_tokens: Optional[str] = None


def is_full(bucket: Optional[Bucket], now: float) -> bool:
    """Whether ``bucket`` is full (or absent): then no catch-up can raise what it admits.

    perf: a client far below its limits has full buckets, and a reply's
    catch-up (which only ever moves ``tat`` down, never before now) would then
    change nothing, so it skips the lock. Read without the lock (``tat`` is
    one float): a reservation made meanwhile only means one catch-up is
    skipped, erring on the strict side, and the next reply makes it.
    (A usage correction giving tokens back is *not* skipped on a full bucket:
    it moves ``tat`` further back, which a later overuse charge builds on.)
    """
    return bucket is None or bucket.tat <= now


def view_of(state: FamilyState, now: float, mode: Union[str, RateLimits]) -> BudgetView:
    """``state`` as ``client.rate_limits`` shows it at ``now``."""
    info = parse_rate_limit_headers(state.said) if state.said is not None else state.learned
    age = now - state.learned_at
    configured = isinstance(mode, RateLimits)

    def remaining(bucket: Optional[Bucket], said: Optional[int]) -> Optional[float]:
        # Configured: what this budget still admits; learnt: what the server said.
        if bucket is not None and (configured or said is None):
            return bucket.available(now)
        return None if said is None else float(said)

    def reset(said: Optional[float]) -> Optional[float]:
        return None if said is None else max(0.0, said - age)

    if configured:
        source = "configured"
    else:
        source = "learned" if info is not None and info.known else "unknown"
    return BudgetView(
        source=source,
        requests_per_minute=state.requests.per_minute if state.requests else None,
        tokens_per_minute=state.tokens.per_minute if state.tokens else None,
        remaining_requests=remaining(state.requests, info.remaining_requests if info else None),
        remaining_tokens=remaining(state.tokens, info.remaining_tokens if info else None),
        reset_requests=reset(info.reset_requests if info else None),
        reset_tokens=reset(info.reset_tokens if info else None),
        paused_for=max(0.0, state.paused_until - now),
    )
