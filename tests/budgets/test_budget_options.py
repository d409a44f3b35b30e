"""Bad budget options fail at construction, with a message naming the option."""

from __future__ import annotations

import pytest

from openai_accel import AsyncOpenAI, OpenAI, RateLimits

CLIENTS = [OpenAI, AsyncOpenAI]


@pytest.mark.parametrize("value", [0, -5, float("nan"), float("inf")])
def test_non_positive_limits_are_refused(value):
    with pytest.raises(ValueError, match="requests_per_minute"):
        RateLimits(requests_per_minute=value)
    with pytest.raises(ValueError, match="tokens_per_minute"):
        RateLimits(tokens_per_minute=value)


@pytest.mark.parametrize("value", ["500", True, [1]])
def test_non_numeric_limits_are_refused(value):
    with pytest.raises(TypeError, match="requests_per_minute"):
        RateLimits(requests_per_minute=value)


def test_per_model_must_map_names_to_rate_limits():
    with pytest.raises(TypeError, match="per_model"):
        RateLimits(per_model={"gpt-4o": 500})
    with pytest.raises(ValueError, match="nest"):
        RateLimits(per_model={"gpt-4o": RateLimits(per_model={"x": RateLimits(1)})})


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("value", ["fast", "AUTO", 500, {"rpm": 5}])
def test_an_unknown_rate_limits_value_is_refused(client_class, value):
    with pytest.raises(ValueError, match="rate_limits"):
        client_class(api_key="k", rate_limits=value)


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize(
    "url",
    [
        "localhost:6379",
        "http://127.0.0.1:6379/0",
        "redis://",
        "redis://h:notaport/0",
        "redis://h/x",
    ],
)
def test_an_unparseable_shared_state_url_is_refused(client_class, url):
    with pytest.raises(ValueError, match="shared_state"):
        client_class(api_key="k", shared_state=url)


@pytest.mark.parametrize("client_class", CLIENTS)
def test_a_shared_state_that_is_no_redis_client_is_refused(client_class):
    pytest.importorskip("redis")
    with pytest.raises(TypeError, match="shared_state"):
        client_class(api_key="k", shared_state=object())


def test_each_client_needs_its_own_kind_of_redis_client():
    pytest.importorskip("redis")
    import redis
    import redis.asyncio

    with pytest.raises(TypeError, match=r"redis\.asyncio\.Redis"):
        AsyncOpenAI(api_key="k", shared_state=redis.Redis())
    with pytest.raises(TypeError, match=r"a redis\.Redis"):
        OpenAI(api_key="k", shared_state=redis.asyncio.Redis())


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("value", [-1, float("nan")])
def test_a_negative_rate_limit_timeout_is_refused(client_class, value):
    with pytest.raises(ValueError, match="rate_limit_timeout"):
        client_class(api_key="k", rate_limit_timeout=value)


def test_a_token_counter_must_be_callable():
    with pytest.raises(TypeError, match="token_counter"):
        OpenAI(api_key="k", token_counter=42)
