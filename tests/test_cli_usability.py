"""The command line as a user meets it: help everywhere, stdin, one-line errors, progress."""

from __future__ import annotations

import argparse
import io
import socket
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_accel import __version__
from openai_accel._cli_output import Spinner, clip
from openai_accel.cli import build_parser, main


def subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_option_of_every_command_has_help():
    parser = build_parser()
    commands = subparsers(parser)
    assert {"demo", "emulator", "chat"} <= set(commands)
    for name, command in [("openai-accel", parser), *commands.items()]:
        for action in command._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_python_dash_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "openai_accel", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"openai-accel {__version__}"


def test_chat_dash_reads_the_prompt_from_stdin(capsys, openai_emulator, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello from a pipe\n"))
    assert main(["chat", "-", "--base-url", openai_emulator.base_url]) == 0
    assert capsys.readouterr().out.strip() == "You said: hello from a pipe"


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_an_empty_stdin_prompt_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("  \n"))
    assert main(["chat", "-"]) == 2
    assert "empty" in one_line_error(capsys)


def test_a_bad_fault_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--fault", "stauts=503"])
    assert exited.value.code == 2
    line = one_line_error(capsys)
    assert "--fault" in line and "unknown key 'stauts'" in line


def test_a_port_in_use_is_one_line_and_exit_1(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["emulator", "--port", str(port)]) == 1
    line = one_line_error(capsys)
    assert f"cannot listen on 127.0.0.1:{port}" in line


def test_a_dead_server_is_one_line_and_exit_1(capsys, monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")
    url = f"http://127.0.0.1:{port}/v1"
    assert main(["chat", "hi", "--base-url", url, "--max-retries", "0"]) == 1
    assert "APIConnectionError" in one_line_error(capsys)


def test_a_missing_key_is_one_line_and_exit_1(capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main(["chat", "hi", "--base-url", "http://127.0.0.1:9/v1"]) == 1
    assert "AuthenticationError" in one_line_error(capsys)


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=12), max_size=30),
       st.integers(min_value=8, max_value=80))  # fmt: skip
def test_clip_never_cuts_a_word_in_half(words, width):
    text = " ".join(words)
    clipped = clip(text, width)
    assert len(clipped) <= width
    if clipped == text:
        return
    assert clipped.endswith("...")
    kept = clipped[:-3].split()
    if len(words[0]) <= width - 3:  # only a first word too long for the width may be cut
        assert kept == words[: len(kept)]


def test_clip_leaves_short_text_alone():
    assert clip("short text", 40) == "short text"


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_spinner_animates_on_a_terminal_and_erases_itself():
    terminal = FakeTerminal(tty=True)
    with Spinner("waiting", stream=terminal, interval=0.01) as spinner:
        assert spinner.active
        time.sleep(0.05)
    output = terminal.getvalue()
    assert "\r| waiting" in output
    assert output.endswith("\r" + " " * len("| waiting") + "\r")


def test_the_spinner_is_silent_when_output_is_not_a_terminal():
    piped = FakeTerminal(tty=False)
    with Spinner("waiting", stream=piped) as spinner:
        assert not spinner.active
    assert piped.getvalue() == ""
