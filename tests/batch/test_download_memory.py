"""Downloading a large file streams it: the client's memory stays flat in the file size."""

from __future__ import annotations

import http.server
import tracemalloc
from typing import Any, Iterator

import pytest

from ..harness import Harness
from ..local_server import serving

SIZE = 40 * 1024 * 1024
_PIECE = b"x" * 65536


class _SourceHandler(http.server.BaseHTTPRequestHandler):
    """Serves SIZE bytes with a Content-Length, generated piece by piece."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(SIZE))
        self.end_headers()
        for _ in range(SIZE // len(_PIECE)):
            self.wfile.write(_PIECE)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def source_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SourceHandler)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_a_40_mb_download_to_a_path_keeps_memory_flat(
    make_api: Any, source_url: str, tmp_path: Any
) -> None:
    api: Harness = make_api(base_url=source_url)
    target = tmp_path / "out.bin"

    tracemalloc.start()
    try:
        written = api.call("download_file", "file-big", target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert written == SIZE == target.stat().st_size
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {SIZE / 1e6:.0f} MB file"
