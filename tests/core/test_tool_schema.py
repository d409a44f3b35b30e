"""Tool definitions derived from callables, and arguments coerced back."""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import attrs
import pytest
from typing_extensions import Annotated, Literal, TypedDict

from openai_accel._core.tool_schema import (
    coerce_arguments,
    tool_from_callable,
    tools_from_functions,
)

if TYPE_CHECKING:
    from decimal import Decimal  # only for the type checker: unresolvable at runtime


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Point:
    """A position on the map.

    Attributes:
        x: Metres east.
        y: Metres north.
    """

    x: float
    y: float = 0.0


@dataclasses.dataclass
class Tree:
    label: str
    children: List[Tree] = dataclasses.field(default_factory=list)


class Filters(TypedDict, total=False):
    kind: str
    limit: int


class Strict(TypedDict):
    key: str


@attrs.define
class Window:
    start: int
    end: int = 10


def _function(fn: Any) -> Dict[str, Any]:
    tool: Dict[str, Any] = tool_from_callable("t", fn)
    function: Dict[str, Any] = tool["function"]
    return function


def _props(fn: Any) -> Dict[str, Any]:
    props: Dict[str, Any] = _function(fn)["parameters"]["properties"]
    return props


def _required(fn: Any) -> List[str]:
    required: List[str] = _function(fn)["parameters"]["required"]
    return required


# --------------------------------------------------------------------------
# Names and shape
# --------------------------------------------------------------------------


def test_tool_shape() -> None:
    def ping() -> None:
        """Check liveness."""

    assert tool_from_callable("ping", ping) == {
        "type": "function",
        "function": {
            "name": "ping",
            "description": "Check liveness.",
            "parameters": {
                "type": "object",
                "properties": {},
                "required": [],
                "additionalProperties": False,
            },
        },
    }


@pytest.mark.parametrize("name", ["", "has space", "dot.name", "x" * 65, "naïve", "a\n"])
def test_invalid_name_raises_type_error(name: str) -> None:
    with pytest.raises(TypeError, match="invalid tool name"):
        tool_from_callable(name, lambda: None)


def test_longest_valid_name_accepted() -> None:
    assert tool_from_callable("a-" * 32, lambda: None)["function"]["name"] == "a-" * 32


def test_non_callable_raises_type_error() -> None:
    with pytest.raises(TypeError, match="not callable"):
        tool_from_callable("x", 42)  # type: ignore[arg-type]


def test_schema_is_json_serialisable() -> None:
    def f(unit: Unit, point: Point, tags: Set[str], when: Tuple[int, str]) -> None: ...

    json.dumps(tool_from_callable("f", f))


def test_tools_from_functions_keeps_order_and_names() -> None:
    def a() -> None: ...

    def b() -> None: ...

    tools = tools_from_functions({"second": b, "first": a})
    assert [tool["function"]["name"] for tool in tools] == ["second", "first"]


# --------------------------------------------------------------------------
# Parameters and types
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "schema"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (list, {"type": "array", "items": {}}),
        (List[str], {"type": "array", "items": {"type": "string"}}),
        (Sequence[int], {"type": "array", "items": {"type": "integer"}}),
        (Tuple[float, ...], {"type": "array", "items": {"type": "number"}}),
        (Set[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
        (dict, {"type": "object"}),
        (Dict[str, Any], {"type": "object"}),
        (Mapping[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (Union[int, str], {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
        (Literal[1, 2], {"type": "integer", "enum": [1, 2]}),
        (Unit, {"type": "string", "enum": ["celsius", "fahrenheit"]}),
        (Level, {"type": "integer", "enum": [1, 2]}),
        (Any, {}),
    ],
)
def test_type_hint_schema(annotation: Any, schema: Dict[str, Any]) -> None:
    def f(value: Any) -> None: ...

    f.__annotations__ = {"value": annotation}
    assert _props(f)["value"] == schema


def test_fixed_tuple_has_exact_length() -> None:
    def f(pair: Tuple[int, str]) -> None: ...

    assert _props(f)["pair"] == {
        "type": "array",
        "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "minItems": 2,
        "maxItems": 2,
    }


def test_missing_hint_accepts_anything() -> None:
    def f(value) -> None:  # type: ignore[no-untyped-def]
        ...

    assert _props(f)["value"] == {}


def test_union_with_any_accepts_anything() -> None:
    def f(value: Union[int, Any]) -> None: ...

    assert _props(f)["value"] == {}


def test_optional_uses_inner_schema() -> None:
    def f(limit: Optional[int] = None) -> None: ...

    assert _props(f)["limit"] == {"type": "integer"}


def test_defaulted_optional_is_not_required() -> None:
    def f(limit: Optional[int] = None) -> None: ...

    assert _required(f) == []


def test_optional_without_default_is_required() -> None:
    def f(limit: Optional[int]) -> None: ...

    assert _required(f) == ["limit"]


def test_optional_union_drops_none_from_any_of() -> None:
    def f(value: Union[int, str, None] = None) -> None: ...

    assert _props(f)["value"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}


@pytest.mark.skipif(sys.version_info < (3, 10), reason="X | Y needs Python 3.10")
def test_pep604_union() -> None:
    def f(value: Any) -> None: ...

    f.__annotations__ = {"value": eval("int | None")}
    assert _props(f)["value"] == {"type": "integer"}


def test_required_is_parameters_without_defaults_in_order() -> None:
    def f(b: int, a: str, c: bool = False) -> None: ...

    assert _required(f) == ["b", "a"]


def test_properties_follow_signature_order() -> None:
    def f(zeta: int, alpha: int) -> None: ...

    assert list(_props(f)) == ["zeta", "alpha"]


def test_var_args_and_kwargs_are_skipped() -> None:
    def f(city: str, *args: int, **kwargs: int) -> None: ...

    assert list(_props(f)) == ["city"]


def test_keyword_only_parameter_is_included() -> None:
    def f(*, city: str) -> None: ...

    assert _required(f) == ["city"]


def test_positional_only_without_default_is_rejected() -> None:
    def f(city: str, /) -> None: ...

    with pytest.raises(TypeError, match="positional-only"):
        tool_from_callable("f", f)


def test_string_annotations_are_resolved() -> None:
    # This module uses ``from __future__ import annotations``: every hint is a string.
    def f(count: int, unit: Unit) -> None: ...

    assert _props(f)["count"] == {"type": "integer"}


def test_unresolvable_annotation_degrades_to_any() -> None:
    def f(amount: Decimal, note: str) -> None: ...

    assert _props(f)["amount"] == {}


def test_unresolvable_annotation_keeps_the_others() -> None:
    def f(amount: Decimal, note: str) -> None: ...

    assert _props(f)["note"] == {"type": "string"}


# --------------------------------------------------------------------------
# Nested structures
# --------------------------------------------------------------------------


def test_dataclass_becomes_object() -> None:
    def f(point: Point) -> None: ...

    assert _props(f)["point"] == {
        "type": "object",
        "description": "A position on the map.",
        "properties": {
            "x": {"type": "number", "description": "Metres east."},
            "y": {"type": "number", "description": "Metres north."},
        },
        "required": ["x"],
        "additionalProperties": False,
    }


def test_undocumented_dataclass_has_no_generated_description() -> None:
    def f(tree: Tree) -> None: ...

    assert "description" not in _props(f)["tree"]


def test_recursive_dataclass_terminates() -> None:
    def f(tree: Tree) -> None: ...

    children = _props(f)["tree"]["properties"]["children"]
    assert children == {"type": "array", "items": {"type": "object"}}


def test_total_false_typeddict_has_no_required_keys() -> None:
    def f(filters: Filters) -> None: ...

    assert _props(f)["filters"]["required"] == []


def test_typeddict_properties() -> None:
    def f(filters: Filters) -> None: ...

    assert _props(f)["filters"]["properties"] == {
        "kind": {"type": "string"},
        "limit": {"type": "integer"},
    }


def test_total_typeddict_requires_all_keys() -> None:
    def f(strict: Strict) -> None: ...

    assert _props(f)["strict"]["required"] == ["key"]


def test_attrs_class_becomes_object() -> None:
    def f(window: Window) -> None: ...

    schema = _props(f)["window"]
    assert (schema["properties"], schema["required"]) == (
        {"start": {"type": "integer"}, "end": {"type": "integer"}},
        ["start"],
    )


def test_list_of_dataclasses() -> None:
    def f(points: List[Point]) -> None: ...

    assert _props(f)["points"]["items"]["type"] == "object"


# --------------------------------------------------------------------------
# Docstrings
# --------------------------------------------------------------------------


def test_description_is_first_paragraph_joined() -> None:
    def f() -> None:
        """Get the weather
        for one city.

        Details the model need not see.
        """

    assert _function(f)["description"] == "Get the weather for one city."


def test_missing_docstring_gives_empty_description() -> None:
    def f() -> None: ...

    assert _function(f)["description"] == ""


def test_docstring_starting_with_section_has_empty_description() -> None:
    def f(city: str) -> None:
        """Args:
        city: Where.
        """

    assert _function(f)["description"] == ""


def test_summary_ending_with_colon_is_kept() -> None:
    def f() -> None:
        """Report the weather in this city:"""

    assert _function(f)["description"] == "Report the weather in this city:"


def test_google_style_parameter_descriptions() -> None:
    def f(city: str, unit: Unit = Unit.CELSIUS) -> None:
        """Weather.

        Args:
            city (str): The city name,
                in English.
            unit: Temperature unit.

        Returns:
            Nothing useful.
        """

    props = _props(f)
    assert (props["city"]["description"], props["unit"]["description"]) == (
        "The city name, in English.",
        "Temperature unit.",
    )


def test_google_section_stops_at_next_section() -> None:
    def f(city: str) -> None:
        """Weather.

        Args:
            city: The city.

        Raises:
            ValueError: never.
        """

    assert _props(f)["city"]["description"] == "The city."


def test_sphinx_style_parameter_descriptions() -> None:
    def f(city: str, days: int) -> None:
        """Forecast.

        :param city: The city.
        :param int days: How many days
            ahead.
        :returns: nothing.
        """

    props = _props(f)
    assert (props["city"]["description"], props["days"]["description"]) == (
        "The city.",
        "How many days ahead.",
    )


def test_sphinx_field_ends_the_summary() -> None:
    def f(city: str) -> None:
        """Forecast.
        :param city: The city.
        """

    assert _function(f)["description"] == "Forecast."


def test_numpy_style_parameter_descriptions() -> None:
    def f(city: str, days: int) -> None:
        """Forecast.

        Parameters
        ----------
        city : str
            The city.
        days
            How many days.

        Returns
        -------
        None
        """

    props = _props(f)
    assert (props["city"]["description"], props["days"]["description"]) == (
        "The city.",
        "How many days.",
    )


def test_undocumented_parameter_has_no_description() -> None:
    def f(city: str, days: int) -> None:
        """Forecast.

        Args:
            city: The city.
        """

    assert "description" not in _props(f)["days"]


def test_annotated_description_wins_over_docstring() -> None:
    def f(city: Annotated[str, "From the hint."]) -> None:
        """Forecast.

        Args:
            city: From the docstring.
        """

    assert _props(f)["city"] == {"type": "string", "description": "From the hint."}


def test_parameter_description_overrides_class_description() -> None:
    def f(point: Point) -> None:
        """Move.

        Args:
            point: Where to go.
        """

    assert _props(f)["point"]["description"] == "Where to go."


# --------------------------------------------------------------------------
# Kinds of callables
# --------------------------------------------------------------------------


class Service:
    """Not the tool's description."""

    def lookup(self, key: str) -> str:
        """Look a key up."""
        return key

    @classmethod
    def build(cls, size: int) -> int:
        """Build something."""
        return size


def test_bound_method_skips_self() -> None:
    assert list(_props(Service().lookup)) == ["key"]


def test_bound_method_uses_method_docstring() -> None:
    assert _function(Service().lookup)["description"] == "Look a key up."


def test_classmethod_skips_cls() -> None:
    assert list(_props(Service.build)) == ["size"]


def test_unbound_function_skips_leading_self() -> None:
    assert list(_props(Service.lookup)) == ["key"]


def test_partial_drops_bound_positional_arguments() -> None:
    def f(city: str, days: int) -> None:
        """Forecast."""

    assert list(_props(functools.partial(f, "Paris"))) == ["days"]


def test_partial_keyword_makes_parameter_optional() -> None:
    def f(city: str, days: int) -> None: ...

    assert _required(functools.partial(f, days=3)) == ["city"]


def test_partial_uses_wrapped_function_docstring() -> None:
    def f(city: str) -> None:
        """Forecast."""

    assert _function(functools.partial(f))["description"] == "Forecast."


def test_partial_keeps_type_hints() -> None:
    def f(city: str, days: int) -> None: ...

    assert _props(functools.partial(f, "Paris"))["days"] == {"type": "integer"}


class Adder:
    """Add two numbers."""

    def __call__(self, a: int, b: int = 0) -> int:
        """Sum.

        Args:
            a: First term.
        """
        return a + b


def test_callable_object_parameters() -> None:
    assert (list(_props(Adder())), _required(Adder())) == (["a", "b"], ["a"])


def test_callable_object_description_from_class() -> None:
    assert _function(Adder())["description"] == "Add two numbers."


def test_callable_object_parameter_docs_from_call() -> None:
    assert _props(Adder())["a"]["description"] == "First term."


def test_async_function() -> None:
    async def fetch(url: str, retries: int = 3) -> str:
        """Fetch a page."""
        return url

    function = _function(fetch)
    assert (function["description"], function["parameters"]["required"]) == (
        "Fetch a page.",
        ["url"],
    )


def test_wrapped_function_exposes_original_parameters() -> None:
    def decorate(fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        return wrapper

    @decorate
    def f(city: str) -> None:
        """Forecast."""

    assert _props(f) == {"city": {"type": "string"}}


# --------------------------------------------------------------------------
# coerce_arguments
# --------------------------------------------------------------------------


def _weather(
    city: str,
    unit: Unit = Unit.CELSIUS,
    level: Optional[Level] = None,
    units: Optional[List[Unit]] = None,
    data: Optional[Dict[str, Any]] = None,
) -> None: ...


def test_enum_value_becomes_member() -> None:
    assert (
        coerce_arguments(_weather, {"city": "x", "unit": "fahrenheit"})["unit"] is Unit.FAHRENHEIT
    )


def test_int_enum_value_becomes_member() -> None:
    assert coerce_arguments(_weather, {"city": "x", "level": 2})["level"] is Level.HIGH


def test_optional_enum_accepts_none() -> None:
    assert coerce_arguments(_weather, {"city": "x", "level": None})["level"] is None


def test_list_of_enums_is_coerced() -> None:
    result = coerce_arguments(_weather, {"city": "x", "units": ["celsius", "fahrenheit"]})
    assert result["units"] == [Unit.CELSIUS, Unit.FAHRENHEIT]


def test_enum_member_passes_unchanged() -> None:
    assert coerce_arguments(_weather, {"city": "x", "unit": Unit.CELSIUS})["unit"] is Unit.CELSIUS


def test_other_values_pass_through_unchanged() -> None:
    data = {"nested": [1, 2]}
    assert coerce_arguments(_weather, {"city": "x", "data": data})["data"] is data


def test_invalid_enum_value_raises_type_error_naming_argument() -> None:
    with pytest.raises(TypeError, match="'unit'"):
        coerce_arguments(_weather, {"city": "x", "unit": "kelvin"})


def test_unknown_argument_raises_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="'colour'"):
        coerce_arguments(_weather, {"city": "x", "colour": "red"})


def test_skipped_self_is_an_unknown_argument() -> None:
    with pytest.raises(TypeError, match="'self'"):
        coerce_arguments(Service().lookup, {"key": "a", "self": 1})


def test_kwargs_function_accepts_extra_arguments() -> None:
    def f(city: str, **extra: Any) -> None: ...

    assert coerce_arguments(f, {"city": "x", "more": 1}) == {"city": "x", "more": 1}


def test_coerce_through_partial() -> None:
    def f(city: str, unit: Unit) -> None: ...

    assert coerce_arguments(functools.partial(f, "x"), {"unit": "celsius"}) == {
        "unit": Unit.CELSIUS
    }


def test_coerce_returns_a_new_dict() -> None:
    arguments = {"city": "x"}
    result = coerce_arguments(_weather, arguments)
    assert result == arguments and result is not arguments
