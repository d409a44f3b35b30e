"""The budget and breaker of a fleet: one Redis round trip per attempt, through effects.

:class:`SharedBudgetGuard` is the in-process :class:`BudgetGuard` with its
decisions moved into Redis (the Lua scripts of ``shared_scripts``):

* ``take`` yields one ``Shared(ADMIT)`` effect per attempt. It checks the
  fleet's breaker (a breaker opened by any process refuses here, before
  anything is sent), reserves in the fleet's GCRA, and carries this process's
  *deferred* bookkeeping along (usage corrections, reservations given back by
  cancelled calls, breaker successes), so the success path costs exactly one
  round trip.
* ``observe`` reports at once only on the failure path: a failed attempt (the
  fleet's breaker counts failed attempts; a throttling 429 is not one, it
  pauses the family for every process instead), or the verdict of a
  half-open probe.

Limits learnt from headers travel too: each process sends what it knows, and
a process that has not seen a header yet adopts the fleet's.

**Redis down.** A failed round trip (refused, timed out, nonsense reply) makes
this client fall back to its in-process budget for ``RETRY_SHARED_AFTER``
seconds, with one warning in the log: every call still goes (paced by what this
process knows, so a fleet may then overshoot and lean on 429 pauses), none
blocks on Redis, none is lost. Deferred bookkeeping is kept for the next
successful round trip.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from ..errors import CircuitOpenError
from .breaker import CircuitBreakerProtocol, counts_as_failure
from .budget import Budget, Reservation, model_family
from .budget_flow import BudgetGuard, Ticket, throttle_pause, used_tokens
from .effects import Flow, shared
from .request import ApiCall
from .shared_scripts import (
    ADMIT,
    REPORT,
    SharedStateUnavailable,
    admit_args,
    decode_admit,
    family_keys,
    namespace_prefix,
)
from .token_estimate import TokenCounter

__all__ = ["RETRY_SHARED_AFTER", "SharedBudgetGuard", "namespace_for"]

logger = logging.getLogger("openai_accel")

#: After Redis failed, the in-process budget is used for this long before trying again.
RETRY_SHARED_AFTER = 5.0
#: Family keys expire after this long without use.
KEY_TTL_MS = 10 * 60 * 1000


def namespace_for(config: Any) -> str:
    key = config.api_key.reveal() if config.api_key is not None else None
    return namespace_prefix(config.base_url, key)


class SharedBudgetGuard(BudgetGuard):
    def __init__(
        self,
        budget: Budget,
        *,
        store: Any,
        namespace: str,
        breaker: Optional[CircuitBreakerProtocol],
        token_counter: Optional[TokenCounter] = None,
        timeout: Optional[float] = None,
    ) -> None:
        super().__init__(budget, token_counter=token_counter, timeout=timeout)
        self.store = store
        self.prefix = namespace
        threshold = getattr(breaker, "failure_threshold", None)
        recovery = getattr(breaker, "recovery_timeout", None)
        #: The fleet's breaker follows the local one's settings (off with circuit_breaker=False).
        self.breaker_on = breaker is not None and threshold is not None and recovery is not None
        self.threshold = int(threshold or 5)
        self.recovery = float(recovery if recovery is not None else 30.0)
        self._lock = threading.Lock()
        self._deltas: Dict[str, List[float]] = {}
        self._successes = 0
        self._down_until = float("-inf")
        self._warned = False

    # -- deferred bookkeeping -------------------------------------------------

    def _defer(self, family: str, requests: float, tokens: float) -> None:
        with self._lock:
            delta = self._deltas.setdefault(family, [0.0, 0.0])
            delta[0] += requests
            delta[1] += tokens

    def _take(self, family: str) -> Tuple[Tuple[float, float], int]:
        with self._lock:
            delta = self._deltas.pop(family, None)
            successes, self._successes = self._successes, 0
        return ((delta[0], delta[1]) if delta else (0.0, 0.0)), successes

    def _restore(self, family: str, deltas: Tuple[float, float], successes: int) -> None:
        self._defer(family, *deltas)
        with self._lock:
            self._successes += successes

    def _fell_back(self, error: SharedStateUnavailable) -> None:
        self._down_until = self.budget.clock() + RETRY_SHARED_AFTER
        if not self._warned:
            self._warned = True
            logger.warning(
                "openai_accel: shared state unreachable (%s); using the in-process rate "
                "budget, retrying the shared one every %gs",
                error,
                RETRY_SHARED_AFTER,
            )
        else:
            logger.debug("openai_accel: shared state still unreachable: %s", error)

    @property
    def shared_available(self) -> bool:
        return self.budget.clock() >= self._down_until

    # -- flows ----------------------------------------------------------------

    def take(self, call: ApiCall, delay: float = 0.0) -> Union[Ticket, Flow[Ticket]]:
        """Always a flow: the fleet's budget is asked through an effect (one round trip)."""
        family = self.budget.family_key(model_family(call.model))
        return self._admit_family(family, self.estimate(call), delay)

    def _admit_family(self, family: str, tokens: int, delay: float) -> Flow[Ticket]:
        if not self.shared_available:
            return (yield from self._admit_locally(family, tokens, delay))
        deltas, successes = self._take(family)
        args = admit_args(
            self.budget.rates(family),
            tokens,
            burst=self.budget.burst_seconds,
            delay=delay,
            max_wait=self.timeout,
            ttl_ms=KEY_TTL_MS,
            breaker_on=self.breaker_on,
            recovery=self.recovery,
            successes=successes,
            deltas=deltas,
            left=self.budget.availability(family),
        )
        try:
            raw = yield from shared(self.store, ADMIT, family_keys(self.prefix, family), args)
            reply = decode_admit(raw)
        except SharedStateUnavailable as exc:
            self._restore(family, deltas, successes)
            self._fell_back(exc)
            return (yield from self._admit_locally(family, tokens, delay))
        if reply.status == "open":
            raise CircuitOpenError(
                "the fleet's circuit breaker (shared state) is open; "
                f"next probe in {reply.wait:.3g}s",
                retry_after=reply.wait,
            )
        self.budget.adopt_rates(family, reply.requests_per_minute, reply.tokens_per_minute)
        ticket = Reservation(family, tokens, reply.wait, granted=reply.status != "timeout")
        ticket.guard, ticket.shared = self, True
        ticket.fleet_probe = reply.status == "probe"
        ticket.provisional = reply.requests_per_minute <= 0 and reply.tokens_per_minute <= 0
        return (yield from self._wait(ticket))

    def recheck(self, ticket: Ticket) -> Flow[None]:
        ticket.provisional = False
        family = ticket.family
        if not self.budget.is_pacing(family):
            return
        fresh = yield from self._admit_family(family, ticket.tokens, 0.0)
        ticket.become(fresh)  # keeps the fleet's probe role, if it had it

    def observe(
        self, ticket: Ticket, headers: Optional[Mapping[str, str]], error: Optional[BaseException]
    ) -> Optional[Flow[None]]:
        super().observe(ticket, headers, error)
        if not ticket.shared:
            return None
        pause = None if error is None else throttle_pause(error)
        probe = ticket.fleet_probe
        verdict = "none"
        if self.breaker_on:
            if error is None:
                verdict = "success"
            elif pause is not None:
                # "Too fast" is the budget's business (the pause), not a sign of an
                # unhealthy service: a fleet finding its limits must not open the breaker.
                verdict = "ignored"
            else:
                verdict = "failure" if counts_as_failure(error) else "ignored"
        if not pause and verdict != "failure" and not probe:
            if verdict == "success":
                with self._lock:
                    self._successes += 1  # sent with the next admit
            return None
        return self._report(ticket.family, verdict, pause, probe)

    def _report(self, family: str, verdict: str, pause: Optional[float], probe: bool) -> Flow[None]:
        """One REPORT round trip: the verdict, a throttling pause, the probe's end."""
        args = [
            verdict,
            str(self.threshold),
            repr(self.recovery),
            repr(float(pause or 0.0)),
            "1" if probe else "0",
            str(KEY_TTL_MS),
        ]
        try:
            yield from shared(self.store, REPORT, family_keys(self.prefix, family), args)
        except SharedStateUnavailable as exc:
            self._fell_back(exc)

    # -- plain calls -------------------------------------------------------------

    def give_back(self, ticket: Ticket) -> None:
        if ticket.shared:
            if not ticket.sent and ticket.granted and not ticket.settled:
                ticket.settled = True
                self._defer(ticket.family, -1.0, -float(ticket.tokens))
            return
        super().give_back(ticket)

    def settle(self, ticket: Ticket, usage: Any) -> None:
        if ticket.shared:
            used = used_tokens(usage)
            if used is not None and ticket.granted and not ticket.settled:
                ticket.settled = True
                self._defer(ticket.family, 0.0, float(used - ticket.tokens))
            return
        super().settle(ticket, usage)

    def pending_corrections(self) -> Dict[str, Tuple[float, float]]:
        """What will travel with the next round trip (for tests and debugging)."""
        with self._lock:
            return {k: (v[0], v[1]) for k, v in self._deltas.items()}
