"""Bookkeeping of the bounded queue: counts, FIFO hand-off, cancellation."""

from __future__ import annotations

import pytest

from openai_accel._core.admission import AdmissionState
from openai_accel.errors import QueueFullError


def full_state() -> AdmissionState:
    """max_concurrent=2, queue_size=1, with both slots taken and one waiter."""
    state = AdmissionState(max_concurrent=2, queue_size=1)
    assert state.try_enter(object())
    assert state.try_enter(object())
    assert not state.try_enter(object())
    return state


def test_admits_up_to_max_concurrent() -> None:
    state = AdmissionState(max_concurrent=2, queue_size=1)
    assert [state.try_enter(object()), state.try_enter(object())] == [True, True]
    assert (state.running, state.waiting) == (2, 0)


def test_queues_once_all_slots_are_taken() -> None:
    state = AdmissionState(max_concurrent=2, queue_size=1)
    state.try_enter(object())
    state.try_enter(object())
    assert state.try_enter(object()) is False
    assert (state.running, state.waiting) == (2, 1)


def test_full_queue_raises_and_states_both_limits() -> None:
    state = full_state()
    with pytest.raises(QueueFullError) as raised:
        state.try_enter(object())
    message = str(raised.value)
    assert "max_concurrent_requests=2" in message and "queue_size=1" in message


def test_rejected_arrival_changes_nothing() -> None:
    state = full_state()
    with pytest.raises(QueueFullError):
        state.try_enter(object())
    assert (state.running, state.waiting) == (2, 1)


def test_zero_queue_size_rejects_instead_of_queueing() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=0)
    state.try_enter(object())
    with pytest.raises(QueueFullError):
        state.try_enter(object())


def test_leave_without_waiters_frees_a_slot() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=0)
    state.try_enter(object())
    assert state.leave() is None
    assert state.running == 0


def test_leave_hands_the_slot_to_the_waiter() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=1)
    state.try_enter(object())
    waiter = object()
    state.try_enter(waiter)
    assert state.leave() is waiter
    assert (state.running, state.waiting) == (1, 0)


def test_hand_offs_are_fifo() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=3)
    state.try_enter(object())
    waiters = [object(), object(), object()]
    for waiter in waiters:
        state.try_enter(waiter)
    assert [state.leave(), state.leave(), state.leave()] == waiters


def test_newcomer_cannot_overtake_the_queue() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=2)
    state.try_enter(object())
    first = object()
    state.try_enter(first)
    state.leave()  # hands the slot to ``first``: no free slot appears
    assert state.try_enter(object()) is False


def test_leave_without_enter_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        AdmissionState(max_concurrent=1, queue_size=0).leave()


def test_cancel_removes_a_queued_waiter() -> None:
    state = full_state()
    waiter = object()
    state.leave()  # hand-off to the waiter queued by full_state()
    state.try_enter(waiter)
    assert state.cancel(waiter) is True
    assert (state.running, state.waiting) == (2, 0)


def test_cancel_keeps_the_order_of_the_others() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=3)
    state.try_enter(object())
    a, b, c = object(), object(), object()
    for waiter in (a, b, c):
        state.try_enter(waiter)
    state.cancel(b)
    assert [state.leave(), state.leave()] == [a, c]


def test_cancel_after_hand_off_returns_false_and_keeps_the_slot() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=1)
    state.try_enter(object())
    waiter = object()
    state.try_enter(waiter)
    state.leave()
    assert state.cancel(waiter) is False
    assert state.running == 1  # the caller still owes a leave()


def test_cancel_matches_by_identity_not_equality() -> None:
    state = AdmissionState(max_concurrent=1, queue_size=2)
    state.try_enter(object())
    first, second = [1], [1]  # equal but distinct tokens
    state.try_enter(first)
    state.try_enter(second)
    state.cancel(second)
    assert state.leave() is first


@pytest.mark.parametrize(
    ("max_concurrent", "queue_size", "name"),
    [(0, 1, "max_concurrent"), (1, -1, "queue_size")],
)
def test_rejects_invalid_limits(max_concurrent: int, queue_size: int, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        AdmissionState(max_concurrent, queue_size)
