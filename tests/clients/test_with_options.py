"""with_options: other settings, the same pool, queue, breaker and metrics."""

from __future__ import annotations

import pytest

from openai_accel import InternalServerError
from openai_accel.azure import AzureOpenAI
from openai_accel.testing import Fault


def test_the_copy_shares_pool_queue_breaker_and_metrics(api):
    copy = api.client.with_options(timeout=3, max_retries=0)
    assert copy._driver is api.client._driver  # the transport (pool) and the queue gate
    assert copy.queue is api.client.queue
    assert copy.circuit_breaker is api.client.circuit_breaker
    api.resolve(copy.chat("Hi"))
    assert len(api.client.recent_requests) == 1


def test_the_copy_has_the_new_settings_and_the_original_keeps_its_own(api, openai_emulator):
    copy = api.client.with_options(max_retries=0, default_headers={"X-Team": "a"})
    assert (copy.config.retry.max_retries, api.client.config.retry.max_retries) == (0, 2)
    openai_emulator.inject(Fault(status=503), count=1)
    with pytest.raises(InternalServerError):
        api.resolve(copy.chat("Hi"))
    assert openai_emulator.request_count() == 1
    api.resolve(copy.chat("Hi"))
    assert openai_emulator.requests[-1].headers["x-team"] == "a"
    api.call("chat", "Hi")
    assert "x-team" not in openai_emulator.requests[-1].headers


def test_the_copy_may_use_another_key(api, openai_emulator, monkeypatch):
    monkeypatch.setattr(openai_emulator, "api_key", "sk-other")
    copy = api.client.with_options(api_key="sk-other")
    assert api.resolve(copy.chat("Hi")).content
    assert openai_emulator.requests[-1].headers["authorization"] == "Bearer sk-other"


def test_the_copy_has_its_own_sdk_namespaces(api):
    original = api.client.chat.completions
    copy = api.client.with_options(timeout=1)
    assert copy.chat.completions._client is copy
    assert original._client is api.client


def test_another_base_url_gets_its_own_breaker(api):
    copy = api.client.with_options(base_url="http://127.0.0.1:9/v1")
    assert copy.circuit_breaker is not api.client.circuit_breaker
    assert copy.circuit_breaker.failure_threshold == api.client.circuit_breaker.failure_threshold


@pytest.mark.parametrize("option", ["max_concurrent_requests", "queue_size", "transport", "x"])
def test_what_the_copy_shares_cannot_be_changed(api, option):
    with pytest.raises(TypeError, match="cannot change"):
        api.client.with_options(**{option: 1})


def test_an_azure_copy_may_change_its_azure_settings(openai_emulator, monkeypatch):
    monkeypatch.setattr(openai_emulator, "api_key", "k")
    client = AzureOpenAI(azure_endpoint=openai_emulator.url, api_version="2024-10-21", api_key="k")
    try:
        copy = client.with_options(api_version="2025-01-01", azure_deployment="gpt-4o")
        copy.chat("Hi")
        request = openai_emulator.requests[-1]
        assert request.path == "/openai/deployments/gpt-4o/chat/completions"
        assert request.query == {"api-version": "2025-01-01"}
        assert request.headers["api-key"] == "k"
        token_copy = client.with_options(azure_ad_token="k")
        token_copy.chat("Hi")
        assert openai_emulator.requests[-1].headers["authorization"] == "Bearer k"
        assert client.azure.api_version == "2024-10-21"
    finally:
        client.close()
