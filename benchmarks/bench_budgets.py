"""Rate budget benchmarks (issue 13), run by ``benchmarks/run.py``; ratios, not timings.

* ``budget-overhead``: client CPU per call with ``rate_limits="auto"`` versus
  ``False``, over a socket to a local server in another process and over a
  mock transport (replies carry real-looking ``x-ratelimit-*`` headers with
  limits too high to ever make a call wait: what is measured is the
  bookkeeping), and with ``shared_state`` on a local redis-server (its round
  trips per call, and the CPU it costs). The clients compared run call by call
  in turn, beside a control of two identical clients (the noise floor); the
  asyncio client likewise, a gather of 16 calls at a time.
* ``fleet``: N worker processes hammer the emulator, which enforces a
  requests-per-minute limit per key, for a few seconds: requests/s achieved
  versus configured and the 429 count, with the shared (Redis) budget and
  with each process on its own.

``python benchmarks/bench_budgets.py --worker '<json>'`` is one fleet worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import live_headers
import paired_cpu

from openai_accel import AsyncOpenAI, OpenAI, RateLimits
from openai_accel._core.http import Headers, HttpRequest, HttpResponse
from openai_accel.transports.mock import MockTransport

TITLES: Dict[str, str] = {
    "budget-overhead": "rate budget on the hot path: client CPU, auto/Redis vs off (mock)",
    "fleet": "4 processes vs one emulator limit: req/s and 429s, shared budget vs alone",
}

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "Say hello."}]
_BODY = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello!"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
    }
).encode()
_HEADERS = {"content-type": "application/json", "x-request-id": "req_bench"}
#: Limits no call comes near (what is measured is bookkeeping, never a wait).
_LIMITS = (100_000_000, 100_000_000_000)
#: Every reply's headers, cycled: the remaining counts and resets move as the API's do.
_REPLY_HEADERS = [
    {**_HEADERS, **dict(live_headers.rate_limit_headers(index, *_LIMITS))}
    for index in range(live_headers.CYCLE)
]
_replies = [0]


def _reply(request: HttpRequest) -> HttpResponse:
    _replies[0] += 1
    headers = _REPLY_HEADERS[_replies[0] % live_headers.CYCLE]
    return HttpResponse(200, Headers(headers), content=_BODY)


def _redis_server() -> Optional[subprocess.Popen[bytes]]:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    try:
        import redis  # noqa: F401
    except ImportError:
        return None
    arguments = ["--port", str(_free_port()), "--bind", "127.0.0.1"]
    arguments += ["--save", "", "--appendonly", "no"]  # persistence off
    return subprocess.Popen(
        [binary, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_of(process: subprocess.Popen[bytes]) -> int:
    args = process.args
    assert isinstance(args, list)
    return int(args[args.index("--port") + 1])


def _wait_for_port(port: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


_SERVER = """
import http.server, itertools, json, sys
BODY = sys.argv[1].encode()
REPLIES = itertools.cycle(json.loads(sys.argv[2]))
class Reply(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body must not wait for an ACK
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        for name, value in next(REPLIES).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Reply)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _reply_server() -> Tuple[subprocess.Popen[str], str]:
    """A keep-alive HTTP server in its own process (its CPU is not the client's)."""
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER, _BODY.decode(), json.dumps(_REPLY_HEADERS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/v1"


def _chat(client: OpenAI) -> Any:
    return client.chat(MESSAGES, model=MODEL)


def _forget_requests(client: OpenAI) -> None:
    requests = getattr(client._driver.transport, "requests", None)
    if requests is not None:
        requests.clear()  # the mock keeps every request: do not let it grow


async def _async_in_turn(
    base_url: str, budgets: Tuple[Any, Any], gathers: int, blocks: int
) -> paired_cpu.Paired:
    """Two ``AsyncOpenAI`` clients (``rate_limits`` from ``budgets``), 16 calls per turn."""
    first, second = (
        AsyncOpenAI(api_key="sk-bench", base_url=base_url, rate_limits=budget) for budget in budgets
    )

    async def chat(client: AsyncOpenAI) -> Any:
        return await client.chat(MESSAGES, model=MODEL)

    try:
        return await paired_cpu.run_in_turn_async(first, second, chat, gathers, blocks)
    finally:
        await first.aclose()
        await second.aclose()


def budget_overhead(quick: bool, result: Any) -> Any:
    pairs, blocks = (25, 4) if quick else (200, 21)
    reply_server, base_url = _reply_server()
    clients: Dict[str, OpenAI] = {
        "off": OpenAI(api_key="sk-bench", rate_limits=False, transport=MockTransport(_reply)),
        "auto": OpenAI(api_key="sk-bench", transport=MockTransport(_reply)),
        "socket_off": OpenAI(api_key="sk-bench", base_url=base_url, rate_limits=False),
        "socket_off_2": OpenAI(api_key="sk-bench", base_url=base_url, rate_limits=False),
        "socket_auto": OpenAI(api_key="sk-bench", base_url=base_url),
    }
    server = _redis_server()
    redis_note = "redis rows skipped: no redis-server or redis package"
    if server is not None and _wait_for_port(_port_of(server)):
        url = f"redis://127.0.0.1:{_port_of(server)}/0"
        clients["redis"] = OpenAI(
            api_key="sk-bench", shared_state=url, transport=MockTransport(_reply)
        )
        redis_note = f"redis: a local redis-server ({url}), persistence off"
    affinity = paired_cpu.pin(reply_server.pid)
    try:
        for client in clients.values():  # warm up converters, scripts, connections
            for _ in range(20):
                client.chat(MESSAGES, model=MODEL)

        def report(label: str, names: Tuple[str, str], paired: paired_cpu.Paired) -> float:
            low, middle, high = paired_cpu.quartiles(paired[2])
            result.row(f"{label}: {names[0]}", paired[0], "us CPU/call")
            result.row(f"{label}: {names[1]}", paired[1], "us CPU/call")
            result.row(f"{label}: ratio, median of {blocks} blocks", middle, "x")
            result.row(f"{label}: ratio, quartiles {low:.3f} .. {high:.3f}", high - low, "IQR")
            return middle

        def compare(base: str, other: str, label: str) -> float:
            paired = paired_cpu.run_in_turn(
                clients[base], clients[other], _chat, pairs, blocks, _forget_requests
            )
            return report(label, (base, other), paired)

        control = compare("socket_off", "socket_off_2", "control, off vs off (socket)")
        value = compare("socket_off", "socket_auto", "auto vs off (socket)")
        result.target("auto/off CPU", value, "<=", 1.05)
        gathers = max(2, pairs // 8)
        async_ratios: Dict[Any, float] = {}
        for label, budgets in (
            ("async control, off vs off (socket, 16 at a time)", (False, False)),
            ("async auto vs off (socket, 16 at a time)", (False, "auto")),
        ):
            paired = asyncio.run(_async_in_turn(base_url, budgets, gathers, blocks))
            names = (f"first, rate_limits={budgets[0]!r}", f"second, rate_limits={budgets[1]!r}")
            async_ratios[budgets[1]] = report(label, names, paired)
        result.target("async auto/off CPU", async_ratios["auto"], "<=", 1.05)
        compare("off", "auto", "auto vs off (mock, no I/O)")
        if "redis" in clients:
            compare("off", "redis", "redis vs off (mock)")
            store = clients["redis"]._ctx.budget.store  # type: ignore[union-attr]
            made = 20 + pairs * blocks
            result.row("redis round trips per call", store.round_trips / made, "")
            result.target("redis round trips/call", store.round_trips / made, "<=", 1.0)
        result.note(
            f"{pairs} pairs of calls x {blocks} blocks, the two clients call by call in turn; "
            "client thread CPU (time.thread_time)"
        )
        result.note(
            f"the control (two identical clients) shows the noise floor: {control:.3f}; "
            f"{redis_note}"
        )
        result.note(
            "headers announce limits no call reaches, their remaining counts and resets "
            "moving from reply to reply as the API's do: the cost measured is bookkeeping"
        )
        result.note(
            "the target is a whole call's client CPU (a local HTTP server in another "
            "process); the mock rows show the bookkeeping against no I/O at all"
        )
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
        for client in clients.values():
            client.close()
        reply_server.kill()
        reply_server.wait()
        if server is not None:
            server.kill()
            server.wait()
    return result


# ----------------------------------------------------------------- the fleet


def _worker(spec: Dict[str, Any]) -> Dict[str, Any]:
    import threading

    client = OpenAI(
        api_key=spec["api_key"],
        base_url=spec["base_url"],
        shared_state=spec.get("redis"),
        rate_limits=RateLimits(requests_per_minute=spec["rpm"]) if spec.get("redis") else "auto",
        max_retries=3,
        initial_retry_delay=0.05,
        max_retry_delay=2.0,
    )
    stop = time.monotonic() + spec["seconds"]
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def loop() -> None:
        while time.monotonic() < stop:
            try:
                client.chat("hi", model=MODEL, max_tokens=5)
                key = "ok"
            except Exception:
                key = "failed"
            with lock:
                counts[key] += 1

    threads = [threading.Thread(target=loop) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    return counts


class _ThreadWorker:
    """--quick: a worker as a thread of this process (no interpreter start-up to wait for)."""

    def __init__(self, spec: Dict[str, Any]) -> None:
        import threading

        self._thread = threading.Thread(target=_worker, args=(spec,))
        self._thread.start()

    def communicate(self, timeout: float) -> Any:
        self._thread.join(timeout)
        return None, None


def _run_fleet(
    emulator: Any,
    key: str,
    workers: int,
    seconds: float,
    rpm: int,
    redis_url: Optional[str],
    in_process: bool = False,
) -> List[Any]:
    spec = {
        "api_key": key,
        "base_url": emulator.base_url,
        "seconds": seconds,
        "rpm": rpm,
        "redis": redis_url,
    }
    if in_process:
        return [_ThreadWorker(spec) for _ in range(workers)]
    return [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps(spec)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]


def _received(emulator: Any, key: str) -> List[float]:
    return sorted(
        r.received_at
        for r in emulator.requests
        if r.headers.get("authorization") == f"Bearer {key}" and r.path.endswith("/completions")
    )


def fleet(quick: bool, result: Any) -> Any:
    from openai_accel.testing import Emulator

    workers, seconds, rpm = (2, 0.5, 600) if quick else (4, 8.0, 1200)
    server = _redis_server()
    if server is None or not _wait_for_port(_port_of(server)):
        result.note("skipped: needs redis-server and the redis package")
        return result
    url = f"redis://127.0.0.1:{_port_of(server)}/0"
    try:
        with Emulator() as emulator:
            emulator.set_rate_limits(requests_per_minute=rpm)
            # Both variants at once, on two keys: the emulator's buckets are per key.
            shared = _run_fleet(emulator, "sk-shared", workers, seconds, rpm, url, quick)
            alone = _run_fleet(emulator, "sk-alone", workers, seconds, rpm, None, quick)
            for process in shared + alone:
                process.communicate(timeout=120)
            for label, key in (("shared budget", "sk-shared"), ("each alone", "sk-alone")):
                stamps = _received(emulator, key)
                span = max(stamps[-1] - stamps[0], 1e-9) if len(stamps) > 1 else 1.0
                rejected = emulator.rate_limit_rejections_for(key)
                admitted = len(stamps) - rejected
                result.row(f"{label}: requests/s admitted", admitted / span, "req/s")
                result.row(f"{label}: 429s", rejected, "")
            result.row("configured", rpm / 60, "req/s")
            result.note(
                f"{workers} {'threads (--quick)' if quick else 'processes'} x 4 threads for "
                f"{seconds:g}s; the emulator enforces "
                f"{rpm}/min per key (a second's burst); 'each alone' = rate_limits='auto', "
                "no shared state"
            )
    finally:
        server.kill()
        server.wait()
    return result


RUNNERS: Dict[str, Callable[[bool, Any], Any]] = {
    "budget-overhead": budget_overhead,
    "fleet": fleet,
}

if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--worker":
    print(json.dumps(_worker(json.loads(sys.argv[2]))), flush=True)
