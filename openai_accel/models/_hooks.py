"""The strict hooks for values inside a reply: strings, numbers, lists, objects, optionals.

Each accepts a value of exactly its JSON type and refuses anything else with
:class:`ReplyShapeError` (no coercion: ``"3"`` is no integer); ``_base``
builds the converters from them and the model hooks around them. The
plain and optional string, integer and boolean hooks say what they accept
unchanged (``inline_kind``) so that a compiled model function can test that
inline.
"""

from __future__ import annotations

import math
import typing
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple

if TYPE_CHECKING:
    import cattrs

#: The integers the API sends (token counts, timestamps, indexes) fit in int64.
_INT_LIMIT = 2**63

Hook = Callable[[Any, Any], Any]


class ReplyShapeError(ValueError):
    """A value of the wrong type or shape at one place of a reply (internal).

    Raised by the hooks; :func:`structure` turns it into an
    ``InvalidResponseError`` with the field path.
    """


def _kind(value: Any) -> str:
    """The JSON name of what arrived, for error messages (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _wrong(expected: str, value: Any) -> ReplyShapeError:
    return ReplyShapeError(f"expected {expected}, got {_kind(value)}")


def check_text(value: str) -> str:
    """``value`` if it is valid Unicode; a lone surrogate cannot be sent back as UTF-8."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ReplyShapeError(
                f"string holds a lone surrogate at position {exc.start}"
            ) from None
    return value


def inline_kind(kind: str) -> Callable[[Hook], Hook]:
    """Mark a hook with what it accepts unchanged (``str``, ``optional_int``...).

    ``_compiled.py`` tests that value inline and calls the hook only for
    anything else; a hook without the mark is always called.
    """

    def mark(hook: Hook) -> Hook:
        hook.inline_kind = kind  # type: ignore[attr-defined]
        return hook

    return mark


@inline_kind("str")
def _structure_str(value: Any, _: Any) -> str:
    if type(value) is str:
        if value.isascii():  # perf: check_text's first test inline; most text is ASCII
            return value
        return check_text(value)
    raise _wrong("a string", value)


@inline_kind("bool")
def _structure_bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise _wrong("a boolean", value)


@inline_kind("int")
def _structure_int(value: Any, _: Any) -> int:
    kind = type(value)
    if kind is int:
        if -_INT_LIMIT <= value < _INT_LIMIT:
            return value  # type: ignore[no-any-return]
        raise ReplyShapeError(f"integer with {len(str(abs(value)))} digits is out of range")
    if kind is float and value.is_integer() and -_INT_LIMIT <= value < _INT_LIMIT:
        return int(value)
    if kind is float:
        raise ReplyShapeError(f"expected an integer, got {value!r}")
    raise _wrong("an integer", value)


def finite_float(value: Any) -> float:
    """``value`` as a finite float; ReplyShapeError for anything else (bools included)."""
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return value  # type: ignore[no-any-return]
        raise ReplyShapeError(f"expected a finite number, got {value!r}")
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            raise ReplyShapeError(
                f"number with {len(str(abs(value)))} digits does not fit a float"
            ) from None
    raise _wrong("a number", value)


def _structure_float(value: Any, _: Any) -> float:
    return finite_float(value)


def _type_args(cls: Any) -> Tuple[Any, ...]:
    return tuple(typing.get_args(cls))


def _origin(cls: Any) -> Any:
    return typing.get_origin(cls)


def _dispatch(conv: cattrs.Converter, cls: Any) -> Hook:
    # get_structure_hook is public from cattrs 24.1; the dispatch is the same object before.
    getter = getattr(conv, "get_structure_hook", None)
    if getter is not None:
        return getter(cls)  # type: ignore[no-any-return]
    dispatcher: Any = conv._structure_func
    return dispatcher.dispatch(cls)  # type: ignore[no-any-return]


def _add_note(exc: Exception, note: Any) -> Exception:
    setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), note])  # noqa: B010 (3.8: no add_note)
    return exc


def _list_hook(conv: cattrs.Converter, cls: Any, detailed: bool) -> Hook:
    args = _type_args(cls)
    item_type = args[0] if args else Any
    item_hook = _dispatch(conv, item_type)

    def structure_list(value: Any, _: Any) -> List[Any]:
        if type(value) is not list:
            raise _wrong("an array", value)
        if len(value) == 1:  # perf: a reply's one choice; no comprehension (3.11: a function each)
            return [item_hook(value[0], item_type)]
        return [item_hook(item, item_type) for item in value]

    from cattrs.errors import IterableValidationError, IterableValidationNote

    def structure_list_detailed(value: Any, _: Any) -> List[Any]:
        if type(value) is not list:
            raise _wrong("an array", value)
        result, errors = [], []
        for index, item in enumerate(value):
            try:
                result.append(item_hook(item, item_type))
            except Exception as exc:
                errors.append(_add_note(exc, IterableValidationNote(f"@ [{index}]", index, cls)))
        if errors:
            raise IterableValidationError(f"While structuring {cls!r}", errors, cls)
        return result

    return structure_list_detailed if detailed else structure_list


def _dict_hook(conv: cattrs.Converter, cls: Any, detailed: bool) -> Hook:
    args = _type_args(cls)
    key_type, value_type = args if len(args) == 2 else (Any, Any)
    key_hook = _dispatch(conv, key_type)
    value_hook = _dispatch(conv, value_type)

    def structure_dict(value: Any, _: Any) -> Dict[Any, Any]:
        if type(value) is not dict:
            raise _wrong("an object", value)
        return {key_hook(k, key_type): value_hook(v, value_type) for k, v in value.items()}

    from cattrs.errors import IterableValidationError, IterableValidationNote

    def structure_dict_detailed(value: Any, _: Any) -> Dict[Any, Any]:
        if type(value) is not dict:
            raise _wrong("an object", value)
        result, errors = {}, []
        for key, item in value.items():
            try:
                result[key_hook(key, key_type)] = value_hook(item, value_type)
            except Exception as exc:
                errors.append(_add_note(exc, IterableValidationNote(f"@ [{key!r}]", key, cls)))
        if errors:
            raise IterableValidationError(f"While structuring {cls!r}", errors, cls)
        return result

    return structure_dict_detailed if detailed else structure_dict


def _optional_hook(conv: cattrs.Converter, cls: Any) -> Hook:
    """``Optional[X]`` with X's hook looked up once, not on every value."""
    (inner,) = [arg for arg in _type_args(cls) if arg is not type(None)]
    inner_hook = _dispatch(conv, inner)

    @inline_kind("optional")
    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else inner_hook(value, inner)

    # What it calls for a value that is not None: a compiled model calls it directly.
    structure_optional.inner_hook = (inner_hook, inner)  # type: ignore[attr-defined]

    # perf: the optional strings and integers of every reply (finish_reason,
    # content, token details) accept their usual values without a second
    # call; anything else goes to the same hook as above, errors included.
    if inner_hook is _structure_str:

        @inline_kind("optional_str")
        def structure_optional_str(value: Any, _: Any) -> Any:
            if value is None or (type(value) is str and value.isascii()):
                return value
            return _structure_str(value, inner)

        return structure_optional_str
    if inner_hook is _structure_int:

        @inline_kind("optional_int")
        def structure_optional_int(value: Any, _: Any) -> Any:
            if value is None or (type(value) is int and -_INT_LIMIT <= value < _INT_LIMIT):
                return value
            return _structure_int(value, inner)

        return structure_optional_int
    return structure_optional
