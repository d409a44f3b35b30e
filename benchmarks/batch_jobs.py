"""Benchmark: N small chat requests through ``run_batch`` against the emulator.

Each size runs in a fresh child process (the emulator lives in another one),
so the client's peak RSS growth and CPU time are its own: growth is the peak
RSS after submitting, polling, downloading, joining and iterating every
result, minus the RSS before the job. The baseline, measured in the same
child, is the least any batch client must do per request: encode its JSONL
line and decode one output line of the same shape.

Targets: growth under 100 MiB at the largest size, and flat in N (the growth
at the largest size at most 3x the growth at the smallest, for 10x the
requests).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import time
from typing import Any, Dict, Iterator, Sequence

SIZES = (10_000, 100_000)
QUICK_SIZES = (50, 200)

_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def _rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def _requests(count: int) -> Iterator[Dict[str, Any]]:
    for _ in range(count):
        yield _BODY


def _baseline_cpu(count: int, output_line: str) -> float:
    started = time.process_time()
    for index in range(count):
        json.dumps(
            {
                "custom_id": f"request-{index}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": _BODY,
            }
        )
        json.loads(output_line)
    return time.process_time() - started


def _run(base_url: str, count: int) -> Dict[str, float]:
    from openai_accel import OpenAI

    client = OpenAI(api_key="sk-bench", base_url=base_url, timeout=600, max_retries=2)
    client.list_models()  # warm the connection and imports
    before = _rss_kib()
    started_cpu, started = time.process_time(), time.perf_counter()
    results = client.run_batch(_requests(count), poll_interval=0.05)
    ok = sum(1 for item in results if item.ok)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    sample = next(iter(results)).raw
    baseline = _baseline_cpu(count, json.dumps(sample))
    results.close()
    client.close()
    return {
        "ok": ok,
        "cpu": cpu,
        "wall": wall,
        "growth_kib": max(0, peak - before),
        "baseline_cpu": baseline,
    }


def _child(base_url: str, count: int, conn: Any) -> None:
    conn.send(_run(base_url, count))
    conn.close()


def measure(base_url: str, count: int, *, in_process: bool = False) -> Dict[str, float]:
    """One size in a fresh child process (``in_process``: here, for a quick smoke run)."""
    if in_process:
        return _check(_run(base_url, count), count)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(base_url, count, child), daemon=True)
    process.start()
    child.close()
    if not parent.poll(1800):
        process.kill()
        raise RuntimeError(f"run_batch of {count} requests did not finish in 30 min")
    data: Dict[str, float] = parent.recv()
    process.join(30)
    return _check(data, count)


def _check(data: Dict[str, float], count: int) -> Dict[str, float]:
    if data["ok"] != count:
        raise RuntimeError(f"only {data['ok']} of {count} batch requests succeeded")
    return data


def bench(result: Any, quick: bool, emulator: Any) -> Any:
    """Fill ``result`` (a ``run.Result``) with rows and targets."""
    sizes: Sequence[int] = QUICK_SIZES if quick else SIZES
    growth: Dict[int, float] = {}
    for count in sizes:
        emulator.reset()
        data = measure(emulator.base_url, count, in_process=quick)
        growth[count] = data["growth_kib"] / 1024
        per_request = data["cpu"] / count * 1e6
        baseline = data["baseline_cpu"] / count * 1e6
        result.row(f"{count} requests: client peak RSS growth", growth[count], "MiB")
        result.row(f"{count} requests: client CPU per request", per_request, "us")
        result.row(f"{count} requests: baseline (encode + decode a line)", baseline, "us")
        result.row(f"{count} requests: CPU ratio to the baseline", per_request / baseline, "x")
        result.row(f"{count} requests: wall time (emulator included)", data["wall"], "s")
    small, large = min(sizes), max(sizes)
    result.target(f"RSS growth at {large} requests (MiB)", growth[large], "<", 100.0)
    flat = growth[large] / max(growth[small], 1.0)
    result.target(f"growth {large} / growth {small} (10x the requests)", flat, "<=", 3.0)
    return result
