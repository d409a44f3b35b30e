"""keep_emits: filter a flow's emitted items, pass every other effect through."""

from __future__ import annotations

import pytest

from openai_accel._core.compose import keep_emits
from openai_accel._core.effects import Emit, Sleep, emit, sleep


def numbers(log):
    try:
        for n in range(5):
            yield from sleep(n)
            yield from emit(n)
        return "done"
    finally:
        log.append("closed")


def drive(flow, fail_at=None):
    """Run to the end: Sleep gets None (or an error at ``fail_at``), Emit is collected."""
    items, value, error = [], None, None
    while True:
        try:
            effect = flow.throw(error) if error else flow.send(value)
        except StopIteration as stop:
            return items, stop.value
        value, error = None, None
        if isinstance(effect, Emit):
            items.append(effect.value)
        elif isinstance(effect, Sleep) and effect.seconds == fail_at:
            error = RuntimeError("driver failed")


def test_items_are_filtered_and_the_result_kept():
    log = []
    items, result = drive(keep_emits(numbers(log), lambda n: n % 2 == 0))
    assert items == [0, 2, 4] and result == "done"
    assert log == ["closed"]


def test_a_driver_error_reaches_the_inner_flow():
    log = []
    with pytest.raises(RuntimeError, match="driver failed"):
        drive(keep_emits(numbers(log), lambda n: True), fail_at=2)
    assert log == ["closed"]


def test_closing_early_closes_the_inner_flow():
    log = []
    flow = keep_emits(numbers(log), lambda n: True)
    assert isinstance(flow.send(None), Sleep)
    flow.close()
    assert log == ["closed"]
