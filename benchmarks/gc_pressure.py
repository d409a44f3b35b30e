"""How often the garbage collector runs for an asyncio client at 16 calls at a time.

Why this exists: at 16 concurrent calls, the reference harness's figures
for ``AsyncOpenAI`` swung by 10-20 % between runs, and the CPU it costs
above raw aiohttp was a third larger than its instruction count said. The
reason is the cyclic collector's trigger. CPython runs a generation-0
collection when (allocations - deallocations) of GC-tracked objects since
the last one passes 700, and a deallocation while that count is zero is not
counted. When several calls complete in one event-loop turn, their objects
are freed at zero (uncounted) and the next calls' allocations then count in
full: whether the count reaches 700 turn after turn depends on how many
tracked objects one call holds while it waits. Raw aiohttp sits just under
the tipping point; ten more objects per call in flight (``raw+10``) tip it,
and gen-0 collections, then gen-1 and full ones, run four times as often.
Any client that keeps a few more objects alive per call than the bare
transport pays this, so it is reported here as a diagnostic, not a target.

``python benchmarks/gc_pressure.py`` prints, per variant, the collections
per 1,000 calls of each generation, the time spent in them, and the CPU per
call; each variant runs in a fresh process (three times; medians), the
harness's pattern (``gather`` of 1,000 calls under a ``Semaphore(16)``)
against ``keepalive_server.py`` in another process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List

import keepalive_server

MESSAGES = [{"role": "user", "content": "Say hello."}]
REPLY = json.dumps(
    {
        "id": "chatcmpl-gc",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
    }
).encode()
CONCURRENCY, CALLS, REPS, RUNS = 16, 1000, 5, 3
#: The three per-call features a client can switch off.
_OFF = {"rate_limits": False, "request_tracking": False, "circuit_breaker": False}
#: openai_accel variants -> the client's options (the harness's limits added in ``_make_call``).
CLIENTS: Dict[str, Dict[str, Any]] = {
    "openai_accel": {},
    "  request_tracking=False": {"request_tracking": False},
    "  rate_limits=False": {"rate_limits": False},
    "  circuit_breaker=False": {"circuit_breaker": False},
    "  all three off": _OFF,
}
VARIANTS = ["raw aiohttp", "raw+10", "raw+20", *CLIENTS]


class _Held:
    __slots__ = ("value",)


async def _make_call(variant: str, base_url: str) -> Callable[[], Any]:
    if variant.startswith("raw"):
        import aiohttp

        session = aiohttp.ClientSession(headers={"Authorization": "Bearer sk-gc"})
        url, body = base_url + "/chat/completions", json.dumps({"messages": MESSAGES}).encode()
        extra = int(variant[4:]) if "+" in variant else 0

        async def raw_call() -> Any:
            held = [_Held() for _ in range(extra)]  # tracked objects alive while it waits
            async with session.post(url, data=body) as reply:
                data = json.loads(await reply.read())
            del held
            return data["choices"][0]["message"]["content"]

        return raw_call
    from openai_accel import AsyncOpenAI

    client = AsyncOpenAI(
        api_key="sk-gc",
        base_url=base_url,
        max_concurrent_requests=256,
        queue_size=8192,
        **CLIENTS[variant],
    )

    async def accel_call() -> Any:
        return (await client.chat(MESSAGES, model="gpt-4o-mini")).content

    return accel_call


async def _measure(variant: str, base_url: str) -> Dict[str, float]:
    call = await _make_call(variant, base_url)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one() -> Any:
        async with semaphore:
            return await call()

    await asyncio.gather(*[one() for _ in range(200)])  # warm up
    counts, spent, started = [0, 0, 0], [0.0], [0.0]

    def watch(phase: str, info: Dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            counts[info["generation"]] += 1
            spent[0] += time.perf_counter() - started[0]

    gc.callbacks.append(watch)
    cpu = time.process_time()
    for _ in range(REPS):
        await asyncio.gather(*[one() for _ in range(CALLS)])
    cpu = time.process_time() - cpu
    gc.callbacks.remove(watch)
    per_k = 1000 / (REPS * CALLS)
    return {
        "gen0": counts[0] * per_k,
        "gen1": counts[1] * per_k,
        "gen2": counts[2] * per_k,
        "gc_ms": spent[0] * 1000 * per_k,
        "cpu_us": cpu * 1e6 / (REPS * CALLS),
    }


def _worker(variant: str, base_url: str) -> None:
    print(json.dumps(asyncio.run(_measure(variant, base_url))))


def main() -> int:
    base_url = keepalive_server.start(REPLY)
    pin = ["taskset", "-c", "0"] if (os.cpu_count() or 1) >= 2 else []
    results: Dict[str, List[Dict[str, float]]] = {variant: [] for variant in VARIANTS}
    for _ in range(RUNS):  # interleaved: a slow moment hits every variant alike
        for variant in VARIANTS:
            out = subprocess.run(
                [*pin, sys.executable, __file__, "--worker", variant, base_url],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results[variant].append(json.loads(out.strip().splitlines()[-1]))
    print(f"{CONCURRENCY} at a time, {REPS} x gather({CALLS}); medians of {RUNS} processes")
    heads = ("gen0/1k", "gen1/1k", "gen2/1k", "GC ms/1k", "CPU us")
    print(f"{'variant':28} " + " ".join(f"{head:>8}" for head in heads))
    for variant, runs in results.items():
        row = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"{variant:28} {row['gen0']:8.1f} {row['gen1']:8.1f} {row['gen2']:8.2f}"
            f" {row['gc_ms']:9.1f} {row['cpu_us']:8.1f}"
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
