"""Per-event client CPU of ``stream_response`` against a raw aiohttp SSE read.

The same Responses event stream (made once by the emulator: a long answer,
one ``response.output_text.delta`` per word, in the recorded framing) is
served from a child process, so only the client's CPU is in the measurement
(``time.process_time`` of this process). The baseline is the least any
client must do with those bytes: read them with aiohttp, split the events and
``json.loads`` each payload. ``openai_accel`` additionally runs the pipeline
(queue, breaker, metrics), structures each event into a typed
``ResponseEvent``, accumulates the final ``Response`` and checks the end of
the stream. The reported number is the ratio of the two per-event CPU times.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import random
import time
from typing import Any, Dict, List

import aiohttp

API_KEY = "sk-bench"


def make_stream(words: int) -> bytes:
    """The emulator's event stream for an answer of about ``words`` words.

    Built with the emulator's own planner and framing (no server needed), so
    it is exactly what ``/v1/responses`` streams.
    """
    from openai_accel.testing import _responses, _responses_stream
    from openai_accel.testing._wire import dumps_compact

    text = " ".join(f"word{index % 97}" for index in range(words))
    body = {"model": "gpt-4o-mini", "input": text, "stream": True}
    _responses.validate(body)
    plan = _responses.plan(body, random.Random(1), int(time.time()), None)
    events = _responses_stream.stream_events(plan, random.Random(2))
    return b"".join(_responses_stream.frame(dumps_compact(payload)) for _, payload in events)


def _serve(body: bytes, conn: Any) -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream; charset=utf-8", "x-request-id": "req_b"}
        )
        await response.prepare(request)
        for start in range(0, len(body), 16384):
            await response.write(body[start : start + 16384])
        await response.write_eof()
        return response

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/responses", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        conn.send(f"http://127.0.0.1:{port}/v1")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)  # any message: stop
        await runner.cleanup()

    asyncio.run(main())


async def _raw_read(session: aiohttp.ClientSession, url: str) -> int:
    events = 0
    async with session.post(url + "/responses", json={"model": "m", "input": "x"}) as reply:
        buffer = b""
        async for chunk in reply.content.iter_any():
            buffer += chunk
            *blocks, buffer = buffer.split(b"\n\n")
            for block in blocks:
                data = block.split(b"\ndata: ", 1)[1]
                json.loads(data)
                events += 1
    return events


async def _accel_read(client: Any) -> int:
    events = 0
    async with client.stream_response("x", model="gpt-4o-mini") as stream:
        async for _event in stream:
            events += 1
    stream.final()
    return events


def measure(quick: bool) -> Dict[str, float]:
    """CPU microseconds per event for both readers (medians over interleaved rounds)."""
    from openai_accel import AsyncOpenAI

    words, rounds = (200, 3) if quick else (4000, 9)
    body = make_stream(words)
    context = multiprocessing.get_context("spawn")
    conn, child = context.Pipe()
    server = context.Process(target=_serve, args=(body, child), daemon=True)
    server.start()
    child.close()
    try:
        url = conn.recv()
        samples: Dict[str, List[float]] = {"raw": [], "accel": []}

        async def run() -> int:
            async with aiohttp.ClientSession() as session:
                client = AsyncOpenAI(api_key=API_KEY, base_url=url, max_retries=0)
                try:
                    count = await _raw_read(session, url)
                    await _accel_read(client)  # warm-up: converters, connection
                    for index in range(rounds):
                        order = ["raw", "accel"] if index % 2 == 0 else ["accel", "raw"]
                        for name in order:
                            start = time.process_time()
                            if name == "raw":
                                seen = await _raw_read(session, url)
                            else:
                                seen = await _accel_read(client)
                            elapsed = time.process_time() - start
                            assert seen == count, (name, seen, count)
                            samples[name].append(elapsed / seen * 1e6)
                finally:
                    await client.aclose()
                return count

        events = asyncio.run(run())
    finally:
        with contextlib.suppress(OSError):
            conn.send("stop")
        server.join(10)
        if server.is_alive():
            server.kill()
    raw = sorted(samples["raw"])[len(samples["raw"]) // 2]
    accel = sorted(samples["accel"])[len(samples["accel"]) // 2]
    return {"events": float(events), "bytes": float(len(body)), "raw_us": raw, "accel_us": accel}
