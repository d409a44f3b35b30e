"""run_batch on both clients: input order, failures, every terminal status, bad input."""

from __future__ import annotations

import json
from typing import Any, List

import pytest

from openai_accel import BatchFailedError, BatchInputError, BatchItem, BatchLineError, OpenAI
from openai_accel.errors import BadRequestError, InternalServerError
from openai_accel.testing.pytest_plugin import TEST_CLIENT_OPTIONS

from ..harness import Harness
from .helpers import answer, chat_body, chat_requests

FAST = {"poll_interval": 0.01}


def test_results_come_back_in_input_order_from_shuffled_output(
    api: Harness, openai_emulator: Any
) -> None:
    results = api.call("run_batch", chat_requests(40), **FAST)

    items: List[BatchItem] = list(results)
    assert [item.index for item in items] == list(range(40))
    assert [answer(item) for item in items] == [f"You said: question {i}" for i in range(40)]
    assert all(item.ok and item.status_code == 200 for item in items)
    # The emulator really did shuffle: the output file is not in input order.
    batch = api.call("retrieve_batch", results.batch_ids[0])
    lines = api.call("download_file", batch.output_file_id).decode().splitlines()
    order = [json.loads(line)["custom_id"] for line in lines]
    assert order != [f"request-{i}" for i in range(40)]


def test_custom_ids_are_kept_and_generated_when_absent(api: Harness) -> None:
    requests = [("alpha", chat_body("a")), chat_body("b"), ("gamma", chat_body("c"))]

    items = list(api.call("run_batch", requests, **FAST))

    assert [item.custom_id for item in items] == ["alpha", "request-1", "gamma"]


def test_failed_lines_come_back_as_typed_errors(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.failing_custom_ids = frozenset({"request-1", "request-3"})
    requests = chat_requests(4)
    requests[2] = {"model": "gpt-4o-mini", "messages": []}  # the emulator's 400

    items = list(api.call("run_batch", requests, **FAST))

    assert [item.ok for item in items] == [True, False, False, False]
    assert isinstance(items[1].error, InternalServerError) and items[1].status_code == 500
    assert isinstance(items[2].error, BadRequestError) and items[2].status_code == 400
    assert items[1].error.request_id == items[1].request_id


def test_counts_of_succeeded_and_failed(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.failing_custom_ids = frozenset({"request-0"})

    results = api.call("run_batch", chat_requests(5), **FAST)

    assert (len(results), results.succeeded, results.failed) == (5, 4, 1)


def test_embeddings_come_back_as_vectors_like_the_direct_call(api: Harness) -> None:
    body = {"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "base64"}

    (item,) = list(api.call("run_batch", [body], endpoint="/v1/embeddings", **FAST))

    direct = api.call("embedding", ["a", "b"])
    assert item.response == direct


def test_completed_without_an_output_file_returns_every_error(
    api: Harness, openai_emulator: Any
) -> None:
    openai_emulator.batches.failing_custom_ids = frozenset({"request-0", "request-1"})

    results = api.call("run_batch", chat_requests(2), **FAST)

    assert api.call("retrieve_batch", results.batch_ids[0]).output_file_id is None
    assert [type(item.error) for item in results] == [InternalServerError] * 2


def test_an_empty_error_file_id_is_no_error_file(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.blank_file_ids = True

    results = api.call("run_batch", chat_requests(3), **FAST)

    assert all(item.ok for item in results)


def test_expired_with_part_done_returns_done_lines_and_errors(
    api: Harness, openai_emulator: Any
) -> None:
    openai_emulator.batches.expire = True
    openai_emulator.batches.expire_after = 2

    results = api.call("run_batch", chat_requests(5), **FAST)

    items = list(results)
    assert [item.ok for item in items] == [True, True, False, False, False]
    assert all(isinstance(i.error, BatchLineError) for i in items[2:])
    assert {i.error.code for i in items[2:]} == {"batch_expired"}


def test_only_the_expired_requests_can_be_resubmitted(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.expire = True
    openai_emulator.batches.expire_after = 2
    requests = chat_requests(4)
    results = api.call("run_batch", requests, **FAST)
    openai_emulator.batches.expire = False

    again = api.call("run_batch", results.unfinished(), **FAST)

    assert [(i.custom_id, answer(i)) for i in again] == [
        ("request-2", "You said: question 2"),
        ("request-3", "You said: question 3"),
    ]


def test_cancelled_batch_returns_what_ran_and_errors_for_the_rest(
    api: Harness, openai_emulator: Any
) -> None:
    openai_emulator.batches.validating_seconds = 30
    # Someone else cancels the batch (a blocking client works from either harness).
    side = OpenAI(base_url=openai_emulator.base_url, **TEST_CLIENT_OPTIONS)

    def cancel_when_submitted(event: Any) -> None:
        if event.stage == "submitted":
            for batch in side.list_batches():
                side.cancel_batch(batch.id)

    try:
        results = api.call("run_batch", chat_requests(3), progress=cancel_when_submitted, **FAST)
    finally:
        side.close()

    items = list(results)
    assert all(isinstance(i.error, BatchLineError) for i in items)
    assert {i.error.code for i in items} == {"batch_cancelled"}


def test_a_validation_failure_raises_naming_the_first_problems(
    api: Harness, openai_emulator: Any
) -> None:
    openai_emulator.batches.validation_errors = [
        {"code": "invalid_request", "message": "bad model", "line": 3, "param": "body.model"},
        {"code": "invalid_request", "message": "bad messages", "line": 5, "param": None},
    ]

    with pytest.raises(BatchFailedError) as caught:
        api.call("run_batch", chat_requests(6), **FAST)

    message = str(caught.value)
    assert "bad model (line 3)" in message and "bad messages (line 5)" in message
    assert caught.value.errors[0]["line"] == 3 and caught.value.batch_id.startswith("batch_")


def test_progress_events_never_decrease(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.in_progress_seconds = 0.3
    events: List[Any] = []

    api.call("run_batch", chat_requests(20), progress=events.append, **FAST)

    done = [event.done for event in events]
    assert done == sorted(done) and done[-1] == 20
    assert events[-1].stage == "done" and events[-1].batches_finished == 1
    assert len({e.completed for e in events}) > 2  # it moved while running


def test_progress_true_without_a_terminal_prints_text(
    api: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    api.call("run_batch", chat_requests(2), progress=True, **FAST)

    assert "batch done: 2/2 requests" in capsys.readouterr().err


def test_polls_wait_longer_while_nothing_moves(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.validating_seconds = 0.3
    waits: List[float] = []
    api.set_sleep(lambda seconds: (waits.append(seconds), __import__("time").sleep(seconds)))

    api.call("run_batch", chat_requests(2), poll_interval=0.02)

    assert waits[:3] == pytest.approx([0.02, 0.03, 0.045])
    assert max(waits) <= 0.2


@pytest.mark.parametrize(
    ("requests", "match"),
    [
        ([chat_body("a"), "not a dict"], r"request 1 \('request-1'\): the body must be a JSON"),
        ([("x", chat_body("a")), ("x", chat_body("b"))], r"request 1: duplicate custom_id 'x'"),
        ([{**chat_body("a"), "stream": True}], "cannot stream"),
        ([{"model": "m", "value": float("nan")}], "not JSON-serialisable"),
        ([{"model": "m", "value": "half a pair \ud800"}], "not JSON-serialisable"),
        ([("", chat_body("a"))], "custom_id must be a non-empty string"),
        ([], "no requests"),
    ],
)
def test_bad_input_fails_before_anything_is_uploaded(
    api: Harness, openai_emulator: Any, requests: Any, match: str
) -> None:
    with pytest.raises(BatchInputError, match=match):
        api.call("run_batch", requests, **FAST)
    assert openai_emulator.requests == []


def test_a_bad_request_is_named_by_index_and_id(api: Harness) -> None:
    with pytest.raises(BatchInputError) as caught:
        api.call("run_batch", [("a", chat_body("x")), ("b", [1, 2])], **FAST)
    assert (caught.value.index, caught.value.custom_id) == (1, "b")


def test_an_endpoint_the_batch_api_refuses_fails_first(api: Harness, openai_emulator: Any) -> None:
    with pytest.raises(BadRequestError, match="does not accept endpoint"):
        api.call("run_batch", chat_requests(1), endpoint="/v1/audio/speech")
    assert openai_emulator.requests == []


def test_a_responses_line_parses_like_respond() -> None:
    from openai_accel._ops.batch_parsers import parse_body
    from openai_accel.models.responses import Response

    body = {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-4o-mini",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "hi", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
    }
    response = parse_body("/v1/responses", body, "req_1")
    assert isinstance(response, Response)
    assert response.output_text == "hi"
    assert response.request_id == "req_1"


def test_a_temporary_job_directory_is_removed_on_close(api: Harness) -> None:
    import os

    results = api.call("run_batch", chat_requests(1), **FAST)
    workdir = results._workdir
    assert os.path.isdir(workdir)

    results.close()

    assert not os.path.exists(workdir)


def test_results_can_be_written_as_jsonl_in_input_order(
    api: Harness, openai_emulator: Any, tmp_path: Any
) -> None:
    openai_emulator.batches.failing_custom_ids = frozenset({"request-1"})
    results = api.call("run_batch", chat_requests(3), **FAST)

    assert results.write_jsonl(str(tmp_path / "out.jsonl")) == 3

    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["custom_id"] for r in records] == ["request-0", "request-1", "request-2"]
    assert "response" in records[0] and records[1]["error"]["status_code"] == 500


def test_async_results_iterate_with_async_for(api: Harness) -> None:
    if not api.is_async:
        pytest.skip("async iteration is the asyncio client's")
    results = api.call("run_batch", chat_requests(2), **FAST)

    async def collect() -> List[str]:
        return [item.custom_id async for item in results]

    assert api.resolve(collect()) == ["request-0", "request-1"]


def test_a_failed_job_without_a_job_file_leaves_no_work_directory(
    api: Harness, openai_emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    openai_emulator.batches.validation_errors = [{"code": "x", "message": "no", "line": 1}]

    with pytest.raises(BatchFailedError):
        api.call("run_batch", chat_requests(2), **FAST)

    assert list(tmp_path.iterdir()) == []
