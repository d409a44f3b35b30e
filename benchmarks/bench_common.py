"""What every benchmark of ``benchmarks/run.py`` shares.

The canned request and reply bodies, the table of benchmark titles (in run
order), the :class:`Result` a benchmark fills and its printing, and the
timing helpers (interleaved rounds, medians, ratios). The official ``openai``
SDK is optional: :func:`official_sdk` says whether it can be imported.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import sys
import time
import types
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

import bench_budgets

API_KEY = "sk-bench"
MOCK_BASE_URL = "http://bench.invalid/v1"
MODEL = "gpt-4o-mini"
MESSAGES: List[Dict[str, Any]] = [
    {"role": "system", "content": "You are a terse assistant."},
    {"role": "user", "content": "Say hello."},
]
REQUEST_BODY: Dict[str, Any] = {"model": MODEL, "messages": MESSAGES}

CHAT_BODY = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello! How can I help you today?",
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 19,
            "completion_tokens": 9,
            "total_tokens": 28,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_bench",
    }
).encode()
CHAT_HEADERS = {
    "content-type": "application/json",
    "x-request-id": "req_bench",
    "openai-processing-ms": "100",
}
TRANSCRIPTION_BODY = json.dumps({"text": "benchmark upload"}).encode()

#: name -> one-line description; printed as the section title of each benchmark.
BENCHMARKS: Dict[str, str] = {
    "overhead-sync": "client overhead, blocking, mock transports (no network)",
    "overhead-async": "client overhead, asyncio, mock transports (no network)",
    "e2e-sequential": "sequential chat calls to the emulator over real sockets",
    "e2e-concurrent": "async chat calls to the emulator, concurrency 10",
    "stream-reuse": "sequential stream_chat read to the end: connections and time",
    "embeddings-base64": "16 x 1536-dim embeddings: base64 (default) vs float on the wire",
    "upload-memory": "speech_to_text upload from disk: tracemalloc peak vs file size",
    "import-cost": "`import openai_accel` vs `import openai` in a fresh interpreter",
    "batch-jobs": "run_batch of 10k and 100k requests: client memory growth and CPU",  # issue 10
    # responses: see benchmarks/response_stream.py
    "response-stream": "stream_response client CPU per event vs a raw aiohttp SSE read",
}
BENCHMARKS.update(bench_budgets.TITLES)  # rate budgets (issue 13)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


class Target:
    """One target ratio: ``value <op> limit``; ``value=None`` means skipped."""

    def __init__(
        self, name: str, value: Optional[float], op: str, limit: float, note: str = ""
    ) -> None:
        self.name = name
        self.value = value
        self.op = op
        self.limit = limit
        self.note = note

    @property
    def passed(self) -> Optional[bool]:
        if self.value is None:
            return None
        if self.op == "<=":
            return self.value <= self.limit
        if self.op == "<":
            return self.value < self.limit
        if self.op == "==":
            return self.value == self.limit
        raise ValueError(self.op)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "op": self.op,
            "limit": self.limit,
            "passed": self.passed,
            "note": self.note,
        }


class Result:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: List[Tuple[str, Optional[float], str]] = []
        self.targets: List[Target] = []
        self.notes: List[str] = []

    def row(self, label: str, value: Optional[float], unit: str = "") -> None:
        self.rows.append((label, value, unit))

    def target(
        self, name: str, value: Optional[float], op: str, limit: float, note: str = ""
    ) -> None:
        self.targets.append(Target(name, value, op, limit, note))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "title": BENCHMARKS[self.name],
            "rows": [{"label": lab, "value": val, "unit": unit} for lab, val, unit in self.rows],
            "targets": [t.as_dict() for t in self.targets],
            "notes": self.notes,
        }


def _fmt(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    if value == int(value) and abs(value) >= 1:
        return f"{int(value)}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def print_result(result: Result) -> None:
    print(f"\n== {result.name}: {BENCHMARKS[result.name]}", flush=True)
    width = max([len(label) for label, _, _ in result.rows] + [10])
    for label, value, unit in result.rows:
        print(f"  {label:<{width}}  {_fmt(value):>10} {unit}")
    for t in result.targets:
        verdict = {True: "PASS", False: "FAIL", None: "SKIP"}[t.passed]
        extra = f"  ({t.note})" if t.note else ""
        print(f"  target {t.name}: {_fmt(t.value)} {t.op} {_fmt(t.limit)} -> {verdict}{extra}")
    for text in result.notes:
        print(f"  note: {text}")
    sys.stdout.flush()


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None or b == 0:
        return None
    return a / b


def official_sdk() -> Tuple[Optional[types.ModuleType], Optional[types.ModuleType], str]:
    """``(openai, httpx-module-it-uses, reason)``; modules are None when not importable."""
    try:
        import openai
        import openai._base_client as base_client
    except Exception as exc:  # any import failure: the rows are skipped
        return None, None, f"official openai SDK not importable ({type(exc).__name__}: {exc})"
    # The 1.x SDK runs on httpx, the 3.x SDK on httpx2: use whichever it imported.
    httpx_module = getattr(base_client, "httpx2", None) or getattr(base_client, "httpx", None)
    if not isinstance(httpx_module, types.ModuleType):
        return None, None, "official openai SDK found, but not the httpx module it uses"
    return openai, httpx_module, f"openai {getattr(openai, '__version__', '?')}"


def interleave(variants: Dict[str, Callable[[], float]], rounds: int) -> Dict[str, List[float]]:
    """Run each variant once per round, in rotating order; collect what each returns."""
    samples: Dict[str, List[float]] = {name: [] for name in variants}
    names = list(variants)
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            samples[name].append(variants[name]())
    return samples


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def timed_async_us(
    loop: asyncio.AbstractEventLoop, fn: Callable[[], Awaitable[Any]], n: int
) -> float:
    async def batch() -> float:
        start = time.perf_counter()
        for _ in range(n):
            await fn()
        return (time.perf_counter() - start) / n * 1e6

    return loop.run_until_complete(batch())
