"""Request targets: URLs and credentials for OpenAI and Azure, decided without I/O."""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, List

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_accel import AuthenticationError
from openai_accel._core.effects import Invoke
from openai_accel._core.target import (
    ApiKeyAuth,
    AzureDeploymentRoutes,
    BaseUrlRoutes,
    BearerAuth,
    TokenProviderAuth,
    jwt_expiry,
)


def run_scripted(flow: Any, answer: Callable[[Invoke], Any]) -> List[Invoke]:
    """Drive a flow, answering each Invoke with ``answer``; returns the effects seen."""
    seen: List[Invoke] = []
    value: Any = None
    while True:
        try:
            effect = flow.send(value)
        except StopIteration:
            return seen
        assert isinstance(effect, Invoke)
        seen.append(effect)
        try:
            value = answer(effect)
        except Exception as exc:  # hand it to the flow like a driver does
            try:
                flow.throw(exc)
            except StopIteration:  # pragma: no cover
                return seen


def jwt(claims: Any) -> str:
    def part(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def test_base_url_routes_append_the_path_and_a_fixed_query():
    assert BaseUrlRoutes("https://a/v1").url("/models", None) == "https://a/v1/models"
    routes = BaseUrlRoutes("https://x/openai/v1", "api-version=preview")
    assert routes.url("/chat/completions", "m") == (
        "https://x/openai/v1/chat/completions?api-version=preview"
    )


def test_azure_routes_put_the_model_in_the_path_for_deployment_endpoints():
    routes = AzureDeploymentRoutes("https://x.openai.azure.com", "2024-10-21")
    assert routes.url("/embeddings", "emb/1") == (
        "https://x.openai.azure.com/openai/deployments/emb%2F1/embeddings?api-version=2024-10-21"
    )
    assert routes.url("/models", None) == (
        "https://x.openai.azure.com/openai/models?api-version=2024-10-21"
    )


def test_azure_routes_prefer_the_fixed_deployment():
    routes = AzureDeploymentRoutes("https://x", "v", deployment="prod")
    assert "/deployments/prod/chat/completions" in routes.url("/chat/completions", "gpt-4o")


def test_a_deployment_endpoint_without_any_deployment_is_a_value_error():
    with pytest.raises(ValueError, match="azure_deployment"):
        AzureDeploymentRoutes("https://x", "v").url("/chat/completions", None)


def test_static_credentials_need_no_effects():
    for auth in (BearerAuth("sk"), ApiKeyAuth("k")):
        assert run_scripted(auth.authorize(), lambda e: None) == []
    assert BearerAuth("sk").header() == ("Authorization", "Bearer sk")
    assert ApiKeyAuth("k").header() == ("api-key", "k")


def test_a_missing_bearer_key_is_an_authentication_error_with_the_given_hint():
    with pytest.raises(AuthenticationError, match="set FOO"):
        BearerAuth(None, missing_message="set FOO").header()


@attrs.define
class Clock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_provider_token_is_cached_until_near_its_jwt_expiry():
    clock = Clock()
    tokens = iter([jwt({"exp": 1_000 + 3_600}), jwt({"exp": 10_000})])
    auth = TokenProviderAuth(lambda: None, clock=clock, refresh_margin=300)
    assert len(run_scripted(auth.authorize(), lambda e: next(tokens))) == 1
    first = auth.header()
    clock.now += 3_000  # 600 s left: still fresh
    assert run_scripted(auth.authorize(), lambda e: next(tokens)) == []
    clock.now += 400  # inside the margin: ask again
    assert len(run_scripted(auth.authorize(), lambda e: next(tokens))) == 1
    assert auth.header() != first


def test_an_access_token_object_brings_its_own_expiry():
    @attrs.frozen
    class AccessToken:
        token: str
        expires_on: int

    clock = Clock()
    auth = TokenProviderAuth(lambda: None, clock=clock)
    run_scripted(auth.authorize(), lambda e: AccessToken("tok", 1_000 + 301))
    assert auth.header() == ("Authorization", "Bearer tok")
    clock.now += 2
    assert len(run_scripted(auth.authorize(), lambda e: AccessToken("tok2", 99_999))) == 1


def test_an_opaque_token_lives_ttl_seconds():
    clock = Clock()
    auth = TokenProviderAuth(lambda: None, clock=clock, ttl=60)
    run_scripted(auth.authorize(), lambda e: "opaque")
    clock.now += 59
    assert run_scripted(auth.authorize(), lambda e: "again") == []
    clock.now += 2
    assert len(run_scripted(auth.authorize(), lambda e: "again")) == 1


def test_the_invoke_effect_carries_the_callers_provider():
    def provider() -> str:
        return "t"

    auth = TokenProviderAuth(provider)
    (effect,) = run_scripted(auth.authorize(), lambda e: "t")
    assert effect.function is provider


@pytest.mark.parametrize("value", [None, "", 42, b"bytes"])
def test_a_provider_returning_no_token_is_an_authentication_error(value):
    auth = TokenProviderAuth(lambda: value)
    with pytest.raises(AuthenticationError, match="non-empty token"):
        run_scripted(auth.authorize(), lambda e: value)


def test_a_header_before_any_token_is_an_authentication_error():
    with pytest.raises(AuthenticationError):
        TokenProviderAuth(lambda: "t").header()


@given(st.text())
def test_jwt_expiry_never_raises(token):
    result = jwt_expiry(token)
    assert result is None or isinstance(result, float)


@given(st.integers(min_value=0, max_value=2**40))
def test_jwt_expiry_reads_exp(exp):
    assert jwt_expiry(jwt({"exp": exp, "sub": "x"})) == float(exp)
