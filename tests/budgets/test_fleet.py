"""A fleet sharing one budget and one breaker through a real redis-server."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openai_accel import CircuitBreaker, InternalServerError, RateLimits
from openai_accel._core.budget import AUTO_RATE_MARGIN, DEFAULT_BURST_SECONDS
from openai_accel.testing import Fault

from .redis_server import RedisServer

CHAT = "/v1/chat/completions"
MODEL = "gpt-4o-mini"
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-fleet-secret-key"


def _spawn(spec):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.budgets.fleet_worker", json.dumps(spec)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _start_together(processes):
    """Wait until every worker is ready (imports are slow on a busy machine), then go."""
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    started = time.time()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    return started


def _collect(processes):
    outcomes = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    return outcomes


def _fleet(emulator, redis_server, seconds, **spec):
    base = {"api_key": KEY, "base_url": emulator.base_url, "redis": redis_server.url}
    kinds = ["sync", "async", "sync", "async"]  # 4 processes, both clients
    processes = [_spawn({**base, **spec, "kind": kind, "seconds": seconds}) for kind in kinds]
    started = _start_together(processes)
    return _collect(processes), started


def _saturated_span(emulator, started):
    """Seconds from "go" to the last request: the budget is saturated all along.

    Calls that asked just before the workers' deadline still go after it (they
    were given their place in line), so the window is measured, not assumed.
    """
    return max(r.received_at for r in emulator.requests if r.path == CHAT) - started


def test_four_processes_hold_a_shared_request_budget_with_no_429(openai_emulator, redis_server):
    openai_emulator.set_rate_limits(requests_per_minute=1200)  # the server enforces it too
    outcomes, started = _fleet(
        openai_emulator, redis_server, 3.0, limits={"requests_per_minute": 1200}, threads=4
    )
    assert [o["errors"] for o in outcomes] == [[]] * 4
    assert openai_emulator.rate_limit_rejections == 0
    sent = openai_emulator.request_count(CHAT)
    span = _saturated_span(openai_emulator, started)
    expected = 20 * DEFAULT_BURST_SECONDS + 20 * span  # the burst, then 1,200 a minute
    assert abs(sent - expected) <= 0.1 * expected, (sent, expected)
    assert all(o["calls"] > 0 for o in outcomes)  # every process got its share


def test_four_processes_hold_a_shared_token_budget_with_no_429(openai_emulator, redis_server):
    tpm = 60_000  # 1,000 tokens a second: about 4 requests of ~200 tokens
    openai_emulator.set_rate_limits(tokens_per_minute=tpm)
    outcomes, started = _fleet(
        openai_emulator,
        redis_server,
        3.0,
        limits={"tokens_per_minute": tpm},
        prompt="abc " * 200,  # 4 characters a token, as the estimate assumes
        max_tokens=5,
        threads=3,
    )
    assert [o["errors"] for o in outcomes] == [[]] * 4
    assert openai_emulator.rate_limit_rejections == 0
    tokens = sum(o["tokens"] for o in outcomes)
    expected = 1000 * DEFAULT_BURST_SECONDS + 1000 * _saturated_span(openai_emulator, started)
    assert abs(tokens - expected) <= 0.1 * expected, (tokens, expected)


def test_a_breaker_opened_by_one_process_stops_another_before_it_sends(
    make_api, client_kind, openai_emulator, redis_server
):
    first = make_api(
        api_key=KEY,
        shared_state=redis_server.url,
        max_retries=0,
        circuit_breaker=CircuitBreaker(failure_threshold=2, recovery_timeout=60),
    )
    openai_emulator.inject(Fault(status=503), count=None)
    for _ in range(2):
        with pytest.raises(InternalServerError):
            first.call("chat", "hi", model=MODEL)
    openai_emulator.reset()  # the service is fine again, but the fleet's breaker is open
    spec = {
        "api_key": KEY,
        "base_url": openai_emulator.base_url,
        "redis": redis_server.url,
        "kind": client_kind,
        "single": True,
        "breaker_threshold": 2,
    }
    (outcome,) = _collect([_spawn(spec)])
    assert outcome["errors"] == ["CircuitOpenError"]
    assert openai_emulator.request_count(CHAT) == 0  # refused before sending


def test_the_success_path_costs_one_redis_round_trip_per_attempt(make_api, redis_server):
    api = make_api(shared_state=redis_server.url, rate_limits=RateLimits(requests_per_minute=6000))
    for _ in range(5):
        api.call("chat", "hi", model=MODEL)
    assert api.client._ctx.budget.store.round_trips == 5


def test_keys_are_namespaced_never_hold_the_key_and_all_expire(make_api, redis_server):
    api = make_api(api_key=KEY, shared_state=redis_server.url)
    api.call("chat", "hi", model=MODEL)
    api.call("chat", "hi", model="gpt-4o-2024-08-06")
    client = redis_server.client()
    keys = [k.decode() for k in client.keys("*")]
    assert keys and all(k.startswith("openai_accel:") for k in keys)
    assert len({k.split(":")[1] for k in keys}) == 1  # one namespace for (base URL, key)
    for key in keys:
        assert KEY not in key
        assert KEY.encode() not in b"".join(v for pair in client.hgetall(key).items() for v in pair)
        assert client.pttl(key) > 0


def test_a_fleet_member_adopts_limits_another_one_learnt(make_api, openai_emulator, redis_server):
    openai_emulator.set_rate_limits(requests_per_minute=600)
    teacher = make_api(api_key=KEY, shared_state=redis_server.url)
    teacher.call("chat", "hi", model=MODEL)
    teacher.call("chat", "hi", model=MODEL)  # carries what the first reply taught
    learner = make_api(api_key=KEY, shared_state=redis_server.url)
    guard = learner.client._ctx.budget
    learner.set_sleep(lambda seconds: None)
    learner.call("chat", "hi", model=MODEL)
    assert guard.budget.rates(MODEL)[0] == pytest.approx(600 * AUTO_RATE_MARGIN)


def test_a_cancelled_waiter_gives_its_shared_reservation_back(
    client_kind, openai_emulator, redis_server
):
    from openai_accel import AsyncOpenAI, OpenAI

    options = dict(
        api_key=KEY,
        base_url=openai_emulator.base_url,
        shared_state=redis_server.url,
        rate_limits=RateLimits(requests_per_minute=60),
    )
    if client_kind == "sync":
        client = OpenAI(**options)
        client.chat("first", model=MODEL)

        def interrupted(seconds):
            raise KeyboardInterrupt

        client._driver.sleep = interrupted
        with pytest.raises(KeyboardInterrupt):
            client.chat("second", model=MODEL)
        client.close()
    else:

        async def scenario():
            client = AsyncOpenAI(**options)
            await client.chat("first", model=MODEL)
            waiter = asyncio.ensure_future(client.chat("second", model=MODEL))
            await asyncio.sleep(0.2)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            await client.aclose()
            return client

        client = asyncio.new_event_loop().run_until_complete(scenario())
    pending = client._ctx.budget.pending_corrections()[MODEL]
    assert pending[0] == -1.0  # travels with the next round trip
    assert openai_emulator.request_count(CHAT) == 1


def test_redis_down_falls_back_to_the_in_process_budget(make_api, openai_emulator, caplog):
    server = RedisServer()  # our own: this test kills it
    try:
        api = make_api(shared_state=server.url, rate_limits=RateLimits(requests_per_minute=6000))
        api.call("chat", "hi", model=MODEL)
        server.stop()  # Redis dies mid-run
        caplog.set_level(logging.WARNING, logger="openai_accel")
        started = time.monotonic()
        for _ in range(20):
            api.call("chat", "hi", model=MODEL)  # never lost, never blocked
        assert time.monotonic() - started < 3.0
        warnings = [r for r in caplog.records if "shared state unreachable" in r.getMessage()]
        assert len(warnings) == 1  # logged once
        assert not api.client._ctx.budget.shared_available
        assert openai_emulator.request_count(CHAT) == 21
        view = api.client.rate_limits[MODEL]
        assert view.requests_per_minute == 6000  # the in-process budget took over
    finally:
        server.stop()
