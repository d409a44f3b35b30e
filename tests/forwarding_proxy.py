"""A small forwarding HTTP proxy on 127.0.0.1 that counts what passes through it.

Enough of RFC 9110/9112 for the tests: absolute-URI requests (``POST
http://host:port/path``) are forwarded with ``Connection: close`` and the
reply is piped back until the upstream closes; ``CONNECT host:port`` opens a
tunnel. Each client connection carries one request, which the clients handle
as servers that do not keep connections alive.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import List, Tuple
from urllib.parse import urlsplit

from .local_server import serving

_HEAD_LIMIT = 65536


def _read_head(sock: socket.socket) -> Tuple[bytes, bytes]:
    """(head without the blank line, bytes already read past it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > _HEAD_LIMIT:
            return b"", b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR if sock is target else socket.SHUT_RD)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        head, rest = _read_head(client)
        if not head:
            return
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        self.server.proxy.record(method, target)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = socket.create_connection((host, int(port)), timeout=10)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
        else:
            url = urlsplit(target)
            upstream = socket.create_connection((url.hostname, url.port or 80), timeout=10)
            path = url.path + (f"?{url.query}" if url.query else "")
            kept = [
                line
                for line in header_lines
                if line.split(":", 1)[0].strip().lower()
                not in ("connection", "proxy-connection", "keep-alive", "proxy-authorization")
            ]
            forwarded = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"])
            upstream.sendall(forwarded.encode("latin-1") + b"\r\n\r\n" + rest)
        back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        back.start()
        _pipe(client, upstream)
        back.join(30)
        upstream.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: ForwardingProxy


class ForwardingProxy:
    """``with ForwardingProxy() as proxy:`` ... ``proxy.url``, ``proxy.requests``."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._lock = threading.Lock()
        self._requests: List[Tuple[str, str]] = []
        self._running = contextlib.ExitStack()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> List[Tuple[str, str]]:
        """(method, target) of every request received, in order."""
        with self._lock:
            return list(self._requests)

    def record(self, method: str, target: str) -> None:
        with self._lock:
            self._requests.append((method, target))

    def __enter__(self) -> ForwardingProxy:
        self._running.enter_context(serving(self._server))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._running.close()
