"""A ``socketserver`` server run on a thread for one test, stopped promptly.

``serve_forever`` checks for ``shutdown()`` every ``poll_interval`` seconds
(half a second by default), so every test that stopped a server this way used
to wait up to 0.5 s in its teardown; the suite has dozens of them.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
from typing import Iterator

#: How often the serving thread looks for shutdown(): short, the thread is idle otherwise.
SHUTDOWN_POLL_SECONDS = 0.01


@contextlib.contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    """Serve ``server`` on a daemon thread for the ``with`` block, then close it."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
