"""``openai-accel batch submit | status | resume`` against the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openai_accel.cli import main

from .helpers import chat_body


@pytest.fixture
def requests_file(tmp_path: Any) -> str:
    path = tmp_path / "requests.jsonl"
    lines = [
        json.dumps(chat_body("one")),
        "",
        json.dumps({"custom_id": "two", "body": chat_body("two")}),
    ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")


def _results(path: Any) -> Any:
    return [json.loads(line) for line in open(path)]


def test_submit_writes_results_in_input_order(
    openai_emulator: Any, requests_file: str, tmp_path: Any, capsys: Any
) -> None:
    out = tmp_path / "results.jsonl"
    argv = ["batch", "submit", requests_file, "--out", str(out), "--no-progress"]

    assert main([*argv, "--base-url", openai_emulator.base_url, "--poll-interval", "0.01"]) == 0

    records = _results(out)
    assert [r["custom_id"] for r in records] == ["line-1", "two"]
    assert records[1]["response"]["choices"][0]["message"]["content"] == "You said: two"
    assert "2 results written" in capsys.readouterr().out


def test_status_and_resume_of_a_job(
    openai_emulator: Any, requests_file: str, tmp_path: Any, capsys: Any
) -> None:
    out, job = tmp_path / "results.jsonl", str(tmp_path / "my.job")
    base = ["--base-url", openai_emulator.base_url, "--poll-interval", "0.01", "--no-progress"]
    assert main(["batch", "submit", requests_file, "--out", str(out), "--job", job, *base]) == 0
    capsys.readouterr()

    assert main(["batch", "status", job]) == 0
    shown = capsys.readouterr().out
    assert "2 requests to /v1/chat/completions" in shown and "completed" in shown

    again = tmp_path / "again.jsonl"
    assert main(["batch", "resume", job, "--out", str(again), *base]) == 0
    assert _results(again) == _results(out)


def test_a_line_that_is_not_json_is_reported_before_uploading(
    openai_emulator: Any, tmp_path: Any, capsys: Any
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(chat_body("ok")) + "\n{oops\n")
    argv = ["batch", "submit", str(bad), "--out", str(tmp_path / "o.jsonl")]

    assert main([*argv, "--base-url", openai_emulator.base_url, "--no-progress"]) == 1

    assert "bad.jsonl:2: not a JSON line" in capsys.readouterr().err
    assert openai_emulator.requests == []


def test_status_of_a_missing_job_fails_clearly(tmp_path: Any, capsys: Any) -> None:
    assert main(["batch", "status", str(tmp_path / "nope.job")]) == 1
    assert "cannot read job" in capsys.readouterr().err
