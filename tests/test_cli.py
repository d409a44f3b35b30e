"""The command line: the demo (the main job), the emulator and a one-shot chat."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from openai_accel import InternalServerError, OpenAI
from openai_accel.cli import main


def test_demo_runs_every_step_offline(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "emulator listening on http://127.0.0.1:" in out
    for section in [
        "Chat completion",
        "Streaming",
        "Tool calling",
        "Model facts",
        "Embeddings",
        "Moderation",
        "Image generation",
        "Speech and transcription",
        "Voice agent",
        "Errors are typed",
        "The asyncio client",
        "Retries",
        "Circuit breaker",
        "Bounded queue",
        "StatsD",
        "Metrics",
    ]:
        assert f"== {section}" in out
    assert "!!" not in out
    assert "demo finished: every step worked." in out


def test_chat_command_against_the_emulator(capsys, openai_emulator, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")
    assert main(["chat", "hello cli", "--base-url", openai_emulator.base_url]) == 0
    assert capsys.readouterr().out.strip() == "You said: hello cli"
    assert main(["chat", "hello cli", "--stream", "--base-url", openai_emulator.base_url]) == 0
    assert capsys.readouterr().out.strip() == "You said: hello cli"


def test_chat_command_reports_errors(capsys, openai_emulator, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")
    assert main(["chat", "hi", "--model", "nope", "--base-url", openai_emulator.base_url]) == 1
    assert "NotFoundError" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_emulator_command_serves_with_faults():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "openai_accel.cli",
            "emulator",
            "--port",
            str(port),
            "--fault",
            "status=503,count=1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the emulator did not start")
                time.sleep(0.05)
        with OpenAI(
            api_key="sk-x", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0
        ) as client:
            with pytest.raises(InternalServerError):
                client.chat("hi")
            assert client.chat("hi").content == "You said: hi"
    finally:
        process.terminate()
        process.wait(10)
