"""Request bodies: encoded like compact ``json.dumps``, refused by name when they are not JSON."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_accel import BadRequestError
from openai_accel._core.json_body import encode_json, first_unencodable

_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=30,
)


def _is_utf8(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(body=st.dictionaries(st.text(max_size=6), _JSON, max_size=5))
def test_a_json_body_is_encoded_as_compact_json_dumps(body: Any) -> None:
    if not _is_utf8(body):  # text with a lone surrogate: refused, see below
        with pytest.raises(BadRequestError):
            encode_json(body)
        return
    expected = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert encode_json(body) == expected
    assert first_unencodable(body) is None


_BAD_LEAVES = st.sampled_from([math.nan, math.inf, -math.inf, object(), {1, 2}, b"bytes", "\ud800"])


@settings(max_examples=200, deadline=None)
@given(
    good=st.lists(st.integers() | st.text(alphabet="abc", max_size=3), max_size=3),
    bad=_BAD_LEAVES,
    depth=st.integers(min_value=0, max_value=4),
)
def test_the_first_bad_value_is_named_by_its_path(good: Any, bad: Any, depth: int) -> None:
    value: Any = bad
    for level in range(depth):  # bury it: {"k0": [.., {"k1": [.., bad]}]}
        value = {f"k{level}": [*good, value]}
    body = {"messages": [*good, value]}
    path = f"messages[{len(good)}]" + "".join(
        f".k{level}[{len(good)}]" for level in reversed(range(depth))
    )
    with pytest.raises(BadRequestError) as caught:
        encode_json(body)
    assert caught.value.param == path
    assert path in str(caught.value)


def test_nan_is_refused_instead_of_sent_as_a_bare_word() -> None:
    with pytest.raises(BadRequestError, match=r"temperature is nan, which JSON cannot represent"):
        encode_json({"model": "m", "temperature": math.nan})


def test_a_circular_structure_is_named_where_it_turns_back() -> None:
    message: Any = {"role": "user", "content": "hi"}
    message["again"] = message
    with pytest.raises(BadRequestError, match="circular") as caught:
        encode_json({"messages": [message]})
    assert caught.value.param == "messages[0].again"


def test_a_key_that_is_not_text_is_refused() -> None:
    with pytest.raises(BadRequestError, match="key of type tuple") as caught:
        encode_json({"metadata": {(1, 2): "x"}})
    assert caught.value.param == "metadata"


def test_keys_that_are_not_identifiers_are_quoted_in_the_path() -> None:
    with pytest.raises(BadRequestError) as caught:
        encode_json({"metadata": {"two words": object()}})
    assert caught.value.param == "metadata['two words']"


def test_tuples_and_subclasses_encode_as_json_does() -> None:
    class Text(str):
        pass

    body = {"input": (Text("a"), 1, True, None, 2.5)}
    assert encode_json(body) == b'{"input":["a",1,true,null,2.5]}'


def test_text_outside_ascii_is_sent_as_utf8_not_escaped() -> None:
    assert encode_json({"content": "héllo \u2028 ☃"}) == '{"content":"héllo \u2028 ☃"}'.encode()
