"""The depth check that keeps absurd nesting away from the recursive C decoder."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from openai_accel._core.json_depth import MAX_DEPTH, too_deep


def test_ordinary_replies_are_not_scanned_deep():
    assert not too_deep('{"choices": [{"message": {"content": "hi"}}]}')


def test_ten_thousand_levels_are_too_deep():
    assert too_deep("[" * 10_000 + "]" * 10_000)
    assert too_deep('{"a":' * 10_000 + "1" + "}" * 10_000)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"content": "[" * 5000})
    assert not too_deep(text)


def test_many_brackets_side_by_side_are_not_deep():
    text = json.dumps([[0.5] for _ in range(5000)])  # a big embeddings batch
    assert not too_deep(text)


def test_the_limit_is_exact():
    assert not too_deep("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert too_deep("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=30,
)


@given(json_values)
def test_what_json_can_decode_shallowly_is_never_refused(value):
    assert not too_deep(json.dumps(value))
