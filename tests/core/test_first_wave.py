"""The first wave: before any reply, one call probes and the others wait for its answer."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from openai_accel._core.budget import (
    AUTO_RATE_MARGIN,
    DEFAULT_BURST_SECONDS,
    FIRST_WAVE_WAIT,
    Budget,
    RateLimits,
)
from openai_accel._core.effects import AwaitLatch
from openai_accel._core.latch import Latch
from openai_accel._core.rate_headers import RateLimitInfo
from openai_accel._drivers import _await_latch_async, _await_latch_blocking

TEN_A_SECOND = RateLimitInfo(limit_requests=600, remaining_requests=9, reset_requests=0.1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_call_probes_and_the_next_ones_are_held_with_nothing_taken():
    budget = Budget("auto", clock=Clock())
    probe = budget.reserve("m", 10)
    held = budget.reserve("m", 10)
    assert probe.probe is not None and probe.hold is None and probe.wait == 0.0
    assert held.hold is probe.probe and held.probe is None and not held.hold.is_open


def test_the_probes_reply_opens_the_latch_and_the_wave_is_paced_by_what_it_taught():
    budget = Budget("auto", clock=Clock())
    probe = budget.reserve("m", 0)
    latch = budget.reserve("m", 0).hold
    budget.learn("m", TEN_A_SECOND, probe)
    budget.end_probe(probe)
    assert latch.is_open
    waits = [budget.reserve("m", 0) for _ in range(8)]
    assert all(r.hold is None and r.probe is None for r in waits)
    # a full bucket of half a second's worth, then 9.5 a second: the 8th waits its turn
    assert waits[-1].wait == pytest.approx(8 / (10 * AUTO_RATE_MARGIN) - DEFAULT_BURST_SECONDS)


def test_a_server_that_sends_no_headers_is_probed_once_then_never_paced():
    budget = Budget("auto", clock=Clock())
    budget.end_probe(budget.reserve("m", 0))
    assert [budget.reserve("m", 0).wait for _ in range(100)] == [0.0] * 100
    assert not budget.is_pacing("m")


def test_a_probe_cancelled_before_sending_hands_the_probe_on():
    budget = Budget("auto", clock=Clock())
    probe = budget.reserve("m", 0)
    latch = budget.reserve("m", 0).hold
    budget.refund(probe)
    assert latch.is_open  # the waiters ask again...
    assert budget.reserve("m", 0).probe is not None  # ...and one of them is the new probe


def test_a_probe_never_heard_of_again_stops_holding_after_the_first_wave_wait():
    clock = Clock()
    budget = Budget("auto", clock=clock)
    lost = budget.reserve("m", 0)
    clock.now += FIRST_WAVE_WAIT + 1
    fresh = budget.reserve("m", 0)
    assert lost.probe.is_open and fresh.probe is not None and fresh.hold is None


def test_a_throttling_429_ends_the_first_wave_too():
    budget = Budget("auto", clock=Clock())
    budget.reserve("m", 0)
    budget.pause("m", 1.0)
    assert budget.reserve("m", 0).wait == pytest.approx(1.0)


def test_families_probe_on_their_own_and_configured_budgets_never_hold():
    budget = Budget("auto", clock=Clock())
    budget.reserve("a", 0)
    assert budget.reserve("b", 0).probe is not None  # another model: its own probe
    configured = Budget(RateLimits(requests_per_minute=600), clock=Clock())
    assert all(configured.reserve("m", 0).hold is None for _ in range(3))


def test_first_wave_false_skips_the_hold():
    budget = Budget("auto", clock=Clock())
    budget.reserve("m", 0)
    assert budget.reserve("m", 0, first_wave=False).hold is None


# -- the drivers wait on the latch without polling --------------------------------


def test_the_blocking_driver_wakes_when_another_thread_opens_the_latch():
    latch = Latch()
    threading.Timer(0.05, latch.open).start()
    started = time.monotonic()
    assert _await_latch_blocking(AwaitLatch(latch, 5.0)) is True
    assert time.monotonic() - started < 2.0
    assert latch._wakers == []


def test_the_blocking_driver_gives_up_after_the_timeout():
    latch = Latch()
    assert _await_latch_blocking(AwaitLatch(latch, 0.05)) is False
    assert latch._wakers == []  # nothing left behind
    assert _await_latch_blocking(AwaitLatch(Latch(), 0.0)) is False


def test_an_open_latch_does_not_wait_at_all():
    latch = Latch()
    latch.open()
    assert _await_latch_blocking(AwaitLatch(latch, 5.0)) is True
    assert asyncio.run(_await_latch_async(AwaitLatch(latch, 5.0))) is True


def test_the_asyncio_driver_wakes_when_a_thread_opens_the_latch():
    latch = Latch()

    async def main():
        threading.Timer(0.05, latch.open).start()
        return await _await_latch_async(AwaitLatch(latch, 5.0))

    assert asyncio.run(main()) is True
    assert latch._wakers == []


def test_the_asyncio_driver_times_out_and_a_cancelled_wait_leaves_nothing():
    latch = Latch()

    async def main():
        assert await _await_latch_async(AwaitLatch(latch, 0.05)) is False
        task = asyncio.ensure_future(_await_latch_async(AwaitLatch(latch, 5.0)))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert latch._wakers == []
    latch.open()  # nobody left to wake: no error either
