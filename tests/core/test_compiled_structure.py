"""The compiled structure functions decide exactly as cattrs' own would (models/_compiled.py).

The fast converter builds its own function per reply model; the detailed
converter (which explains refusals) keeps cattrs'. For random replies, of the
right shape and of every wrong one, both must accept the same ones with equal
results and refuse the same ones.
"""

from __future__ import annotations

import typing
from typing import Any, Dict, List, Type

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import openai_accel.models as models
from openai_accel.errors import InvalidResponseError
from openai_accel.models import responses
from openai_accel.models._base import _LIBRARY_FIELDS, _build, _dispatch, converter, structure
from openai_accel.models._compiled import ModelRules, compile_structure

responses._register_hooks()  # what the Responses flows do before their first reply
#: The reference: the same rules and hooks, with cattrs' own generated functions.
REFERENCE = _build(detailed=False, compiled=False)
responses.register_item_hooks(REFERENCE)

MODELS: List[Type[Any]] = sorted(
    {
        value
        for name in models.__all__
        if attrs.has(value := getattr(models, name)) and isinstance(value, type)
    },
    key=lambda cls: cls.__name__,
)

#: Values of every JSON kind, with the edges the hooks care about.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.sampled_from(["ascii", "é", "\ud800", "", "chatcmpl-1"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _wire_fields(cls: Type[Any]) -> List[Any]:
    attrs.resolve_types(cls)
    return [a for a in attrs.fields(cls) if a.init and a.name not in _LIBRARY_FIELDS]


def _value_for(kind: Any, depth: int) -> st.SearchStrategy[Any]:
    """Mostly a value of the field's own type (so replies get past the first field), else junk."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return st.one_of(st.none(), *(_value_for(a, depth) for a in inner))
    if origin in (list, List):
        item = _value_for(args[0] if args else Any, depth + 1)
        return st.one_of(st.lists(item, max_size=2), JUNK)
    if attrs.has(kind) and depth < 3:
        return st.one_of(reply_for(kind, depth + 1), JUNK)
    typical = {
        str: st.one_of(st.text(max_size=4), st.just("\udfff")),
        int: st.integers(min_value=-(2**64), max_value=2**64),
        float: st.floats(),
        bool: st.booleans(),
    }.get(kind)
    return JUNK if typical is None else st.one_of(typical, JUNK)


def reply_for(cls: Type[Any], depth: int = 0) -> st.SearchStrategy[Dict[str, Any]]:
    """A dict with some of ``cls``'s wire keys (and maybe an unknown one), values as above."""
    fields = _wire_fields(cls)
    members = {a.name: _value_for(a.type, depth) for a in fields}
    members["unknown_key"] = JUNK
    return st.fixed_dictionaries({}, optional=members)


def _outcome(hook: Any, data: Any, cls: Type[Any]) -> Any:
    try:
        return ("ok", hook(data, cls))
    except Exception:
        return ("refused", None)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_compiled_function_decides_like_cattrs(cls: Type[Any], data: Any) -> None:
    reply = data.draw(st.one_of(reply_for(cls), JUNK))
    fast = _outcome(_dispatch(converter(), cls), reply, cls)
    reference = _outcome(REFERENCE.structure, reply, cls)
    assert fast[0] == reference[0], reply
    assert fast[1] == reference[1]


def test_a_chat_reply_goes_through_a_compiled_function() -> None:
    hook = _dispatch(converter(), models.ChatResponse)
    assert hook.__name__ == "structure_ChatResponse"
    assert "return cls(" in (hook.__doc__ or "")  # the generated source, for debugging


def test_a_value_the_inline_test_does_not_accept_goes_to_the_fields_hook() -> None:
    reply = {"choices": [], "id": "caf\u00e9", "created": 2.0}  # non-ASCII str, integral float
    answer = structure(reply, models.ChatResponse)
    assert (answer.id, answer.created, type(answer.created)) == ("caf\u00e9", 2, int)
    with pytest.raises(InvalidResponseError, match="surrogate"):
        structure({"choices": [], "id": "\ud800"}, models.ChatResponse)


def test_a_missing_required_key_is_refused_with_its_name() -> None:
    with pytest.raises(InvalidResponseError, match="choices"):
        structure({"id": "x"}, models.ChatResponse)


def test_a_factory_that_takes_self_keeps_cattrs_function() -> None:
    @attrs.define
    class Derived:
        name: str = ""
        label: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))

    rules = ModelRules((), frozenset(), (), lambda o: None, lambda v: ValueError())
    assert compile_structure(Derived, rules, lambda t: _dispatch(converter(), t), 2**63) is None


def test_converters_and_defaults_of_the_class_still_apply() -> None:
    batch = structure({"id": "b", "status": "in_progress", "output_file_id": ""}, models.Batch)
    assert batch.status == models.BatchStatus.IN_PROGRESS
    assert batch.output_file_id is None  # the class's converter: "" means no file
