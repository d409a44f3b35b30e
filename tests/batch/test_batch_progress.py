"""Progress reporting: monotonic events, a tqdm bar on a terminal, text otherwise."""

from __future__ import annotations

import io
import sys
from typing import Any, List

import pytest

from openai_accel import BatchProgress
from openai_accel._ops.batch_progress import make_reporter
from openai_accel._ops.batch_run import PollSchedule


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _event(completed: int, failed: int = 0, stage: str = "running") -> BatchProgress:
    return BatchProgress(stage=stage, total=10, completed=completed, failed=failed, batches=1)


def test_counts_never_decrease_even_when_the_api_reports_less() -> None:
    seen: List[BatchProgress] = []
    report = make_reporter(seen.append)
    assert report is not None

    for completed in (3, 5, 4, 7):
        report(_event(completed))

    assert [e.completed for e in seen] == [3, 5, 7]  # the 4 is a repeat of 5: not sent


def test_a_terminal_gets_a_tqdm_bar() -> None:
    pytest.importorskip("tqdm")
    out = _Terminal()
    report = make_reporter(True, stream=out)
    assert report is not None

    report(_event(3))
    report(_event(10, stage="done"))

    assert "10/10" in out.getvalue() and "req" in out.getvalue()


def test_without_tqdm_a_terminal_is_told_and_gets_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    out = _Terminal()
    report = make_reporter(True, stream=out)
    assert report is not None

    report(_event(4, 1, stage="running"))

    text = out.getvalue()
    assert "pip install openai-accel[progress]" in text
    assert "batch running: 5/10 requests (1 failed)" in text


def test_progress_must_be_a_bool_or_a_callable() -> None:
    with pytest.raises(TypeError, match="progress"):
        make_reporter("yes")  # type: ignore[arg-type]


def test_poll_waits_grow_to_the_cap_and_restart_on_progress() -> None:
    schedule = PollSchedule(1.0)

    waits = [schedule.next(False) for _ in range(8)]
    assert waits[:3] == [1.0, 1.5, 2.25] and max(waits) == 10.0
    assert schedule.next(True) == 1.0


@pytest.mark.parametrize("bad", [0, -1.0])
def test_a_poll_interval_must_be_positive(bad: Any) -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        PollSchedule(bad)
