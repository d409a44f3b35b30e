"""Files API on both clients: upload, retrieve, list (lazy pages), delete, download."""

from __future__ import annotations

import os
from typing import Any, List

import pytest

from openai_accel import FileObject
from openai_accel._ops import files as file_ops
from openai_accel.errors import BadRequestError, InternalServerError, NotFoundError
from openai_accel.testing import Fault

from ..harness import Harness


def _collect(api: Harness, method: str, **kwargs: Any) -> List[Any]:
    items, _ = api.stream(method, **kwargs)
    return items


def test_upload_streams_a_path_and_reports_the_stored_file(api: Harness, tmp_path: Any) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 1000)

    uploaded = api.call("upload_file", str(path), purpose="batch")

    assert isinstance(uploaded, FileObject)
    assert (uploaded.filename, uploaded.purpose, uploaded.bytes) == (
        "requests.jsonl",
        "batch",
        9000,
    )
    assert uploaded.id.startswith("file-")


def test_retrieve_and_delete_a_file(api: Harness) -> None:
    uploaded = api.call("upload_file", b"data\n", purpose="batch", filename="x.jsonl")

    assert api.call("retrieve_file", uploaded.id).filename == "x.jsonl"
    deleted = api.call("delete_file", uploaded.id)
    assert (deleted.id, deleted.deleted) == (uploaded.id, True)
    with pytest.raises(NotFoundError):
        api.call("retrieve_file", uploaded.id)


def test_download_returns_bytes_without_a_path(api: Harness) -> None:
    uploaded = api.call("upload_file", b"line one\nline two\n", purpose="batch", filename="a.jsonl")

    assert api.call("download_file", uploaded.id) == b"line one\nline two\n"


def test_download_to_a_path_writes_the_whole_file(api: Harness, tmp_path: Any) -> None:
    content = os.urandom(300_000)
    uploaded = api.call("upload_file", content, purpose="user_data", filename="blob.bin")
    target = tmp_path / "copy.bin"

    written = api.call("download_file", uploaded.id, target)

    assert written == len(content)
    assert target.read_bytes() == content


def test_a_failed_download_leaves_no_partial_file(
    api: Harness, openai_emulator: Any, tmp_path: Any
) -> None:
    uploaded = api.call("upload_file", b"x\n", purpose="batch", filename="a.jsonl")
    openai_emulator.inject(Fault(status=500), route=f"/v1/files/{uploaded.id}/content", count=None)

    with pytest.raises(InternalServerError):
        api.call("download_file", uploaded.id, tmp_path / "out.jsonl")

    assert os.listdir(tmp_path) == []


def test_list_files_follows_pages_lazily(
    api: Harness, openai_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_ops, "FILES_PAGE_SIZE", 2)
    names = [f"f{i}.jsonl" for i in range(5)]
    for name in names:
        api.call("upload_file", b"x\n", purpose="batch", filename=name)
    api.call("upload_file", b"x\n", purpose="vision", filename="other.png")

    listed = _collect(api, "list_files", purpose="batch")

    assert [f.filename for f in listed] == names[::-1]  # newest first, like the API
    pages = [r for r in openai_emulator.requests if r.path == "/v1/files" and r.method == "GET"]
    assert [r.query.get("after") for r in pages] == [None, listed[1].id, listed[3].id]


def test_list_files_fetches_no_page_before_it_is_needed(
    api: Harness, openai_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_ops, "FILES_PAGE_SIZE", 1)
    for index in range(3):
        api.call("upload_file", b"x\n", purpose="batch", filename=f"{index}.jsonl")
    stream = api.client.list_files()

    async def first_async() -> Any:
        async with stream:
            return await stream.__anext__()

    if api.is_async:
        first = api.resolve(first_async())
    else:
        with stream:
            first = next(stream)

    assert first.filename == "2.jsonl"
    assert openai_emulator.request_count("/v1/files") - 3 == 1  # 3 uploads + 1 page


def test_uploading_a_missing_file_fails_before_sending(
    api: Harness, openai_emulator: Any, tmp_path: Any
) -> None:
    with pytest.raises(BadRequestError, match="not found"):
        api.call("upload_file", str(tmp_path / "missing.jsonl"), purpose="batch")
    assert openai_emulator.requests == []


def test_an_empty_purpose_is_refused(api: Harness) -> None:
    with pytest.raises(BadRequestError, match="purpose"):
        api.call("upload_file", b"x", purpose="")


def test_an_empty_file_id_is_refused(api: Harness, openai_emulator: Any) -> None:
    with pytest.raises(BadRequestError, match="file_id"):
        api.call("retrieve_file", "")
    assert openai_emulator.requests == []
