"""A client's life: options checked at construction, defaults that just work, closing.

Every behaviour is checked on both clients through the ``api`` / ``make_api``
fixtures; the asyncio-only ones (a close() left un-awaited) say so.
"""

from __future__ import annotations

import asyncio
import math
import warnings

import pytest

from openai_accel import (
    AsyncOpenAI,
    AuthenticationError,
    ClientClosedError,
    OpenAI,
    QueueFullError,
)
from openai_accel.testing import ScriptedResponse

from ..harness import Harness

# -- timeout= ------------------------------------------------------------------

BAD_TIMEOUTS = [
    (0, ValueError),
    (0.0, ValueError),
    (-1, ValueError),
    (math.nan, ValueError),
    (math.inf, ValueError),
    ((5.0, 0), ValueError),
    ((1.0, 2.0, 3.0), ValueError),
    ("10", TypeError),
    (True, TypeError),
    ((None, "x"), TypeError),
]


@pytest.mark.parametrize(("timeout", "error"), BAD_TIMEOUTS)
def test_a_bad_client_timeout_is_refused_at_construction(client_kind, timeout, error):
    cls = AsyncOpenAI if client_kind == "async" else OpenAI
    with pytest.raises(error, match="timeout"):
        cls(api_key="sk-test", timeout=timeout)


@pytest.mark.parametrize(("timeout", "error"), BAD_TIMEOUTS)
def test_a_bad_call_timeout_is_refused_before_sending(api, openai_emulator, timeout, error):
    with pytest.raises(error, match="timeout"):
        api.call("chat", "Hi", timeout=timeout)
    assert openai_emulator.request_count() == 0


@pytest.mark.parametrize("timeout", [None, (None, None), (2.0, None), 0.5, 3])
def test_good_timeouts_are_accepted(make_api, timeout):
    api = make_api(timeout=timeout)
    assert api.call("chat", "Hi", timeout=timeout).content


def test_a_timeout_of_none_means_no_limit(make_api):
    api = make_api(timeout=None)
    limits = api.client.config.timeout
    assert (limits.connect, limits.read) == (None, None)


# -- defaults --------------------------------------------------------------------


def test_the_default_queue_runs_64_and_holds_ten_thousand(client_kind):
    client = (AsyncOpenAI if client_kind == "async" else OpenAI)(api_key="sk-test")
    assert (client.queue.max_concurrent, client.queue.queue_size) == (64, 10_000)


@pytest.mark.parametrize("calls", [150, 1000])
def test_a_thousand_gathered_calls_just_work_on_a_default_async_client(openai_emulator, calls):
    """With 10 running and 100 waiting, 150 gathered calls ended in 40 QueueFullError."""

    async def main():
        async with AsyncOpenAI(api_key="sk-test", base_url=openai_emulator.base_url) as client:
            return await asyncio.gather(*(client.chat(f"Hi {i}") for i in range(calls)))

    replies = asyncio.run(main())
    assert len(replies) == calls and all(reply.content for reply in replies)


def test_a_bounded_queue_still_refuses_with_queue_full_error(make_api, openai_emulator):
    openai_emulator.latency = 0.2
    api = make_api(max_concurrent_requests=1, queue_size=0)
    api.call("chat", "warm-up")  # the first reply ends the rate budget's first wave
    if api.is_async:

        async def two():
            return await asyncio.gather(
                api.client.chat("a"), api.client.chat("b"), return_exceptions=True
            )

        outcomes = api.resolve(two())
    else:
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(api.client.chat, text) for text in "ab"]
            outcomes = []
            for future in futures:
                try:
                    outcomes.append(future.result())
                except QueueFullError as exc:
                    outcomes.append(exc)
    assert sum(isinstance(o, QueueFullError) for o in outcomes) == 1


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("max_concurrent_requests", 0, ValueError),
        ("max_concurrent_requests", 2.5, TypeError),
        ("queue_size", -1, ValueError),
        ("queue_size", "100", TypeError),
    ],
)
def test_bad_queue_limits_are_refused(client_kind, option, value, error):
    cls = AsyncOpenAI if client_kind == "async" else OpenAI
    with pytest.raises(error, match=option):
        cls(api_key="sk-test", **{option: value})


def test_the_connection_pool_follows_max_concurrent_requests(make_api):
    api = make_api(max_concurrent_requests=7)
    api.call("chat", "Hi")
    transport = api.client._driver.transport
    if api.is_async:

        async def limit():
            await api.client.chat("Hi")
            return transport._session.connector.limit

        assert api.resolve(limit()) == 7
    else:
        adapter = transport.session.get_adapter(api.client.config.base_url)
        assert adapter._pool_maxsize == 7


# -- a missing key -----------------------------------------------------------------


def test_a_missing_key_is_an_auth_error(client_kind, openai_emulator, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    api = Harness(client_kind, base_url=openai_emulator.base_url, max_retries=0)
    try:
        with pytest.raises(AuthenticationError) as info:
            api.call("chat", "Hi")
    finally:
        api.close()
    assert info.value.is_auth_error is True
    assert "OPENAI_API_KEY" in str(info.value)
    assert openai_emulator.request_count() == 0


# -- closing -------------------------------------------------------------------------


def test_a_call_after_close_raises_client_closed_error(api, openai_emulator):
    api.call("chat", "Hi")
    api.resolve(api.client.close())
    with pytest.raises(ClientClosedError, match="closed"):
        api.call("chat", "Hi")
    assert openai_emulator.request_count() == 1


def test_a_stream_after_close_raises_client_closed_error(api, openai_emulator):
    api.resolve(api.client.close())
    with pytest.raises(ClientClosedError):
        api.stream("stream_chat", "Hi")
    assert openai_emulator.request_count() == 0


def test_closing_twice_is_harmless(api):
    api.resolve(api.client.close())
    api.resolve(api.client.close())


def test_async_close_without_await_outside_a_loop_closes_at_once(openai_emulator):
    client = AsyncOpenAI(api_key="sk-test", base_url=openai_emulator.base_url)

    async def use():
        await client.chat("Hi")
        return client._driver.transport._session

    loop = asyncio.new_event_loop()
    try:
        session = loop.run_until_complete(use())
        client.close()  # not awaited, no loop running
        assert session.closed
        with pytest.raises(ClientClosedError):
            loop.run_until_complete(client.chat("Hi"))
    finally:
        loop.close()


def test_async_close_without_await_inside_a_loop_still_closes(openai_emulator):
    async def main():
        client = AsyncOpenAI(api_key="sk-test", base_url=openai_emulator.base_url)
        await client.chat("Hi")
        session = client._driver.transport._session
        client.close()  # forgotten await
        with pytest.raises(ClientClosedError):
            await client.chat("Hi")
        await asyncio.sleep(0.05)  # the scheduled close runs
        return session

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no "coroutine never awaited"
        session = asyncio.run(main())
    assert session.closed


# -- the emulator's scripts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "match"),
    [
        (dict(json={"ids": {1, 2}}), "json=.*serialisable"),
        (dict(json={"when": object()}), "json=.*serialisable"),
        (dict(sse_events=[{"choices": {1}}]), r"sse_events\[0\]"),
        (dict(sse_events=[42]), r"sse_events\[0\]"),
        (dict(sse_events="data: x"), "list of events"),
        (dict(body="text"), "bytes"),
        (dict(status=1000), "HTTP status"),
    ],
)
def test_a_script_the_emulator_cannot_send_is_refused_at_construction(script, match):
    with pytest.raises((TypeError, ValueError), match=match):
        ScriptedResponse(**script)


# -- sockets after close ------------------------------------------------------------------


def _established_to(port: int) -> int:
    psutil = pytest.importorskip("psutil", reason="psutil counts this process's sockets")
    return sum(
        1
        for conn in psutil.Process().net_connections("tcp")
        if conn.raddr and conn.raddr[1] == port and conn.status == "ESTABLISHED"
    )


def test_close_closes_every_connection_including_an_open_stream(api, openai_emulator):
    """urllib3 closes idle pooled connections, but the one an unfinished stream held stayed open."""
    for _ in range(3):
        api.call("chat", "Hi")
    stream = api.client.stream_chat("Hi")
    if api.is_async:
        api.resolve(stream.__anext__())
    else:
        next(stream)
    assert _established_to(openai_emulator.port) >= 1
    api.resolve(api.client.close())
    assert _established_to(openai_emulator.port) == 0
    stream.close()
