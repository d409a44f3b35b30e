"""StatsDSink against the reference StatsD daemon (etsy's ``statsd`` from npm).

The unit tests check the exact bytes; this one checks that a real collector
accepts every line (no ``bad_lines_seen``) and aggregates them as intended:
counters summed over requests, every timing kept, gauges set. It reads the
daemon's state through its TCP management interface (``counters``, ``timers``,
``gauges``), with a flush interval far longer than the test so nothing is
reset under our feet. Install the daemon with ``.ci/install-statsd-daemon.sh``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import attrs
import pytest

from openai_accel._core.metrics import GAUGE_BREAKER_STATE, GAUGE_QUEUE_RUNNING, RequestMetrics
from openai_accel.statsd_sink import StatsDSink, make_statsd_sink

DAEMON_DIR = Path(
    os.environ.get("OPENAI_ACCEL_STATSD_DIR", Path.home() / ".cache" / "openai-accel" / "statsd")
)
STATS_JS = DAEMON_DIR / "node_modules" / "statsd" / "stats.js"
START_TIMEOUT = 10.0  # node start-up on a loaded CI machine; usually well under a second
READ_TIMEOUT = 5.0

_NUMBER_ENTRY = re.compile(r"'([^']+)':\s*(-?[0-9.eE+-]+)")
_LIST_ENTRY = re.compile(r"'([^']+)':\s*\[([^\]]*)\]")


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@attrs.define
class Daemon:
    udp_port: int
    mgmt_port: int
    log: Path

    def command(self, cmd: str, timeout: float = READ_TIMEOUT) -> str:
        """Run one management command and return its text up to the END marker."""
        with socket.create_connection(("127.0.0.1", self.mgmt_port), timeout=timeout) as conn:
            conn.sendall(cmd.encode("ascii") + b"\n")
            data = b""
            while b"END\n" not in data and b"health:" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data.decode("ascii")

    def counters(self) -> Dict[str, float]:
        return {k: float(v) for k, v in _NUMBER_ENTRY.findall(self.command("counters"))}

    def gauges(self) -> Dict[str, float]:
        return {k: float(v) for k, v in _NUMBER_ENTRY.findall(self.command("gauges"))}

    def timers(self) -> Dict[str, List[float]]:
        return {
            k: sorted(float(x) for x in v.split(",") if x.strip())
            for k, v in _LIST_ENTRY.findall(self.command("timers"))
        }


def _wait_for(predicate: Any, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            output = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"StatsD daemon: {what} within {timeout}s; its output:\n{output}")
        time.sleep(0.05)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (needed to run the StatsD daemon)")
    if not STATS_JS.is_file():
        pytest.skip(f"StatsD daemon not found at {STATS_JS}; run .ci/install-statsd-daemon.sh")
    udp_port, mgmt_port = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_STREAM)
    d = Daemon(udp_port, mgmt_port, tmp_path / "statsd.log")
    config = {
        "address": "127.0.0.1",
        "port": d.udp_port,
        "mgmt_address": "127.0.0.1",
        "mgmt_port": d.mgmt_port,
        "backends": ["./backends/console"],
        "flushInterval": 600_000,  # no flush (and so no reset) during the test
        "dumpMessages": False,
    }
    config_path = tmp_path / "statsd-config.js"
    config_path.write_text(json.dumps(config))
    with d.log.open("wb") as log:
        proc = subprocess.Popen(
            [node, str(STATS_JS), str(config_path)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(
            lambda: "health: up" in d.command("health", timeout=0.5),
            START_TIMEOUT,
            "management port did not answer",
            d.log,
        )
        # The UDP socket binds asynchronously: probe until a line is counted.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:

            def probe_seen() -> bool:
                probe.sendto(b"openai_probe.ready:1|c", ("127.0.0.1", d.udp_port))
                return "openai_probe.ready" in d.counters()

            _wait_for(probe_seen, START_TIMEOUT, "UDP port did not receive", d.log)
        finally:
            probe.close()
        yield d
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _request(**fields: Any) -> RequestMetrics:
    base: Dict[str, Any] = dict(
        request_id="r", request_type="chat", start_time=0.0, success=True, model="gpt-4o-mini"
    )
    base.update(fields)
    return RequestMetrics(**base)


def test_daemon_aggregates_what_the_sink_sent(daemon: Daemon) -> None:
    sink = make_statsd_sink(f"127.0.0.1:{daemon.udp_port}", "openai_")
    assert isinstance(sink, StatsDSink)
    sink.emit(_request(duration=0.25, input_tokens=10, output_tokens=5, total_tokens=15))
    sink.emit(_request(duration=0.5, input_tokens=20, output_tokens=7, total_tokens=27))
    sink.emit(_request(duration=0.125, success=False, error_type="RateLimitError", retry_count=2))
    sink.emit(
        _request(
            request_type="chat_stream",
            model="gpt-4o",
            duration=1.5,
            time_to_first_token=0.0625,
            total_tokens=40,
        )
    )
    sink.gauge(GAUGE_QUEUE_RUNNING, 3)
    sink.gauge(GAUGE_BREAKER_STATE, 1)

    _wait_for(
        lambda: daemon.counters().get("openai_chat_stream.model.gpt-4o.requests") == 1.0,
        READ_TIMEOUT,
        "did not count the last request",
        daemon.log,
    )
    counters = daemon.counters()
    expected = {
        "openai_chat.requests": 3,
        "openai_chat.success": 2,
        "openai_chat.errors": 1,
        "openai_chat.errors.RateLimitError": 1,
        "openai_chat.retries": 2,
        "openai_chat.tokens.input": 30,
        "openai_chat.tokens.output": 12,
        "openai_chat.tokens.total": 42,
        "openai_chat.model.gpt-4o-mini.requests": 3,
        "openai_chat.model.gpt-4o-mini.errors.RateLimitError": 1,
        "openai_chat.model.gpt-4o-mini.tokens.total": 42,
        "openai_chat_stream.requests": 1,
        "openai_chat_stream.tokens.total": 40,
        "statsd.bad_lines_seen": 0,
    }
    assert {k: counters.get(k) for k in expected} == expected

    timers = daemon.timers()
    assert timers["openai_chat.duration"] == [125.0, 250.0, 500.0]
    assert timers["openai_chat.model.gpt-4o-mini.duration"] == [125.0, 250.0, 500.0]
    assert timers["openai_chat_stream.time_to_first_token"] == [62.5]

    gauges = daemon.gauges()
    assert (gauges["openai_queue.running"], gauges["openai_breaker.state"]) == (3.0, 1.0)
