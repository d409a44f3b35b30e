"""The demo's resilience steps: asyncio, retries, the breaker, the queue and StatsD.

Retries, the breaker and the queue need the emulator's fault injection, so
against a real server (``--base-url``) they say so and are skipped rather
than provoking failures on someone's account.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, List, Tuple

from ._cli_output import Spinner, clip, section, show

if TYPE_CHECKING:
    from ._cli_demo import Tour

__all__ = ["asyncio_client", "breaker", "queue", "retries", "statsd"]

_CHAT = "/v1/chat/completions"


def _offline_only(tour: Tour) -> bool:
    if tour.emulator is None:
        show("skipped", "needs the emulator's fault injection (run without --base-url)")
        return False
    return True


def asyncio_client(tour: Tour) -> None:
    from . import AsyncOpenAI

    section("The asyncio client: the same calls, awaited")

    async def three_at_once() -> Tuple[List[Any], float]:
        async with AsyncOpenAI(api_key=tour.api_key, base_url=tour.base_url) as client:
            started = time.monotonic()
            replies = await asyncio.gather(
                *(client.chat(f"Say {word}", model=tour.model) for word in ("one", "two", "three"))
            )
            return list(replies), time.monotonic() - started

    replies, seconds = asyncio.run(three_at_once())
    for reply in replies:
        show("answer", repr(clip(reply.content or "", 44)))
    show("3 calls concurrently", f"{seconds:.2f} s")


def retries(tour: Tour) -> None:
    from .testing import Fault

    section("Retries: transient failures are retried with backoff")
    if not _offline_only(tour):
        return
    assert tour.emulator is not None
    seen: List[Any] = []
    client = tour.new_client(
        max_retries=3, initial_retry_delay=0.1, on_retry=lambda **info: seen.append(info)
    )
    tour.emulator.inject(Fault(status=503, route=_CHAT), count=2)
    reply = client.chat("Hello after two failures", model=tour.model)
    for info in seen:
        show(
            f"attempt {info['attempt']} failed",
            f"{type(info['error']).__name__}, retried after {info['delay']:.2f} s",
        )
    show("then", repr(clip(reply.content or "", 44)))


def breaker(tour: Tour) -> None:
    from . import CircuitBreaker, CircuitOpenError, OpenAIError
    from .testing import Fault

    section("Circuit breaker: stop calling a failing server, probe, recover")
    if not _offline_only(tour):
        return
    assert tour.emulator is not None
    moves: List[str] = []
    circuit = CircuitBreaker(
        failure_threshold=2,
        recovery_timeout=0.5,
        on_state_change=lambda old, new: moves.append(f"{old.value} -> {new.value}"),
    )
    client = tour.new_client(max_retries=0, circuit_breaker=circuit)
    tour.emulator.inject(Fault(status=500, route=_CHAT), count=2)
    for attempt in (1, 2):
        try:
            client.chat("Hi", model=tour.model)
        except OpenAIError as exc:
            show(f"call {attempt}", f"{type(exc).__name__} ({exc.status_code})")
    try:
        client.chat("Hi", model=tour.model)
    except CircuitOpenError as exc:
        wait = exc.retry_after or 0.0
        show("call 3", f"refused at once: CircuitOpenError, probe in {wait:.2f} s")
    with Spinner("waiting for the recovery timeout"):
        time.sleep(0.55)
    client.chat("Hi", model=tour.model)
    show("call 4 (the probe)", f"succeeded, breaker {circuit.state.value}")
    show("transitions", ", ".join(moves))


def queue(tour: Tour) -> None:
    section("Bounded queue: 6 calls, 2 at a time, the rest wait in order")
    if not _offline_only(tour):
        return
    assert tour.emulator is not None
    client = tour.new_client(max_concurrent_requests=2, queue_size=10)
    peak_running = peak_waiting = 0
    tour.emulator.latency = 0.2
    try:
        workers = [
            threading.Thread(target=client.chat, args=(f"call {n}",), kwargs={"model": tour.model})
            for n in range(6)
        ]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            peak_running = max(peak_running, client.queue.running)
            peak_waiting = max(peak_waiting, client.queue.waiting)
            time.sleep(0.01)
        seconds = time.monotonic() - started
    finally:
        tour.emulator.latency = 0.0
    show("peak running / waiting", f"{peak_running} / {peak_waiting}")
    show("6 calls of 0.2 s took", f"{seconds:.2f} s (3 waves of 2)")


def statsd(tour: Tour) -> None:
    section("StatsD: every request as UDP metrics (to a local socket)")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(2.0)
        port = collector.getsockname()[1]
        client = tour.new_client(statsd=f"127.0.0.1:{port}")
        client.chat("Hi", model=tour.model)
        lines: List[str] = []
        try:
            while True:
                data, _ = collector.recvfrom(65536)
                lines.extend(data.decode("utf-8", "replace").splitlines())
                collector.settimeout(0.2)  # the rest of this request's packets, if any
        except socket.timeout:
            pass
    show("collector", f"127.0.0.1:{port}, {len(lines)} lines")
    for line in [ln for ln in lines if ".model." not in ln][:6]:
        show("", line)
