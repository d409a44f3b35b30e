"""The stream path's fast paths agree with the general code they shortcut.

Each ``# perf:`` shortcut on the per-chunk path (the SSE decoder's plain
``data:`` events, the direct JSON scanner call, the inline error check) must
give exactly what the general code gives, errors included; these properties
compare the two on generated input.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_accel._core import json_stream
from openai_accel._core.json_stream import JSONStreamDecoder
from openai_accel._core.sse import SSEDecoder
from openai_accel.errors import StreamError

_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)

#: Text that looks like JSON or almost: valid documents, with padding, cut, doubled, a BOM.
_json_texts = st.one_of(
    _json_values.map(json.dumps),
    st.tuples(_json_values.map(json.dumps), st.sampled_from(["", " ", "\t", "\n", "x", "{}"])).map(
        lambda t: t[0] + t[1]
    ),
    st.tuples(st.sampled_from([" ", "\ufeff", "\n"]), _json_values.map(json.dumps)).map(
        lambda t: t[0] + t[1]
    ),
    _json_values.map(json.dumps).flatmap(lambda s: st.integers(0, len(s)).map(lambda cut: s[:cut])),
    st.text(alphabet='{}[]",:0123456789.eE-+ tfnrulase\\', max_size=20),
)


def _outcome(fn: Any, text: str) -> Tuple[str, Any]:
    try:
        return ("value", fn(text))
    except Exception as exc:  # the error's type and message are what callers see
        return ("error", (type(exc), str(exc)))


@_PROPERTY
@given(_json_texts)
def test_direct_scanner_call_equals_json_loads(text: str) -> None:
    assert _outcome(json_stream._loads, text) == _outcome(json.loads, text)


def _general_events(decoder: SSEDecoder, text: str) -> Any:
    """What the line-by-line loop returns for ``text`` (the fast path switched off)."""
    original = decoder._plain_events
    decoder._plain_events = lambda text: None  # type: ignore[method-assign]
    try:
        return decoder._process(text.encode())
    finally:
        decoder._plain_events = original  # type: ignore[method-assign]


_lines = st.lists(
    st.one_of(
        st.text(alphabet='ab{}: "é', max_size=8).map(lambda v: "data: " + v),
        st.text(alphabet="ab{}: ", max_size=6).map(lambda v: "data:" + v),
        st.sampled_from(["", ": keep-alive", "event: x", "id: 7", "retry: 30", "data", "x: y"]),
    ),
    max_size=8,
)


def _state(decoder: SSEDecoder) -> Tuple[Any, ...]:
    return (
        decoder._data,
        decoder._event,
        decoder._block_retry,
        decoder._in_event,
        decoder._last_event_id,
        decoder._retry,
    )


@_PROPERTY
@given(_lines, st.sampled_from(["", "\n", "\n\n"]), st.none() | st.just("id-1"))
def test_plain_event_blocks_decode_like_the_line_loop(
    lines: List[str], ending: str, last_id: Optional[str]
) -> None:
    text = "\n".join(lines) + "\n" + ending
    fast, general = SSEDecoder(), SSEDecoder()
    fast._last_event_id = general._last_event_id = last_id
    assert fast._process(text.encode()) == _general_events(general, text)
    assert _state(fast) == _state(general)


@_PROPERTY
@given(
    st.lists(
        st.sampled_from(
            [
                '{"a":1}',
                '{"error":{"message":"m"}}',
                '{"type":"error"}',
                '{"error":null}',
                '{"type":"x"}',
                "[1]",
                "7",
                '"s"',
            ]
        ),
        max_size=6,
    ),
    st.none() | st.sampled_from(["error", "message", "response.created"]),
)
def test_ordinary_payload_check_agrees_with_stream_error(datas: List[str], event: Any) -> None:
    head = "" if event is None else f"event: {event}\n"
    body = "".join(f"{head}data: {d}\n\n" for d in datas).encode()
    got: List[Any] = []
    decoder = JSONStreamDecoder(expect_done=False)
    try:
        got.extend(decoder.feed_events(body))
        got.extend(decoder.feed_events(b""))
        decoder.finish()
    except StreamError as exc:
        got.append(("error", str(exc)))
    expected: List[Any] = []
    for d in datas:
        payload = json.loads(d)
        error = json_stream._stream_error(event, payload)
        if error is not None:
            expected.append(("error", str(error)))
            break
        expected.append(json_stream.StreamEvent(event, payload))
    assert got == expected
