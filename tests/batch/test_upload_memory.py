"""A 50 MB upload streams from disk: the client's memory stays flat in the file size."""

from __future__ import annotations

import http.server
import json
import tracemalloc
from typing import Any, Iterator

import pytest

from ..harness import Harness
from ..local_server import serving

SIZE = 50 * 1024 * 1024


class _SinkHandler(http.server.BaseHTTPRequestHandler):
    """Reads the body in small pieces and throws it away: no server-side buffering."""

    protocol_version = "HTTP/1.1"
    received = 0

    def do_POST(self) -> None:
        remaining = int(self.headers["Content-Length"])
        while remaining:
            piece = self.rfile.read(min(remaining, 65536))
            if not piece:
                break
            remaining -= len(piece)
            type(self).received += len(piece)
        body = json.dumps(
            {
                "id": "file-sink",
                "object": "file",
                "bytes": SIZE,
                "created_at": 0,
                "filename": "big.jsonl",
                "purpose": "batch",
                "status": "processed",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sink_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SinkHandler)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_a_50_mb_upload_keeps_memory_flat(make_api: Any, sink_url: str, tmp_path: Any) -> None:
    path = tmp_path / "big.jsonl"
    line = b'{"custom_id": "x", "body": {}}' + b" " * 994 + b"\n"  # 1 KiB
    with open(path, "wb") as handle:
        for _ in range(SIZE // len(line)):
            handle.write(line)
    api: Harness = make_api(base_url=sink_url)
    _SinkHandler.received = 0

    tracemalloc.start()
    try:
        uploaded = api.call("upload_file", str(path), purpose="batch")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert uploaded.id == "file-sink"
    assert _SinkHandler.received == path.stat().st_size + _multipart_overhead(path)
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {SIZE / 1e6:.0f} MB file"


def _multipart_overhead(path: Any) -> int:
    from openai_accel._core.multipart import FilePart, MultipartBody, audio_source

    source = audio_source(str(path))
    body = MultipartBody(
        [("purpose", "batch")],
        [FilePart("file", source.filename, "application/octet-stream", source)],
    )
    return body.content_length - source.length
