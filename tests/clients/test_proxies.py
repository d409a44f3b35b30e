"""Proxies from the environment or ``proxy=``, through a real forwarding proxy on 127.0.0.1.

The environment is read once, when the client is built: requests' own
``trust_env`` scan (hundreds of microseconds per request) stays off.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from ..forwarding_proxy import ForwardingProxy


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    with ForwardingProxy() as running:
        yield running


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http", "https", "all", "no"):
        monkeypatch.delenv(f"{name}_proxy", raising=False)
        monkeypatch.delenv(f"{name.upper()}_PROXY", raising=False)
    return monkeypatch


def _chat_targets(proxy: ForwardingProxy) -> list:
    return [target for method, target in proxy.requests if target.endswith("/chat/completions")]


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_the_proxy_variable_routes_calls_through_the_proxy(
    make_api: Any, openai_emulator: Any, proxy: ForwardingProxy, clean_env: Any, variable: str
) -> None:
    clean_env.setenv(variable, proxy.url)
    api = make_api()
    assert api.call("chat", "Hi").content
    assert _chat_targets(proxy) == [openai_emulator.base_url + "/chat/completions"]


def test_a_stream_goes_through_the_proxy(
    make_api: Any, openai_emulator: Any, proxy: ForwardingProxy, clean_env: Any
) -> None:
    clean_env.setenv("HTTP_PROXY", proxy.url)
    api = make_api()
    chunks, final = api.stream("stream_chat", "Hi")
    assert chunks and final.content
    assert len(_chat_targets(proxy)) == 1


@pytest.mark.parametrize("bypass", ["127.0.0.1", "127.0.0.0/8", "*", "localhost,127.0.0.1"])
def test_no_proxy_bypasses_the_proxy(
    make_api: Any, proxy: ForwardingProxy, clean_env: Any, bypass: str
) -> None:
    clean_env.setenv("HTTP_PROXY", proxy.url)
    clean_env.setenv("NO_PROXY", bypass)
    api = make_api()
    assert api.call("chat", "Hi").content
    assert proxy.requests == []


def test_no_proxy_for_another_port_does_not_bypass(
    make_api: Any, proxy: ForwardingProxy, clean_env: Any
) -> None:
    clean_env.setenv("HTTP_PROXY", proxy.url)
    clean_env.setenv("no_proxy", "127.0.0.1:1")
    api = make_api()
    api.call("chat", "Hi")
    assert len(_chat_targets(proxy)) == 1


def test_the_proxy_option_wins_over_the_environment(
    make_api: Any, proxy: ForwardingProxy, clean_env: Any
) -> None:
    clean_env.setenv("HTTP_PROXY", "http://127.0.0.1:1")  # nothing listens there
    clean_env.setenv("NO_PROXY", "*")
    api = make_api(proxy=proxy.url, max_retries=0)
    assert api.call("chat", "Hi").content
    assert len(_chat_targets(proxy)) == 1


def test_proxy_false_ignores_the_environment(
    make_api: Any, proxy: ForwardingProxy, clean_env: Any
) -> None:
    clean_env.setenv("HTTP_PROXY", proxy.url)
    api = make_api(proxy=False)
    assert api.call("chat", "Hi").content
    assert proxy.requests == []


def test_the_environment_is_read_once_at_construction(
    make_api: Any, proxy: ForwardingProxy, clean_env: Any
) -> None:
    api = make_api()
    clean_env.setenv("HTTP_PROXY", proxy.url)  # too late for this client
    api.call("chat", "Hi")
    assert proxy.requests == []


def test_the_requests_session_never_scans_the_environment(make_api: Any, clean_env: Any) -> None:
    clean_env.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    api = make_api()
    if not api.is_async:
        assert api.client._driver.transport.session.trust_env is False
    assert api.client.config.network.proxies == {"https": "http://proxy.invalid:3128"}


@pytest.mark.parametrize(
    ("value", "error"), [("ftp://proxy:21", ValueError), (3128, TypeError), ("http://", ValueError)]
)
def test_a_bad_proxy_is_refused_at_construction(
    make_api: Any, clean_env: Any, value: Any, error: type
) -> None:
    with pytest.raises(error, match="proxy"):
        make_api(proxy=value)


def test_a_bad_proxy_variable_is_refused_at_construction(make_api: Any, clean_env: Any) -> None:
    clean_env.setenv("HTTPS_PROXY", "ftp://proxy:21")
    with pytest.raises(ValueError, match="HTTPS_PROXY"):
        make_api()
