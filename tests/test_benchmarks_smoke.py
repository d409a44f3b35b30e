"""The benchmark script still runs: ``benchmarks/run.py --quick`` exits 0 and covers everything.

No timing assertions here (speed targets are ratios checked by
``benchmarks/run.py --check``); the timeout only guards against a hang.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "run.py")

BENCHMARK_NAMES = [
    "overhead-sync",
    "overhead-async",
    "e2e-sequential",
    "e2e-concurrent",
    "stream-reuse",
    "embeddings-base64",
    "upload-memory",
    "import-cost",
    "batch-jobs",  # files and batch jobs (issue 10)
    "response-stream",  # responses
    "budget-overhead",
    "fleet",
]


@pytest.mark.slow
def test_quick_benchmark_run_exits_zero_and_covers_every_benchmark() -> None:
    completed = subprocess.run(
        [sys.executable, SCRIPT, "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # 30 s before the batch-jobs benchmark (issue 10) joined the quick run
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    for name in BENCHMARK_NAMES:
        assert f"== {name}:" in completed.stdout, f"{name} missing from:\n{output[-4000:]}"
    assert f"{len(BENCHMARK_NAMES)} benchmarks in" in completed.stdout


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_the_asyncio_client_reads_replies_without_an_mmap_per_call() -> None:
    """asyncio's 256 KiB socket reads come from the heap (the transport settles glibc once)."""
    completed = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "syscalls.py"), "--only", "async_c16"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    per_call = {}
    for line in completed.stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3 and fields[0] != "all":
            per_call[fields[0]] = float(fields[1])  # the library's column
    assert per_call.get("sendto", 0) >= 0.9, completed.stdout  # it did measure calls
    for call in ("mmap", "mremap", "munmap"):
        assert per_call.get(call, 0.0) < 0.1, completed.stdout
