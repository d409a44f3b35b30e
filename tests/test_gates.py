"""The waiting layers: threads and tasks really wait, in order, and never leak a slot."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable, List

import pytest

from openai_accel._core.admission import AdmissionState
from openai_accel._gates import AsyncGate, ThreadGate
from openai_accel.errors import QueueFullError


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for another thread to reach a state; used only to order test threads."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.001)


def queued(gate: ThreadGate, count: int) -> Callable[[], bool]:
    return lambda: gate.waiting == count


def thread_gate(max_concurrent: int, queue_size: int) -> ThreadGate:
    return ThreadGate(AdmissionState(max_concurrent, queue_size))


def async_gate(max_concurrent: int, queue_size: int) -> AsyncGate:
    return AsyncGate(AdmissionState(max_concurrent, queue_size))


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(5):
        await asyncio.sleep(0)


# -- ThreadGate ----------------------------------------------------------------------


def test_thread_gate_admits_up_to_the_limit_without_blocking() -> None:
    gate = thread_gate(2, 1)
    gate.acquire()
    gate.acquire()
    assert (gate.running, gate.waiting) == (2, 0)


def test_thread_gate_queues_then_refuses() -> None:
    gate = thread_gate(2, 1)
    gate.acquire()
    gate.acquire()
    waiter = threading.Thread(target=gate.acquire)
    waiter.start()
    wait_until(lambda: gate.waiting == 1)
    with pytest.raises(QueueFullError):
        gate.acquire()
    gate.release()
    waiter.join(5)
    assert not waiter.is_alive()
    assert (gate.running, gate.waiting) == (2, 0)


def test_thread_gate_wakes_waiters_in_fifo_order() -> None:
    gate = thread_gate(1, 5)
    gate.acquire()
    order: List[int] = []

    def worker(index: int) -> None:
        gate.acquire()
        order.append(index)
        gate.release()

    threads = []
    for index in range(5):
        thread = threading.Thread(target=worker, args=(index,))
        thread.start()
        wait_until(queued(gate, index + 1))
        threads.append(thread)
    gate.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert (gate.running, gate.waiting) == (0, 0)


def test_thread_gate_timeout_raises_saying_how_long_it_waited() -> None:
    gate = thread_gate(1, 1)
    gate.acquire()
    with pytest.raises(QueueFullError, match=r"waited 0\.02 s"):
        gate.acquire(timeout=0.02)


def test_thread_gate_timeout_gives_up_the_place_in_line() -> None:
    gate = thread_gate(1, 1)
    gate.acquire()
    with pytest.raises(QueueFullError):
        gate.acquire(timeout=0.01)
    assert (gate.running, gate.waiting) == (1, 0)


def test_thread_gate_release_frees_the_slot_when_nobody_waits() -> None:
    gate = thread_gate(1, 0)
    gate.acquire()
    gate.release()
    gate.acquire(timeout=0)  # would raise if the slot were still taken
    assert gate.running == 1


def test_thread_gate_interrupted_wait_leaves_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    class InterruptedEvent(threading.Event):
        def wait(self, timeout: object = None) -> bool:
            raise KeyboardInterrupt

    gate = thread_gate(1, 1)
    gate.acquire()
    monkeypatch.setattr(threading, "Event", InterruptedEvent)
    with pytest.raises(KeyboardInterrupt):
        gate.acquire()
    assert (gate.running, gate.waiting) == (1, 0)


def test_thread_gate_never_exceeds_the_limit_under_contention() -> None:
    gate = thread_gate(2, 8)
    guard = threading.Lock()
    inside = [0]
    peak = [0]

    def worker() -> None:
        for _ in range(200):
            gate.acquire()
            with guard:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            with guard:
                inside[0] -= 1
            gate.release()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert peak[0] <= 2
    assert (gate.running, gate.waiting) == (0, 0)


# -- AsyncGate -------------------------------------------------------------------------


def test_async_gate_admits_up_to_the_limit_without_waiting() -> None:
    async def scenario() -> None:
        gate = async_gate(2, 1)
        await gate.acquire()
        await gate.acquire()
        assert (gate.running, gate.waiting) == (2, 0)

    asyncio.run(scenario())


def test_async_gate_queues_then_refuses() -> None:
    async def scenario() -> None:
        gate = async_gate(2, 1)
        await gate.acquire()
        await gate.acquire()
        waiter = asyncio.ensure_future(gate.acquire())
        await settle()
        assert gate.waiting == 1
        with pytest.raises(QueueFullError):
            await gate.acquire()
        gate.release()
        await asyncio.wait_for(waiter, 5)
        assert (gate.running, gate.waiting) == (2, 0)

    asyncio.run(scenario())


def test_async_gate_wakes_waiters_in_fifo_order() -> None:
    async def scenario() -> List[int]:
        gate = async_gate(1, 5)
        await gate.acquire()
        order: List[int] = []

        async def worker(index: int) -> None:
            await gate.acquire()
            order.append(index)
            gate.release()

        tasks = []
        for index in range(5):
            tasks.append(asyncio.ensure_future(worker(index)))
            await settle()
        gate.release()
        await asyncio.wait_for(asyncio.gather(*tasks), 5)
        assert (gate.running, gate.waiting) == (0, 0)
        return order

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]


def test_async_gate_timeout_raises_and_leaves_the_queue() -> None:
    async def scenario() -> None:
        gate = async_gate(1, 1)
        await gate.acquire()
        with pytest.raises(QueueFullError, match=r"waited 0\.01 s"):
            await gate.acquire(timeout=0.01)
        assert (gate.running, gate.waiting) == (1, 0)

    asyncio.run(scenario())


def test_async_gate_cancelled_waiter_frees_its_place() -> None:
    async def scenario() -> None:
        gate = async_gate(1, 1)
        await gate.acquire()
        waiter = asyncio.ensure_future(gate.acquire())
        await settle()
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (gate.running, gate.waiting) == (1, 0)
        second = asyncio.ensure_future(gate.acquire())  # the place is free again
        await settle()
        assert gate.waiting == 1
        gate.release()
        await asyncio.wait_for(second, 5)

    asyncio.run(scenario())


def test_async_gate_cancel_after_hand_off_does_not_leak_the_slot() -> None:
    async def scenario() -> None:
        gate = async_gate(1, 1)
        await gate.acquire()
        waiter = asyncio.ensure_future(gate.acquire())
        await settle()
        gate.release()  # the slot now belongs to ``waiter``, which has not run yet
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (gate.running, gate.waiting) == (0, 0)

    asyncio.run(scenario())


def test_async_gate_cancel_after_hand_off_passes_the_slot_on() -> None:
    async def scenario() -> None:
        gate = async_gate(1, 2)
        await gate.acquire()
        first = asyncio.ensure_future(gate.acquire())
        await settle()
        second = asyncio.ensure_future(gate.acquire())
        await settle()
        gate.release()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        await asyncio.wait_for(second, 5)
        assert (gate.running, gate.waiting) == (1, 0)

    asyncio.run(scenario())


def test_async_gate_release_racing_a_cancel_does_not_leak_the_slot() -> None:
    async def scenario() -> None:
        gate = async_gate(1, 1)
        await gate.acquire()
        waiter = asyncio.ensure_future(gate.acquire())
        await settle()
        waiter.cancel()  # its future is cancelled before the release below
        gate.release()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (gate.running, gate.waiting) == (0, 0)

    asyncio.run(scenario())


def test_async_gate_can_be_built_outside_a_loop_and_used_in_two() -> None:
    gate = async_gate(1, 1)

    async def use() -> None:
        await gate.acquire()
        waiter = asyncio.ensure_future(gate.acquire())
        await settle()
        gate.release()
        await waiter
        gate.release()

    asyncio.run(use())
    asyncio.run(use())
    assert (gate.running, gate.waiting) == (0, 0)
