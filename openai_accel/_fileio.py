"""Durable local file writes, performed by the drivers for the ``WriteFile`` effect."""

from __future__ import annotations

import contextlib
import os

__all__ = ["write_atomically"]


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file beside it, fsync, rename, fsync dir.

    ``os.replace`` is atomic on POSIX and Windows, so a reader (or a process
    resumed after ``kill -9``) sees the old content or the new, never half.
    """
    directory = os.path.dirname(os.path.abspath(path))
    partial = f"{path}.{os.getpid()}.tmp"
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise
    # The rename itself is durable only once the directory entry is flushed.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
