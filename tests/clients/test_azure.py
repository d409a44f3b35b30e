"""AzureOpenAI / AsyncAzureOpenAI against the emulator's Azure URL shapes, on both clients."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any, Callable, Iterator, List

import pytest

from openai_accel import AuthenticationError, NotFoundError
from openai_accel.azure import AsyncAzureOpenAI, AzureOpenAI
from openai_accel.testing import Fault
from openai_accel.testing.pytest_plugin import TEST_CLIENT_OPTIONS

from ..harness import Harness

API_VERSION = "2024-10-21"
KEY = TEST_CLIENT_OPTIONS["api_key"]
FAST = {k: v for k, v in TEST_CLIENT_OPTIONS.items() if k != "api_key"}


@pytest.fixture
def make_azure(
    client_kind: str, openai_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Harness]]:
    """An Azure harness of the current kind on the emulator (classic endpoint by default)."""
    monkeypatch.setattr(openai_emulator, "api_key", KEY)
    made: List[Harness] = []

    def make(**options: Any) -> Harness:
        if "base_url" not in options:
            options.setdefault("azure_endpoint", openai_emulator.url)
            options.setdefault("api_version", API_VERSION)
        if not {"api_key", "azure_ad_token", "azure_ad_token_provider"} & set(options):
            options["api_key"] = KEY
        harness = Harness(
            client_kind, classes=(AzureOpenAI, AsyncAzureOpenAI), **{**FAST, **options}
        )
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def azure(make_azure: Callable[..., Harness]) -> Harness:
    return make_azure()


def last(emulator: Any) -> Any:
    return emulator.requests[-1]


def test_classic_chat_goes_to_the_deployment_named_by_model(azure, openai_emulator):
    reply = azure.call("chat", "Hi", model="gpt-4o")
    assert reply.content
    request = last(openai_emulator)
    assert request.path == "/openai/deployments/gpt-4o/chat/completions"
    assert request.query == {"api-version": API_VERSION}


def test_the_key_goes_in_api_key_and_never_as_bearer(azure, openai_emulator):
    azure.call("chat", "Hi")
    headers = last(openai_emulator).headers
    assert headers["api-key"] == KEY
    assert "authorization" not in headers


def test_azure_deployment_overrides_the_model_in_the_url(make_azure, openai_emulator):
    api = make_azure(azure_deployment="prod-chat")
    api.call("chat", "Hi", model="gpt-4o-mini")
    request = last(openai_emulator)
    assert request.path == "/openai/deployments/prod-chat/chat/completions"
    assert request.json["model"] == "gpt-4o-mini"


def test_a_deployment_name_is_quoted_into_the_path(make_azure, openai_emulator):
    make_azure(azure_deployment="emb small").call("embedding", "Hi")
    assert last(openai_emulator).path == "/openai/deployments/emb small/embeddings"  # decoded


def test_the_model_list_is_not_per_deployment(azure, openai_emulator):
    models = azure.call("list_models")
    assert models
    assert last(openai_emulator).path == "/openai/models"


def test_stream_embeddings_and_speech_use_deployment_paths(azure, openai_emulator):
    _, final = azure.stream("stream_chat", "Hi", model="gpt-4o")
    assert final.content
    assert len(azure.call("embedding", ["a", "b"], model="text-embedding-3-large")) == 2
    assert azure.call("text_to_speech", "Hello", model="tts-1")
    paths = [r.path for r in openai_emulator.requests]
    assert paths == [
        "/openai/deployments/gpt-4o/chat/completions",
        "/openai/deployments/text-embedding-3-large/embeddings",
        "/openai/deployments/tts-1/audio/speech",
    ]


def test_the_v1_endpoint_uses_ordinary_paths_and_no_api_version(make_azure, openai_emulator):
    api = make_azure(base_url=openai_emulator.url + "/openai/v1/")
    assert api.call("chat", "Hi").content
    assert api.call("moderation", "Hi").results
    chat, moderation = openai_emulator.requests
    assert chat.path == "/openai/v1/chat/completions"
    assert moderation.path == "/openai/v1/moderations"
    assert chat.query == {} and chat.headers["api-key"] == KEY
    assert "authorization" not in chat.headers


def test_an_ad_token_is_sent_as_bearer_without_api_key(make_azure, openai_emulator):
    api = make_azure(azure_ad_token=KEY)
    api.call("chat", "Hi")
    headers = last(openai_emulator).headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "api-key" not in headers


def test_a_token_provider_is_called_once_and_its_token_cached(make_azure, openai_emulator):
    calls = []

    def provider() -> str:
        calls.append(1)
        return KEY

    api = make_azure(azure_ad_token_provider=provider)
    api.call("chat", "Hi")
    api.call("embedding", "Hi")
    assert len(calls) == 1
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in openai_emulator.requests)


def test_a_coroutine_token_provider_works_on_both_clients(make_azure, openai_emulator):
    async def provider() -> str:
        await asyncio.sleep(0)
        return KEY

    api = make_azure(azure_ad_token_provider=provider)
    assert api.call("chat", "Hi").content
    assert last(openai_emulator).headers["authorization"] == f"Bearer {KEY}"


def test_a_failing_token_provider_is_an_authentication_error(make_azure, openai_emulator):
    def provider() -> str:
        raise RuntimeError("no managed identity here")

    api = make_azure(azure_ad_token_provider=provider)
    with pytest.raises(AuthenticationError, match="no managed identity here"):
        api.call("chat", "Hi")
    assert openai_emulator.requests == []
    assert api.client.metrics_summary()["by_type"]["chat"]["errors"] == 1


def test_retries_and_metrics_work_as_for_openai(azure, openai_emulator):
    openai_emulator.inject(Fault(status=503), count=1)
    reply = azure.call("chat", "Hi", model="gpt-4o")
    assert reply.content
    assert len(openai_emulator.requests) == 2
    (metrics,) = azure.client.recent_requests.values()
    assert metrics.retry_count == 1 and metrics.success
    assert azure.client.metrics_summary()["by_type_and_model"]["chat"]["gpt-4o"]["count"] == 1


def test_the_environment_supplies_endpoint_key_and_version(
    client_kind, openai_emulator, monkeypatch
):
    monkeypatch.setattr(openai_emulator, "api_key", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", openai_emulator.url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-01-01-preview")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-azure")
    api = Harness(client_kind, classes=(AzureOpenAI, AsyncAzureOpenAI), **FAST)
    try:
        api.call("chat", "Hi")
    finally:
        api.close()
    request = last(openai_emulator)
    assert request.query == {"api-version": "2025-01-01-preview"}
    assert request.headers["api-key"] == KEY
    assert "authorization" not in request.headers


def test_missing_credentials_fail_before_sending(client_kind, openai_emulator, monkeypatch):
    for name in ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    api = Harness(
        client_kind,
        classes=(AzureOpenAI, AsyncAzureOpenAI),
        azure_endpoint=openai_emulator.url,
        api_version=API_VERSION,
        **FAST,
    )
    try:
        with pytest.raises(AuthenticationError, match="AZURE_OPENAI_API_KEY"):
            api.call("chat", "Hi")
    finally:
        api.close()
    assert openai_emulator.requests == []


def test_a_wrong_key_gets_azures_401(make_azure):
    api = make_azure(api_key="wrong")
    with pytest.raises(AuthenticationError, match="Access denied"):
        api.call("chat", "Hi")


def test_the_emulator_wants_an_api_version_on_classic_paths(make_api, openai_emulator, monkeypatch):
    monkeypatch.setattr(openai_emulator, "api_key", KEY)
    plain = make_api(base_url=openai_emulator.url + "/openai/deployments/d", max_retries=0)
    with pytest.raises(NotFoundError, match="Resource not found"):
        plain.call("chat", "Hi", extra_headers={"api-key": KEY})


@pytest.mark.parametrize(
    "options, message",
    [
        ({"api_version": API_VERSION}, "azure_endpoint"),
        ({"azure_endpoint": "https://x.openai.azure.com"}, "api_version"),
        (
            {"azure_endpoint": "https://x.openai.azure.com", "base_url": "https://x/openai/v1"},
            "not both",
        ),
        (
            {
                "azure_endpoint": "https://x.openai.azure.com",
                "api_version": API_VERSION,
                "api_key": "k",
                "azure_ad_token": "t",
            },
            "only one Azure credential",
        ),
    ],
)
def test_bad_construction_is_a_value_error(options, message, monkeypatch):
    for name in ("AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match=message):
        AzureOpenAI(**options)


def test_repr_and_config_show_the_azure_base_url_but_no_secret():
    client = AzureOpenAI(
        azure_endpoint="https://x.openai.azure.com/", api_version=API_VERSION, api_key="sekrit"
    )
    assert client.config.base_url == "https://x.openai.azure.com/openai"
    assert "sekrit" not in repr(client) and "sekrit" not in repr(client.azure)
    client.close()


def test_a_raw_request_follows_the_azure_target(azure, openai_emulator):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}
    result = azure.call("request", "POST", "/chat/completions", json=body)
    assert result.json()["choices"]
    request = last(openai_emulator)
    assert request.path == "/openai/deployments/gpt-4o/chat/completions"
    assert request.query == {"api-version": API_VERSION} and "authorization" not in request.headers


def test_a_token_near_its_expiry_is_fetched_again(make_azure, openai_emulator, monkeypatch):
    def short_lived_jwt() -> str:
        claims = {"exp": int(time.time()) + 60}  # inside the 5 minute refresh margin
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"e30.{payload}.sig"

    tokens: List[str] = []

    def provider() -> str:
        tokens.append(short_lived_jwt())
        return tokens[-1]

    api = make_azure(azure_ad_token_provider=provider)
    monkeypatch.setattr(openai_emulator, "api_key", None)  # accept any token
    api.call("chat", "Hi")
    api.call("chat", "Hi")
    assert len(tokens) == 2
    assert [r.headers["authorization"] for r in openai_emulator.requests] == [
        f"Bearer {token}" for token in tokens
    ]


def test_azure_errors_have_azures_shape(make_azure):
    api = make_azure(api_key="wrong", max_retries=0)
    with pytest.raises(AuthenticationError) as caught:
        api.call("chat", "Hi")
    assert caught.value.code == "401"
    assert set(caught.value.body["error"]) == {"code", "message"}
