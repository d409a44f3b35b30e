"""Tests for the incremental SSE decoder and the JSON stream layer on top of it."""

from __future__ import annotations

import json
from typing import Any, Iterable, List, Sequence, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_accel._core.json_stream import JSONStreamDecoder, StreamEvent
from openai_accel._core.sse import ServerSentEvent, SSEDecoder
from openai_accel.errors import StreamError
from tests._shared import recorded

# --------------------------------------------------------------------------- helpers


def sse_events(*chunks: bytes) -> List[ServerSentEvent]:
    decoder = SSEDecoder()
    events: List[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.close())
    return events


def data_of(*chunks: bytes) -> List[str]:
    return [event.data for event in sse_events(*chunks)]


def json_events(chunks: Iterable[bytes], *, expect_done: bool = True) -> List[StreamEvent]:
    decoder = JSONStreamDecoder(expect_done=expect_done)
    events: List[StreamEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed_events(chunk))
    decoder.finish()
    return events


def split_at(body: bytes, cuts: Iterable[int]) -> List[bytes]:
    points = [0, *sorted(cuts), len(body)]
    return [body[a:b] for a, b in zip(points, points[1:])]


# --------------------------------------------------------------------------- line ends


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_each_line_end_style_terminates_lines(eol: bytes) -> None:
    body = b"data: a" + eol + b"data: b" + eol + eol + b"data: c" + eol + eol
    assert data_of(body) == ["a\nb", "c"]


def test_mixed_line_ends_in_one_stream() -> None:
    assert data_of(b"data: a\r\ndata: b\rdata: c\n\r\n") == ["a\nb\nc"]


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    # Were the LF counted as a second line end, "a" would be dispatched alone.
    assert data_of(b"data: a\r", b"\ndata: b\r\n\r\n") == ["a\nb"]


def test_cr_at_chunk_end_followed_by_empty_chunk_then_lf() -> None:
    assert data_of(b"data: a\r", b"", b"\ndata: b\n\n") == ["a\nb"]


def test_cr_at_chunk_end_followed_by_cr_is_a_blank_line() -> None:
    assert data_of(b"data: a\r", b"\r") == ["a"]


def test_lone_cr_at_chunk_end_then_other_text_ends_the_line() -> None:
    assert data_of(b"data: a\r", b"data: b\r\r") == ["a\nb"]


def test_crlf_blank_line_split_between_chunks() -> None:
    assert data_of(b"data: a\r\n\r", b"\ndata: b\r\n\r\n") == ["a", "b"]


# --------------------------------------------------------------------------- fields


def test_multi_line_data_is_joined_with_newline() -> None:
    assert data_of(b"data: one\ndata: two\ndata: three\n\n") == ["one\ntwo\nthree"]


def test_only_one_space_after_colon_is_stripped() -> None:
    assert data_of(b"data:  two spaces\n\ndata:none\n\n") == [" two spaces", "none"]


def test_empty_data_line_contributes_an_empty_line() -> None:
    assert data_of(b"data:\ndata\ndata: x\n\n") == ["\n\nx"]


def test_comment_lines_are_ignored() -> None:
    assert data_of(b": keep-alive\ndata: a\n:another\n\n") == ["a"]


def test_comment_only_block_dispatches_nothing() -> None:
    assert data_of(b": ping\n\n") == []


def test_field_without_colon_has_empty_value() -> None:
    events = sse_events(b"data: x\nevent\n\n")
    assert events == [ServerSentEvent("x", event=None)]


def test_unknown_fields_are_ignored() -> None:
    assert sse_events(b"foo: bar\ndata: x\nDATA: y\n\n") == [ServerSentEvent("x")]


def test_event_without_data_is_not_dispatched() -> None:
    assert sse_events(b"event: ping\n\n") == []


def test_event_name_of_undispatched_block_does_not_leak() -> None:
    assert sse_events(b"event: ping\n\ndata: x\n\n") == [ServerSentEvent("x", event=None)]


def test_event_name_is_reported() -> None:
    assert sse_events(b"event: response.created\ndata: {}\n\n") == [
        ServerSentEvent("{}", event="response.created")
    ]


def test_event_name_resets_after_dispatch() -> None:
    events = sse_events(b"event: a\ndata: 1\n\ndata: 2\n\n")
    assert [e.event for e in events] == ["a", None]


def test_id_persists_across_events() -> None:
    events = sse_events(b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n")
    assert [e.id for e in events] == ["7", "7", ""]


def test_id_containing_nul_is_ignored() -> None:
    events = sse_events(b"id: 1\n\nid: 2\x003\ndata: a\n\n")
    assert events[0].id == "1"


def test_id_only_block_updates_last_event_id_without_dispatch() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 42\n\n") == []
    assert decoder.last_event_id == "42"


def test_retry_field_is_parsed_when_all_digits() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 1500\ndata: a\n\ndata: b\n\n")
    assert [e.retry for e in events] == [1500, None]
    assert decoder.retry == 1500


@pytest.mark.parametrize("value", [b"", b"1.5", b"-1", b"10s", "\u0661".encode()])
def test_retry_field_with_non_digits_is_ignored(value: bytes) -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: " + value + b"\ndata: a\n\n")
    assert events[0].retry is None
    assert decoder.retry is None


def test_server_sent_event_json_parses_data() -> None:
    assert ServerSentEvent('{"a": [1, 2]}').json() == {"a": [1, 2]}


# --------------------------------------------------------------------------- BOM and UTF-8


def test_bom_at_stream_start_is_ignored() -> None:
    assert data_of(b"\xef\xbb\xbfdata: a\n\n") == ["a"]


@pytest.mark.parametrize("cut", [1, 2])
def test_bom_split_across_chunks_is_ignored(cut: int) -> None:
    body = b"\xef\xbb\xbfdata: a\n\n"
    assert data_of(body[:cut], body[cut:]) == ["a"]


def test_bom_after_stream_start_is_part_of_the_line() -> None:
    # "\ufeffdata" is an unknown field name, so the second event has no data.
    assert data_of(b"data: a\n\n\xef\xbb\xbfdata: b\n\n") == ["a"]


def test_short_first_chunk_that_is_not_a_bom() -> None:
    assert data_of(b"d", b"a", b"ta: x\n\n") == ["x"]


@pytest.mark.parametrize("text", ["1231 \u00d7 2331", "\u20ac", "\U0001f600 ok"])
def test_utf8_character_split_at_every_byte(text: str) -> None:
    body = ("data: " + text + "\n\n").encode("utf-8")
    start = len(b"data: ")
    for cut in range(start, start + len(text.encode("utf-8")) + 1):
        assert data_of(body[:cut], body[cut:]) == [text], cut


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert data_of(b"data: a\xffb\n\n") == ["a\ufffdb"]


def test_one_byte_chunks_decode_like_whole() -> None:
    body = "event: e\r\ndata: caf\u00e9\r\n: c\r\ndata: 2\r\n\r\n".encode()
    assert sse_events(*(body[i : i + 1] for i in range(len(body)))) == sse_events(body)


# --------------------------------------------------------------------------- end of input


def test_unterminated_event_is_discarded_and_reported_pending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.close() == []
    assert decoder.pending


def test_partial_line_is_pending() -> None:
    decoder = SSEDecoder()
    decoder.feed(b'data: {"a":')
    assert decoder.pending


def test_clean_end_is_not_pending() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\n: trailing comment\n")
    decoder.close()
    assert not decoder.pending


def test_feed_after_close_is_refused() -> None:
    decoder = SSEDecoder()
    decoder.close()
    with pytest.raises(RuntimeError):
        decoder.feed(b"data: a\n\n")


# --------------------------------------------------------------------------- JSON layer


def test_json_decoder_returns_parsed_objects() -> None:
    decoder = JSONStreamDecoder()
    assert decoder.feed(b'data: {"a": 1}\n\ndata: [2]\n\n') == [{"a": 1}, [2]]


def test_done_sets_done_and_stops() -> None:
    decoder = JSONStreamDecoder()
    assert decoder.feed(b'data: {"a": 1}\n\ndata: [DONE]\n\ndata: {"b": 2}\n\n') == [{"a": 1}]
    assert decoder.done
    assert decoder.feed(b'data: {"c": 3}\n\n') == []


def test_finish_after_done_succeeds() -> None:
    decoder = JSONStreamDecoder()
    decoder.feed(b"data: [DONE]\n\n")
    decoder.finish()


def test_finish_without_done_raises() -> None:
    decoder = JSONStreamDecoder()
    decoder.feed(b'data: {"a": 1}\n\n')
    with pytest.raises(StreamError, match=r"stream ended before \[DONE\]"):
        decoder.finish()


def test_done_split_across_chunks_is_recognised() -> None:
    decoder = JSONStreamDecoder()
    assert decoder.feed(b"data: [DO") == []
    assert decoder.feed(b"NE]\n\n") == []
    assert decoder.done


def test_expect_done_false_finishes_without_done() -> None:
    decoder = JSONStreamDecoder(expect_done=False)
    events = decoder.feed_events(b'event: response.completed\ndata: {"type": "x"}\n\n')
    decoder.finish()
    assert events == [StreamEvent("response.completed", {"type": "x"})]


def test_expect_done_false_still_honours_done() -> None:
    decoder = JSONStreamDecoder(expect_done=False)
    assert decoder.feed(b"data: [DONE]\n\ndata: {}\n\n") == []
    assert decoder.done


def test_expect_done_false_reports_truncated_event() -> None:
    decoder = JSONStreamDecoder(expect_done=False)
    decoder.feed(b'event: response.completed\ndata: {"type": "response.completed"')
    with pytest.raises(StreamError, match="middle of an event"):
        decoder.finish()


def test_pending_reports_partial_event() -> None:
    decoder = JSONStreamDecoder()
    decoder.feed(b'data: {"a": 1}\n')
    assert decoder.pending


def test_blank_data_event_is_skipped() -> None:
    assert JSONStreamDecoder().feed(b"data:\n\ndata: 1\n\n") == [1]


def test_error_object_raises_stream_error_with_fields() -> None:
    body = (
        b'data: {"error": {"message": "The server had an error", "type": "server_error",'
        b' "code": "boom", "param": "messages"}}\n\n'
    )
    with pytest.raises(StreamError) as info:
        JSONStreamDecoder().feed(body)
    error = info.value
    assert (error.message, error.type, error.code, error.param) == (
        "The server had an error",
        "server_error",
        "boom",
        "messages",
    )


def test_error_object_is_kept_as_body() -> None:
    with pytest.raises(StreamError) as info:
        JSONStreamDecoder().feed(b'data: {"error": {"message": "m", "code": null}}\n\n')
    assert info.value.body == {"error": {"message": "m", "code": None}}
    assert info.value.code is None


def test_error_string_raises_stream_error() -> None:
    with pytest.raises(StreamError, match="overloaded"):
        JSONStreamDecoder().feed(b'data: {"error": "overloaded"}\n\n')


def test_responses_error_event_raises_stream_error() -> None:
    body = (
        b"event: error\n"
        b'data: {"type": "error", "code": "ERR_SOMETHING", "message": "Something went wrong",'
        b' "param": null, "sequence_number": 3}\n\n'
    )
    with pytest.raises(StreamError) as info:
        JSONStreamDecoder(expect_done=False).feed(body)
    assert (info.value.message, info.value.code) == ("Something went wrong", "ERR_SOMETHING")


def test_null_error_key_is_not_an_error() -> None:
    assert JSONStreamDecoder().feed(b'data: {"error": null, "a": 1}\n\n') == [
        {"error": None, "a": 1}
    ]


def test_events_before_an_error_are_delivered_then_error_raised() -> None:
    decoder = JSONStreamDecoder()
    body = b'data: {"a": 1}\n\ndata: {"error": {"message": "late failure"}}\n\n'
    assert decoder.feed(body) == [{"a": 1}]
    with pytest.raises(StreamError, match="late failure"):
        decoder.feed(b"")


def test_deferred_error_is_raised_by_finish() -> None:
    decoder = JSONStreamDecoder()
    decoder.feed(b'data: {"a": 1}\n\ndata: {"error": {"message": "late failure"}}\n\n')
    with pytest.raises(StreamError, match="late failure"):
        decoder.finish()


def test_invalid_json_raises_stream_error() -> None:
    with pytest.raises(StreamError, match=r"invalid JSON in stream event.*\{\"a\": ") as info:
        JSONStreamDecoder().feed(b'data: {"a": \n\n')
    assert info.value.body == '{"a": '


def test_stream_errors_have_no_status_code() -> None:
    # A stream error happens after a 200, so there is no error status to report.
    with pytest.raises(StreamError) as info:
        JSONStreamDecoder().feed(b"data: nope\n\n")
    assert info.value.status_code is None


# --------------------------------------------------------------------------- recordings

RECORDINGS: Sequence[Tuple[str, bool]] = (
    ("chat_stream_text_include_usage", True),
    ("chat_stream_text_no_usage", True),
    ("chat_stream_parallel_tool_calls", True),
    ("chat_stream_parallel_tool_calls_obfuscation", True),
    ("responses_stream_text", False),
    ("responses_stream_function_call", False),
    ("audio_transcription_stream", True),
)
RECORDING_IDS = [name for name, _ in RECORDINGS]

# Bodies up to this size are checked at every split point; longer ones with a
# stride, plus every split point near a line end or a non-ASCII byte.
_EXHAUSTIVE_LIMIT = 16384
_STRIDE = 7
_NEAR = 6


def body_of(name: str) -> bytes:
    body: str = recorded(name)["response"]["body"]
    return body.encode("utf-8")


def split_points(body: bytes) -> List[int]:
    if len(body) <= _EXHAUSTIVE_LIMIT:
        return list(range(len(body) + 1))
    points = set(range(0, len(body) + 1, _STRIDE))
    points.update(range(_NEAR + 1))
    points.add(len(body))
    for position, byte in enumerate(body):
        if byte in (0x0A, 0x0D) or byte > 0x7F:
            points.update(range(max(0, position - _NEAR), min(len(body), position + _NEAR) + 1))
    return sorted(points)


def with_line_ends(body: bytes, eol: bytes) -> bytes:
    return body.replace(b"\r\n", b"\n").replace(b"\n", eol)


@pytest.fixture(scope="module", params=RECORDINGS, ids=RECORDING_IDS)
def recording(request: pytest.FixtureRequest) -> Tuple[bytes, bool]:
    name, expect_done = request.param
    return body_of(name), expect_done


def test_split_points_of_a_long_body_cover_every_byte_near_boundaries() -> None:
    start = _EXHAUSTIVE_LIMIT + 1000
    body = b"x" * start + "\u00d7".encode() + b"y" * 100 + b"\n"
    points = set(split_points(body))
    assert len(points) < len(body) // 2
    assert set(range(start - _NEAR, start + 2 + _NEAR)) <= points
    assert {len(body) - 1, len(body)} <= points


def test_recording_two_way_splits_match_whole(recording: Tuple[bytes, bool]) -> None:
    # The split is invisible above the SSE layer, so comparing SSE events
    # covers the JSON layer too (it is checked on arbitrary splits below).
    body, _ = recording
    whole = sse_events(body)
    assert whole
    for cut in split_points(body):
        assert sse_events(body[:cut], body[cut:]) == whole, cut


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), eol=st.sampled_from([b"recorded", b"\n", b"\r", b"\r\n"]))
def test_recording_arbitrary_splits_match_whole(
    recording: Tuple[bytes, bool], data: st.DataObject, eol: bytes
) -> None:
    body, expect_done = recording
    expected = json_events([body], expect_done=expect_done)
    if eol != b"recorded":
        body = with_line_ends(body, eol)
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=60), label="cuts")
    assert json_events(split_at(body, cuts), expect_done=expect_done) == expected


def test_recording_one_byte_chunks_match_whole(recording: Tuple[bytes, bool]) -> None:
    body, expect_done = recording
    chunks = [body[i : i + 1] for i in range(len(body))]
    assert json_events(chunks, expect_done=expect_done) == json_events(
        [body], expect_done=expect_done
    )


def test_chat_text_recording_decodes_to_chunks_then_done() -> None:
    decoder = JSONStreamDecoder()
    chunks = decoder.feed(body_of("chat_stream_text_include_usage"))
    decoder.finish()
    assert decoder.done
    assert len(chunks) == 15
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1]) == (
        "This is a test. How can I assist you further?"
    )
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["total_tokens"] == 24


def test_chat_recording_truncated_before_done_raises() -> None:
    body = body_of("chat_stream_text_no_usage")
    decoder = JSONStreamDecoder()
    chunks = decoder.feed(body[: body.rindex(b"data: [DONE]")])
    assert len(chunks) == 26
    with pytest.raises(StreamError, match=r"before \[DONE\]"):
        decoder.finish()


def test_responses_text_recording_events_are_named_and_ordered() -> None:
    events = json_events([body_of("responses_stream_text")], expect_done=False)
    assert len(events) == 22
    assert all(e.event == e.data["type"] for e in events)
    assert [e.data["sequence_number"] for e in events] == list(range(22))
    assert events[0].event == "response.created"
    assert events[-1].event == "response.completed"
    deltas = [e.data["delta"] for e in events if e.event == "response.output_text.delta"]
    assert "".join(deltas) == "1231 \u00d7 2331 = **2,869,461**"
    assert events[-1].data["response"]["usage"]["total_tokens"] == 112


def test_responses_function_call_recording_arguments_assemble() -> None:
    events = json_events([body_of("responses_stream_function_call")], expect_done=False)
    assert len(events) == 17
    fragments = [
        e.data["delta"] for e in events if e.event == "response.function_call_arguments.delta"
    ]
    assert json.loads("".join(fragments)) == {"a": 1231, "b": 2331}
    added = next(e.data for e in events if e.event == "response.output_item.added")
    assert (added["item"]["name"], added["item"]["call_id"]) == (
        "multiply",
        "call_sVidsfFJ6zlzRpelrPkTPlpd",
    )


def test_audio_recording_with_crlf_decodes_transcript() -> None:
    decoder = JSONStreamDecoder()
    payloads: List[Any] = decoder.feed(body_of("audio_transcription_stream"))
    decoder.finish()
    assert decoder.done
    deltas = [p["delta"] for p in payloads if p["type"] == "transcript.text.delta"]
    assert "".join(deltas) == "Hello world, this is a test."
    assert payloads[-1]["type"] == "transcript.text.done"
    assert payloads[-1]["usage"]["total_tokens"] == 27


def test_a_line_without_end_beyond_the_limit_is_refused():
    from openai_accel.errors import StreamError

    decoder = SSEDecoder(max_line=64)
    decoder.feed(b"data: " + b"x" * 50)
    with pytest.raises(StreamError, match="longer than 64 bytes"):
        decoder.feed(b"y" * 20)


def test_long_lines_within_the_limit_are_fine():
    decoder = SSEDecoder(max_line=64)
    events = decoder.feed(b"data: " + b"x" * 50 + b"\n\n")
    assert events[0].data == "x" * 50
