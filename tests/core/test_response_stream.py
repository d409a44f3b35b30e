"""The Responses stream accumulator, and decoding the recorded streams split anywhere."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_accel import StreamError
from openai_accel._core.json_stream import JSONStreamDecoder
from openai_accel._core.response_stream import ResponseStreamAccumulator
from openai_accel.models.responses import structure_event, structure_response

from .._shared import RECORDED_DIR, recorded

NAMES = ["responses_stream_text", "responses_stream_function_call"]


def decode(body: bytes, cuts):
    """Events and final response from ``body`` fed in pieces cut at ``cuts``."""
    decoder = JSONStreamDecoder(expect_done=False)
    accumulator = ResponseStreamAccumulator()
    events = []
    start = 0
    for end in [*sorted(set(cuts)), len(body)]:
        for payload in decoder.feed(body[start:end]):
            events.append(structure_event(payload))
            accumulator.add(payload)
        start = end
    decoder.finish()
    return events, structure_response(accumulator.final_body())


def whole(name):
    return recorded(name)["response"]["body"].encode("utf-8")


@pytest.mark.skipif(not RECORDED_DIR.is_dir(), reason="../shared is absent")
@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_gives_identical_results(name, data):
    body = whole(name)
    expected_events, expected_final = decode(body, [])
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=40))
    events, final = decode(body, cuts)
    assert events == expected_events
    assert [e.raw for e in events] == [e.raw for e in expected_events]
    assert final == expected_final and final.raw == expected_final.raw


@pytest.mark.parametrize("name", NAMES)
def test_every_single_byte_boundary_of_the_first_events(name):
    """Exhaustive over the opening 3 kB (framing, the first events), one cut at a time."""
    body = whole(name)
    expected = decode(body, [])
    for cut in range(0, min(len(body), 3000), 7):
        assert decode(body, [cut]) == expected


def test_a_stream_cut_before_the_terminal_event_is_a_stream_error():
    accumulator = ResponseStreamAccumulator()
    accumulator.add({"type": "response.created", "response": {"id": "r", "output": []}})
    with pytest.raises(StreamError) as info:
        accumulator.final_body()
    assert "after 1 events" in str(info.value)


def test_response_failed_is_a_stream_error_with_the_servers_error():
    accumulator = ResponseStreamAccumulator()
    failed = {
        "type": "response.failed",
        "response": {"id": "r", "status": "failed", "error": {"code": "oops", "message": "bad"}},
    }
    with pytest.raises(StreamError) as info:
        accumulator.add(failed)
    assert (info.value.code, info.value.message) == ("oops", "bad")


def test_a_terminal_event_without_output_is_filled_from_the_items():
    accumulator = ResponseStreamAccumulator()
    message = {"id": "m", "type": "message", "role": "assistant", "content": []}
    call = {"id": "f", "type": "function_call", "call_id": "c", "name": "n", "arguments": ""}
    accumulator.add({"type": "response.output_item.added", "output_index": 0, "item": message})
    for piece in ["Hel", "lo"]:
        accumulator.add({"type": "response.output_text.delta", "output_index": 0, "delta": piece})
    accumulator.add({"type": "response.output_item.added", "output_index": 1, "item": call})
    accumulator.add(
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": "{}"}
    )
    accumulator.add({"type": "response.completed", "response": {"id": "r", "status": "completed"}})
    response = structure_response(accumulator.final_body())
    assert response.output_text == "Hello"
    assert response.tool_calls[0].arguments == "{}"


def test_unknown_event_types_pass_through():
    event = structure_event({"type": "response.web_search_call.searching", "item_id": "ws"})
    assert event.type == "response.web_search_call.searching"
    assert event.item_id == "ws" and event.raw["item_id"] == "ws"
    accumulator = ResponseStreamAccumulator()
    accumulator.add(event.raw)
    assert accumulator.events == 1


def test_an_unknown_output_item_is_kept_raw():
    body = {
        "id": "r",
        "output": [{"type": "web_search_call", "id": "ws_1", "status": "completed"}],
    }
    response = structure_response(body)
    (item,) = response.output
    assert type(item).__name__ == "UnknownItem"
    assert item.type == "web_search_call" and item.raw == body["output"][0]


def test_the_delta_fast_path_builds_what_the_converter_builds():
    from openai_accel.models._base import structure
    from openai_accel.models.responses import ResponseEvent, _register_hooks

    _register_hooks()
    payload = {
        "type": "response.output_text.delta",
        "content_index": 0,
        "delta": "Hi",
        "item_id": "msg_1",
        "logprobs": [],
        "obfuscation": "abc",
        "output_index": 0,
        "sequence_number": 4,
    }
    fast = structure_event(payload)
    assert fast == structure(payload, ResponseEvent)
    assert fast.raw is payload


def test_a_delta_of_an_unusual_shape_goes_through_the_strict_converter():
    from openai_accel.errors import InvalidResponseError
    from openai_accel.models._base import structure
    from openai_accel.models.responses import ResponseEvent, _register_hooks

    _register_hooks()
    payload = {"type": "response.output_text.delta", "delta": "x", "sequence_number": "7"}
    with pytest.raises(InvalidResponseError):
        structure(payload, ResponseEvent)
    with pytest.raises(InvalidResponseError):
        structure_event(payload)
