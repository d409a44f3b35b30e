"""The benchmark script still runs: ``benchmarks/run.py --quick`` exits 0 and covers everything.

No timing assertions here (speed targets are ratios checked by
``benchmarks/run.py --check``); the timeout only guards against a hang.
"""

from __future__ import annotations

import os
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
