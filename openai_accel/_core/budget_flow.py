"""The rate budget inside the pipeline: admit an attempt, learn from its reply, settle it.

Order, per attempt: **budget, then queue slot, then send.** A call first
reserves its request and tokens (GCRA: the reservation is its place in line,
so waiters are served first come, first served), sleeps for the wait it was
given, and only then queues for a connection slot. Waiting for budget while
holding a slot would let calls to a throttled model starve calls to another
model of slots, and would idle connections that could serve them; waiting
first costs nothing, because a reservation is already a fair queue.

A wait longer than ``rate_limit_timeout`` is refused at once (the wait is
known when the reservation is made) with :class:`RateLimitTimeoutError`, and
nothing is taken. A call cancelled or closed before it sends gives its
reservation back (``finally``-style cleanup in :meth:`BudgetGuard.admit`
and in the pipeline's slot acquisition).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Tuple

from ..errors import QuotaExceededError, RateLimitError, RateLimitTimeoutError
from .budget import FIRST_WAVE_WAIT, Budget, Reservation, model_family
from .effects import Flow, await_latch, sleep
from .rate_headers import RateLimitInfo, parse_rate_limit_headers
from .request import ApiCall
from .token_estimate import TokenCounter, estimate_tokens

__all__ = ["BudgetGuard", "Ticket", "used_tokens"]

logger = logging.getLogger("openai_accel")


def used_tokens(usage: Any) -> Optional[int]:
    """``usage.total_tokens`` (or prompt + completion) of a reply; None when absent."""
    if type(usage) is not dict and not isinstance(usage, Mapping):
        return None
    total = usage.get("total_tokens")
    if type(total) is int:
        return total
    parts = [usage.get(k) for k in ("prompt_tokens", "completion_tokens")]
    parts += [usage.get(k) for k in ("input_tokens", "output_tokens")]
    numbers = [p for p in parts if isinstance(p, int) and not isinstance(p, bool)]
    return sum(numbers) if numbers else None


class Ticket:
    """One attempt's reservation; knows how to give itself back or be corrected."""

    __slots__ = ("guard", "provisional", "reservation", "sent", "shared")

    def __init__(self, guard: BudgetGuard, reservation: Reservation, shared: bool = False) -> None:
        self.guard = guard
        self.reservation = reservation
        self.sent = False
        self.shared = shared
        #: Admitted while the limits were unknown ("auto" before any header):
        #: checked again once it holds its queue slot (see ``recheck``).
        self.provisional = False

    def give_back(self) -> None:
        """Undo the reservation of an attempt that never reached the server."""
        if not self.sent:
            self.guard.give_back(self)

    def settle(self, usage: Any) -> None:
        self.guard.settle(self, used_tokens(usage))

    def abandon(self) -> None:
        """The attempt ended without a reply to learn from (cancelled while sending)."""
        if self.reservation.probe is not None:
            self.guard.budget.end_probe(self.reservation, answered=False)


class BudgetGuard:
    """The client's budget as the pipeline sees it. Subclassed for shared (Redis) state."""

    def __init__(
        self,
        budget: Budget,
        *,
        token_counter: Optional[TokenCounter] = None,
        timeout: Optional[float] = None,
    ) -> None:
        self.budget = budget
        self.token_counter = token_counter
        self.timeout = timeout

    def estimate(self, call: ApiCall) -> int:
        return estimate_tokens(call.json, self.token_counter)

    # -- flows the pipeline runs --------------------------------------------

    def admit(self, call: ApiCall, delay: float = 0.0) -> Flow[Ticket]:
        """Reserve for one attempt and wait (not busy) until the budget allows it.

        ``delay`` is the retry backoff still to wait: the attempt is reserved
        for then, and one Sleep covers both waits.
        """
        # perf: the in-process path in one generator (no nested flows unless it waits).
        budget = self.budget
        family = model_family(call.model)
        tokens = estimate_tokens(call.json, self.token_counter)
        reservation = budget.reserve(family, tokens, self.timeout, delay)
        if reservation.hold is not None:  # the first wave: wait for the probe's reply
            return (yield from self._admit_locally(family, tokens, delay, reservation))
        ticket = self._ticket(reservation)
        if reservation.wait > 0 or not reservation.granted:
            yield from self._wait(ticket)
        return ticket

    def _ticket(self, reservation: Reservation) -> Ticket:
        ticket = Ticket(self, reservation)
        ticket.provisional = not self.budget.is_pacing(reservation.family)
        return ticket

    def _admit_locally(
        self, family: str, tokens: int, delay: float, reservation: Optional[Reservation] = None
    ) -> Flow[Ticket]:
        if reservation is None:
            reservation = self.budget.reserve(family, tokens, self.timeout, delay)
        waited = 0.0
        while reservation.hold is not None:
            # The first wave waits for the probe's reply, then asks again; past
            # FIRST_WAVE_WAIT (a slow probe) it goes unpaced, as before any header.
            limit = FIRST_WAVE_WAIT if self.timeout is None else min(self.timeout, FIRST_WAVE_WAIT)
            started = self.budget.clock()
            opened = yield from await_latch(reservation.hold, max(0.0, limit - waited))
            waited += self.budget.clock() - started
            reservation = self.budget.reserve(
                family, tokens, self.timeout, delay, first_wave=opened and waited < limit
            )
        return (yield from self._wait(self._ticket(reservation)))

    def recheck(self, ticket: Ticket) -> Flow[None]:
        """A call admitted before the limits were known asks again once it holds a slot.

        In ``"auto"`` mode the first calls go unpaced (nothing is known), but
        a crowd admitted in that instant must not all follow: by the time one
        gets its queue slot, an earlier reply has usually taught the limits.
        Waiting here holds the slot, which happens only during that first
        instant; afterwards every call is paced before it queues.
        """
        ticket.provisional = False
        family = ticket.reservation.family
        if not self.budget.is_pacing(family):
            return
        fresh = yield from self._admit_locally(family, ticket.reservation.tokens, 0.0)
        ticket.reservation, ticket.shared = fresh.reservation, fresh.shared

    def _wait(self, ticket: Ticket) -> Flow[Ticket]:
        reservation = ticket.reservation
        if not reservation.granted:
            raise RateLimitTimeoutError(
                f"the rate budget for {reservation.family or 'this client'!s} would make this "
                f"call wait {reservation.wait:.3g}s, more than rate_limit_timeout={self.timeout}s",
                retry_after=reservation.wait,
            )
        if reservation.wait > 0:
            try:
                yield from sleep(reservation.wait)
            except BaseException:  # cancelled or closed while waiting: nothing was sent
                ticket.give_back()
                raise
        return ticket

    def observe(
        self, ticket: Ticket, headers: Optional[Mapping[str, str]], error: Optional[BaseException]
    ) -> Flow[None]:
        """After an attempt's reply: learn the limits; a throttling 429 pauses the family."""
        self._learn_from(ticket, headers, error)
        return
        yield  # a flow: the shared subclass reports through an effect

    def _learn_from(
        self, ticket: Ticket, headers: Optional[Mapping[str, str]], error: Optional[BaseException]
    ) -> Optional[float]:
        """The in-process part of ``observe``; returns the throttling pause, if any."""
        ticket.sent = True
        reservation = ticket.reservation
        if headers:
            self.budget.learn(reservation.family, read_rate_limits(headers), reservation)
        pause = None if error is None else throttle_pause(error)
        if pause is not None:
            self.budget.pause(reservation.family, pause)
        if reservation.probe is not None:  # learnt (or nothing to learn): the wave may go
            self.budget.end_probe(reservation)
        return pause

    # -- plain calls ---------------------------------------------------------

    def give_back(self, ticket: Ticket) -> None:
        self.budget.refund(ticket.reservation)

    def settle(self, ticket: Ticket, used: Optional[int]) -> None:
        self.budget.settle(ticket.reservation, used)


_HEADER_NAMES = tuple(
    "x-ratelimit-" + name
    for name in (
        "limit-requests",
        "limit-tokens",
        "remaining-requests",
        "remaining-tokens",
        "reset-requests",
        "reset-tokens",
    )
)
_NOTHING_SAID = (None,) * len(_HEADER_NAMES)
_READ_CACHE: Dict[Tuple[Optional[str], ...], RateLimitInfo] = {}
_READ_CACHE_SIZE = 256


def read_rate_limits(headers: Mapping[str, str]) -> RateLimitInfo:
    """``parse_rate_limit_headers``, remembering recent header values.

    Every reply is read, so this is on the hot path; limits and resets repeat
    from one reply to the next (often the remaining counts too), and a dict
    lookup is much cheaper than parsing six values again.
    """
    key = tuple(map(headers.get, _HEADER_NAMES))  # perf: no generator frame per reply
    if key == _NOTHING_SAID:
        return _UNKNOWN
    info = _READ_CACHE.get(key)
    if info is None:
        if len(_READ_CACHE) >= _READ_CACHE_SIZE:
            _READ_CACHE.clear()
        info = _READ_CACHE[key] = parse_rate_limit_headers(headers)
    return info


_UNKNOWN = RateLimitInfo()


def throttle_pause(error: Optional[BaseException]) -> Optional[float]:
    """Seconds to pause the budget after a throttling 429 (not a quota refusal)."""
    if not isinstance(error, RateLimitError) or isinstance(error, QuotaExceededError):
        return None
    if error.status_code != 429:
        return None
    return error.retry_after if error.retry_after is not None else 0.0
