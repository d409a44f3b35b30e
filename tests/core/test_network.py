"""Proxies and CA bundles from options and the environment, resolved once (pure)."""

from __future__ import annotations

from typing import Dict, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_accel._core.network import resolve_network

API = "https://api.openai.com/v1/chat/completions"


def network(env: Dict[str, str], proxy: object = None, ca_bundle: Optional[str] = None):
    return resolve_network(proxy, ca_bundle, env)  # type: ignore[arg-type]


def test_no_variables_means_no_proxy() -> None:
    assert network({}).proxy_for(API) is None


def test_https_proxy_is_for_https_urls_only() -> None:
    settings = network({"HTTPS_PROXY": "http://p:3128"})
    assert settings.proxy_for(API) == "http://p:3128"
    assert settings.proxy_for("http://example.com/x") is None


def test_lower_case_wins_over_upper_case() -> None:
    settings = network({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"})
    assert settings.proxy_for(API) == "http://lower:2"


def test_all_proxy_is_the_fallback() -> None:
    settings = network({"ALL_PROXY": "http://all:1", "HTTP_PROXY": "http://web:2"})
    assert settings.proxy_for(API) == "http://all:1"
    assert settings.proxy_for("http://example.com/") == "http://web:2"


def test_a_proxy_without_a_scheme_is_http() -> None:
    assert network({"HTTPS_PROXY": "p:3128"}).proxy_for(API) == "http://p:3128"


@pytest.mark.parametrize(
    ("no_proxy", "url", "bypassed"),
    [
        ("openai.com", API, True),
        (".openai.com", API, True),
        ("*.openai.com", API, True),
        ("api.openai.com", API, True),
        ("notopenai.com", API, False),
        ("openai.com:443", API, True),
        ("openai.com:8443", API, False),
        ("10.0.0.0/8", "https://10.1.2.3/v1", True),
        ("10.0.0.0/8", "https://11.1.2.3/v1", False),
        ("::1", "https://[::1]:8000/v1", True),
        ("[::1]:8000", "https://[::1]:8000/v1", True),
        ("localhost, api.openai.com", API, True),
        ("localhost api.openai.com", API, True),
        ("*", API, True),
        ("", API, False),
        ("API.OPENAI.COM", API, True),
    ],
)
def test_no_proxy_rules(no_proxy: str, url: str, bypassed: bool) -> None:
    settings = network({"HTTPS_PROXY": "http://p:1", "NO_PROXY": no_proxy})
    assert (settings.proxy_for(url) is None) is bypassed


def test_an_explicit_proxy_ignores_the_environment() -> None:
    settings = network({"HTTPS_PROXY": "http://env:1", "NO_PROXY": "*"}, proxy="http://mine:2")
    assert settings.proxy_for(API) == "http://mine:2"


def test_proxy_false_never_proxies() -> None:
    assert network({"HTTPS_PROXY": "http://env:1"}, proxy=False).proxy_for(API) is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"REQUESTS_CA_BUNDLE": "/a.pem", "SSL_CERT_FILE": "/c.pem"}, "/a.pem"),
        ({"CURL_CA_BUNDLE": "/b.pem", "SSL_CERT_FILE": "/c.pem"}, "/b.pem"),
        ({"SSL_CERT_FILE": "/c.pem"}, "/c.pem"),
        ({"REQUESTS_CA_BUNDLE": " "}, None),
        ({}, None),
    ],
)
def test_ca_bundle_variables_in_order(env: Dict[str, str], expected: Optional[str]) -> None:
    assert network(env).ca_bundle == expected


def test_the_ca_bundle_option_wins() -> None:
    assert network({"REQUESTS_CA_BUNDLE": "/a.pem"}, ca_bundle="/mine.pem").ca_bundle == "/mine.pem"


@pytest.mark.parametrize("bad", ["ftp://p:21", "http://", "http://p:port"])
def test_a_bad_proxy_url_is_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="proxy"):
        network({}, proxy=bad)


@given(st.text(max_size=80), st.text(max_size=80))
def test_no_proxy_and_urls_never_raise(no_proxy: str, url: str) -> None:
    settings = network(
        {"HTTPS_PROXY": "http://p:1", "HTTP_PROXY": "http://p:1", "NO_PROXY": no_proxy}
    )
    result = settings.proxy_for(url)
    assert result in (None, "http://p:1")
    assert settings.proxy_for(url) == result  # the cache answers the same
