"""The arithmetic of one rate budget: a GCRA bucket, a reservation, a model's family.

GCRA (the "generic cell rate algorithm") keeps a token bucket as one
timestamp, ``tat``, the theoretical arrival time of the next unit: a cost is
allowed once ``tat`` is no further ahead than the burst tolerance ``tau``.
Everything here is plain arithmetic on numbers it is given (no clock, no
lock); :class:`~openai_accel._core.budget.Budget` holds the lock and the time.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

__all__ = ["Bucket", "Reservation", "model_family"]

_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")


#: model -> family, as model_family() computed it (read directly on the hot path).
FAMILY_OF: Dict[str, str] = {}


def model_family(model: Optional[str]) -> str:
    """``gpt-4o-2024-08-06`` -> ``gpt-4o``: OpenAI's limits follow the model, not its snapshot."""
    if not model:
        return ""
    family = FAMILY_OF.get(model)
    if family is None:
        if len(FAMILY_OF) >= 1024:
            FAMILY_OF.clear()
        family = FAMILY_OF[model] = _DATE_SUFFIX.sub("", model)
    return family


class Bucket:
    """One GCRA: ``tat`` is the theoretical arrival time of the next unit."""

    __slots__ = ("burst", "per_minute", "rate", "tat", "tau", "unit")

    def __init__(self, per_minute: float, burst_seconds: float, now: float) -> None:
        self.tat = now  # starts full
        self._tune(per_minute, burst_seconds)

    def _tune(self, per_minute: float, burst_seconds: float) -> None:
        self.per_minute = float(per_minute)
        self.rate = self.per_minute / 60.0
        self.tau = max(burst_seconds, 1.0 / self.rate)  # at least one unit of burst
        #: perf: a one-unit cost's span (a request's), read on every reservation;
        #: never more than ``tau``, which is at least one unit.
        self.unit = 1.0 / self.rate
        #: What a full bucket holds (see ``available``): a server's ``remaining``
        #: at least this high can never lower it.
        self.burst = self.tau * self.rate

    def retune(self, per_minute: float, burst_seconds: float) -> None:
        if per_minute != self.per_minute:
            self._tune(per_minute, burst_seconds)

    def give_back(self, cost: float) -> None:
        self.tat -= cost / self.rate

    def available(self, now: float) -> float:
        return max(0.0, min(self.tau, now + self.tau - self.tat)) * self.rate

    def at_most(self, now: float, remaining: float, reset: Optional[float]) -> None:
        """The server says only ``remaining`` units are left: never believe in more.

        Only ever lowers what is available (reservations already handed out
        stay where they are). When the server also says its window is full
        again in ``reset`` seconds, the next unit is not put off beyond that.
        """
        if remaining >= self.available(now):
            return
        tat = now + self.tau - remaining / self.rate
        if reset is not None:
            tat = min(tat, now + reset + self.tau - 1.0 / self.rate)
        self.tat = max(self.tat, tat)


class Reservation:
    """What one attempt took: give it back if it is never sent, correct it after.

    A plain slotted class rather than attrs: one is made per attempt.
    """

    __slots__ = (
        "family",
        "fleet_probe",
        "granted",
        "guard",
        "hold",
        "issued",
        "issued_tokens",
        "probe",
        "provisional",
        "sent",
        "settled",
        "shared",
        "tokens",
        "wait",
    )

    def __init__(
        self,
        family: str,
        tokens: int,
        wait: float,
        granted: bool = True,
        issued: int = 0,
        issued_tokens: float = 0.0,
    ) -> None:
        self.family = family
        self.tokens = tokens
        self.wait = wait
        self.granted = granted
        self.settled = False
        #: How many reservations its family had handed out before this one (see
        #: :meth:`Budget.learn`: the ones after it are not in its reply's headers).
        self.issued = issued
        self.issued_tokens = issued_tokens
        #: The first wave (see ``Budget.reserve``): ``probe`` is the latch this
        #: call opens when its reply comes; ``hold`` the one it must wait for
        #: before asking again (nothing was taken).
        self.probe: Optional[Any] = None
        self.hold: Optional[Any] = None
        #: The pipeline's bookkeeping (one object per attempt, not two): the
        #: attempt reached the server; it was admitted before the limits were
        #: known ("auto": checked again once it holds its queue slot); it was
        #: admitted by the fleet's shared budget, and is the fleet's probe.
        self.guard: Any = None  # the BudgetGuard that made it, if any
        self.sent = False
        self.provisional = False
        self.shared = False
        self.fleet_probe = False

    def become(self, other: Reservation) -> None:
        """Take over ``other``'s reservation (asked again after the limits were learnt)."""
        for name in (
            "family",
            "tokens",
            "wait",
            "granted",
            "settled",
            "issued",
            "issued_tokens",
            "probe",
            "hold",
            "shared",
        ):
            setattr(self, name, getattr(other, name))
        self.fleet_probe = self.fleet_probe or other.fleet_probe

    def __repr__(self) -> str:
        return (
            f"Reservation(family={self.family!r}, tokens={self.tokens}, wait={self.wait:.3g}, "
            f"granted={self.granted}, settled={self.settled})"
        )
