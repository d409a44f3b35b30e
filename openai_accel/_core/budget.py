"""The rate budget: pure pacing decisions, one GCRA per (model family, requests|tokens).

Why GCRA (the "generic cell rate algorithm", a token bucket kept as one
timestamp): it answers "when may this call go?" at the moment it asks, so a
caller learns its whole wait at once (and a ``rate_limit_timeout`` can refuse
it without waiting), reservations are served in the order they were made
(FIFO by construction, nobody polls), and giving a reservation back is one
subtraction. Each bucket admits ``per_minute / 60`` units per second with a
burst of ``burst_seconds`` worth (half a second by default): OpenAI enforces
per-minute limits in shorter windows, so spending a minute's budget at once
would still be refused, and a burst smaller than the server's leaves it slack
for requests that the network delivers bunched together.

A cost bigger than the burst (one 20,000-token prompt against a 60,000 TPM
budget) is admitted when the bucket is full rather than never: its own size is
then the tolerance. Nothing here sleeps or reads a clock of its own; the clock
is injected, so every decision is testable without waiting.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Mapping, Optional, Tuple, Union

from .budget_learning import AUTO_RATE_MARGIN, LearnsFromReplies
from .budget_state import BudgetView, FamilyState, view_of
from .gcra import Bucket, Reservation, model_family
from .latch import Latch
from .rate_config import AUTO, RateLimits

__all__ = ["AUTO_RATE_MARGIN", "Bucket", "Budget", "BudgetView", "Reservation", "model_family"]

#: Half a second's worth: under the server's own (about a second), so that the
#: server keeps that much slack for network jitter once both run at the same rate.
DEFAULT_BURST_SECONDS = 0.5
#: How long the first wave waits for the probe's reply (see ``Budget.reserve``)
#: before going unpaced: a slow first call must not hold every other for long.
FIRST_WAVE_WAIT = 5.0
#: Distinct model families tracked per client; further ones share one budget.
MAX_FAMILIES = 64
OVERFLOW_FAMILY = "<other>"
_EPSILON = 1e-9


class Budget(LearnsFromReplies):
    """Every family's buckets behind one lock (shared by threads and asyncio tasks).

    ``mode`` is ``"auto"`` (limits learnt from headers; nothing enforced until
    then) or a :class:`RateLimits` (configured; headers only lower what remains).
    """

    def __init__(
        self,
        mode: Union[str, RateLimits],
        *,
        clock: Callable[[], float] = time.monotonic,
        burst_seconds: float = DEFAULT_BURST_SECONDS,
        max_families: int = MAX_FAMILIES,
    ) -> None:
        if mode != AUTO and not isinstance(mode, RateLimits):
            raise ValueError(f"unknown budget mode {mode!r}")
        self.mode = mode
        #: "auto": limits come from headers, resets may raise what is available.
        self._learning = mode == AUTO
        self.clock = clock
        self.burst_seconds = burst_seconds
        self.max_families = max_families
        self._families: Dict[str, FamilyState] = {}
        self._lock = threading.Lock()

    # -- families ------------------------------------------------------------

    def _family(self, name: str) -> FamilyState:
        family = self._families.get(name)
        if family is not None:
            return family
        if len(self._families) >= self.max_families:
            name = OVERFLOW_FAMILY
            family = self._families.get(name)
            if family is not None:
                return family
        family = self._families[name] = FamilyState()
        if isinstance(self.mode, RateLimits):
            rpm, tpm = self.mode.for_model(name or None)
            now = self.clock()
            if rpm is not None:
                family.requests = Bucket(rpm, self.burst_seconds, now)
            if tpm is not None:
                family.tokens = Bucket(tpm, self.burst_seconds, now)
        return family

    def family_key(self, name: str) -> str:
        """The family a name is tracked under (the overflow bucket past ``max_families``)."""
        with self._lock:
            self._family(name)
            return name if name in self._families else OVERFLOW_FAMILY

    # -- decisions -----------------------------------------------------------

    def reserve(
        self,
        family: str,
        tokens: int,
        max_wait: Optional[float] = None,
        delay: float = 0.0,
        first_wave: bool = True,
    ) -> Reservation:
        """Take one request and ``tokens``; the reservation says how long to wait first.

        The attempt goes no earlier than ``delay`` seconds from now (a retry's
        backoff). With ``max_wait`` and a budget wait longer than it (beyond
        ``delay``), nothing is taken and the reservation has ``granted=False``.

        **The first wave.** In ``"auto"`` mode nothing is known before the
        first reply, and a crowd of calls made at start-up would all go at
        once (64 at the default concurrency, against a limit of perhaps ten a
        second). So the first call of a family becomes the *probe*
        (``reservation.probe``, a latch opened by :meth:`end_probe`) and the
        calls behind it get a reservation with ``hold`` set and nothing taken:
        they wait for the latch, then ask again, paced by what the probe's
        reply taught. ``first_wave=False`` skips this (a caller that waited
        long enough). A server that sends no headers is probed once, then
        never paced.
        """
        # GCRA, written out (perf: one call per attempt): a cost spans cost/rate
        # seconds; it may start once tat + span - max(tau, span) has come, and
        # taking it moves tat (never before the start) on by the span.
        self._lock.acquire()  # perf: try/finally costs half a ``with`` (once per attempt)
        try:
            state = self._families.get(family) or self._family(family)
            requests, token_bucket = state.requests, state.tokens
            now = self.clock()
            probe = None
            if (
                requests is None
                and token_bucket is None
                and first_wave
                and self._learning
                and not state.probed
            ):  # nothing known yet: one call goes, the rest wait for it
                probe = state.probe
                if probe is not None and not probe.is_open:
                    if now - state.probe_since < FIRST_WAVE_WAIT:
                        held = Reservation(family, tokens, 0.0)
                        held.hold, held.settled = probe, True  # nothing taken
                        return held
                    probe.open()  # a probe never heard of again: do not hold on to it
                probe = state.probe = Latch()
                state.probe_since = now
            start = now + delay
            if state.paused_until > start:
                start = state.paused_until
            # Each bucket's tat is read once: max(tat, start) == max(max(tat, now), start).
            if requests is not None:
                request_tat = requests.tat
                if request_tat < now:
                    request_tat = now
                at = request_tat + requests.unit - requests.tau  # tau >= unit: max(tau, unit)
                if at > start:
                    start = at
            if token_bucket is not None and tokens > 0:
                token_span = tokens / token_bucket.rate
                token_tat = token_bucket.tat
                if token_tat < now:
                    token_tat = now
                tau = token_bucket.tau
                at = token_tat + token_span - (tau if tau > token_span else token_span)
                if at > start:
                    start = at
            wait = start - now
            if wait < _EPSILON:  # float dust: 1e-12 s is not worth a Sleep
                wait = 0.0
            if max_wait is not None and wait > max_wait + delay:
                return Reservation(family, tokens, wait, granted=False)
            if requests is not None:
                requests.tat = (request_tat if request_tat > start else start) + requests.unit
            if token_bucket is not None and tokens > 0:
                token_bucket.tat = (token_tat if token_tat > start else start) + token_span
            issued, issued_tokens = state.issued, state.issued_tokens
            state.issued = issued + 1
            state.issued_tokens = issued_tokens + tokens
            reservation = Reservation(family, tokens, wait, True, issued, issued_tokens)
            if probe is not None:
                reservation.probe = probe
            if requests is None and token_bucket is None:
                reservation.provisional = True  # nothing paced it: ask again once learnt
            return reservation
        finally:
            self._lock.release()

    def end_probe(self, reservation: Reservation, answered: bool = True) -> None:
        """The probe's attempt is over: wake the first wave (see :meth:`reserve`).

        ``answered`` is False when it never reached the server (cancelled):
        the next caller becomes the probe instead.
        """
        latch: Optional[Latch] = reservation.probe
        reservation.probe = None
        if latch is None:
            return
        with self._lock:
            state = self._families.get(reservation.family)
            if state is not None and state.probe is latch:
                state.probe = None
                state.probed = state.probed or answered
        latch.open()

    def refund(self, reservation: Reservation) -> None:
        """The attempt was never sent (cancelled while waiting): give everything back."""
        if reservation.probe is not None:
            self.end_probe(reservation, answered=False)
        if not reservation.granted or reservation.settled:
            return
        reservation.settled = True
        with self._lock:
            state = self._family(reservation.family)
            if state.requests is not None:
                state.requests.give_back(1)
            if state.tokens is not None and reservation.tokens > 0:
                state.tokens.give_back(reservation.tokens)

    def settle(self, reservation: Reservation, used_tokens: Optional[int]) -> None:
        """Correct the estimate with what ``usage`` says was really spent (once)."""
        if reservation.settled or not reservation.granted or used_tokens is None:
            return
        reservation.settled = True
        # A family is never forgotten and its token bucket, once made, never
        # replaced (retuned in place): it can be found without the lock.
        state = self._families.get(reservation.family)
        bucket = state.tokens if state is not None else None
        delta = used_tokens - reservation.tokens
        if bucket is None or delta == 0:
            return  # nothing to correct: no lock taken
        self._lock.acquire()
        try:
            bucket.tat += delta / bucket.rate
        finally:
            self._lock.release()

    def pause(self, family: str, seconds: float) -> None:
        """A throttling 429: no new reservation in this family starts for ``seconds``.

        Every caller then waits once, instead of each retrying on its own; the
        429's own ``x-ratelimit-remaining-*`` (learnt first) empties the buckets.
        """
        with self._lock:
            state = self._family(family)
            until = self.clock() + max(0.0, seconds)
            state.paused_until = max(state.paused_until, until)
            state.probed = True  # the server has answered: the first wave is over

    def adopt_rates(self, family: str, rpm: float, tpm: float) -> None:
        """Take the fleet's learnt limits (shared state) where this process knows none yet."""
        if self.mode != AUTO or (rpm <= 0 and tpm <= 0):
            return
        with self._lock:
            state = self._family(family)
            now = self.clock()
            if rpm > 0 and state.requests is None:
                state.requests = Bucket(rpm, self.burst_seconds, now)
            if tpm > 0 and state.tokens is None:
                state.tokens = Bucket(tpm, self.burst_seconds, now)

    # -- reading -------------------------------------------------------------

    def is_pacing(self, family: str) -> bool:
        # No lock: one dict read and two attribute reads, each atomic; buckets only appear.
        state = self._families.get(family)
        return state is not None and (state.requests is not None or state.tokens is not None)

    def rates(self, family: str) -> Tuple[Optional[float], Optional[float]]:
        """(requests, tokens) per minute currently enforced for ``family``."""
        with self._lock:
            state = self._family(family)
            return (
                state.requests.per_minute if state.requests is not None else None,
                state.tokens.per_minute if state.tokens is not None else None,
            )

    def availability(self, family: str) -> Tuple[Optional[float], Optional[float]]:
        """(requests, tokens) this process's buckets believe are left now (None: not paced)."""
        with self._lock:
            state = self._family(family)
            now = self.clock()
            return (
                state.requests.available(now) if state.requests is not None else None,
                state.tokens.available(now) if state.tokens is not None else None,
            )

    def snapshot(self) -> Mapping[str, BudgetView]:
        with self._lock:
            now = self.clock()
            return {name: view_of(state, now, self.mode) for name, state in self._families.items()}
