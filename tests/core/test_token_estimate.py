"""The token estimate a call reserves before it is sent."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openai_accel._core import token_estimate as te
from openai_accel._core.token_estimate import DEFAULT_OUTPUT_TOKENS, estimate_tokens


def chat(content, **extra):
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **extra}


def test_the_heuristic_is_four_characters_a_token_plus_framing():
    assert te.heuristic_count("x" * 9) == 3
    body = chat("x" * 40, max_tokens=10)
    assert estimate_tokens(body) == te.REPLY_PRIMING + te.MESSAGE_OVERHEAD + 10 + 10


def test_n_choices_each_reserve_the_output_cap():
    one = estimate_tokens(chat("hi", max_completion_tokens=100))
    three = estimate_tokens(chat("hi", max_completion_tokens=100, n=3))
    assert three - one == 200


def test_without_an_output_cap_the_documented_default_is_reserved():
    assert (
        estimate_tokens(chat("")) == te.REPLY_PRIMING + te.MESSAGE_OVERHEAD + DEFAULT_OUTPUT_TOKENS
    )


def test_content_parts_count_their_text_not_their_images():
    parts = [
        {"type": "text", "text": "x" * 8},
        {"type": "image_url", "image_url": {"url": "y" * 400}},
    ]
    assert estimate_tokens(chat(parts, max_tokens=0)) == te.REPLY_PRIMING + te.MESSAGE_OVERHEAD + 2


def test_a_token_counter_replaces_the_heuristic():
    seen = []

    def counter(text, model):
        seen.append((text, model))
        return 7

    body = {"model": "text-embedding-3-small", "input": ["a", "b"]}
    assert estimate_tokens(body, counter) == 14
    assert seen == [("a", "text-embedding-3-small"), ("b", "text-embedding-3-small")]


def test_embeddings_given_token_ids_count_the_ids():
    assert estimate_tokens({"model": "e", "input": [[1, 2, 3], [4, 5]]}) == 5


def test_tiktoken_is_used_only_when_its_encoding_is_already_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert te.offline_tiktoken_counter() is None  # never downloads


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["messages", "input", "n", "max_tokens", "content", "text", "model"]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_body_gets_a_non_negative_estimate_and_never_an_exception(body):
    value = estimate_tokens(body if isinstance(body, dict) else {"input": body})
    assert isinstance(value, int) and value >= 0


_MESSAGE = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "user"]), "content": st.text()}),
    st.fixed_dictionaries({"role": st.just("user"), "content": st.none()}),
    st.fixed_dictionaries(
        {"role": st.just("user"), "content": st.lists(st.fixed_dictionaries({"text": st.text()}))}
    ),
    st.fixed_dictionaries({"role": st.just("user"), "content": st.text(), "name": st.text()}),
    st.text(),
)


@given(messages=st.lists(_MESSAGE, max_size=6), temperature=st.none() | st.floats(0, 2))
def test_the_plain_chat_shortcut_estimates_what_the_general_rules_do(messages, temperature):
    """The fast path for the usual chat body agrees with the general walk (forced by a key
    it does not know, ``logit_bias``, which does not change an estimate)."""
    body = {"model": "gpt-4o", "messages": messages}
    if temperature is not None:
        body["temperature"] = temperature
    assert estimate_tokens(body) == estimate_tokens({**body, "logit_bias": {}})
