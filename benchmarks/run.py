"""openai_accel benchmarks: ratios against a baseline measured in the same run.

Usage::

    python benchmarks/run.py [--quick] [--json out.json] [--check] [--only NAME ...]

Every benchmark prints absolute numbers and ratios. Timed variants are
interleaved (baseline, accel, official, baseline, accel, ...) and repeated;
each number is the median over the rounds, so a slow moment of the machine
hits every variant alike. ``--check`` exits with status 1 when a target ratio
is missed (see benchmarks/README.md for what each one means). ``--quick`` runs
every benchmark with tiny sizes in a few seconds: a smoke test, not a
measurement.

The official ``openai`` SDK is optional: when it cannot be imported its rows
are skipped with a note, and so are the targets that need it.

The emulator of the end-to-end benchmarks runs in a child process, so that
the server and the client under test do not share one GIL.

The benchmarks live in sibling modules, one theme each: bench_common.py
(Result, timing helpers, canned bodies, the table of titles), bench_overhead.py,
bench_emulator.py (the emulator child process and the benchmarks that use it),
bench_upload_memory.py, bench_import_cost.py, bench_responses.py,
batch_jobs.py and bench_budgets.py. This file is only the command line.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import openai_accel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import batch_jobs  # files and batch jobs (issue 10)
import bench_budgets
from bench_common import BENCHMARKS, Result, _fmt, official_sdk, print_result
from bench_emulator import (
    RemoteEmulator,
    bench_e2e_concurrent,
    bench_e2e_sequential,
    bench_embeddings,
    bench_stream_reuse,
)
from bench_import_cost import bench_import_cost
from bench_overhead import bench_overhead_async, bench_overhead_sync
from bench_responses import bench_response_stream
from bench_upload_memory import bench_upload_memory

# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def _run_budget_bench(runner: Callable[[bool, Any], Any], name: str, quick: bool) -> Result:
    return runner(quick, Result(name))  # type: ignore[no-any-return]


def run_all(quick: bool, only: Optional[Sequence[str]]) -> Iterator[Result]:
    wanted = [name for name in BENCHMARKS if not only or name in only]
    simple: Dict[str, Callable[[bool], Result]] = {
        "overhead-sync": bench_overhead_sync,
        "overhead-async": bench_overhead_async,
        "upload-memory": bench_upload_memory,
        "import-cost": bench_import_cost,
        "response-stream": bench_response_stream,
    }
    for budget_name, runner in bench_budgets.RUNNERS.items():  # rate budgets (issue 13)
        simple[budget_name] = functools.partial(_run_budget_bench, runner, budget_name)
    with_emulator: Dict[str, Callable[[bool, RemoteEmulator], Result]] = {
        "e2e-sequential": bench_e2e_sequential,
        "e2e-concurrent": bench_e2e_concurrent,
        "stream-reuse": bench_stream_reuse,
        "embeddings-base64": bench_embeddings,
        "batch-jobs": lambda quick, emu: batch_jobs.bench(Result("batch-jobs"), quick, emu),
    }
    emulator: Optional[RemoteEmulator] = None
    try:
        for name in wanted:
            if name in simple:
                yield simple[name](quick)
                continue
            if emulator is None:
                emulator = RemoteEmulator()
            yield with_emulator[name](quick, emulator)
    finally:
        if emulator is not None:
            emulator.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    print(
        f"openai_accel {openai_accel.__version__} benchmarks"
        f"{' (--quick: smoke run, numbers are not measurements)' if args.quick else ''}\n"
        f"python {platform.python_version()} on {platform.platform()}, "
        f"{os.cpu_count()} CPUs; {official_sdk()[2]}",
        flush=True,
    )
    results: List[Result] = []
    for result in run_all(args.quick, args.only):
        print_result(result)
        results.append(result)
    elapsed = time.perf_counter() - started

    failed = [(r.name, t) for r in results for t in r.targets if t.passed is False]
    skipped = [(r.name, t) for r in results for t in r.targets if t.passed is None]
    print(f"\n{len(results)} benchmarks in {elapsed:.1f} s", flush=True)
    for name, t in failed:
        print(f"MISSED {name}: {t.name} = {_fmt(t.value)}, wanted {t.op} {_fmt(t.limit)}")
    for name, t in skipped:
        print(f"skipped target {name}: {t.name}")
    if args.json:
        payload = {
            "quick": args.quick,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "official_sdk": official_sdk()[2],
            "seconds": elapsed,
            "results": [r.as_dict() for r in results],
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
    if args.check and failed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
