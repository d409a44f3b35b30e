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
_HEADERS = {
    "content-type": "application/json",
    "x-request-id": "req_bench",
    "x-ratelimit-limit-requests": "100000000",
    "x-ratelimit-limit-tokens": "100000000000",
    "x-ratelimit-remaining-requests": "99999999",
    "x-ratelimit-remaining-tokens": "99999999000",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "0s",
}


def _reply(request: HttpRequest) -> HttpResponse:
    return HttpResponse(200, Headers(_HEADERS), content=_BODY)


def _paired_cpu(
    first: OpenAI, second: OpenAI, pairs: int, blocks: int
) -> Tuple[float, float, List[float]]:
    """Client CPU per call of two clients run call by call in turn; ``second / first`` per block.

    Why in turn: on a shared (virtual) machine the CPU a call costs drifts by
    several percent from one second to the next, which swamps a difference of
    a few percent between two runs made one after the other. Alternating call
    by call (and which of the two goes first in each pair) puts both under the
    same drift; the thread's own CPU clock leaves the server's out.
    """
    clock = time.thread_time_ns
    ratios: List[float] = []
    total_first = total_second = 0
    for _ in range(blocks):
        spent_first = spent_second = 0
        for i in range(pairs):
            for client in (first, second) if i % 2 == 0 else (second, first):
                started = clock()
                client.chat(MESSAGES, model=MODEL)
                if client is first:
                    spent_first += clock() - started
                else:
                    spent_second += clock() - started
        for client in (first, second):
            requests = getattr(client._driver.transport, "requests", None)
            if requests is not None:
                requests.clear()  # the mock keeps every request: do not let it grow
        ratios.append(spent_second / spent_first)
        total_first += spent_first
        total_second += spent_second
    calls = pairs * blocks
    return total_first / calls / 1e3, total_second / calls / 1e3, ratios


def _paired_cpu_async(
    base_url: str, budgets: Tuple[Any, Any], gathers: int, blocks: int, concurrency: int = 16
) -> Tuple[float, float, List[float]]:
    """:func:`_paired_cpu` for two ``AsyncOpenAI`` clients, ``concurrency`` calls at a time.

    The unit taken in turn is one ``gather`` of ``concurrency`` calls (a
    single call at a time would not measure concurrency); the loop runs in
    this thread, so its CPU clock counts the whole client.
    """

    async def run() -> Tuple[float, float, List[float]]:
        first, second = (
            AsyncOpenAI(api_key="sk-bench", base_url=base_url, rate_limits=budget)
            for budget in budgets
        )
        clock = time.thread_time_ns

        async def batch(client: AsyncOpenAI) -> int:
            started = clock()
            await asyncio.gather(*(client.chat(MESSAGES, model=MODEL) for _ in range(concurrency)))
            return clock() - started

        try:
            for _ in range(3):  # warm up: connections, converters, the limits learnt
                await batch(first)
                await batch(second)
            ratios: List[float] = []
            total_first = total_second = 0
            for _ in range(blocks):
                spent_first = spent_second = 0
                for i in range(gathers):
                    if i % 2 == 0:
                        spent_first += await batch(first)
                        spent_second += await batch(second)
                    else:
                        spent_second += await batch(second)
                        spent_first += await batch(first)
                ratios.append(spent_second / spent_first)
                total_first += spent_first
                total_second += spent_second
        finally:
            await first.aclose()
            await second.aclose()
        calls = gathers * blocks * concurrency
        return total_first / calls / 1e3, total_second / calls / 1e3, ratios

    return asyncio.run(run())


def _quartiles(values: List[float]) -> Tuple[float, float, float]:
    ordered = sorted(values)
    last = len(ordered) - 1
    return ordered[last // 4], ordered[last // 2], ordered[(3 * last) // 4]


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
import http.server, json, sys
BODY = sys.argv[1].encode()
HEADERS = json.loads(sys.argv[2])
class Reply(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body must not wait for an ACK
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        for name, value in HEADERS.items():
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
        [sys.executable, "-c", _SERVER, _BODY.decode(), json.dumps(_HEADERS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/v1"


def _pin(server_pid: int) -> Optional[Any]:
    """Client on CPU 0, server on CPU 1 (as the reference harness does); the old mask back."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return None
    before = os.sched_getaffinity(0)
    cpus = sorted(before)
    os.sched_setaffinity(server_pid, {cpus[1]})
    os.sched_setaffinity(0, {cpus[0]})
    return before


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
    affinity = _pin(reply_server.pid)
    try:
        for client in clients.values():  # warm up converters, scripts, connections
            for _ in range(20):
                client.chat(MESSAGES, model=MODEL)

        def compare(base: str, other: str, label: str) -> float:
            base_us, other_us, ratios = _paired_cpu(clients[base], clients[other], pairs, blocks)
            low, middle, high = _quartiles(ratios)
            result.row(f"{label}: {base}", base_us, "us CPU/call")
            result.row(f"{label}: {other}", other_us, "us CPU/call")
            result.row(f"{label}: ratio, median of {blocks} blocks", middle, "x")
            result.row(f"{label}: ratio, quartiles {low:.3f} .. {high:.3f}", high - low, "IQR")
            return middle

        control = compare("socket_off", "socket_off_2", "control, off vs off (socket)")
        value = compare("socket_off", "socket_auto", "auto vs off (socket)")
        result.target("auto/off CPU", value, "<=", 1.05)
        gathers = max(2, pairs // 8)
        for label, budgets in (
            ("async control, off vs off (socket, 16 at a time)", (False, False)),
            ("async auto vs off (socket, 16 at a time)", (False, "auto")),
        ):
            base_us, other_us, ratios = _paired_cpu_async(base_url, budgets, gathers, blocks)
            low, middle, high = _quartiles(ratios)
            result.row(f"{label}: first", base_us, "us CPU/call")
            result.row(f"{label}: second", other_us, "us CPU/call")
            result.row(f"{label}: ratio, median of {blocks} blocks", middle, "x")
            result.row(f"{label}: ratio, quartiles {low:.3f} .. {high:.3f}", high - low, "IQR")
        result.target("async auto/off CPU", middle, "<=", 1.05)
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
        result.note("headers announce limits no call reaches: the cost measured is bookkeeping")
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
