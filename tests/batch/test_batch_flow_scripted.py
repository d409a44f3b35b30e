"""The batch flow is pure decisions: driven here by a scripted driver, with no I/O but disk.

A job killed after its upload went out (intent recorded, id not) is resumed:
the flow must look the upload up by its marker, never upload again, then
create, poll, download and join, writing the job file through ``WriteFile``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from openai_accel import OpenAI
from openai_accel._core.effects import Acquire, ReadChunk, Send, Sleep, WriteFile
from openai_accel._core.http import Headers, HttpRequest, HttpResponse
from openai_accel._fileio import write_atomically
from openai_accel._ops import batch_run
from openai_accel._ops.batch_job import client_fingerprint

from .helpers import chat_body


class _Slot:
    def release(self) -> None:
        pass


class _Stream:
    def __init__(self, data: bytes) -> None:
        self._pieces = [data[i : i + 7] for i in range(0, len(data), 7)]

    def read_chunk(self) -> bytes:
        return self._pieces.pop(0) if self._pieces else b""

    def close(self) -> None:
        pass


def _json(body: Any) -> HttpResponse:
    return HttpResponse(200, Headers({"x-request-id": "req_1"}), content=json.dumps(body).encode())


def _reply(request: HttpRequest, marker: str, output: bytes) -> HttpResponse:
    path = request.url.split("/v1", 1)[1]
    if request.method == "GET" and path.startswith("/files?"):
        found = {
            "id": "file-in",
            "object": "file",
            "bytes": 0,
            "created_at": 0,
            "filename": marker,
            "purpose": "batch",
            "status": "processed",
        }
        return _json({"object": "list", "data": [found], "has_more": False})
    if request.method == "POST" and path == "/batches":
        body = json.loads(request.body)  # type: ignore[arg-type]
        assert body["input_file_id"] == "file-in"
        return _json(
            {
                "id": "batch_1",
                "status": "validating",
                "input_file_id": "file-in",
                "endpoint": body["endpoint"],
                "metadata": body["metadata"],
            }
        )
    if path == "/batches/batch_1":
        return _json(
            {
                "id": "batch_1",
                "status": "completed",
                "output_file_id": "file-out",
                "error_file_id": "",
                "request_counts": {"total": 2, "completed": 2, "failed": 0},
            }
        )
    if path == "/files/file-out/content":
        return HttpResponse(200, Headers(), stream=_Stream(output))
    raise AssertionError(f"unexpected request {request.method} {path}")


def _line(custom_id: str, text: str) -> Dict[str, Any]:
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
    }
    return {
        "id": "r",
        "custom_id": custom_id,
        "error": None,
        "response": {"status_code": 200, "request_id": "q", "body": body},
    }


def test_resume_after_an_unrecorded_upload_finds_it_and_never_uploads_again(tmp_path: Any) -> None:
    client = OpenAI(api_key="sk-scripted", base_url="https://api.example.test/v1")
    ctx = client._ctx
    job = str(tmp_path / "job.json")
    state = batch_run._prepare(
        [("a", chat_body("one")), ("b", chat_body("two"))],
        "/v1/chat/completions",
        job,
        client_fingerprint(ctx),
        "24h",
        None,
    )
    state.parts[0].upload_started = True  # killed after sending the upload
    write_atomically(job, state.to_bytes())
    output = "".join(json.dumps(_line(c, t)) + "\n" for c, t in [("b", "2"), ("a", "1")])

    flow = batch_run.resume_batch(ctx, job, poll_interval=1.0)
    sent: List[HttpRequest] = []
    writes: List[str] = []
    value: Optional[Any] = None
    try:
        while True:
            effect = flow.send(value)
            if isinstance(effect, Acquire):
                value = _Slot()
            elif isinstance(effect, Send):
                sent.append(effect.request)
                value = _reply(effect.request, state.parts[0].marker, output.encode())
            elif isinstance(effect, ReadChunk):
                value = effect.stream.read_chunk()
            elif isinstance(effect, WriteFile):
                write_atomically(effect.path, effect.data)
                writes.append(json.loads(effect.data)["parts"][0]["batch_id"] or "-")
                value = None
            elif isinstance(effect, Sleep):
                raise AssertionError("a completed batch needs no wait")
            else:
                raise AssertionError(f"unexpected effect {effect!r}")
    except StopIteration as stop:
        results = stop.value

    assert [(r.method, r.url.split("/v1")[1].split("?")[0]) for r in sent] == [
        ("GET", "/files"),
        ("POST", "/batches"),
        ("GET", "/batches/batch_1"),
        ("GET", "/files/file-out/content"),
    ]
    assert writes[0] == "-" and writes[-1] == "batch_1"  # the found id is saved first
    assert [(i.custom_id, i.response.content) for i in results] == [("a", "1"), ("b", "2")]
    client.close()
