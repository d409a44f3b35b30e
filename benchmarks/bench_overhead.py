"""Benchmarks ``overhead-sync`` and ``overhead-async``: client overhead, mock transports.

No network: openai_accel and the official SDK answer from canned replies, and
the baseline is ``json.dumps`` of the request plus ``json.loads`` of the reply.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict, List

from bench_common import (
    API_KEY,
    CHAT_BODY,
    CHAT_HEADERS,
    MESSAGES,
    MOCK_BASE_URL,
    MODEL,
    REQUEST_BODY,
    Result,
    interleave,
    median,
    official_sdk,
    per_call_us,
    ratio,
    timed_async_us,
)

from openai_accel import OpenAI
from openai_accel._core.http import Headers, HttpRequest, HttpResponse
from openai_accel.transports.mock import AsyncMockTransport, MockTransport

# --------------------------------------------------------------------------
# 1-2. Client overhead (no network)
# --------------------------------------------------------------------------


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
