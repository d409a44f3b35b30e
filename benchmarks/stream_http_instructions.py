"""Client instructions per streamed chunk over real HTTP (callgrind), vs the harness's raw clients.

Usage::

    python benchmarks/stream_http_instructions.py  # raw_sync ours_sync raw_async ours_async
    python benchmarks/stream_http_instructions.py ours_sync

``instructions.py`` reads streams from memory, so it cannot see what a
transport's ``read_chunk`` costs per event. Here a local keep-alive server
(another process, not counted) sends the harness's stream as one HTTP chunk
per event, and the client alone runs under callgrind: N and 4 N streams after
a warm-up, the difference over 3 N x 200 chunks. The raw clients are the
reference harness's (requests ``iter_content`` / aiohttp ``iter_any``, its
SSE parser and ``json.loads``), imported from ``../shared/bench/clients``
when present. Needs ``valgrind``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from instructions import EVENTS, MESSAGES, MODEL

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench")
HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"transfer-encoding: chunked\r\nx-request-id: req_x\r\n\r\n"
)
KINDS = ["raw_sync", "ours_sync", "raw_async", "ours_async"]


def _serve(conn: socket.socket) -> None:
    reader = conn.makefile("rb")
    try:
        while reader.readline():
            length = 0
            while True:
                header = reader.readline()
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            reader.read(length)
            conn.sendall(HEAD)
            for event in EVENTS:
                conn.sendall(b"%x\r\n" % len(event) + event + b"\r\n")
            conn.sendall(b"0\r\n\r\n")
    except OSError:
        pass


def _server(port: int) -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_serve, args=(conn,), daemon=True).start()


def _client(kind: str, port: int, streams: int) -> None:
    sys.path.append(os.path.join(HARNESS, "clients"))  # appended: its openai_accel.py is a shim
    from _common import (  # type: ignore[import-not-found]
        AUTH_HEADERS,
        STREAM_BODY,
        acount_sse_json,
        count_sse_json,
        dumps,
    )

    url = f"http://127.0.0.1:{port}/v1"
    total = 3 + streams  # three warm-up streams
    if kind == "raw_sync":
        import requests

        session = requests.Session()
        session.trust_env = False
        for _ in range(total):
            body = dumps(STREAM_BODY)
            with session.post(
                url + "/chat/completions", data=body, headers=AUTH_HEADERS, stream=True
            ) as r:
                count_sse_json(r.iter_content(chunk_size=65536))
    elif kind == "ours_sync":
        from openai_accel import OpenAI

        client = OpenAI(api_key="sk-x", base_url=url)
        for _ in range(total):
            for _ in client.stream_chat(MESSAGES, model=MODEL):
                pass
    elif kind == "raw_async":
        import aiohttp

        async def raw() -> None:
            async with aiohttp.ClientSession(headers=AUTH_HEADERS) as session:
                for _ in range(total):
                    body = dumps(STREAM_BODY)
                    async with session.post(url + "/chat/completions", data=body) as r:
                        await acount_sse_json(r.content.iter_any())

        asyncio.run(raw())
    else:
        from openai_accel import AsyncOpenAI

        async def ours() -> None:
            client: Any = AsyncOpenAI(api_key="sk-x", base_url=url)
            for _ in range(total):
                async for _ in client.stream_chat(MESSAGES, model=MODEL):
                    pass
            await client.aclose()

        asyncio.run(ours())


def _count(kind: str, port: int, streams: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable]
        cmd += [__file__, "--client", kind, str(port), str(streams)]
        subprocess.run(cmd, check=True, capture_output=True)
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def main() -> None:
    if sys.argv[1:2] == ["--server"]:
        _server(int(sys.argv[2]))
        return
    if sys.argv[1:2] == ["--client"]:
        _client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen([sys.executable, __file__, "--server", str(port)])
    try:
        time.sleep(0.5)
        n = 2
        for kind in sys.argv[1:] or KINDS:
            low, high = _count(kind, port, n), _count(kind, port, 4 * n)
            print(f"{kind:<12} {(high - low) / (3 * n * (len(EVENTS) - 1)):>10,.0f} instr/chunk")
            sys.stdout.flush()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
