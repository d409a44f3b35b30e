"""A local keep-alive HTTP server in its own process: the far end of the socket scenarios.

``instructions.py`` and ``syscalls.py`` trace only the client, so the server
must be another process; it answers every request on a kept-alive
connection with one fixed JSON body and headers like the reference
harness's nginx (header parsing is client work too). Its ``x-ratelimit-*``
values move from reply to reply, as the API's do (``live_headers``): a
client must not look cheaper by remembering them.

``python benchmarks/keepalive_server.py PORT_FILE BODY_FILE`` serves; the
port is written to ``PORT_FILE`` once it listens.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

import live_headers

__all__ = ["SERVER_HEADERS", "start"]

#: What the harness's nginx sends besides the body's own headers.
SERVER_HEADERS = [
    ("Content-Type", "application/json"),
    ("Connection", "keep-alive"),
    ("openai-organization", "user-benchmark"),
    ("openai-processing-ms", "312"),
    ("openai-project", "proj_benchmark000000000000"),
    ("openai-version", "2020-10-01"),
    ("x-request-id", "req_4f2a7c9e1b8d4a6f9c3e2d1b0a987654"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
    ("x-content-type-options", "nosniff"),
    ("cf-cache-status", "DYNAMIC"),
    ("cf-ray", "8e1f2a3b4c5d6e7f-IAD"),
]
#: The limits announced: far above what a benchmark reaches (nothing waits).
LIMITS = (30_000, 150_000_000)


def _replies(body: bytes) -> itertools.cycle[bytes]:
    def reply_of(index: int) -> bytes:
        said = SERVER_HEADERS + live_headers.rate_limit_headers(index, *LIMITS)
        head = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in said)
        return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    return itertools.cycle([reply_of(index) for index in range(live_headers.CYCLE)])


def serve(port_file: str, body: bytes) -> None:
    """Answer every request with ``body`` until killed (HTTP/1.1, kept alive)."""
    replies = _replies(body)

    class Answer(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                match = re.search(rb"(?i)content-length: *(\d+)", self.buffer[:end])
                size = end + 4 + (int(match.group(1)) if match else 0)
                if len(self.buffer) < size:
                    return
                self.buffer = self.buffer[size:]
                self.transport.write(next(replies))

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.sockets[0].getsockname()[1]))
        os.replace(port_file + ".tmp", port_file)
        await server.serve_forever()

    asyncio.run(main())


def start(body: bytes) -> str:
    """The base URL of a fresh server process (killed when this process exits)."""
    import atexit
    import time

    directory = tempfile.mkdtemp(prefix="keepalive-")
    port_file, body_file = os.path.join(directory, "port"), os.path.join(directory, "body")
    with open(body_file, "wb") as f:
        f.write(body)
    proc = subprocess.Popen([sys.executable, __file__, port_file, body_file])
    atexit.register(shutil.rmtree, directory, True)  # runs after the kill (LIFO)
    atexit.register(proc.kill)
    while not os.path.exists(port_file):
        if proc.poll() is not None:
            raise RuntimeError(f"the keep-alive server exited with {proc.returncode}")
        time.sleep(0.01)
    with open(port_file) as f:
        return f"http://127.0.0.1:{f.read()}/v1"


if __name__ == "__main__":
    with open(sys.argv[2], "rb") as body_file:
        serve(sys.argv[1], body_file.read())
