"""60,000 requests: split into two input files within the 50,000-line limit, joined in order."""

from __future__ import annotations

from typing import Any, Iterator, List

import pytest

from openai_accel import BatchInputError
from openai_accel._ops import batch_input

from ..harness import Harness

COUNT = 60_000


def _tiny_requests() -> Iterator[Any]:
    # A generator: run_batch must read it once, streaming, never as a list.
    for index in range(COUNT):
        yield (f"r{index}", {"model": "text-embedding-3-small", "input": "x", "dimensions": 1})


def test_60000_requests_become_two_batches_and_come_back_in_order(
    api: Harness, openai_emulator: Any
) -> None:
    results = api.call("run_batch", _tiny_requests(), endpoint="/v1/embeddings", poll_interval=0.01)

    assert len(results.batch_ids) == 2
    assert openai_emulator.files.uploads == 2 and openai_emulator.batches.creations == 2
    uploads = [r for r in openai_emulator.requests if r.path == "/v1/files" and r.method == "POST"]
    assert [r.form["file"].data.count(b"\n") for r in uploads] == [50_000, 10_000]
    expected = 0
    for item in results:
        assert (item.index, item.custom_id) == (expected, f"r{expected}")
        assert item.ok and len(item.response) == 1 and len(item.response[0]) == 1
        expected += 1
    assert expected == COUNT


def test_the_byte_limit_splits_too(tmp_path: Any) -> None:
    body = {"model": "m", "input": "y" * 100}
    parts, total = batch_input.write_inputs(
        [body] * 10, "/v1/embeddings", str(tmp_path), max_bytes=500
    )

    assert total == 10
    assert all(part.bytes <= 500 for part in parts) and len(parts) == 5
    assert [part.first for part in parts] == [0, 2, 4, 6, 8]


@pytest.mark.parametrize("first", [3, 4_999, 5_000, 7_000])
def test_a_duplicate_is_named_at_its_first_repetition(tmp_path: Any, first: int) -> None:
    requests = [(f"id{i}", {"n": i}) for i in range(12_000)]
    requests[first + 500] = (f"id{first}", {"n": -1})
    requests[first + 900] = (f"id{first + 1}", {"n": -2})

    with pytest.raises(BatchInputError) as caught:
        batch_input.write_inputs(requests, "/v1/embeddings", str(tmp_path))

    assert caught.value.index == first + 500
    assert f"first used by request {first}" in str(caught.value)


def test_a_duplicate_before_another_bad_request_is_the_one_named(tmp_path: Any) -> None:
    requests: List[Any] = [("a", {}), ("b", {}), ("a", {}), ("c", "not a body")]

    with pytest.raises(BatchInputError, match="request 2: duplicate custom_id 'a'"):
        batch_input.write_inputs(requests, "/v1/embeddings", str(tmp_path))
