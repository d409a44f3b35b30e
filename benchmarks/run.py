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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import multiprocessing
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import requests

import openai_accel
from openai_accel import OpenAI
from openai_accel._core.http import Headers, HttpRequest, HttpResponse
from openai_accel.transports.mock import AsyncMockTransport, MockTransport
from openai_accel.transports.requests import RequestsTransport

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import batch_jobs  # files and batch jobs (issue 10)
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


def _chat_response() -> HttpResponse:
    return HttpResponse(200, Headers(CHAT_HEADERS), content=CHAT_BODY)


def _mock_handler(request: HttpRequest) -> HttpResponse:
    return _chat_response()


def _add_overhead_rows(
    result: Result, samples: Dict[str, List[float]], sdk_note: str, have_official: bool
) -> None:
    base = median(samples["baseline"])
    accel = median(samples["accel"])
    official = median(samples["official"]) if have_official else None
    result.row("baseline (json.dumps + json.loads)", base, "us/call")
    result.row("openai_accel", accel, "us/call")
    result.row("official openai", official, "us/call")
    result.row("ratio accel / baseline", ratio(accel, base), "x")
    result.row("ratio official / baseline", ratio(official, base), "x")
    result.row("ratio accel / official", ratio(accel, official), "x")
    result.target("accel/official", ratio(accel, official), "<=", 1.0)
    if not have_official:
        result.note(f"official rows skipped: {sdk_note}")


# --------------------------------------------------------------------------
# 1-2. Client overhead (no network)
# --------------------------------------------------------------------------


def _baseline_call() -> None:
    json.dumps(REQUEST_BODY).encode()
    json.loads(CHAT_BODY)


def bench_overhead_sync(quick: bool) -> Result:
    result = Result("overhead-sync")
    calls, rounds = (50, 3) if quick else (400, 9)
    openai, httpx, sdk_note = official_sdk()

    transport = MockTransport(_mock_handler)
    accel = OpenAI(api_key=API_KEY, base_url=MOCK_BASE_URL, transport=transport)

    def run_accel() -> float:
        transport.requests.clear()  # the mock keeps every request; do not let it grow
        return per_call_us(lambda: accel.chat(MESSAGES, model=MODEL), calls)

    variants: Dict[str, Callable[[], float]] = {
        "baseline": lambda: per_call_us(_baseline_call, calls),
        "accel": run_accel,
    }
    official: Any = None
    if openai is not None and httpx is not None:
        canned = httpx.Response(200, headers=CHAT_HEADERS, content=CHAT_BODY)

        def official_handler(request: Any) -> Any:
            return httpx.Response(200, headers=canned.headers, content=CHAT_BODY)

        official = openai.OpenAI(
            api_key=API_KEY,
            base_url=MOCK_BASE_URL,
            http_client=httpx.Client(transport=httpx.MockTransport(official_handler)),
        )
        variants["official"] = lambda: per_call_us(
            lambda: official.chat.completions.create(model=MODEL, messages=MESSAGES), calls
        )
    # Warm up: first calls build converters, caches, platform headers.
    for fn in variants.values():
        fn()
    samples = interleave(variants, rounds)
    accel.close()
    if official is not None:
        official.close()
    _add_overhead_rows(result, samples, sdk_note, official is not None)
    result.note(f"{calls} calls x {rounds} rounds, median of rounds")
    return result


def bench_overhead_async(quick: bool) -> Result:
    from openai_accel import AsyncOpenAI

    result = Result("overhead-async")
    calls, rounds = (50, 3) if quick else (400, 9)
    openai, httpx, sdk_note = official_sdk()
    loop = asyncio.new_event_loop()
    try:
        transport = AsyncMockTransport(_mock_handler)

        async def make_accel() -> Any:
            return AsyncOpenAI(api_key=API_KEY, base_url=MOCK_BASE_URL, transport=transport)

        accel = loop.run_until_complete(make_accel())

        async def baseline() -> None:
            _baseline_call()

        def run_accel() -> float:
            transport.requests.clear()
            return timed_async_us(loop, lambda: accel.chat(MESSAGES, model=MODEL), calls)

        variants: Dict[str, Callable[[], float]] = {
            "baseline": lambda: timed_async_us(loop, baseline, calls),
            "accel": run_accel,
        }
        official: Any = None
        if openai is not None and httpx is not None:

            def official_handler(request: Any) -> Any:
                return httpx.Response(200, headers=CHAT_HEADERS, content=CHAT_BODY)

            async def make_official() -> Any:
                return openai.AsyncOpenAI(
                    api_key=API_KEY,
                    base_url=MOCK_BASE_URL,
                    http_client=httpx.AsyncClient(transport=httpx.MockTransport(official_handler)),
                )

            official = loop.run_until_complete(make_official())
            variants["official"] = lambda: timed_async_us(
                loop,
                lambda: official.chat.completions.create(model=MODEL, messages=MESSAGES),
                calls,
            )
        for fn in variants.values():
            fn()
        samples = interleave(variants, rounds)
        loop.run_until_complete(accel.aclose())
        if official is not None:
            loop.run_until_complete(official.close())
    finally:
        loop.close()
    _add_overhead_rows(result, samples, sdk_note, official is not None)
    result.note(f"{calls} calls x {rounds} rounds, median of rounds")
    return result


# --------------------------------------------------------------------------
# The emulator, in a child process
# --------------------------------------------------------------------------


def _emulator_process(conn: Any) -> None:
    from openai_accel.testing import Emulator

    with Emulator() as emulator:
        conn.send(emulator.base_url)
        while True:
            command = conn.recv()
            if command == "stop":
                break
            if command == "reset":
                emulator.reset()
                conn.send(None)
            elif command == "connections":
                conn.send(emulator.connections_opened)
            else:
                conn.send(f"unknown command {command!r}")
    conn.close()


class RemoteEmulator:
    """The embedded emulator, served from a child process (its own GIL, its own core)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_emulator_process, args=(child,), daemon=True)
        self._process.start()
        child.close()
        if not self._conn.poll(30):
            self._process.kill()
            raise RuntimeError("the emulator process did not start within 30 s")
        self.base_url: str = self._conn.recv()

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def reset(self) -> None:
        self._ask("reset")

    @property
    def connections_opened(self) -> int:
        return int(self._ask("connections"))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        self._conn.close()


# --------------------------------------------------------------------------
# 3. End to end against the emulator
# --------------------------------------------------------------------------


def bench_e2e_sequential(quick: bool, emulator: RemoteEmulator) -> Result:
    result = Result("e2e-sequential")
    calls, rounds = (20, 2) if quick else (150, 7)
    openai, _httpx, sdk_note = official_sdk()
    url = emulator.base_url + "/chat/completions"

    session = requests.Session()
    session.trust_env = False
    raw_headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

    def raw_call() -> None:
        response = session.post(url, data=json.dumps(REQUEST_BODY).encode(), headers=raw_headers)
        response.raise_for_status()
        response.json()

    accel = OpenAI(api_key=API_KEY, base_url=emulator.base_url)
    variants: Dict[str, Callable[[], float]] = {
        "baseline": lambda: per_call_us(raw_call, calls),
        "accel": lambda: per_call_us(lambda: accel.chat(MESSAGES, model=MODEL), calls),
    }
    official: Any = None
    if openai is not None:
        official = openai.OpenAI(api_key=API_KEY, base_url=emulator.base_url)
        variants["official"] = lambda: per_call_us(
            lambda: official.chat.completions.create(model=MODEL, messages=MESSAGES), calls
        )
    for fn in variants.values():
        fn()
    samples = interleave(variants, rounds)
    emulator.reset()
    session.close()
    accel.close()
    if official is not None:
        official.close()
    _add_e2e_rows(result, samples, "raw requests.Session", official is not None, sdk_note)
    result.note(f"{calls} calls x {rounds} rounds, median of rounds")
    return result


def _add_e2e_rows(
    result: Result,
    samples: Dict[str, List[float]],
    baseline: str,
    have_official: bool,
    sdk_note: str,
) -> None:
    base = median(samples["baseline"])
    accel = median(samples["accel"])
    official = median(samples["official"]) if have_official else None
    result.row(f"baseline ({baseline})", base, "us/call")
    result.row("openai_accel", accel, "us/call")
    result.row("official openai", official, "us/call")
    result.row("ratio accel / baseline", ratio(accel, base), "x")
    result.row("ratio official / baseline", ratio(official, base), "x")
    result.row("ratio accel / official", ratio(accel, official), "x")
    result.target("accel/official", ratio(accel, official), "<=", 1.0)
    if not have_official:
        result.note(f"official rows skipped: {sdk_note}")


async def _run_concurrently(
    call: Callable[[], Awaitable[Any]], total: int, concurrency: int
) -> float:
    """Wall time per call (us) of ``total`` calls made by ``concurrency`` workers."""
    remaining = [total]

    async def worker() -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            await call()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.perf_counter() - start) / total * 1e6


def bench_e2e_concurrent(quick: bool, emulator: RemoteEmulator) -> Result:
    import aiohttp

    from openai_accel import AsyncOpenAI

    result = Result("e2e-concurrent")
    total, rounds, concurrency = (40, 2, 10) if quick else (300, 7, 10)
    openai, _httpx, sdk_note = official_sdk()
    url = emulator.base_url + "/chat/completions"
    raw_headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    loop = asyncio.new_event_loop()
    try:

        async def setup() -> Tuple[Any, Any, Any]:
            session = aiohttp.ClientSession()
            accel = AsyncOpenAI(api_key=API_KEY, base_url=emulator.base_url)
            official = (
                openai.AsyncOpenAI(api_key=API_KEY, base_url=emulator.base_url)
                if openai is not None
                else None
            )
            return session, accel, official

        session, accel, official = loop.run_until_complete(setup())

        async def raw_call() -> None:
            data = json.dumps(REQUEST_BODY).encode()
            async with session.post(url, data=data, headers=raw_headers) as response:
                response.raise_for_status()
                json.loads(await response.read())

        def runner(call: Callable[[], Awaitable[Any]]) -> Callable[[], float]:
            return lambda: loop.run_until_complete(_run_concurrently(call, total, concurrency))

        variants: Dict[str, Callable[[], float]] = {
            "baseline": runner(raw_call),
            "accel": runner(lambda: accel.chat(MESSAGES, model=MODEL)),
        }
        if official is not None:
            variants["official"] = runner(
                lambda: official.chat.completions.create(model=MODEL, messages=MESSAGES)
            )
        for fn in variants.values():
            fn()
        samples = interleave(variants, rounds)

        async def teardown() -> None:
            await session.close()
            await accel.aclose()
            if official is not None:
                await official.close()

        loop.run_until_complete(teardown())
    finally:
        loop.close()
    emulator.reset()
    _add_e2e_rows(result, samples, "raw aiohttp.ClientSession", official is not None, sdk_note)
    result.note(
        f"{total} calls by {concurrency} workers x {rounds} rounds; us/call = wall time / calls"
    )
    return result


# --------------------------------------------------------------------------
# 4. Streaming connection reuse
# --------------------------------------------------------------------------


def bench_stream_reuse(quick: bool, emulator: RemoteEmulator) -> Result:
    result = Result("stream-reuse")
    streams, rounds = (10, 1) if quick else (30, 5)
    openai, _httpx, sdk_note = official_sdk()
    connections: Dict[str, List[int]] = {"accel": [], "official": []}

    def run_accel() -> float:
        client = OpenAI(api_key=API_KEY, base_url=emulator.base_url)
        emulator.reset()
        start = time.perf_counter()
        for _ in range(streams):
            with client.stream_chat(MESSAGES, model=MODEL) as stream:
                for _chunk in stream:
                    pass
            stream.final()
        elapsed = time.perf_counter() - start
        connections["accel"].append(emulator.connections_opened)
        client.close()
        return elapsed / streams * 1e6

    def run_official() -> float:
        assert openai is not None
        client = openai.OpenAI(api_key=API_KEY, base_url=emulator.base_url)
        emulator.reset()
        start = time.perf_counter()
        for _ in range(streams):
            stream = client.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": True},
            )
            with stream:
                for _chunk in stream:
                    pass
        elapsed = time.perf_counter() - start
        connections["official"].append(emulator.connections_opened)
        client.close()
        return elapsed / streams * 1e6

    variants: Dict[str, Callable[[], float]] = {"accel": run_accel}
    if openai is not None:
        variants["official"] = run_official
    samples = interleave(variants, rounds)
    emulator.reset()

    accel_conns = max(connections["accel"])
    accel_us = median(samples["accel"])
    official_us = median(samples["official"]) if openai is not None else None
    official_conns = max(connections["official"]) if connections["official"] else None
    result.row(f"openai_accel connections for {streams} streams", accel_conns, "")
    result.row(f"official connections for {streams} streams", official_conns, "")
    result.row("openai_accel", accel_us, "us/stream")
    result.row("official openai", official_us, "us/stream")
    result.row("ratio accel / official (time)", ratio(accel_us, official_us), "x")
    result.row(
        "ratio accel / official (connections)",
        ratio(float(accel_conns), float(official_conns) if official_conns else None),
        "x",
    )
    result.target("accel connections", float(accel_conns), "==", 1.0)
    result.target("accel/official time", ratio(accel_us, official_us), "<=", 1.0)
    result.note(f"{streams} streams per fresh client x {rounds} rounds (connections: worst round)")
    if openai is None:
        result.note(f"official rows skipped: {sdk_note}")
    return result


# --------------------------------------------------------------------------
# 5. Embeddings: base64 vs float on the wire
# --------------------------------------------------------------------------


class CountingTransport(RequestsTransport):
    """The real requests transport, counting the response body bytes it received."""

    received = 0

    def send(self, request: HttpRequest) -> HttpResponse:
        response = super().send(request)
        self.received += len(response.content)
        return response


def bench_embeddings(quick: bool, emulator: RemoteEmulator) -> Result:
    result = Result("embeddings-base64")
    calls, rounds = (3, 2) if quick else (20, 7)
    texts = [f"benchmark sentence number {i}: the quick brown fox" for i in range(16)]
    transport = CountingTransport()
    client = OpenAI(api_key=API_KEY, base_url=emulator.base_url, transport=transport)
    sizes: Dict[str, List[float]] = {"base64": [], "float": []}

    def run(encoding: Optional[str]) -> Callable[[], float]:
        def batch() -> float:
            before = transport.received
            start = time.perf_counter()
            for _ in range(calls):
                vectors = (
                    client.embedding(texts)
                    if encoding is None
                    else client.embedding(texts, encoding_format=encoding)
                )
            elapsed = time.perf_counter() - start
            assert len(vectors) == 16 and len(vectors[0]) == 1536, "unexpected embedding shape"
            sizes["float" if encoding else "base64"].append((transport.received - before) / calls)
            emulator.reset()
            return elapsed / calls * 1e6

        return batch

    variants = {"base64": run(None), "float": run("float")}
    for fn in variants.values():
        fn()
    sizes["base64"].clear()
    sizes["float"].clear()
    samples = interleave(variants, rounds)
    client.close()

    b64_bytes, float_bytes = median(sizes["base64"]), median(sizes["float"])
    b64_us, float_us = median(samples["base64"]), median(samples["float"])
    result.row("base64 (default): bytes received", b64_bytes, "B/call")
    result.row("float: bytes received", float_bytes, "B/call")
    result.row("base64 (default): time", b64_us, "us/call")
    result.row("float: time", float_us, "us/call")
    result.row("ratio base64 / float (bytes)", ratio(b64_bytes, float_bytes), "x")
    result.row("ratio base64 / float (time)", ratio(b64_us, float_us), "x")
    result.target("base64/float bytes", ratio(b64_bytes, float_bytes), "<", 0.5)
    result.target("base64/float time", ratio(b64_us, float_us), "<=", 1.0)
    result.note(
        f"{calls} calls x {rounds} rounds through openai_accel to the emulator; "
        "bytes = response body"
    )
    return result


# --------------------------------------------------------------------------
# 6. Upload memory
# --------------------------------------------------------------------------


class DiscardingTransport:
    """Consumes a streamed request body chunk by chunk, keeping nothing."""

    def __init__(self) -> None:
        self.sent = 0
        self.largest_chunk = 0

    def send(self, request: HttpRequest) -> HttpResponse:
        body = request.body
        if isinstance(body, bytes):
            self.sent += len(body)
            self.largest_chunk = max(self.largest_chunk, len(body))
        elif body is not None:
            for chunk in body.chunks():
                self.sent += len(chunk)
                self.largest_chunk = max(self.largest_chunk, len(chunk))
        return HttpResponse(200, Headers({"content-type": "application/json"}), TRANSCRIPTION_BODY)

    def close(self) -> None:
        pass


def _write_file(path: str, size: int) -> None:
    piece = bytes(range(256)) * 4096  # 1 MiB
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            data = piece[: min(len(piece), size - written)]
            handle.write(data)
            written += len(data)


def _traced_peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_upload_memory(quick: bool) -> Result:
    result = Result("upload-memory")
    size = (8 if quick else 64) * 1024 * 1024
    openai, httpx, sdk_note = official_sdk()
    with tempfile.TemporaryDirectory(prefix="accel-bench-") as directory:
        path = os.path.join(directory, "recording.wav")
        _write_file(path, size)

        transport = DiscardingTransport()
        client = OpenAI(api_key=API_KEY, base_url=MOCK_BASE_URL, transport=transport)
        client.speech_to_text(path, response_format="json")  # warm-up (converters, caches)
        transport.sent = 0
        accel_peak = _traced_peak(lambda: client.speech_to_text(path, response_format="json"))
        client.close()
        if transport.sent < size:
            raise RuntimeError(f"the upload sent {transport.sent} bytes for a {size} byte file")
        result.row("file size", size / 2**20, "MiB")
        result.row("openai_accel peak (tracemalloc)", accel_peak / 2**20, "MiB")
        result.row("openai_accel largest body chunk", transport.largest_chunk / 1024, "KiB")
        result.row("ratio accel peak / file size", accel_peak / size, "x")

        official_peak: Optional[int] = None
        if openai is not None and httpx is not None:
            official_peak = _official_upload_peak(openai, httpx, path)
            result.row("official openai peak (tracemalloc)", official_peak / 2**20, "MiB")
            result.row("ratio official peak / file size", official_peak / size, "x")
        else:
            result.note(f"official rows skipped: {sdk_note}")
    result.target("accel peak/file size", accel_peak / size, "<", 0.05)
    result.note("the transport reads the streamed body chunk by chunk and discards it")
    return result


def _official_upload_peak(openai: Any, httpx: Any, path: str) -> int:
    class Discarding(httpx.BaseTransport):  # type: ignore[misc]
        def handle_request(self, request: Any) -> Any:
            for _chunk in request.stream:
                pass
            return httpx.Response(
                200, headers={"content-type": "application/json"}, content=TRANSCRIPTION_BODY
            )

    client = openai.OpenAI(
        api_key=API_KEY, base_url=MOCK_BASE_URL, http_client=httpx.Client(transport=Discarding())
    )

    def upload() -> None:
        with open(path, "rb") as handle:
            client.audio.transcriptions.create(model="whisper-1", file=handle)

    upload()  # warm-up
    try:
        return _traced_peak(upload)
    finally:
        client.close()


# --------------------------------------------------------------------------
# 7. Import cost
# --------------------------------------------------------------------------

_IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def _import_run(statement: str) -> Tuple[float, List[str], Optional[int]]:
    """Wall time (ms), imported modules and the top-level import's cumulative us."""
    environment = dict(os.environ)
    environment.pop("PYTHONPROFILEIMPORTTIME", None)
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    wall = (time.perf_counter() - start) * 1000
    if completed.returncode != 0:
        raise RuntimeError(f"{statement!r} failed: {completed.stderr[-2000:]}")
    modules: List[str] = []
    top: Optional[int] = None
    wanted = statement.replace("import ", "").strip() if statement != "pass" else None
    for line in completed.stderr.splitlines():
        match = _IMPORTTIME_LINE.match(line)
        if not match:
            continue
        modules.append(match.group(4))
        if wanted is not None and match.group(4) == wanted and len(match.group(3)) <= 1:
            top = int(match.group(2))
    return wall, modules, top


def bench_import_cost(quick: bool) -> Result:
    result = Result("import-cost")
    repeats = 1 if quick else 5
    openai, _httpx, sdk_note = official_sdk()
    statements = {"baseline": "pass", "accel": "import openai_accel"}
    if openai is not None:
        statements["official"] = "import openai"
    walls: Dict[str, List[float]] = {name: [] for name in statements}
    tops: Dict[str, List[float]] = {name: [] for name in statements}
    accel_modules: List[str] = []
    for index in range(repeats + 1):  # the first pass warms the OS file cache
        for name, statement in statements.items():
            wall, modules, top = _import_run(statement)
            if index == 0:
                if name == "accel":
                    accel_modules = modules
                continue
            walls[name].append(wall)
            if top is not None:
                tops[name].append(top / 1000)
    aiohttp_imported = any(m == "aiohttp" or m.startswith("aiohttp.") for m in accel_modules)
    base = median(walls["baseline"])
    accel = median(walls["accel"])
    official = median(walls["official"]) if openai is not None else None
    result.row("baseline (python -c pass)", base, "ms wall")
    result.row("import openai_accel", accel, "ms wall")
    result.row("import openai", official, "ms wall")
    result.row(
        "import openai_accel (self-reported cumulative)", _median_or_none(tops["accel"]), "ms"
    )
    result.row(
        "import openai (self-reported cumulative)",
        _median_or_none(tops["official"]) if openai is not None else None,
        "ms",
    )
    result.row("ratio accel / baseline (wall)", ratio(accel, base), "x")
    result.row("ratio accel / official (wall)", ratio(accel, official), "x")
    result.row(
        "ratio accel / official (wall minus interpreter start)",
        ratio(accel - base, official - base if official is not None else None),
        "x",
    )
    result.row("modules imported by openai_accel", float(len(accel_modules)), "")
    result.row("aiohttp imported by openai_accel (1 = yes)", float(aiohttp_imported), "")
    result.target("accel/official wall", ratio(accel, official), "<=", 1.0)
    result.target("aiohttp imported", float(aiohttp_imported), "==", 0.0)
    result.note(f"`{sys.executable} -X importtime -c ...`, median of {repeats} runs")
    if openai is None:
        result.note(f"official rows skipped: {sdk_note}")
    return result


def _median_or_none(values: Sequence[float]) -> Optional[float]:
    return median(values) if values else None


# --------------------------------------------------------------------------
# Responses API stream: client CPU per event (responses)
# --------------------------------------------------------------------------


def bench_response_stream(quick: bool) -> Result:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import response_stream

    result = Result("response-stream")
    measured = response_stream.measure(quick)
    result.row("events per stream", measured["events"], "")
    result.row("bytes per stream", measured["bytes"], "B")
    result.row("raw aiohttp read + json.loads", measured["raw_us"], "us CPU/event")
    result.row("openai_accel stream_response", measured["accel_us"], "us CPU/event")
    value = ratio(measured["accel_us"], measured["raw_us"])
    result.row("ratio accel / raw", value, "x")
    result.target("accel/raw CPU per event", value, "<=", 5.0)
    result.note("server in a child process; client CPU from time.process_time, medians")
    return result


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
