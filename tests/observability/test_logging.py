"""The ``openai_accel`` logger: what each level says, what it never says, and OPENAI_LOG."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from openai_accel import CircuitBreaker, InternalServerError
from openai_accel._core import log
from openai_accel._log_env import configure_from_env

from ..helpers import chat_body, error_body, reply

SECRET = "sk-proj-abcdefghijklmnop1234"
FAST = dict(max_retries=2, initial_retry_delay=0, retry_jitter=False, api_key=SECRET)


def attempts(caplog: pytest.LogCaptureFixture):
    return [r for r in caplog.records if r.levelno == logging.DEBUG and "HTTP " in r.getMessage()]


def flaky(failures: int):
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) <= failures:
            return reply(502, error_body("upstream hiccup"), {"x-request-id": f"req_{len(calls)}"})
        return reply(200, chat_body("ok"), {"x-request-id": "req_ok"})

    return handler


def test_debug_logs_every_attempt_with_method_path_status_request_id_and_number(
    make_mock_api, caplog
):
    caplog.set_level(logging.DEBUG, logger="openai_accel")
    api = make_mock_api(flaky(1), **FAST)
    api.call("chat", "Hi")
    lines = [r.getMessage() for r in attempts(caplog)]
    assert len(lines) == 2
    assert lines[0].startswith("HTTP POST /v1/chat/completions -> 502 in ")
    assert "(attempt 1, request id req_1)" in lines[0]
    assert lines[1].startswith("HTTP POST /v1/chat/completions -> 200 in ")
    assert "(attempt 2, request id req_ok)" in lines[1]


def test_a_connection_failure_is_logged_with_its_error_type(make_mock_api, caplog):
    from openai_accel import APIConnectionError

    def handler(request):
        raise APIConnectionError("connection refused")

    caplog.set_level(logging.DEBUG, logger="openai_accel")
    api = make_mock_api(handler, **{**FAST, "max_retries": 0})
    with pytest.raises(APIConnectionError):
        api.call("chat", "Hi")
    (line,) = [r.getMessage() for r in attempts(caplog)]
    assert "-> APIConnectionError in " in line
    assert "connection refused" in line


def test_info_logs_retries_but_not_attempts(make_mock_api, caplog):
    caplog.set_level(logging.INFO, logger="openai_accel")
    api = make_mock_api(flaky(2), **FAST)
    api.call("chat", "Hi")
    assert attempts(caplog) == []
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(retries) == 2
    assert retries[0].startswith("retrying chat in 0.000s after attempt 1 failed")


def test_breaker_transitions_are_logged_at_info(caplog):
    caplog.set_level(logging.INFO, logger="openai_accel")
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=5, clock=lambda: now[0])
    breaker.before_call()
    breaker.on_failure(InternalServerError("boom", status_code=500))
    now[0] = 10.0
    breaker.before_call()
    breaker.on_success()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "circuit breaker closed -> open",
        "circuit breaker open -> half_open",
        "circuit breaker half_open -> closed",
    ]


def test_no_secret_reaches_the_log_even_when_the_server_echoes_it(make_mock_api, caplog):
    caplog.set_level(logging.DEBUG, logger="openai_accel")
    echo = f"Incorrect API key provided: {SECRET}; header was Bearer {SECRET} api-key: {SECRET}"
    api = make_mock_api(lambda req: reply(500, error_body(echo)), **FAST)
    with pytest.raises(InternalServerError):
        api.call("chat", "Hi")
    assert caplog.records, "expected attempt and retry lines"
    assert SECRET not in caplog.text
    assert "abcdefghijklmnop" not in caplog.text
    assert "Authorization" not in caplog.text


@pytest.fixture
def level_restored():
    """Tests set the logger's level with setLevel (which clears isEnabledFor's cache)."""
    saved = log.logger.level
    yield log.logger.setLevel
    log.logger.setLevel(saved)


def test_disabled_logging_formats_nothing(make_mock_api, monkeypatch, level_restored):
    """With the logger off, no record is created: log_attempt returns before logging."""
    made = []
    monkeypatch.setattr(log.logger, "makeRecord", lambda *a, **k: made.append(a))
    level_restored(logging.WARNING)
    api = make_mock_api(flaky(1), **FAST)
    api.call("chat", "Hi")
    assert made == []
    assert log.attempt_started() is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("key sk-abc123456789 end", "key sk-*** end"),
        ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer ***"),
        ('{"api-key": "0123456789abcdef"}', '{"api-key": "***"}'),
        ("api_key=0123&x=1", "api_key=***&x=1"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_masks_keys_and_tokens(text, expected):
    assert log.redact(text) == expected


@pytest.mark.parametrize("value, level", [("debug", logging.DEBUG), ("INFO", logging.INFO)])
def test_openai_log_sets_the_level(value, level, monkeypatch, level_restored):
    level_restored(logging.NOTSET)
    monkeypatch.setattr(log.logger, "handlers", [logging.NullHandler()])
    assert configure_from_env({"OPENAI_LOG": value}) == level
    assert log.logger.level == level
    assert len(log.logger.handlers) == 1  # the application's handler is kept, none added


def test_openai_log_unset_changes_nothing(level_restored):
    level_restored(logging.NOTSET)
    assert configure_from_env({}) is None
    assert log.logger.level == logging.NOTSET


def test_an_unknown_openai_log_value_warns():
    with pytest.warns(RuntimeWarning, match="OPENAI_LOG='verbose'"):
        assert configure_from_env({"OPENAI_LOG": "verbose"}) is None


def test_openai_log_is_read_at_import_and_logs_to_stderr():
    code = (
        "import logging, openai_accel\n"
        "logging.getLogger('openai_accel').debug('hello from %s', 'debug')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"OPENAI_LOG": "debug", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "DEBUG openai_accel] hello from debug" in done.stderr
