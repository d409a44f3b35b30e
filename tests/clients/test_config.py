"""Construction: arguments, the metadata dict, positional (resources, metadata), environment."""

from __future__ import annotations

import logging

import pytest

from openai_accel import AuthenticationError, OpenAI
from openai_accel._config import resolve_config

from ..helpers import chat_body, reply

DEFAULTS = dict(
    resources=None,
    metadata=None,
    api_key=None,
    base_url=None,
    organization=None,
    project=None,
    timeout=600.0,
    max_retries=5,
    initial_retry_delay=1.0,
    backoff_factor=2.0,
    max_retry_delay=60.0,
    jitter=True,
    max_concurrent_requests=10,
    queue_size=100,
    queue_timeout=None,
    request_tracking=True,
    metrics_retention=3600.0,
    metrics_prefix="openai_",
    default_headers=None,
    on_retry=None,
)

ENV = {
    "OPENAI_API_KEY": "sk-env",
    "OPENAI_BASE_URL": "http://env.example/v1/",
    "OPENAI_ORG_ID": "org-env",
    "OPENAI_PROJECT_ID": "proj-env",
}


def config(env=None, **overrides):
    return resolve_config(**{**DEFAULTS, **overrides}, env=env or {})


def test_environment_supplies_everything():
    c = config(env=ENV)
    assert c.api_key.reveal() == "sk-env"
    assert c.base_url == "http://env.example/v1"
    assert (c.organization, c.project) == ("org-env", "proj-env")


def test_metadata_beats_environment():
    c = config(env=ENV, metadata={"openai_api_key": "sk-meta"})
    assert c.api_key.reveal() == "sk-meta"


def test_explicit_argument_beats_metadata_and_environment():
    c = config(
        env=ENV, metadata={"openai_api_key": "sk-meta"}, api_key="sk-arg", base_url="http://arg/v1"
    )
    assert c.api_key.reveal() == "sk-arg"
    assert c.base_url == "http://arg/v1"


def test_default_base_url():
    assert config().base_url == "https://api.openai.com/v1"


def test_positional_resources_and_metadata(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = OpenAI({}, {"openai_api_key": "sk-positional"})
    assert client.config.api_key.reveal() == "sk-positional"
    client = OpenAI(resources={}, metadata={"openai_api_key": "sk-kw"})
    assert client.config.api_key.reveal() == "sk-kw"


def test_a_key_passed_positionally_is_a_clear_type_error():
    with pytest.raises(TypeError, match="api_key="):
        OpenAI("sk-oops")


@pytest.mark.parametrize(
    ("option", "value"),
    [("max_concurrent_requests", 0), ("queue_size", -1), ("metrics_retention", 0)],
)
def test_bad_limits_are_rejected(option, value):
    with pytest.raises(ValueError, match=option):
        config(**{option: value})


def test_organization_and_project_headers(make_mock_api):
    api = make_mock_api(
        lambda req: reply(200, chat_body()),
        organization="org-1",
        project="proj-1",
        default_headers={"X-Team": "a"},
    )
    api.call("chat", "Hi")
    headers = api.client._driver.transport.requests[-1].headers
    assert headers["OpenAI-Organization"] == "org-1"
    assert headers["OpenAI-Project"] == "proj-1"
    assert headers["X-Team"] == "a"


def test_missing_key_is_an_authentication_error_before_sending(make_mock_api, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    api = make_mock_api(lambda req: reply(200, chat_body()), api_key=None)
    with pytest.raises(AuthenticationError, match="OPENAI_API_KEY"):
        api.call("chat", "Hi")
    assert api.client._driver.transport.requests == []


SECRET = "sk-very-secret-123456"


def test_key_never_appears_in_repr_or_errors(make_mock_api, caplog):
    caplog.set_level(logging.DEBUG, logger="openai_accel")
    api = make_mock_api(
        lambda req: reply(500, {"error": {"message": "boom"}}),
        api_key=SECRET,
        max_retries=1,
        initial_retry_delay=0,
    )
    with pytest.raises(Exception) as info:
        api.call("chat", "Hi")
    texts = [
        repr(api.client),
        str(api.client),
        repr(api.client.config),
        repr(api.client._ctx),
        str(info.value),
        repr(info.value),
        caplog.text,
    ]
    texts += [repr(m) for m in api.client.recent_requests.values()]
    for text in texts:
        assert SECRET not in text


def test_context_manager_closes_the_transport():
    from openai_accel.transports.mock import MockTransport

    transport = MockTransport(lambda req: reply(200, chat_body()))
    with OpenAI(api_key="sk-x", transport=transport) as client:
        client.chat("Hi")
    assert transport.closed
