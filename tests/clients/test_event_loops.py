"""One AsyncOpenAI, several event loops: successive asyncio.run, a loop per thread.

aiohttp binds a session to the loop that created it; a client that kept one
session failed with "attached to a different loop" on the second loop and
never recovered. Each loop now gets its own session, closed when that loop
shuts down. (The blocking client has no loop; its threads are covered by the
queue tests.)
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from typing import Any, List

import pytest

from openai_accel import AsyncOpenAI
from openai_accel.testing.pytest_plugin import TEST_CLIENT_OPTIONS


@pytest.fixture
def client(openai_emulator: Any) -> AsyncOpenAI:
    return AsyncOpenAI(**{**TEST_CLIENT_OPTIONS, "base_url": openai_emulator.base_url})


def _no_unclosed_sessions(caught: List[warnings.WarningMessage]) -> None:
    gc.collect()
    leaked = [str(w.message) for w in caught if "Unclosed" in str(w.message)]
    assert leaked == []


def test_successive_asyncio_runs_share_one_client(client):
    async def one_call(text: str) -> str:
        return (await client.chat(text)).content

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answers = [asyncio.run(one_call(f"run {i}")) for i in range(3)]
        asyncio.run(client.aclose())
        _no_unclosed_sessions(caught)
    assert all(answers)


def test_each_loop_closes_its_session_when_it_shuts_down(client):
    sessions = []

    async def one_call() -> None:
        await client.chat("Hi")
        sessions.append(client._driver.transport._session)

    asyncio.run(one_call())
    asyncio.run(one_call())
    assert sessions[0] is not sessions[1]
    assert all(session.closed for session in sessions)  # asyncio.run shut both down


def test_a_loop_per_thread_at_the_same_time(client, openai_emulator):
    openai_emulator.latency = 0.05
    results: List[Any] = []
    start = threading.Barrier(4)

    def worker(index: int) -> None:
        async def calls() -> List[str]:
            start.wait()
            replies = await asyncio.gather(*(client.chat(f"{index}-{i}") for i in range(5)))
            return [reply.content for reply in replies]

        try:
            results.append(asyncio.run(calls()))
        except BaseException as exc:  # reported below, with its type
            results.append(exc)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        _no_unclosed_sessions(caught)
    assert [type(r) for r in results] == [list] * 4
    assert client.queue.running == 0 and client.queue.waiting == 0


def test_the_queue_hands_slots_across_loops_in_threads(openai_emulator):
    """One slot shared by loops in two threads: a release in one wakes a waiter in the other."""
    openai_emulator.latency = 0.05
    client = AsyncOpenAI(
        **{**TEST_CLIENT_OPTIONS, "base_url": openai_emulator.base_url},
        max_concurrent_requests=1,
    )
    outcomes: List[Any] = []

    def worker() -> None:
        async def calls() -> int:
            replies = await asyncio.gather(*(client.chat("Hi") for _ in range(4)))
            return len(replies)

        try:
            outcomes.append(asyncio.run(calls()))
        except BaseException as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == [4, 4]
    assert client.queue.running == 0 and client.queue.waiting == 0


def test_a_queue_waiter_left_by_a_finished_loop_does_not_block_the_next(openai_emulator):
    openai_emulator.latency = 0.1
    client = AsyncOpenAI(
        **{**TEST_CLIENT_OPTIONS, "base_url": openai_emulator.base_url},
        max_concurrent_requests=1,
    )

    async def abandon() -> None:
        await client.chat("warm-up")  # the first reply ends the rate budget's first wave
        first = asyncio.ensure_future(client.chat("running"))
        second = asyncio.ensure_future(client.chat("waiting"))
        await asyncio.sleep(0.02)
        assert client.queue.waiting == 1
        first.cancel()
        second.cancel()
        await asyncio.gather(first, second, return_exceptions=True)

    async def afterwards() -> str:
        return (await asyncio.wait_for(client.chat("next loop"), 5)).content

    asyncio.run(abandon())
    assert asyncio.run(afterwards())
    assert client.queue.running == 0


def test_a_slot_is_not_lost_to_a_waiter_whose_loop_was_closed() -> None:
    """A waiter whose loop closed can never run: the slot handed to it is passed on."""
    from openai_accel._core.admission import AdmissionState
    from openai_accel._gates import AsyncGate

    gate = AsyncGate(AdmissionState(1, 10))
    gone = asyncio.new_event_loop()
    gone.run_until_complete(gate.acquire())  # holds the only slot
    stranded = gone.create_task(gate.acquire())
    gone.run_until_complete(asyncio.sleep(0.01))
    assert gate.waiting == 1
    gone.close()  # without running it again: the waiting task is stranded

    async def next_caller() -> None:
        waiter = asyncio.ensure_future(gate.acquire())
        await asyncio.sleep(0)
        gate.release()  # the holder gives the slot back
        await asyncio.wait_for(waiter, 1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asyncio.run(next_caller())
        del stranded
        gc.collect()
    assert (gate.running, gate.waiting) == (1, 0)
