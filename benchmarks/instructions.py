"""Per-call client cost as instruction counts (valgrind callgrind): deterministic ratios.

Usage::

    python benchmarks/instructions.py                 # every scenario, a table of ratios
    python benchmarks/instructions.py --only chat_sync stream_async
    python benchmarks/instructions.py --only budget_auto  # the rate budget's cost, issue 13

Wall-clock and even CPU-time figures move by tens of percent on a shared
machine; instruction counts do not. Each scenario runs twice under callgrind,
with ``N`` and ``4 N`` units after the same warm-up, and the difference divided
by ``3 N`` is the cost of one unit with start-up, imports and warm-up cancelled
out. Every figure is reported next to its baseline measured the same way: the
bare minimum any client must do (``json.dumps`` of the request, ``json.loads``
of the reply; for streams a minimal SSE line parser and ``json.loads`` per
event, like the reference harness's raw clients). There is no network: the
transports are in-memory, so this is the library's own overhead, the part the
reference harness's "client CPU per unit" adds to the raw transport.

``budget_auto`` is a whole blocking call over a socket to a keep-alive
server in another process (not traced), ``rate_limits="auto"``
against ``budget_off``'s ``rate_limits=False``. The ratio is the budget's cost
on a real call, without the scheduling noise that moves CPU-time figures.
``aiohttp_budget_auto_c16`` is the same comparison for ``AsyncOpenAI``, 16
calls at a time. ``stream_async_whole`` reads a whole stream in one read, as
aiohttp does from the harness's nginx (its baseline parses the same bytes).

Needs ``valgrind`` on PATH (Debian: ``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Callable, Dict, List, Tuple

import keepalive_server  # benchmarks/ is not a package: found through sys.path

MODEL = "gpt-4o-mini"
MESSAGES = [
    {"role": "system", "content": "You are a terse assistant."},
    {"role": "user", "content": "Say hello."},
]
CHAT_REPLY = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello! How can I help?"},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 19, "completion_tokens": 9, "total_tokens": 28},
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
    }
).encode()
HEADERS = {"content-type": "application/json", "x-request-id": "req_bench"}
#: The reference harness's stream: role, content deltas, finish, usage, [DONE].
STREAM_CONTENT_CHUNKS = 197


def _chunk(delta: Dict[str, Any], finish: Any = None, usage: Any = None) -> bytes:
    choices = (
        []
        if delta is None
        else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    )
    body = {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion.chunk",
        "created": 1741570283,
        "model": "gpt-4o-mini-2024-07-18",
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
        "choices": choices,
        "usage": usage,
        "obfuscation": "PyN2OQMW4w",
    }
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def stream_events() -> List[bytes]:
    events = [_chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [_chunk({"content": f" word{i}"}) for i in range(STREAM_CONTENT_CHUNKS)]
    events.append(_chunk({}, finish="stop"))
    events.append(
        _chunk(None, usage={"prompt_tokens": 9, "completion_tokens": 197, "total_tokens": 206})
    )
    events.append(b"data: [DONE]\n\n")
    return events


EVENTS = stream_events()
CHUNKS_PER_STREAM = len(EVENTS) - 1


# --- the code that runs under callgrind ------------------------------------


def _raw_sse_chunks(pieces: List[bytes]) -> int:
    """The harness's raw floor: split lines, join data fields, json.loads per event."""
    buffer = b""
    data: List[bytes] = []
    count = 0
    for piece in pieces:
        buffer += piece
        *lines, buffer = re.split(rb"\r\n|\r|\n", buffer)
        for line in lines:
            if not line:
                if data:
                    payload = b"\n".join(data)
                    data = []
                    if payload == b"[DONE]":
                        return count
                    json.loads(payload)
                    count += 1
            elif line.startswith(b"data:"):
                data.append(line[5:].lstrip(b" "))
    return count


def _sync_client() -> Any:
    from openai_accel import OpenAI
    from openai_accel._core.http import HttpResponse
    from openai_accel.transports.mock import MockTransport

    def handler(request: Any) -> Any:
        if request.stream:
            return HttpResponse(200, {"content-type": "text/event-stream"}, stream=_Pieces())
        return HttpResponse(200, HEADERS, CHAT_REPLY)

    return OpenAI(
        api_key="sk-bench", base_url="http://bench.invalid/v1", transport=MockTransport(handler)
    )


def _async_client(yield_first: bool = False, whole_reads: bool = False) -> Any:
    from openai_accel import AsyncOpenAI
    from openai_accel._core.http import HttpResponse
    from openai_accel.transports.mock import AsyncMockTransport

    async def handler(request: Any) -> Any:
        if yield_first:  # a reply that is not there at once: concurrent calls interleave
            await asyncio.sleep(0)
        if request.stream:
            pieces = _AsyncWholeReply() if whole_reads else _AsyncPieces()
            return HttpResponse(200, {"content-type": "text/event-stream"}, stream=pieces)
        return HttpResponse(200, HEADERS, CHAT_REPLY)

    return AsyncOpenAI(
        api_key="sk-bench",
        base_url="http://bench.invalid/v1",
        transport=AsyncMockTransport(handler),
    )


class _Pieces:
    """One read per SSE event, like the harness's server (one HTTP chunk per event)."""

    def __init__(self) -> None:
        self._events = iter(EVENTS)

    def read_chunk(self) -> bytes:
        return next(self._events, b"")

    def close(self) -> None:
        pass


class _AsyncPieces(_Pieces):
    async def read_chunk(self) -> bytes:  # type: ignore[override]
        return next(self._events, b"")


class _AsyncWholeReply(_Pieces):
    """The whole stream in one read, as aiohttp's ``readany`` gets the harness's nginx reply."""

    def __init__(self) -> None:
        self._events = iter([b"".join(EVENTS)])

    async def read_chunk(self) -> bytes:  # type: ignore[override]
        return next(self._events, b"")


def _run_sync(unit: Callable[[], None], n: int) -> None:
    for _ in range(n):
        unit()


def _run_async(unit: Callable[[], Any], n: int) -> None:
    async def main() -> None:
        for _ in range(n):
            await unit()

    asyncio.run(main())


def _run_gathered(unit: Callable[[], Any], n: int, concurrency: int) -> None:
    """``n`` units, ``concurrency`` at a time with ``asyncio.gather`` (n a multiple of it)."""

    async def main() -> None:
        for _ in range(n // concurrency):
            await asyncio.gather(*(unit() for _ in range(concurrency)))

    asyncio.run(main())


def _aiohttp_scenario(name: str) -> Callable[[int], None]:
    """aiohttp_raw_cN (the harness's raw floor) or aiohttp_cN (AsyncOpenAI), N at a time."""
    import aiohttp

    concurrency = int(name.rsplit("_c", 1)[1])
    base_url = keepalive_server.start(CHAT_REPLY)
    state: Dict[str, Any] = {}
    if name.startswith("aiohttp_raw"):
        body = {"model": MODEL, "messages": MESSAGES, "temperature": 0.0}
        auth = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}

        async def unit() -> Any:
            if "session" not in state:  # made in the running loop, kept across runs
                state["session"] = aiohttp.ClientSession(headers=auth)
            async with state["session"].post(
                base_url + "/chat/completions", data=json.dumps(body)
            ) as r:
                return json.loads(await r.read())["choices"][0]["message"]["content"]

    else:
        from openai_accel import AsyncOpenAI

        budget: Any = False if name.startswith("aiohttp_budget_off") else "auto"  # the default
        client = AsyncOpenAI(
            api_key="sk-bench", base_url=base_url, max_concurrent_requests=256, rate_limits=budget
        )

        async def unit() -> Any:
            return (await client.chat(MESSAGES, model=MODEL, temperature=0.0)).content

    def run(n: int) -> None:
        async def main() -> None:
            for _ in range(n // concurrency):
                await asyncio.gather(*(unit() for _ in range(concurrency)))

        loop = state.setdefault("loop", asyncio.new_event_loop())
        loop.run_until_complete(main())

    return run


def scenario(name: str) -> Tuple[Callable[[int], None], int]:
    """(run n units, units per call) for a scenario name."""
    if name == "chat_raw":

        def raw_chat() -> None:
            json.dumps({"model": MODEL, "messages": MESSAGES})
            json.loads(CHAT_REPLY)

        return (lambda n: _run_sync(raw_chat, n)), 1
    if name == "stream_raw":

        def raw_stream() -> None:
            json.dumps({"model": MODEL, "messages": MESSAGES, "stream": True})
            _raw_sse_chunks(EVENTS)

        return (lambda n: _run_sync(raw_stream, n)), CHUNKS_PER_STREAM
    if name == "stream_raw_whole":  # the same events, all in one read
        whole = [b"".join(EVENTS)]

        def raw_stream_whole() -> None:
            json.dumps({"model": MODEL, "messages": MESSAGES, "stream": True})
            _raw_sse_chunks(whole)

        return (lambda n: _run_sync(raw_stream_whole, n)), CHUNKS_PER_STREAM
    if name == "chat_sync":
        client = _sync_client()
        return (lambda n: _run_sync(lambda: client.chat(MESSAGES, model=MODEL), n)), 1
    if name == "chat_async":
        client = _async_client()
        return (lambda n: _run_async(lambda: client.chat(MESSAGES, model=MODEL), n)), 1
    if name.startswith("aiohttp_"):
        return _aiohttp_scenario(name), 1
    if name.startswith("chat_async_c"):  # chat_async_c1, chat_async_c16: handler yields once
        concurrency = int(name[len("chat_async_c") :])
        client = _async_client(yield_first=True)
        return (
            lambda n: _run_gathered(lambda: client.chat(MESSAGES, model=MODEL), n, concurrency)
        ), 1
    if name == "stream_sync":
        client = _sync_client()

        def read_sync() -> None:
            with client.stream_chat(MESSAGES, model=MODEL) as stream:
                for _ in stream:
                    pass

        return (lambda n: _run_sync(read_sync, n)), CHUNKS_PER_STREAM
    if name in ("stream_async", "stream_async_whole"):
        client = _async_client(whole_reads=name == "stream_async_whole")

        async def read_async() -> None:
            async with client.stream_chat(MESSAGES, model=MODEL) as stream:
                async for _ in stream:
                    pass

        return (lambda n: _run_async(read_async, n)), CHUNKS_PER_STREAM
    if name in ("budget_off", "budget_auto"):
        # A whole call over a socket (the server in its own process is not traced),
        # with the harness's headers announcing limits no call reaches: what the
        # rate budget's bookkeeping adds to a real call (issue 13's "5 % more CPU").
        from openai_accel import OpenAI

        client = OpenAI(
            api_key="sk-bench",
            base_url=keepalive_server.start(CHAT_REPLY),
            rate_limits="auto" if name == "budget_auto" else False,
        )
        return (lambda n: _run_sync(lambda: client.chat(MESSAGES, model=MODEL), n)), 1
    raise SystemExit(f"unknown scenario {name!r}")


SCENARIOS = {  # scenario -> its baseline
    "chat_sync": "chat_raw",
    "chat_async": "chat_raw",
    "stream_sync": "stream_raw",
    "stream_async": "stream_raw",
    "stream_async_whole": "stream_raw_whole",
    "budget_auto": "budget_off",
    "chat_async_c1": "chat_raw",
    "chat_async_c16": "chat_raw",
    "aiohttp_c1": "aiohttp_raw_c1",
    "aiohttp_c16": "aiohttp_raw_c16",
    "aiohttp_budget_auto_c16": "aiohttp_budget_off_c16",
}
UNITS = {
    "chat_raw": 200,
    "stream_raw": 4,
    "stream_raw_whole": 4,
    "chat_sync": 100,
    "chat_async": 100,
    "stream_sync": 4,
    "stream_async": 4,
    "stream_async_whole": 4,
    "budget_off": 100,
    "budget_auto": 100,
    "chat_async_c1": 96,
    "chat_async_c16": 96,
    "aiohttp_raw_c1": 96,
    "aiohttp_raw_c16": 96,
    "aiohttp_c1": 96,
    "aiohttp_c16": 96,
    "aiohttp_budget_off_c16": 96,
    "aiohttp_budget_auto_c16": 96,
}


def _child(name: str, n: int) -> None:
    run, _ = scenario(name)
    # warm-up: converters, caches, first-use imports (and a few gathers, connections)
    run(48 if name.startswith(("chat_async_c", "aiohttp")) else 3)
    run(n)


def _instructions(name: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            name,
            str(n),
        ]
        subprocess.run(cmd, check=True, capture_output=True)
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def per_unit(name: str) -> float:
    n = UNITS[name]
    units = CHUNKS_PER_STREAM if name.startswith("stream") else 1
    low, high = _instructions(name, n), _instructions(name, 4 * n)
    return (high - low) / (3 * n * units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH")
    baselines: Dict[str, float] = {}
    print(f"{'scenario':<14} {'instr/unit':>12} {'baseline':>12} {'ratio':>7}")
    for name in args.only:
        base = SCENARIOS[name]
        if base not in baselines:
            baselines[base] = per_unit(base)
        cost = per_unit(name)
        ratio = cost / baselines[base]
        print(f"{name:<14} {cost:>12,.0f} {baselines[base]:>12,.0f} {ratio:>7.3f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
