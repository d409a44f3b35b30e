"""The Batch API calls on both clients: create, retrieve, cancel, list; typed statuses."""

from __future__ import annotations

from typing import Any

import pytest

from openai_accel import Batch, BatchStatus
from openai_accel._ops import batch_api
from openai_accel.errors import BadRequestError, ConflictError, NotFoundError

from ..harness import Harness
from .helpers import input_jsonl


def _input_file(api: Harness, count: int = 3) -> str:
    return str(api.call("upload_file", input_jsonl(count), purpose="batch", filename="in.jsonl").id)


def test_create_then_retrieve_a_completed_batch(api: Harness) -> None:
    file_id = _input_file(api)

    created = api.call("create_batch", file_id, metadata={"run": "1"})
    assert isinstance(created, Batch)
    assert created.status is BatchStatus.VALIDATING
    assert (created.input_file_id, created.endpoint, created.metadata) == (
        file_id,
        "/v1/chat/completions",
        {"run": "1"},
    )

    batch = api.call("retrieve_batch", created.id)
    assert batch.status is BatchStatus.COMPLETED and batch.is_terminal
    assert (batch.request_counts.total, batch.request_counts.completed) == (3, 3)
    assert batch.output_file_id is not None and batch.error_file_id is None


def test_statuses_move_through_the_stages(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.in_progress_seconds = 30
    created = api.call("create_batch", _input_file(api))

    batch = api.call("retrieve_batch", created.id)

    assert batch.status is BatchStatus.IN_PROGRESS and not batch.is_terminal
    assert batch.request_counts.total == 3


def test_cancel_moves_to_cancelling_then_cancelled(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.validating_seconds = 30
    openai_emulator.batches.cancelling_seconds = 0.2
    created = api.call("create_batch", _input_file(api))

    assert api.call("cancel_batch", created.id).status is BatchStatus.CANCELLING
    import time

    time.sleep(0.25)
    assert api.call("retrieve_batch", created.id).status is BatchStatus.CANCELLED
    with pytest.raises(ConflictError):
        api.call("cancel_batch", created.id)


def test_list_batches_pages_newest_first(api: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_api, "BATCHES_PAGE_SIZE", 2)
    file_id = _input_file(api)
    ids = [api.call("create_batch", file_id).id for _ in range(3)]

    listed, count = api.stream("list_batches")

    assert [b.id for b in listed] == ids[::-1]
    assert count == 3


def test_a_blank_error_file_id_reads_as_none(api: Harness, openai_emulator: Any) -> None:
    openai_emulator.batches.blank_file_ids = True
    batch = api.call("retrieve_batch", api.call("create_batch", _input_file(api)).id)

    assert batch.raw["error_file_id"] == ""
    assert batch.error_file_id is None


def test_an_unknown_status_is_kept_as_text(api: Harness) -> None:
    batch = Batch(id="batch_1", status="paused")

    assert batch.status == "paused" and not batch.is_terminal


def test_every_status_of_the_spec_is_known() -> None:
    assert {s.value for s in BatchStatus} == {
        "validating",
        "failed",
        "in_progress",
        "finalizing",
        "completed",
        "expired",
        "cancelling",
        "cancelled",
    }


def test_an_endpoint_the_batch_api_refuses_fails_before_sending(
    api: Harness, openai_emulator: Any
) -> None:
    with pytest.raises(BadRequestError, match="does not accept endpoint"):
        api.call("create_batch", "file-x", endpoint="/v1/audio/speech")
    assert openai_emulator.requests == []


def test_retrieving_an_unknown_batch_is_not_found(api: Harness) -> None:
    with pytest.raises(NotFoundError):
        api.call("retrieve_batch", "batch_missing")
