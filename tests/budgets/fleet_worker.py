"""One worker process of the fleet tests: hammer the emulator for a while, report as JSON.

Run as ``python -m tests.budgets.fleet_worker '<json options>'``; prints one
JSON line: calls made, tokens used, 429s seen by this worker, errors.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from typing import Any, Dict, List

from openai_accel import AsyncOpenAI, CircuitBreaker, OpenAI, RateLimits

MODEL = "gpt-4o-mini"


def _client_options(spec: Dict[str, Any]) -> Dict[str, Any]:
    limits = spec.get("limits")
    options: Dict[str, Any] = {
        "api_key": spec["api_key"],
        "base_url": spec["base_url"],
        "shared_state": spec.get("redis"),
        "max_retries": spec.get("max_retries", 3),
        "initial_retry_delay": 0.05,
        "max_retry_delay": 2.0,
        "queue_size": 1000,
        "rate_limits": RateLimits(**limits) if limits else "auto",
    }
    if "breaker_threshold" in spec:
        options["circuit_breaker"] = CircuitBreaker(
            failure_threshold=spec["breaker_threshold"], recovery_timeout=60
        )
    return options


def _ready_set_go() -> None:
    """Start together: say "ready" once imported and built, wait for the test's "go"."""
    print("ready", flush=True)
    sys.stdin.readline()


def _record(outcome: Dict[str, Any], value: Any) -> None:
    if isinstance(value, Exception):
        outcome["errors"].append(type(value).__name__)
        if getattr(value, "status_code", None) == 429:
            outcome["429s"] += 1
    else:
        outcome["calls"] += 1
        outcome["tokens"] += value.usage.total_tokens


def run_sync(spec: Dict[str, Any]) -> Dict[str, Any]:
    outcome: Dict[str, Any] = {"calls": 0, "tokens": 0, "429s": 0, "errors": []}
    lock = threading.Lock()
    client = OpenAI(**_client_options(spec))
    _ready_set_go()
    stop = time.monotonic() + spec["seconds"]
    body = spec.get("prompt", "hi")

    def worker() -> None:
        while time.monotonic() < stop:
            try:
                value: Any = client.chat(body, model=MODEL, max_tokens=spec.get("max_tokens", 5))
            except Exception as exc:  # reported to the test
                value = exc
            with lock:
                _record(outcome, value)

    threads = [threading.Thread(target=worker) for _ in range(spec.get("threads", 4))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    return outcome


async def _run_async(spec: Dict[str, Any]) -> Dict[str, Any]:
    outcome: Dict[str, Any] = {"calls": 0, "tokens": 0, "429s": 0, "errors": []}
    client = AsyncOpenAI(**_client_options(spec))
    _ready_set_go()
    stop = time.monotonic() + spec["seconds"]
    body = spec.get("prompt", "hi")

    async def worker() -> None:
        while time.monotonic() < stop:
            try:
                value: Any = await client.chat(
                    body, model=MODEL, max_tokens=spec.get("max_tokens", 5)
                )
            except Exception as exc:  # reported to the test
                value = exc
            _record(outcome, value)

    await asyncio.gather(*(worker() for _ in range(spec.get("threads", 4))))
    await client.aclose()
    return outcome


def single_call(spec: Dict[str, Any]) -> Dict[str, Any]:
    """One call: what it raised (the breaker test's second process)."""
    outcome: Dict[str, Any] = {"calls": 0, "tokens": 0, "429s": 0, "errors": []}
    if spec["kind"] == "async":

        async def once() -> Any:
            client = AsyncOpenAI(**_client_options(spec))
            try:
                return await client.chat("hi", model=MODEL)
            finally:
                await client.aclose()

        try:
            value: Any = asyncio.run(once())
        except Exception as exc:
            value = exc
    else:
        with OpenAI(**_client_options(spec)) as client:
            try:
                value = client.chat("hi", model=MODEL)
            except Exception as exc:
                value = exc
    _record(outcome, value)
    return outcome


def main(argv: List[str]) -> None:
    spec = json.loads(argv[1])
    if spec.get("single"):
        outcome = single_call(spec)
    elif spec["kind"] == "async":
        outcome = asyncio.run(_run_async(spec))
    else:
        outcome = run_sync(spec)
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main(sys.argv)
