"""The rate budget's decisions, with an injected clock (no sleeping, no I/O)."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_accel._core import budget_learning
from openai_accel._core.budget import (
    AUTO_RATE_MARGIN,
    DEFAULT_BURST_SECONDS,
    MAX_FAMILIES,
    OVERFLOW_FAMILY,
    Budget,
    model_family,
)
from openai_accel._core.rate_config import RateLimits
from openai_accel._core.rate_headers import (
    RateLimitInfo,
    parse_duration,
    parse_rate_limit_headers,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def explicit(rpm=None, tpm=None, **per_model):
    clock = Clock()
    return Budget(RateLimits(rpm, tpm, per_model=per_model), clock=clock), clock


def test_a_budget_admits_half_a_seconds_worth_at_once_then_paces_smoothly():
    budget, _ = explicit(rpm=600)  # 10 a second
    waits = [budget.reserve("m", 0).wait for _ in range(25)]
    assert waits[:5] == [0.0] * 5  # the burst: half a second's worth
    assert waits[5:] == pytest.approx([0.1 * i for i in range(1, 21)])  # then N/60 per second


def test_waits_grow_in_the_order_calls_asked_fifo():
    budget, _ = explicit(rpm=60)
    waits = [budget.reserve("m", 0).wait for _ in range(5)]
    assert waits == sorted(waits) and len(set(waits)) == 5


def test_after_a_quiet_spell_the_burst_is_back_but_no_bigger():
    budget, clock = explicit(rpm=600)
    for _ in range(10):
        budget.reserve("m", 0)
    clock.now += 3600
    waits = [budget.reserve("m", 0).wait for _ in range(6)]
    assert waits[:5] == [0.0] * 5 and waits[5] == pytest.approx(0.1)


def test_tokens_are_paced_too_and_a_prompt_bigger_than_the_burst_still_goes_when_idle():
    budget, _ = explicit(tpm=60_000)  # 1,000 tokens a second
    assert budget.reserve("m", 5_000).wait == 0.0
    assert budget.reserve("m", 1_000).wait == pytest.approx(5.0)


def test_a_wait_longer_than_the_timeout_takes_nothing():
    budget, _ = explicit(rpm=60)
    assert budget.reserve("m", 0).wait == 0.0
    refused = budget.reserve("m", 0, max_wait=0.5)
    assert not refused.granted and refused.wait == pytest.approx(1.0)
    assert budget.reserve("m", 0).wait == pytest.approx(1.0)  # the refusal took nothing


def test_a_reservation_given_back_frees_its_place():
    budget, _ = explicit(rpm=60, tpm=6_000)
    budget.reserve("m", 100)
    second = budget.reserve("m", 100)
    assert second.wait == pytest.approx(1.0)
    budget.refund(second)
    budget.refund(second)  # idempotent
    assert budget.reserve("m", 100).wait == pytest.approx(1.0)


def test_settling_corrects_the_estimate_from_usage():
    budget, _ = explicit(tpm=60_000)
    first = budget.reserve("m", 3_000)
    budget.settle(first, 1_000)  # it really used a third of the estimate
    assert budget.reserve("m", 1_000).wait == pytest.approx(1.0)
    other, _ = explicit(tpm=60_000)
    big = other.reserve("m", 1_000)
    other.settle(big, 3_000)  # it used more than estimated: later calls pay for it
    assert other.reserve("m", 1_000).wait == pytest.approx(3.0)


def test_a_retry_delay_and_the_budget_wait_are_one_wait():
    budget, _ = explicit(rpm=60)
    assert budget.reserve("m", 0, delay=2.5).wait == pytest.approx(2.5)
    assert budget.reserve("m", 0, delay=0.0).wait == pytest.approx(3.5)


def test_auto_enforces_nothing_until_the_server_has_said():
    budget = Budget("auto", clock=Clock())
    assert [budget.reserve("m", 10**6).wait for _ in range(1000)] == [0.0] * 1000
    assert not budget.is_pacing("m")


def test_auto_learns_limit_and_remaining_from_headers():
    budget = Budget("auto", clock=Clock())
    headers = {
        "x-ratelimit-limit-requests": "600",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "100ms",
        "x-ratelimit-limit-tokens": "60000",
        "x-ratelimit-remaining-tokens": "59000",
        "x-ratelimit-reset-tokens": "1s",
    }
    budget.learn("m", parse_rate_limit_headers(headers))
    # Paced a little under what the server announced, for headroom.
    assert budget.rates("m") == (600.0 * AUTO_RATE_MARGIN, 60_000.0 * AUTO_RATE_MARGIN)
    # Nothing left, the server's window refills in 100ms: the next call waits for it.
    assert budget.reserve("m", 0).wait == pytest.approx(0.1)
    view = budget.snapshot()["m"]
    assert view.source == "learned" and view.remaining_requests == 0
    assert view.reset_requests == pytest.approx(0.1)


def _bench_like(reset="2ms"):
    # What a generous account (or a lenient server) says after every call.
    return RateLimitInfo(
        limit_requests=600, remaining_requests=599, reset_requests=parse_duration(reset)
    )


def test_auto_follows_a_server_whose_window_is_already_full_again():
    budget = Budget("auto", clock=Clock())
    first = budget.reserve("m", 0)
    budget.learn("m", _bench_like(), first)
    # 600 a minute: half a second's worth (about 5) at once, then 10 a second...
    waits = [budget.reserve("m", 0) for _ in range(20)]
    assert waits[-1].wait > 1.0
    # ...unless the server, answering the last of them, says it counted nothing:
    # then the calls reserved since are all that is owed, and the pacing follows it.
    budget.learn("m", _bench_like(), waits[-1])
    assert budget.reserve("m", 0).wait == 0.0


def test_auto_counts_the_calls_reserved_after_the_one_a_reply_answers():
    budget = Budget("auto", clock=Clock())
    budget.learn("m", _bench_like(), budget.reserve("m", 0))
    answered = budget.reserve("m", 0)
    for _ in range(20):  # reserved after `answered`: the server has not seen them yet
        budget.reserve("m", 0)
    budget.learn("m", _bench_like(), answered)
    rate = 600 * AUTO_RATE_MARGIN / 60
    # owed: the server's 2 ms plus those 20; the next one waits its turn after them
    expected = 0.002 + 21 / rate - DEFAULT_BURST_SECONDS
    assert budget.reserve("m", 0).wait == pytest.approx(expected)


def test_a_reset_never_makes_the_budget_stricter():
    budget = Budget("auto", clock=Clock())
    budget.learn("m", _bench_like(), budget.reserve("m", 0))
    budget.learn("m", _bench_like(reset="1m0s"), budget.reserve("m", 0))
    assert budget.reserve("m", 0).wait == 0.0  # remaining (599) is what may lower it


def test_configured_limits_ignore_the_servers_resets():
    budget, _ = explicit(rpm=600)
    waits = [budget.reserve("m", 0) for _ in range(20)]
    budget.learn("m", _bench_like(), waits[-1])
    assert budget.reserve("m", 0).wait > 1.0  # a configured budget is a budget


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-ratelimit-limit-requests": "lots"},
        {"x-ratelimit-limit-requests": "-1", "x-ratelimit-reset-requests": "-1"},  # Azure
        {"x-ratelimit-limit-requests": "nan", "x-ratelimit-remaining-requests": "1e999"},
    ],
)
def test_missing_or_malformed_headers_are_ignored(headers):
    budget = Budget("auto", clock=Clock())
    budget.learn("m", parse_rate_limit_headers(headers))
    assert not budget.is_pacing("m")
    assert budget.reserve("m", 0).wait == 0.0


def test_configured_limits_are_not_raised_by_headers():
    budget, _ = explicit(rpm=60)
    budget.learn("m", RateLimitInfo(limit_requests=10_000, remaining_requests=9_999))
    assert budget.rates("m") == (60.0, None)


def test_a_throttling_429_pauses_the_family_for_every_caller():
    budget = Budget("auto", clock=Clock())
    budget.pause("m", 2.0)
    assert [budget.reserve("m", 0).wait for _ in range(3)] == [2.0, 2.0, 2.0]
    assert budget.reserve("other", 0).wait == 0.0  # limits are per model
    assert budget.snapshot()["m"].paused_for == pytest.approx(2.0)


def test_per_model_budgets_match_the_longest_family_prefix():
    limits = RateLimits(
        600,
        per_model={"gpt-4o": RateLimits(60), "gpt-4o-mini": RateLimits(6000)},
    )
    assert limits.for_model("gpt-4o-mini") == (6000, None)
    assert limits.for_model("gpt-4o") == (60, None)
    assert limits.for_model("gpt-4o-audio-preview") == (60, None)
    assert limits.for_model("o3") == (600, None)


def test_model_family_drops_the_snapshot_date():
    assert model_family("gpt-4o-2024-08-06") == "gpt-4o"
    assert model_family("gpt-4-0613") == "gpt-4"
    assert model_family("o3-mini") == "o3-mini"
    assert model_family(None) == ""


def test_the_number_of_families_is_bounded():
    budget, _ = explicit(rpm=60)
    for i in range(MAX_FAMILIES + 50):
        budget.reserve(f"model-{i}", 0)
    snapshot = budget.snapshot()
    assert len(snapshot) == MAX_FAMILIES + 1 and OVERFLOW_FAMILY in snapshot


def test_the_snapshot_of_a_configured_budget_shows_what_remains():
    budget, _ = explicit(rpm=600, tpm=60_000)
    budget.reserve("m", 400)
    view = budget.snapshot()["m"]
    assert view.source == "configured"
    assert (view.requests_per_minute, view.tokens_per_minute) == (600, 60_000)
    # Half a second's worth (5 requests, 500 tokens), less what was taken.
    assert view.remaining_requests == pytest.approx(4)
    assert view.remaining_tokens == pytest.approx(100)


# -- the full-bucket shortcut (perf) agrees with the general arithmetic -------

_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "learn", "settle", "wait"]),
        st.integers(min_value=0, max_value=3_000),
        st.floats(min_value=0.0, max_value=2.0),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(steps=_STEPS)
def test_skipping_the_catch_up_on_full_buckets_changes_no_decision(steps):
    # A client far below its limits has full buckets: the reply's catch-up is
    # skipped there. The same script run with the shortcut disabled must make
    # every decision the same (it fails on a broken check: a bucket called full
    # too early skips catch-ups that lower the waits).
    info = RateLimitInfo(
        limit_requests=600,
        remaining_requests=599,
        reset_requests=0.002,
        limit_tokens=60_000,
        remaining_tokens=59_000,
        reset_tokens=0.0,
    )
    runs = []
    for shortcut in (True, False):
        clock = Clock()
        budget = Budget("auto", clock=clock)
        budget.learn("m", info)  # buckets made: every later learn takes the hot path
        outstanding = []
        seen = []
        with mock.patch.object(
            budget_learning, "is_full", budget_learning.is_full if shortcut else _never_full
        ):
            for action, amount, seconds in steps:
                if action == "reserve":
                    reservation = budget.reserve("m", amount)
                    outstanding.append(reservation)
                    seen.append(("wait", reservation.wait))
                elif action == "learn":
                    budget.learn("m", info, outstanding[0] if outstanding else None)
                elif action == "settle" and outstanding:
                    budget.settle(outstanding.pop(0), amount)
                else:
                    clock.now += seconds
                seen.append(("available", budget.availability("m")))
        runs.append(seen)
    fast, general = runs
    assert len(fast) == len(general)
    for (kind, got), (_, want) in zip(fast, general):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), kind


def _never_full(bucket, now):
    return False


# -- reading a reply only when it can matter (perf) agrees with reading it all --

_COUNTS = st.one_of(
    st.integers(min_value=0, max_value=700).map(str),  # around a burst (5 to 500)
    st.sampled_from(["", "-1", " 7", "1e3", "٣", "²", "9" * 30, None]),  # odd, or unsaid
)
_REPLIES = st.lists(
    st.tuples(
        st.sampled_from(["600", "6000", None, "lots"]),  # limit-requests (mostly stable)
        st.sampled_from(["60000", None]),  # limit-tokens
        _COUNTS,  # remaining-requests
        _COUNTS,  # remaining-tokens
        st.sampled_from(["2ms", "1s", "0s", "-1", None]),  # the resets
        st.sampled_from(["reserve", "wait", "settle"]),  # what happens after the reply
        st.integers(min_value=0, max_value=3_000),
    ),
    max_size=30,
)


def _reply_headers(limit_requests, limit_tokens, remaining_requests, remaining_tokens, reset):
    said = {
        "x-ratelimit-limit-requests": limit_requests,
        "x-ratelimit-limit-tokens": limit_tokens,
        "x-ratelimit-remaining-requests": remaining_requests,
        "x-ratelimit-remaining-tokens": remaining_tokens,
        "x-ratelimit-reset-requests": reset,
        "x-ratelimit-reset-tokens": reset,
    }
    return {name: value for name, value in said.items() if value is not None}


@pytest.mark.parametrize("mode", ["auto", RateLimits(600, 60_000)])
@settings(max_examples=300, deadline=None)
@given(replies=_REPLIES)
def test_judging_a_reply_without_reading_it_changes_no_decision(mode, replies):
    # learn_from_headers skips the full reading when a reply cannot change
    # anything; run the same replies through the full reading every time and
    # every wait, every bucket and every view must be the same.
    runs = []
    for fast in (True, False):
        clock = Clock()
        budget = Budget(mode, clock=clock)
        outstanding = [budget.reserve("m", 100)]
        seen = []
        for *said, action, amount in replies:
            headers = _reply_headers(*said[:4], said[4])
            answered = outstanding[0] if outstanding else None
            if fast:
                budget.learn_from_headers("m", headers, answered)
            else:
                budget.learn("m", parse_rate_limit_headers(headers), answered)
            if action == "reserve":
                reservation = budget.reserve("m", amount)
                outstanding.append(reservation)
                seen.append(("wait", reservation.wait))
            elif action == "settle" and outstanding:
                budget.settle(outstanding.pop(0), amount)
            else:
                clock.now += amount / 1000
            seen.append(("available", budget.availability("m")))
            seen.append(("rates", budget.rates("m")))
            seen.append(("view", budget.snapshot()["m"]))
        runs.append(seen)
    fast, general = runs
    assert fast == general  # the same arithmetic on the same numbers: exactly equal


def test_a_reply_that_cannot_change_anything_is_not_read(monkeypatch):
    budget = Budget("auto", clock=Clock())
    headers = {
        "x-ratelimit-limit-requests": "600",
        "x-ratelimit-remaining-requests": "599",
        "x-ratelimit-reset-requests": "2ms",
    }
    budget.learn_from_headers("m", headers)  # the first reply is read: limits learnt
    reads = []
    monkeypatch.setattr(
        budget_learning, "read_rate_limits", lambda h: reads.append(h) or RateLimitInfo()
    )
    budget.learn_from_headers("m", {**headers, "x-ratelimit-remaining-requests": "598"})
    assert reads == []  # same limits, plenty remaining, a full bucket: nothing to read
    budget.learn_from_headers("m", {**headers, "x-ratelimit-remaining-requests": "3"})
    assert len(reads) == 1  # fewer than a burst's worth left: this one is read
