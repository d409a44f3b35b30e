"""An independent judge: both clients against ``llmock serve``, then ``llmock report``.

llmock (PyPI) injects 5xx and 429 errors and breaks streams (truncated,
disconnected), then gives a resilience verdict on every client that talked to
it. The run must end with every call a right answer or a typed error, and
the verdict must hold no finding except the one this library disagrees with
on purpose: a stream cut after content was delivered is raised as
``StreamError`` and not retried (a retry would send a second, billed request
and hand the caller a different answer than the half it may already have
shown). llmock cannot see the exception, so it reports such a stream as
"accepted" (``truncated_stream_accepted``) or, for a disconnect, as
"gave up" (``gave_up`` on a stream). See docs/guides/resilience.md.
"""

from __future__ import annotations

import asyncio
import collections
import json
import shutil
import socket
import subprocess
import time
from typing import Any, Counter, Dict, Iterator, List

import pytest

from openai_accel import AsyncOpenAI, OpenAI, OpenAIError, StreamError

LLMOCK = shutil.which("llmock")
pytestmark = pytest.mark.skipif(
    LLMOCK is None, reason="llmock is not installed (pip install llmock)"
)

CALLS = 20
#: Findings that describe a StreamError the library raised on purpose.
DISAGREED = {"truncated_stream_accepted", "gave_up"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def judge() -> Iterator[str]:
    assert LLMOCK is not None
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            LLMOCK, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--error-rate", "500=0.15", "--error-rate", "503=0.05", "--error-rate-429", "0.1",
            "--stream-fault", "truncate=0.08", "--stream-fault", "disconnect=0.04",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.skip(f"llmock serve did not start: {process.stderr.read()[:300]!r}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _options(url: str) -> Dict[str, Any]:
    return dict(
        api_key="sk-llmock-judge",
        base_url=url + "/v1",
        # Short waits that still dominate the server's latency and this busy
        # machine's scheduling noise: llmock judges backoff from the intervals
        # it sees between attempts.
        max_retries=6,
        initial_retry_delay=0.25,
        backoff_factor=3.0,
        max_retry_delay=5.0,
        timeout=15.0,
    )


def _outcome(kind: str, call: Any, text: str) -> str:
    try:
        result = call(text)
    except StreamError:
        return f"{kind} StreamError"
    except OpenAIError as exc:
        return f"{kind} {type(exc).__name__}"
    assert isinstance(result.content, str) and result.content
    return f"{kind} ok"


def _run_sync(url: str, outcomes: Counter[str]) -> None:
    with OpenAI(**_options(url)) as client:

        def streamed(text: str) -> Any:
            with client.stream_chat(text) as stream:
                return stream.final()

        for index in range(CALLS):
            outcomes[_outcome("chat", client.chat, f"sync {index}")] += 1
            outcomes[_outcome("stream", streamed, f"sync stream {index}")] += 1


def _run_async(url: str, outcomes: Counter[str]) -> None:
    async def main() -> List[str]:
        async with AsyncOpenAI(**_options(url)) as client:

            async def one(coro: Any) -> str:
                try:
                    result = await coro
                except StreamError:
                    return "stream StreamError"
                except OpenAIError as exc:
                    return f"call {type(exc).__name__}"
                return "ok" if result.content else "empty"

            async def streamed(index: int) -> Any:
                async with client.stream_chat(f"async stream {index}") as stream:
                    return await stream.until_done()

            chats = [one(client.chat(f"async {i}")) for i in range(CALLS)]
            streams = [one(streamed(i)) for i in range(CALLS)]
            return list(await asyncio.gather(*chats, *streams))

    for name in asyncio.run(main()):
        outcomes[f"async {name}"] += 1


def _verdict(url: str) -> Dict[str, Any]:
    assert LLMOCK is not None
    done = subprocess.run(
        [LLMOCK, "report", "--url", url, "--json"], capture_output=True, text=True, timeout=60
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_judge_finds_nothing_but_stream_errors_raised_on_purpose(judge: str) -> None:
    outcomes: Counter[str] = collections.Counter()
    _run_sync(judge, outcomes)
    _run_async(judge, outcomes)
    # Every non-streaming call got its answer through the injected 5xx and 429s...
    assert outcomes["chat ok"] == CALLS and outcomes["async ok"] >= CALLS, outcomes
    # ... and a stream either completed or raised StreamError: nothing else.
    unexpected = {
        name: count for name, count in outcomes.items() if not name.endswith(("ok", "StreamError"))
    }
    assert unexpected == {}, outcomes

    verdict = _verdict(judge)
    findings = verdict["findings"]
    disagreed = [f for f in findings if f["code"] in DISAGREED]
    others = [f for f in findings if f["code"] not in DISAGREED]
    assert others == [], json.dumps(others, indent=1)
    # Each disagreed finding is a stream the client reported as a StreamError.
    stream_errors = sum(c for name, c in outcomes.items() if name.endswith("StreamError"))
    assert len(disagreed) <= stream_errors
    assert verdict["faults_injected"] > 0
