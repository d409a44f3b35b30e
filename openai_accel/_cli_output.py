"""Terminal output for the CLI: sections, aligned values, word-safe clipping, a spinner.

Kept apart from the commands so that every command prints the same way and
the rules (never cut a word in half, animate only on a terminal) are written
once.
"""

from __future__ import annotations

import itertools
import sys
import threading
from types import TracebackType
from typing import Any, Optional, TextIO, Type

__all__ = ["Spinner", "clip", "section", "show"]

_WIDTH = 72
_FRAMES = "|/-\\"


def clip(text: str, width: int) -> str:
    """``text`` shortened to at most ``width`` characters at a word boundary, with "...".

    A single word longer than ``width`` is the only thing ever cut inside a word.
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    room = max(width - 3, 1)
    cut = text[: room + 1].rsplit(" ", 1)[0] if " " in text[: room + 1] else text[:room]
    return cut[:room].rstrip(" ,;:") + "..."


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, _WIDTH - 6 - len(title)))


def show(label: str, value: Any) -> None:
    print(f"  {label:<26} {value}")


class Spinner:
    """Shows ``label`` and a turning bar on stderr while a long wait lasts.

    Only on a terminal: piped or captured output gets nothing, so logs and
    tests stay clean. The line is erased when the wait ends.
    """

    def __init__(self, label: str, stream: Optional[TextIO] = None, interval: float = 0.1) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._done = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def active(self) -> bool:
        return self._thread is not None

    def __enter__(self) -> Spinner:
        isatty = getattr(self.stream, "isatty", None)
        if isatty is not None and isatty():
            self._thread = threading.Thread(target=self._spin, name="openai-accel-spinner")
            self._thread.daemon = True
            self._thread.start()
        return self

    def _spin(self) -> None:
        for frame in itertools.cycle(_FRAMES):
            self.stream.write(f"\r{frame} {self.label}")
            self.stream.flush()
            if self._done.wait(self.interval):
                break
        self.stream.write("\r" + " " * (len(self.label) + 2) + "\r")
        self.stream.flush()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
