"""Progress of a batch job: events for a callable, a tqdm bar, or plain text lines.

Counts in the events never decrease, even when the API's ``request_counts``
briefly do (a retried poll that reached a lagging replica), so a progress bar
never runs backwards.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Optional, TextIO, Union

import attrs

__all__ = ["BatchProgress", "ProgressArg", "make_reporter"]


@attrs.frozen
class BatchProgress:
    """One progress event of a batch job."""

    #: ``preparing``, ``uploading``, ``submitted``, ``running``, ``downloading`` or ``done``.
    stage: str
    total: int
    completed: int = 0
    failed: int = 0
    #: Batches (input files) in the job, and how many have finished.
    batches: int = 0
    batches_finished: int = 0

    @property
    def done(self) -> int:
        return self.completed + self.failed


ProgressArg = Union[None, bool, Callable[[BatchProgress], Any]]
Reporter = Callable[[BatchProgress], None]


class _Monotonic:
    """Forwards events whose counts never go below the previous event's."""

    def __init__(self, sink: Reporter) -> None:
        self._sink = sink
        self._last: Optional[BatchProgress] = None

    def __call__(self, event: BatchProgress) -> None:
        last = self._last
        if last is not None:
            event = attrs.evolve(
                event,
                completed=max(event.completed, last.completed),
                failed=max(event.failed, last.failed),
                batches_finished=max(event.batches_finished, last.batches_finished),
            )
            if event == last:
                return
        self._last = event
        self._sink(event)


class _TextProgress:
    """A line per change on a stream, for logs and terminals without tqdm."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __call__(self, event: BatchProgress) -> None:
        self._stream.write(
            f"batch {event.stage}: {event.done}/{event.total} requests "
            f"({event.failed} failed), {event.batches_finished}/{event.batches} batches\n"
        )
        self._stream.flush()


class _TqdmProgress:
    def __init__(self, tqdm: Any, stream: TextIO) -> None:
        self._tqdm = tqdm
        self._stream = stream
        self._bar: Any = None

    def __call__(self, event: BatchProgress) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=event.total, unit="req", desc="batch", file=self._stream)
        self._bar.set_postfix_str(f"{event.stage}, {event.failed} failed", refresh=False)
        self._bar.update(event.done - self._bar.n)
        if event.stage == "done":
            self._bar.close()


def make_reporter(progress: ProgressArg, stream: Optional[TextIO] = None) -> Optional[Reporter]:
    """``None``/``False``: silent; a callable: it gets every event; ``True``: a tqdm bar
    on a terminal (the ``progress`` extra), otherwise text lines on stderr."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return _Monotonic(progress)
    if progress is not True:
        raise TypeError(f"progress must be a bool or a callable, not {type(progress).__name__}")
    out = stream if stream is not None else sys.stderr
    if getattr(out, "isatty", lambda: False)():
        try:
            from tqdm import tqdm
        except ImportError:
            out.write(
                "openai_accel: install the 'progress' extra (pip install openai-accel[progress]) "
                "for a progress bar; printing text lines instead\n"
            )
        else:
            return _Monotonic(_TqdmProgress(tqdm, out))
    return _Monotonic(_TextProgress(out))
