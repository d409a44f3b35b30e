"""The circuit breaker and the bounded request queue, as both clients use them."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from openai_accel import (
    APIStatusError,
    BadRequestError,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    InternalServerError,
    OpenAI,
    QueueFullError,
)
from openai_accel.transports.mock import MockTransport

from ..helpers import chat_body, error_body, reply


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_and_refuses_fast(make_mock_api):
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=30.0, clock=clock)
    calls = []

    def handler(request):
        calls.append(request)
        return reply(503, error_body("down"))

    api = make_mock_api(handler, circuit_breaker=breaker, max_retries=0)
    for _ in range(3):
        with pytest.raises(InternalServerError):
            api.call("chat", "Hi")
    assert api.client.circuit_breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpenError) as info:
        api.call("chat", "Hi")
    assert len(calls) == 3
    assert info.value.retry_after == pytest.approx(30.0)
    refused = list(api.client.recent_requests.values())[-1]
    assert refused.error_type == "CircuitOpenError" and refused.success is False


def test_breaker_half_opens_and_a_successful_probe_closes_it(make_mock_api):
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=10.0, clock=clock)
    answers = [reply(500, error_body("x")), reply(200, chat_body("back"))]
    api = make_mock_api(lambda req: answers.pop(0), circuit_breaker=breaker, max_retries=0)
    with pytest.raises(InternalServerError):
        api.call("chat", "Hi")
    assert breaker.state is BreakerState.OPEN
    clock.now += 10.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert api.call("chat", "Hi").content == "back"
    assert breaker.state is BreakerState.CLOSED


def test_client_errors_do_not_open_the_breaker(make_mock_api):
    breaker = CircuitBreaker(failure_threshold=2)
    api = make_mock_api(lambda req: reply(400, error_body("bad")), circuit_breaker=breaker)
    for _ in range(5):
        with pytest.raises(BadRequestError):
            api.call("chat", "Hi")
    assert breaker.state is BreakerState.CLOSED


def test_breaker_can_be_disabled(make_mock_api):
    api = make_mock_api(
        lambda req: reply(503, error_body("down")), circuit_breaker=False, max_retries=0
    )
    for _ in range(8):
        with pytest.raises(InternalServerError):
            api.call("chat", "Hi")
    assert api.client.circuit_breaker is None


class CountingBreaker:
    """A user's own breaker: anything with the documented interface plugs in."""

    def __init__(self) -> None:
        self.events = []
        self.state = BreakerState.CLOSED

    def before_call(self):
        self.events.append("before")

    def on_success(self):
        self.events.append("success")

    def on_failure(self, error):
        self.events.append(f"failure:{type(error).__name__}")

    def on_ignored(self):
        self.events.append("ignored")


def test_a_custom_breaker_is_driven_by_the_pipeline(make_mock_api):
    breaker = CountingBreaker()
    answers = [reply(200, chat_body()), reply(503, error_body("x")), reply(404, error_body("y"))]
    api = make_mock_api(lambda req: answers.pop(0), circuit_breaker=breaker, max_retries=0)
    api.call("chat", "Hi")
    for _ in range(2):
        with pytest.raises(APIStatusError):
            api.call("chat", "Hi")
    assert breaker.events == [
        "before",
        "success",
        "before",
        "failure:InternalServerError",
        "before",
        "ignored",
    ]


def gated_handler():
    """A sync handler that blocks until released, counting requests in flight."""
    release = threading.Event()
    entered = []

    def handler(request):
        entered.append(request)
        release.wait(5)
        return reply(200, chat_body("ok"))

    return handler, release, entered


def test_sync_queue_two_running_one_waiting_rest_refused():
    handler, release, _entered = gated_handler()
    client = OpenAI(
        api_key="sk-x",
        transport=MockTransport(handler),
        max_concurrent_requests=2,
        queue_size=1,
        rate_limits=False,  # the queue alone: no first wave held back by the rate budget
    )
    results, errors = [], []

    def call():
        try:
            results.append(client.chat("Hi").content)
        except QueueFullError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while (client.queue.running, client.queue.waiting) != (2, 1) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert (client.queue.running, client.queue.waiting) == (2, 1)
    for _ in range(4):
        with pytest.raises(QueueFullError):
            client.chat("Hi")
    release.set()
    for t in threads:
        t.join(5)
    assert results == ["ok", "ok", "ok"] and errors == []
    assert (client.queue.running, client.queue.waiting) == (0, 0)
    refused = [m for m in client.recent_requests.values() if m.error_type == "QueueFullError"]
    assert len(refused) == 4


def test_async_queue_counts_fifo_and_cancellation_frees_a_place():
    from openai_accel import AsyncOpenAI
    from openai_accel.transports.mock import AsyncMockTransport

    async def scenario():
        release = asyncio.Event()
        order = []

        async def handler(request):
            order.append(request.headers["X-N"])
            await release.wait()
            return reply(200, chat_body("ok"))

        client = AsyncOpenAI(
            api_key="sk-x",
            transport=AsyncMockTransport(handler),
            max_concurrent_requests=2,
            queue_size=2,
            rate_limits=False,  # the queue alone: no first wave held back by the rate budget
        )
        tasks = [
            asyncio.ensure_future(client.chat("Hi", extra_headers={"X-N": str(i)}))
            for i in range(4)
        ]
        for _ in range(20):
            await asyncio.sleep(0)
        assert (client.queue.running, client.queue.waiting) == (2, 2)
        with pytest.raises(QueueFullError):
            await client.chat("Hi")
        tasks[2].cancel()  # a waiting call gives up: its place is freed
        for _ in range(5):
            await asyncio.sleep(0)
        assert client.queue.waiting == 1
        extra = asyncio.ensure_future(client.chat("Hi", extra_headers={"X-N": "4"}))
        for _ in range(5):
            await asyncio.sleep(0)
        assert client.queue.waiting == 2
        release.set()
        done = await asyncio.gather(tasks[0], tasks[1], tasks[3], extra)
        assert [r.content for r in done] == ["ok"] * 4
        assert order == ["0", "1", "3", "4"]  # FIFO, the cancelled waiter skipped
        assert (client.queue.running, client.queue.waiting) == (0, 0)
        await client.aclose()

    asyncio.run(scenario())


def test_async_cancelling_a_running_call_frees_its_place():
    from openai_accel import AsyncOpenAI
    from openai_accel.transports.mock import AsyncMockTransport

    async def scenario():
        async def handler(request):
            await asyncio.sleep(10)

        client = AsyncOpenAI(
            api_key="sk-x", transport=AsyncMockTransport(handler), max_concurrent_requests=1
        )
        task = asyncio.ensure_future(client.chat("Hi"))
        for _ in range(5):
            await asyncio.sleep(0)
        assert client.queue.running == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.queue.running == 0
        [record] = client.recent_requests.values()
        assert record.error_type == "CancelledError"

    asyncio.run(scenario())


def test_sync_client_is_safe_from_sixteen_threads():
    lock = threading.Lock()
    seen = []

    def handler(request):
        with lock:
            seen.append(request.headers["X-N"])
        time.sleep(0.001)
        return reply(200, chat_body(request.headers["X-N"]))

    client = OpenAI(
        api_key="sk-x", transport=MockTransport(handler), max_concurrent_requests=4, queue_size=200
    )
    results = {}

    def worker(n):
        for i in range(20):
            key = f"{n}-{i}"
            results[key] = client.chat("Hi", extra_headers={"X-N": key}).content

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 320
    assert all(key == value for key, value in results.items())
    assert sorted(seen) == sorted(results)
    assert len(client.recent_requests) == 320
    assert (client.queue.running, client.queue.waiting) == (0, 0)


def test_queue_timeout_bounds_the_wait_for_a_place():
    handler, release, _entered = gated_handler()
    client = OpenAI(
        api_key="sk-x",
        transport=MockTransport(handler),
        max_concurrent_requests=1,
        rate_limits=False,  # the queue alone: no first wave held back by the rate budget
    )
    holder = threading.Thread(target=client.chat, args=("Hi",))
    holder.start()
    deadline = time.monotonic() + 5
    while client.queue.running != 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        with pytest.raises(QueueFullError, match="waited"):
            client.chat("Hi", queue_timeout=0.05)
        assert client.queue.waiting == 0
    finally:
        release.set()
        holder.join(5)
