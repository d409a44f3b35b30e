"""Benchmark ``upload-memory``: tracemalloc peak of a ``speech_to_text`` upload from disk."""

from __future__ import annotations

import gc
import os
import tempfile
import tracemalloc
from typing import Any, Callable, Optional

from bench_common import API_KEY, MOCK_BASE_URL, TRANSCRIPTION_BODY, Result, official_sdk

from openai_accel import OpenAI
from openai_accel._core.http import Headers, HttpRequest, HttpResponse

# --------------------------------------------------------------------------
# 6. Upload memory
# --------------------------------------------------------------------------


class DiscardingTransport:
    """Consumes a streamed request body chunk by chunk, keeping nothing."""

    def __init__(self) -> None:
        self.sent = 0
        self.largest_chunk = 0

    def send(self, request: HttpRequest) -> HttpResponse:
        body = request.body
        if isinstance(body, bytes):
            self.sent += len(body)
            self.largest_chunk = max(self.largest_chunk, len(body))
        elif body is not None:
            for chunk in body.chunks():
                self.sent += len(chunk)
                self.largest_chunk = max(self.largest_chunk, len(chunk))
        return HttpResponse(200, Headers({"content-type": "application/json"}), TRANSCRIPTION_BODY)

    def close(self) -> None:
        pass


def _write_file(path: str, size: int) -> None:
    piece = bytes(range(256)) * 4096  # 1 MiB
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            data = piece[: min(len(piece), size - written)]
            handle.write(data)
            written += len(data)


def _traced_peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_upload_memory(quick: bool) -> Result:
    result = Result("upload-memory")
    size = (8 if quick else 64) * 1024 * 1024
    openai, httpx, sdk_note = official_sdk()
    with tempfile.TemporaryDirectory(prefix="accel-bench-") as directory:
        path = os.path.join(directory, "recording.wav")
        _write_file(path, size)

        transport = DiscardingTransport()
        client = OpenAI(api_key=API_KEY, base_url=MOCK_BASE_URL, transport=transport)
        client.speech_to_text(path, response_format="json")  # warm-up (converters, caches)
        transport.sent = 0
        accel_peak = _traced_peak(lambda: client.speech_to_text(path, response_format="json"))
        client.close()
        if transport.sent < size:
            raise RuntimeError(f"the upload sent {transport.sent} bytes for a {size} byte file")
        result.row("file size", size / 2**20, "MiB")
        result.row("openai_accel peak (tracemalloc)", accel_peak / 2**20, "MiB")
        result.row("openai_accel largest body chunk", transport.largest_chunk / 1024, "KiB")
        result.row("ratio accel peak / file size", accel_peak / size, "x")

        official_peak: Optional[int] = None
        if openai is not None and httpx is not None:
            official_peak = _official_upload_peak(openai, httpx, path)
            result.row("official openai peak (tracemalloc)", official_peak / 2**20, "MiB")
            result.row("ratio official peak / file size", official_peak / size, "x")
        else:
            result.note(f"official rows skipped: {sdk_note}")
    result.target("accel peak/file size", accel_peak / size, "<", 0.05)
    result.note("the transport reads the streamed body chunk by chunk and discards it")
    return result


def _official_upload_peak(openai: Any, httpx: Any, path: str) -> int:
    class Discarding(httpx.BaseTransport):  # type: ignore[misc]
        def handle_request(self, request: Any) -> Any:
            for _chunk in request.stream:
                pass
            return httpx.Response(
                200, headers={"content-type": "application/json"}, content=TRANSCRIPTION_BODY
            )

    client = openai.OpenAI(
        api_key=API_KEY, base_url=MOCK_BASE_URL, http_client=httpx.Client(transport=Discarding())
    )

    def upload() -> None:
        with open(path, "rb") as handle:
            client.audio.transcriptions.create(model="whisper-1", file=handle)

    upload()  # warm-up
    try:
        return _traced_peak(upload)
    finally:
        client.close()
