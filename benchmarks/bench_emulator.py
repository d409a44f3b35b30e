"""Benchmarks against the emulator, which is served from a child process.

``e2e-sequential``, ``e2e-concurrent``, ``stream-reuse`` and
``embeddings-base64``; :class:`RemoteEmulator` is also handed to
``batch_jobs.bench``. The child is started with the ``spawn`` method, so
:func:`_emulator_process` must stay a module-level function of an importable
module (``benchmarks/`` is on ``sys.path``, which the child inherits).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import requests
from bench_common import (
    API_KEY,
    MESSAGES,
    MODEL,
    REQUEST_BODY,
    Result,
    interleave,
    median,
    official_sdk,
    per_call_us,
    ratio,
)

from openai_accel import OpenAI
from openai_accel._core.http import HttpRequest, HttpResponse
from openai_accel.transports.requests import RequestsTransport

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
