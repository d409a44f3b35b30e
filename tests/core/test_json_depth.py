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


# -- loads_reply's direct scan of one object agrees with the full decoder ------


def _reference(text: str):
    def refuse(name: str):
        raise ValueError(f"{name} is not a JSON number")

    try:
        return ("ok", json.JSONDecoder(parse_constant=refuse).decode(text))
    except ValueError as exc:
        return ("error", type(exc), str(exc))


def _ours(text: str):
    from openai_accel._core.response import loads_reply

    try:
        return ("ok", loads_reply(text))
    except ValueError as exc:
        return ("error", type(exc), str(exc))


_json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
).map(json.dumps)


@given(
    text=_json_texts.map(lambda t: "{" + t + "}")  # mostly malformed objects
    | st.dictionaries(st.text(max_size=3), _json_texts, max_size=3).map(
        lambda d: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in d.items()) + "}"
    )
    | st.tuples(st.sampled_from(["", " ", "\n"]), st.sampled_from(["", " ", "x", "}", "\t"])).map(
        lambda p: p[0] + '{"a": [1, 2]}' + p[1]
    )
    | st.text(alphabet='{}[]":, 01aNInfity\\', max_size=12).map(lambda t: "{" + t + "}")
)
def test_loads_reply_agrees_with_the_decoder(text):
    assert _ours(text) == _reference(text)
