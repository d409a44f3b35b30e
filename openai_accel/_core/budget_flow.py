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
reservation back (``finally``-style cleanup in :meth:`BudgetGuard.take`
and in the pipeline's slot acquisition).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional, Union

from ..errors import QuotaExceededError, RateLimitError, RateLimitTimeoutError
from .budget import FIRST_WAVE_WAIT, Budget, Reservation, model_family
from .effects import Flow, await_latch, sleep
from .gcra import FAMILY_OF
from .request import ApiCall
from .token_estimate import TokenCounter, estimate_tokens

__all__ = ["BudgetGuard", "Ticket", "used_tokens"]

logger = logging.getLogger("openai_accel")

#: What the pipeline holds per attempt: the budget's reservation, which also
#: carries the attempt's bookkeeping (``sent``, ``provisional``, ``shared``).
Ticket = Reservation


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


class BudgetGuard:
    """The client's budget as the pipeline sees it. Subclassed for shared (Redis) state.

    Per attempt the pipeline calls :meth:`take` (a plain call; a flow only
    when the attempt must wait), :meth:`observe` after the reply and
    :meth:`settle` once ``usage`` is read. perf: most attempts never wait,
    and running a generator per step cost more than the bookkeeping itself.
    """

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

    # -- what the pipeline runs ----------------------------------------------

    def take(self, call: ApiCall, delay: float = 0.0) -> Union[Ticket, Flow[Ticket]]:
        """Reserve for one attempt: the ticket when it may go at once, else a flow to run.

        ``delay`` is the retry backoff still to wait: the attempt is reserved
        for then, and one Sleep covers both waits. The flow (``yield from``
        it) waits, not busy, until the budget allows the attempt, or raises
        :class:`RateLimitTimeoutError`.
        """
        model = call.model
        family = FAMILY_OF.get(model) if model else ""  # perf: model_family's cache, read here
        reservation = self.budget.reserve(
            family if family is not None else model_family(model),
            estimate_tokens(call.json, self.token_counter),
            self.timeout,
            delay,
        )
        reservation.guard = self
        if reservation.hold is not None:  # the first wave: wait for the probe's reply
            return self._admit_locally(reservation.family, reservation.tokens, delay, reservation)
        if reservation.wait > 0 or not reservation.granted:
            return self._wait(reservation)
        return reservation

    def _admit_locally(
        self, family: str, tokens: int, delay: float, reservation: Optional[Ticket] = None
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
        reservation.guard = self
        return (yield from self._wait(reservation))

    def recheck(self, ticket: Ticket) -> Flow[None]:
        """A call admitted before the limits were known asks again once it holds a slot.

        In ``"auto"`` mode the first calls go unpaced (nothing is known), but
        a crowd admitted in that instant must not all follow: by the time one
        gets its queue slot, an earlier reply has usually taught the limits.
        Waiting here holds the slot, which happens only during that first
        instant; afterwards every call is paced before it queues.
        """
        ticket.provisional = False
        family = ticket.family
        if not self.budget.is_pacing(family):
            return
        fresh = yield from self._admit_locally(family, ticket.tokens, 0.0)
        ticket.become(fresh)  # asked again: no longer provisional

    def _wait(self, ticket: Ticket) -> Flow[Ticket]:
        if not ticket.granted:
            raise RateLimitTimeoutError(
                f"the rate budget for {ticket.family or 'this client'!s} would make this "
                f"call wait {ticket.wait:.3g}s, more than rate_limit_timeout={self.timeout}s",
                retry_after=ticket.wait,
            )
        if ticket.wait > 0:
            try:
                yield from sleep(ticket.wait)
            except BaseException:  # cancelled or closed while waiting: nothing was sent
                self.give_back(ticket)
                raise
        return ticket

    def observe(
        self, ticket: Ticket, headers: Optional[Mapping[str, str]], error: Optional[BaseException]
    ) -> Optional[Flow[None]]:
        """After an attempt's reply: learn the limits; a throttling 429 pauses the family.

        Returns a flow to run when the guard must report through an effect
        (the shared subclass); in-process learning is done by the time it returns.
        """
        ticket.sent = True
        if headers:
            self.budget.learn_from_headers(ticket.family, headers, ticket)
        if error is not None:
            pause = throttle_pause(error)
            if pause is not None:
                self.budget.pause(ticket.family, pause)
        if ticket.probe is not None:  # learnt (or nothing to learn): the wave may go
            self.budget.end_probe(ticket)
        return None

    # -- plain calls ---------------------------------------------------------

    def give_back(self, ticket: Ticket) -> None:
        """Undo the reservation of an attempt that never reached the server."""
        if not ticket.sent:
            self.budget.refund(ticket)

    def abandon(self, ticket: Ticket) -> None:
        """The attempt ended without a reply to learn from (cancelled while sending)."""
        if ticket.probe is not None:
            self.budget.end_probe(ticket, answered=False)

    def settle(self, ticket: Ticket, usage: Any) -> None:
        """Correct the estimate with the reply's ``usage`` (once)."""
        # perf: the usual usage (a dict with an int total) read here, not through used_tokens
        total = usage.get("total_tokens") if type(usage) is dict else None
        self.budget.settle(ticket, total if type(total) is int else used_tokens(usage))


def throttle_pause(error: Optional[BaseException]) -> Optional[float]:
    """Seconds to pause the budget after a throttling 429 (not a quota refusal)."""
    if not isinstance(error, RateLimitError) or isinstance(error, QuotaExceededError):
        return None
    if error.status_code != 429:
        return None
    return error.retry_after if error.retry_after is not None else 0.0
