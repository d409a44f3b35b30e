"""The one cattrs converter and the base behaviour of every reply model.

Models are attrs classes; a reply is structured once by a converter built on
first use (``import openai_accel`` stays cheap). Every top-level model keeps
the decoded JSON in ``.raw``: fields the API adds later are never an error and
never lost. ``raw`` and ``request_id`` are filled by the library, never read
from the body, so a server that happens to send such keys cannot spoof them.

Structuring is strict where the API is strict, because a value of the wrong
type that slips through turns into a wrong answer later (``"false"`` read as
True, an object printed as ``"{'t': 1}"`` into a prompt). The rules, which
apply to every model in this package (``models/responses.py`` included)
simply by declaring field types:

- ``str``: a JSON string, and valid Unicode: a lone surrogate (``"\\ud800"``)
  is refused, since it would break the next request that echoes it.
- ``bool``: ``true`` / ``false`` only (not ``"false"``, not ``0``).
- ``int``: an integer that fits in 64 bits, or a float with no fraction
  (``3.0``); never a boolean.
- ``float``: a finite number (an int is converted); never a boolean, NaN or
  an infinity, and never an integer too large for a float.
- ``List[X]``: a JSON array (a string is not a list of characters);
  ``Dict[str, X]``: a JSON object; a model: a JSON object.
- ``Optional[X]``: ``null`` or an X. ``Any`` takes whatever came.
- Keys that a model does not declare are kept in ``.raw`` and never an error.
- Keys the API always sends are listed in the class attribute
  ``__wire_required__``: each entry is a key that must be present, or a
  tuple of keys of which at least one must be present (a chat message has
  ``content`` or ``tool_calls``). A missing one is an error, not a default.

Any violation is an :class:`~openai_accel.errors.InvalidResponseError` whose
message names the field path (``choices[0].message.content``).

Speed: the fast converter registers its hooks once and runs without cattrs'
per-field bookkeeping. Only when it fails is the reply structured again by a
second, detailed converter, whose only job is to say where the fault is.
"""

from __future__ import annotations

import functools
import math
import typing
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

import attrs

from ..errors import InvalidResponseError

if TYPE_CHECKING:
    import cattrs

# perf: cattrs (and cattrs.gen, ~15 ms with its own imports) loads when the
# first reply is structured, not at ``import openai_accel``.

T = TypeVar("T")

_LIBRARY_FIELDS = ("raw", "request_id", "messages", "rounds", "max_rounds_reached", "headers")

#: The integers the API sends (token counts, timestamps, indexes) fit in int64.
_INT_LIMIT = 2**63

Hook = Callable[[Any, Any], Any]


def library_field(default: Any = None, *, factory: Any = None) -> Any:
    """A field the library sets after structuring (not part of the wire body)."""
    if factory is not None:
        return attrs.field(factory=factory, repr=False, eq=False)
    return attrs.field(default=default, repr=False, eq=False)


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


def _structure_str(value: Any, _: Any) -> str:
    if type(value) is str:
        if value.isascii():  # perf: check_text's first test inline; most text is ASCII
            return value
        return check_text(value)
    raise _wrong("a string", value)


def _structure_bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise _wrong("a boolean", value)


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

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else inner_hook(value, inner)

    # perf: the optional strings and integers of every reply (finish_reason,
    # content, token details) accept their usual values without a second
    # call; anything else goes to the same hook as above, errors included.
    if inner_hook is _structure_str:

        def structure_optional_str(value: Any, _: Any) -> Any:
            if value is None or (type(value) is str and value.isascii()):
                return value
            return _structure_str(value, inner)

        return structure_optional_str
    if inner_hook is _structure_int:

        def structure_optional_int(value: Any, _: Any) -> Any:
            if value is None or (type(value) is int and -_INT_LIMIT <= value < _INT_LIMIT):
                return value
            return _structure_int(value, inner)

        return structure_optional_int
    return structure_optional


def _check_required(data: Dict[str, Any], required: Sequence[Union[str, Tuple[str, ...]]]) -> None:
    for entry in required:
        if isinstance(entry, str):
            if entry not in data:
                raise ReplyShapeError(f"missing the required key {entry!r}")
        elif not any(key in data for key in entry):
            raise ReplyShapeError(f"missing one of the keys {list(entry)}")


def _model_hook(conv: cattrs.Converter, cls: Type[Any], detailed: bool) -> Hook:
    from cattrs.gen import make_dict_structure_fn, override

    omitted = {a.name: override(omit=True) for a in attrs.fields(cls) if a.name in _LIBRARY_FIELDS}
    generated = make_dict_structure_fn(
        cls,
        conv,
        _cattrs_detailed_validation=detailed,
        **omitted,  # type: ignore[arg-type]
    )
    required = tuple(getattr(cls, "__wire_required__", ()))
    # perf: the plain keys are checked at once as a set (C speed); the loop that
    # names the missing one runs only when something is missing.
    plain = frozenset(entry for entry in required if isinstance(entry, str))
    # The same for each "one of these keys" group: a group none of whose keys
    # is present is disjoint from the keys.
    groups = tuple(frozenset(entry) for entry in required if not isinstance(entry, str))
    name = cls.__name__

    def structure_model(value: Any, _: Any) -> Any:
        if type(value) is not dict:
            raise _wrong(f"an object for {name}", value)
        keys = value.keys()
        if not plain <= keys:
            _check_required(value, required)
        for group in groups:
            if group.isdisjoint(keys):
                _check_required(value, required)
        return generated(value, cls)

    return structure_model


def _is_optional(cls: Any) -> bool:
    if _origin(cls) is not Union:
        return False
    args = _type_args(cls)
    return len(args) == 2 and type(None) in args


def _is_list(cls: Any) -> bool:
    return _origin(cls) in (list, List)


def _is_dict(cls: Any) -> bool:
    return _origin(cls) in (dict, Dict)


def _build(detailed: bool) -> cattrs.Converter:
    import cattrs

    conv = cattrs.Converter(detailed_validation=detailed)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook_factory(_is_list, lambda cls: _list_hook(conv, cls, detailed))
    conv.register_structure_hook_factory(_is_dict, lambda cls: _dict_hook(conv, cls, detailed))
    conv.register_structure_hook_factory(attrs.has, lambda cls: _model_hook(conv, cls, detailed))
    conv.register_structure_hook_factory(_is_optional, lambda cls: _optional_hook(conv, cls))
    return conv


@functools.lru_cache(maxsize=None)
def converter() -> cattrs.Converter:
    """The fast strict converter: hooks compiled once per model, on first use."""
    return _build(detailed=False)


@functools.lru_cache(maxsize=None)
def _detailed_converter() -> cattrs.Converter:
    """The same rules with cattrs' bookkeeping of where each error happened."""
    return _build(detailed=True)


def _path_step(exc: BaseException) -> str:
    from cattrs.errors import AttributeValidationNote, IterableValidationNote

    for note in reversed(getattr(exc, "__notes__", [])):
        if isinstance(note, AttributeValidationNote):
            return f".{note.name}"
        if isinstance(note, IterableValidationNote):
            return f"[{note.index!r}]"
    return ""


def _first_fault(exc: BaseException) -> Tuple[str, BaseException]:
    """(field path, innermost error) of the first fault in cattrs' error tree."""
    from cattrs.errors import ClassValidationError, IterableValidationError

    path = ""
    while isinstance(exc, (ClassValidationError, IterableValidationError)) and exc.exceptions:
        exc = exc.exceptions[0]
        path += _path_step(exc)
    return path.lstrip("."), exc


def explain(data: Any, cls: Type[Any]) -> str:
    """Why ``data`` does not fit ``cls``, naming the field path (slow; failures only)."""
    try:
        _detailed_converter().structure(data, cls)
    except RecursionError:
        return "the reply is nested too deeply"
    except Exception as exc:
        path, fault = _first_fault(exc)
        reason = str(fault) if isinstance(fault, ReplyShapeError) else type(fault).__name__
        return f"{path}: {reason}" if path else reason
    # Only reached if the two converters disagree, which would be a bug here.
    return "the reply could not be structured"


def structure(
    data: Any,
    cls: Type[T],
    *,
    request_id: Optional[str] = None,
    headers: Optional[Mapping[str, str]] = None,
) -> T:
    """Structure a decoded reply into ``cls``; a reply of the wrong shape is a typed error.

    ``headers`` (the reply's, lower-case names) become ``.headers`` on models that have it.
    """
    if not isinstance(data, dict):
        raise InvalidResponseError(
            f"expected a JSON object for {cls.__name__}, got {_kind(data)}",
            body=data,
            request_id=request_id,
        )
    try:
        obj = converter().structure(data, cls)
    except Exception:  # the hooks' own errors, cattrs', RecursionError on absurd nesting
        raise InvalidResponseError(
            f"reply does not fit {cls.__name__}: {explain(data, cls)}",
            body=data,
            request_id=request_id,
        ) from None
    kind = type(obj)  # not cls: a hook may return a subclass that depends on the data
    fills = _FILLS.get(kind)
    if fills is None:
        fills = _FILLS[kind] = _library_fills(obj)
    has_raw, has_request_id, has_headers = fills
    filled: Any = obj
    if has_raw:
        filled.raw = data
    if has_request_id:
        filled.request_id = request_id
    if headers is not None and has_headers:
        filled.headers = headers
    return obj


#: perf: per model class, which library fields ``structure`` fills (three
#: ``hasattr`` per reply before). A class's fields never change.
_FILLS: Dict[Any, Tuple[bool, bool, bool]] = {}


def _library_fills(obj: Any) -> Tuple[bool, bool, bool]:
    return hasattr(obj, "raw"), hasattr(obj, "request_id"), hasattr(obj, "headers")


def raw_dict() -> Dict[str, Any]:
    return {}
