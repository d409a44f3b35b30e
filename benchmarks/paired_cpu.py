"""Compare two clients' CPU per call by running them in turn: a ratio with its own noise floor.

Why in turn: on a shared (virtual) machine the CPU a call costs drifts by
several percent from one second to the next, which swamps a difference of a
few percent between two runs made one after the other (two identical clients
measured that way differed by up to 5 % either way). Alternating call by call
(and which of the two goes first) puts both under the same drift; the
thread's own CPU clock leaves a server in another process out. Each block of
turns gives one ratio; callers report the median and quartiles of those,
beside a control of two identical clients.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, Awaitable, Callable, List, Optional, Set, Tuple

__all__ = ["Paired", "pin", "quartiles", "run_in_turn", "run_in_turn_async"]

#: (CPU µs per call of the first, of the second, ``second / first`` per block)
Paired = Tuple[float, float, List[float]]


def run_in_turn(
    first: Any,
    second: Any,
    call: Callable[[Any], Any],
    pairs: int,
    blocks: int,
    after_block: Optional[Callable[[Any], None]] = None,
) -> Paired:
    """``call(client)`` for both clients in turn, ``pairs`` times per block."""
    clock = time.thread_time_ns
    spent: List[Tuple[int, int]] = []
    for _ in range(blocks):
        spent_first = spent_second = 0
        for i in range(pairs):
            for client in (first, second) if i % 2 == 0 else (second, first):
                started = clock()
                call(client)
                if client is first:
                    spent_first += clock() - started
                else:
                    spent_second += clock() - started
        if after_block is not None:
            after_block(first)
            after_block(second)
        spent.append((spent_first, spent_second))
    return _paired(spent, pairs * blocks)


async def run_in_turn_async(
    first: Any,
    second: Any,
    call: Callable[[Any], Awaitable[Any]],
    gathers: int,
    blocks: int,
    concurrency: int = 16,
) -> Paired:
    """:func:`run_in_turn` for asyncio clients: the unit taken in turn is one ``gather``.

    A single call at a time would not measure concurrency; ``concurrency``
    calls are gathered per turn. The loop runs in this thread, so its CPU
    clock counts the whole client.
    """
    clock = time.thread_time_ns

    async def batch(client: Any) -> int:
        started = clock()
        await asyncio.gather(*(call(client) for _ in range(concurrency)))
        return clock() - started

    for _ in range(3):  # warm up: connections, converters, what the first replies teach
        await batch(first)
        await batch(second)
    spent: List[Tuple[int, int]] = []
    for _ in range(blocks):
        spent_first = spent_second = 0
        for i in range(gathers):
            if i % 2 == 0:
                spent_first += await batch(first)
                spent_second += await batch(second)
            else:
                spent_second += await batch(second)
                spent_first += await batch(first)
        spent.append((spent_first, spent_second))
    return _paired(spent, gathers * blocks * concurrency)


def _paired(spent: List[Tuple[int, int]], calls: int) -> Paired:
    """Per-call µs of each client over all blocks, and each block's ratio."""
    total_first = sum(first for first, _ in spent)
    total_second = sum(second for _, second in spent)
    ratios = [second / first for first, second in spent]
    return total_first / calls / 1e3, total_second / calls / 1e3, ratios


def quartiles(values: List[float]) -> Tuple[float, float, float]:
    """(lower quartile, median, upper quartile), as elements of ``values``."""
    ordered = sorted(values)
    last = len(ordered) - 1
    return ordered[last // 4], ordered[last // 2], ordered[(3 * last) // 4]


def pin(server_pid: int) -> Optional[Set[int]]:
    """This process on one CPU, the server on another (as the reference harness does).

    Returns the former mask to restore, or None where affinity cannot be set
    or there is a single CPU.
    """
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return None
    before = os.sched_getaffinity(0)
    cpus = sorted(before)
    os.sched_setaffinity(server_pid, {cpus[1]})
    os.sched_setaffinity(0, {cpus[0]})
    return before
