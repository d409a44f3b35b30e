"""The job file: atomic, bound to key and base URL, and resumable without duplicates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from openai_accel import BatchJobError

from ..harness import Harness
from .helpers import answer, chat_requests

FAST = {"poll_interval": 0.01}


def _read(job: str) -> Any:
    return json.loads(Path(job).read_text())


def _job(tmp_path: Any) -> str:
    return str(tmp_path / "job.json")


def test_the_job_file_records_ids_and_what_was_collected(api: Harness, tmp_path: Any) -> None:
    job = _job(tmp_path)

    results = api.call("run_batch", chat_requests(3), job=job, **FAST)

    state = _read(job)
    (part,) = state["parts"]
    assert part["file_id"].startswith("file-") and part["batch_id"] == results.batch_ids[0]
    assert part["output_joined"] and part["finished"] and part["status"] == "completed"
    assert "sk-" not in Path(job).read_text()  # a fingerprint, never the key
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_resuming_a_finished_job_sends_nothing_new(
    api: Harness, openai_emulator: Any, tmp_path: Any
) -> None:
    job = _job(tmp_path)
    api.call("run_batch", chat_requests(3), job=job, **FAST)
    before = len(openai_emulator.requests)

    results = api.call("resume_batch", job, **FAST)

    assert [answer(i) for i in results][2] == "You said: question 2"
    assert len(openai_emulator.requests) == before


def test_a_job_path_in_use_is_refused(api: Harness, openai_emulator: Any, tmp_path: Any) -> None:
    job = _job(tmp_path)
    api.call("run_batch", chat_requests(1), job=job, **FAST)
    before = len(openai_emulator.requests)

    with pytest.raises(BatchJobError, match="already exists"):
        api.call("run_batch", chat_requests(1), job=job, **FAST)
    assert len(openai_emulator.requests) == before


@pytest.mark.parametrize(
    "content", [b"{not json", b'{"format": "other"}', b'{"format": "openai_accel.batch_job/1"}']
)
def test_a_corrupt_job_file_is_refused_before_any_request(
    api: Harness, openai_emulator: Any, tmp_path: Any, content: bytes
) -> None:
    job = _job(tmp_path)
    with open(job, "wb") as handle:
        handle.write(content)

    with pytest.raises(BatchJobError, match="not usable"):
        api.call("resume_batch", job)
    assert openai_emulator.requests == []


def test_a_missing_job_file_is_a_clear_error(api: Harness, tmp_path: Any) -> None:
    with pytest.raises(BatchJobError, match="no batch job file"):
        api.call("resume_batch", _job(tmp_path))


@pytest.mark.parametrize("change", [{"api_key": "sk-someone-else"}, {"base_url": "other"}])
def test_a_job_made_for_another_key_or_base_url_is_refused(
    api: Harness, make_api: Any, openai_emulator: Any, tmp_path: Any, change: Any
) -> None:
    job = _job(tmp_path)
    api.call("run_batch", chat_requests(1), job=job, **FAST)
    if change.get("base_url") == "other":
        change = {"base_url": f"http://localhost:{openai_emulator.port}/v1"}
    other = make_api(**change)
    before = len(openai_emulator.requests)

    with pytest.raises(BatchJobError, match="another API key or base URL"):
        other.call("resume_batch", job)
    assert len(openai_emulator.requests) == before


def _forget_ids(job: str) -> None:
    """What the file holds after a kill between 'request sent' and 'id recorded'."""
    state = _read(job)
    for part in state["parts"]:
        part.update(
            file_id=None,
            batch_id=None,
            status=None,
            finished=False,
            output_joined=False,
            errors_joined=False,
            completed=0,
            failed=0,
        )
        part.update(upload_started=True, create_started=True)
    with open(job, "w") as handle:
        json.dump(state, handle)


def test_a_kill_after_sending_finds_the_upload_and_batch_by_their_markers(
    api: Harness, openai_emulator: Any, tmp_path: Any
) -> None:
    job = _job(tmp_path)
    api.call("run_batch", chat_requests(4), job=job, **FAST)
    _forget_ids(job)

    results = api.call("resume_batch", job, **FAST)

    assert [answer(i) for i in results][3] == "You said: question 3"
    assert openai_emulator.files.uploads == 1
    assert openai_emulator.batches.creations == 1


def test_an_upload_that_never_arrived_is_sent_on_resume(
    api: Harness, openai_emulator: Any, tmp_path: Any
) -> None:
    job = _job(tmp_path)
    api.call("run_batch", chat_requests(2), job=job, **FAST)
    _forget_ids(job)
    openai_emulator.reset()  # the server never saw anything

    results = api.call("resume_batch", job, **FAST)

    assert [i.ok for i in results] == [True, True]
    assert (openai_emulator.files.uploads, openai_emulator.batches.creations) == (1, 1)


_CHILD = """
import sys
from openai_accel import OpenAI
client = OpenAI(api_key="sk-test-emulator", base_url=sys.argv[1], max_retries=0)
requests = [{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"question {i}"}]}
            for i in range(50)]
client.run_batch(requests, job=sys.argv[2], poll_interval=0.05)
print("finished", flush=True)
"""


def _wait_for_batch_id(job: str, child: subprocess.Popen, timeout: float = 20.0) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, "the child finished before it could be killed"
        try:
            parts = _read(job)["parts"]
        except (OSError, ValueError):
            parts = []
        if parts and all(p["batch_id"] for p in parts):
            return
        time.sleep(0.02)
    raise AssertionError("the child never recorded its batch")


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is POSIX")
def test_resume_after_kill_9_mid_poll_uploads_and_creates_exactly_once(
    api: Harness, openai_emulator: Any, tmp_path: Any
) -> None:
    openai_emulator.batches.in_progress_seconds = 1.5
    job = _job(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, openai_emulator.base_url, job],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_batch_id(job, child)
        time.sleep(0.2)  # a few polls
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    polls_before = openai_emulator.request_count(
        "/v1/batches/" + _read(job)["parts"][0]["batch_id"]
    )
    assert polls_before >= 1

    results = api.call("resume_batch", job, poll_interval=0.05)

    assert [answer(item) for item in results] == [f"You said: question {i}" for i in range(50)]
    assert openai_emulator.files.uploads == 1
    assert openai_emulator.batches.creations == 1
