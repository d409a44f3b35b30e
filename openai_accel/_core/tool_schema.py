"""OpenAI tool definitions derived from ordinary Python callables.

``chat_with_functions`` lets a caller hand over plain functions instead of
hand-written JSON schemas. The schema is what the model sees, so it is derived
from the same facts the function itself relies on - its signature, type hints
and docstring - and cannot drift from the code. Everything here is pure: it
only inspects objects, never calls them.

Type hints are resolved with ``get_type_hints`` so that string annotations
(``from __future__ import annotations``) work. A hint that cannot be resolved
(a name imported only under ``TYPE_CHECKING``) degrades to "any value" rather
than making the function unusable as a tool: a looser schema still lets the
model call it, and the function validates its own input anyway.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import functools
import inspect
import pathlib
import re
import sys
import types
import typing
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, TypeVar, Union

import attrs
import typing_extensions

__all__ = ["coerce_arguments", "tool_from_callable", "tools_from_functions"]

# The API rejects any other function name; checking locally gives a clear
# error at definition time instead of a 400 on the first chat call.
_NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,64}")

_EMPTY = inspect.Parameter.empty

# ``int | str`` (3.10+) has its own origin, distinct from ``typing.Union``.
_UNION_TYPES: Tuple[Any, ...] = (Union,)
if sys.version_info >= (3, 10):
    _UNION_TYPES += (types.UnionType,)

# Before 3.10.1 typing_extensions ships its own Literal (and before 3.9 its own
# Annotated); a hint may use either module's, so compare against both.
_LITERAL_FORMS: Tuple[Any, ...] = (typing.Literal, typing_extensions.Literal)
_ANNOTATED_FORMS: Tuple[Any, ...] = (
    typing_extensions.Annotated,
    getattr(typing, "Annotated", typing_extensions.Annotated),
)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise TypeError(
            f"invalid tool name {name!r}: OpenAI function names must be 1-64 characters "
            "of letters, digits, underscores or hyphens"
        )


def _describe(fn: Any) -> str:
    """A readable name for ``fn`` in error messages."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    return str(name) if name else repr(fn)


# --------------------------------------------------------------------------
# Looking through wrappers
# --------------------------------------------------------------------------


def _hint_sources(fn: Any) -> Tuple[List[Any], List[Optional[str]]]:
    """The objects whose annotations describe ``fn``'s parameters, and its docstrings.

    ``inspect.signature`` already sees through partials, bound methods,
    ``functools.wraps`` and callable instances, but annotations and the
    docstring live on the innermost plain function (a partial's own
    ``__doc__`` describes ``functools.partial``, not the tool). Several
    docstrings are returned when the description and the parameter notes may
    be split between a class and its ``__init__`` / ``__call__``; the first
    one wins where they overlap.
    """
    target = fn
    for _ in range(100):  # a guard against a self-referencing ``__wrapped__``
        if isinstance(target, functools.partial):
            target = target.func
        elif inspect.ismethod(target):
            target = target.__func__
        elif callable(getattr(target, "__wrapped__", None)):
            target = target.__wrapped__
        else:
            break
    if inspect.isclass(target):
        # The constructor's hints win; class-level annotations (dataclass and
        # attrs fields) fill what the generated ``__init__`` cannot resolve.
        init = target.__init__
        return [target, init], [inspect.getdoc(target), _own_doc(init)]
    if inspect.isroutine(target):
        return [target], [inspect.getdoc(target)]
    call = type(target).__call__ if callable(target) else None
    if call is None:
        return [], []
    # A callable object is usually documented on its class, its parameters on ``__call__``.
    return [call], [inspect.getdoc(type(target)), inspect.getdoc(call)]


def _own_doc(obj: Any) -> Optional[str]:
    """A docstring written for ``obj`` itself (not ``object.__init__``'s boilerplate)."""
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or doc == getattr(object.__init__, "__doc__", None):
        return None
    return doc


class _AnnotationHolder:
    """Lets ``get_type_hints`` resolve one annotation at a time."""

    def __init__(self, annotations: Dict[str, Any]) -> None:
        self.__annotations__ = annotations


def _resolved_hints(obj: Any) -> Dict[str, Any]:
    """``get_type_hints`` that never raises (see the module docstring for why).

    When the whole set cannot be resolved, each annotation is tried on its own,
    so one unresolvable name costs only that parameter its schema.
    """
    try:
        hints: Dict[str, Any] = typing_extensions.get_type_hints(obj, include_extras=True)
        return hints
    except Exception:
        pass
    raw: Dict[str, Any] = {}
    localns: Optional[Dict[str, Any]] = None
    if isinstance(obj, type):
        for base in reversed(obj.__mro__):
            # Own annotations only (inherited ones come from the base itself);
            # inspect.get_annotations would be cleaner but needs 3.10.
            raw.update(vars(base).get("__annotations__", {}))
        module = sys.modules.get(obj.__module__)
        globalns: Dict[str, Any] = dict(vars(module)) if module is not None else {}
        localns = dict(vars(obj))
    else:
        annotations = getattr(obj, "__annotations__", None)
        if isinstance(annotations, Mapping):
            raw.update(annotations)
        globalns = getattr(inspect.unwrap(obj), "__globals__", {})
    resolved: Dict[str, Any] = {}
    for key, annotation in raw.items():
        try:
            resolved.update(
                typing_extensions.get_type_hints(
                    _AnnotationHolder({key: annotation}), globalns, localns, include_extras=True
                )
            )
        except Exception:
            continue  # this one parameter accepts any value
    return resolved


@attrs.frozen
class _Analysis:
    params: List[inspect.Parameter]
    hints: Dict[str, Any]
    var_keyword: bool
    docs: List[Optional[str]]

    def parsed_docs(self) -> Tuple[str, Dict[str, str]]:
        """The first non-empty summary and every parameter note (earlier docstrings win)."""
        summary = ""
        notes: Dict[str, str] = {}
        for doc in self.docs:
            text, params = _parse_docstring(doc)
            summary = summary or text
            for name, note in params.items():
                notes.setdefault(name, note)
        return summary, notes


def _analyse(fn: Callable[..., Any]) -> _Analysis:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cannot read the signature of {_describe(fn)}: {exc}") from exc
    sources, docs = _hint_sources(fn)
    hints: Dict[str, Any] = {}
    for source in sources:
        hints.update(_resolved_hints(source))
    params: List[inspect.Parameter] = []
    var_keyword = False
    for index, param in enumerate(signature.parameters.values()):
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            var_keyword = True
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        if index == 0 and param.name in ("self", "cls"):
            continue
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            if param.default is _EMPTY:
                # Tools are called with keyword arguments only, so this could never be passed.
                raise TypeError(
                    f"{_describe(fn)} cannot be a tool: parameter {param.name!r} is "
                    "positional-only and has no default"
                )
            continue
        params.append(param)
    return _Analysis(params, hints, var_keyword, docs)


# --------------------------------------------------------------------------
# Docstrings
# --------------------------------------------------------------------------

_GOOGLE_HEADER = re.compile(
    r"^(\s*)(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments"
    r"|Other Parameters|Attributes)\s*:\s*$"
)
# Any section header ends the summary paragraph, whether or not it lists parameters.
_ANY_GOOGLE_HEADER = re.compile(
    r"^\s*(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Other Parameters"
    r"|Attributes|Returns?|Yields?|Raises|Examples?|Notes?|Warnings?|See Also|Todo"
    r"|References)\s*:\s*$"
)
_GOOGLE_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_SECTIONS = ("parameters", "other parameters", "attributes")
_NUMPY_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?::.*)?$")
_SPHINX_PARAM = re.compile(
    r"^\s*:(?:param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?\*{0,2}(\w+)\s*:\s*(.*)$"
)
_DASHES = re.compile(r"^\s*-{3,}\s*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_numpy_header(lines: List[str], index: int) -> bool:
    return (
        index + 1 < len(lines)
        and bool(lines[index].strip())
        and bool(_DASHES.match(lines[index + 1]))
    )


def _parse_docstring(doc: Optional[str]) -> Tuple[str, Dict[str, str]]:
    """(first paragraph, parameter name -> description) from Google, NumPy or Sphinx style."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    summary: List[str] = []
    for index, line in enumerate(lines):
        if (
            not line.strip()
            or _ANY_GOOGLE_HEADER.match(line)
            or line.lstrip().startswith(":")
            or _is_numpy_header(lines, index)
        ):
            break
        summary.append(line.strip())
    params: Dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        google = _GOOGLE_HEADER.match(line)
        if google:
            index = _parse_google_section(lines, index + 1, len(google.group(1)), params)
            continue
        if _is_numpy_header(lines, index) and line.strip().lower() in _NUMPY_SECTIONS:
            index = _parse_numpy_section(lines, index + 2, _indent(line), params)
            continue
        sphinx = _SPHINX_PARAM.match(line)
        if sphinx:
            index = _collect(
                lines, index + 1, _indent(line), sphinx.group(2), sphinx.group(1), params
            )
            continue
        index += 1
    return " ".join(summary), params


def _collect(
    lines: List[str], index: int, indent: int, first: str, name: str, out: Dict[str, str]
) -> int:
    """Join ``first`` with the following lines indented deeper than ``indent``."""
    parts = [first.strip()] if first.strip() else []
    while index < len(lines):
        line = lines[index]
        if line.strip() and _indent(line) <= indent:
            break
        if line.strip():
            parts.append(line.strip())
        index += 1
    out[name] = " ".join(parts)
    return index


def _parse_google_section(
    lines: List[str], index: int, header_indent: int, out: Dict[str, str]
) -> int:
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        indent = _indent(line)
        if indent <= header_indent:
            break
        entry = _GOOGLE_ENTRY.match(line.strip())
        if not entry:
            index += 1
            continue
        index = _collect(lines, index + 1, indent, entry.group(2), entry.group(1), out)
    return index


def _parse_numpy_section(
    lines: List[str], index: int, header_indent: int, out: Dict[str, str]
) -> int:
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if _indent(line) < header_indent or _is_numpy_header(lines, index):
            break
        entry = _NUMPY_ENTRY.match(line.strip())
        if _indent(line) > header_indent or not entry:
            index += 1
            continue
        index = _collect(lines, index + 1, header_indent, "", entry.group(1), out)
    return index


# --------------------------------------------------------------------------
# Type hints -> JSON schema
# --------------------------------------------------------------------------


def _json_type(values: List[Any]) -> Optional[str]:
    """The one JSON type shared by every value, if there is one."""
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("number")
        elif isinstance(value, str):
            kinds.add("string")
        else:
            return None
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else None


def _enum_schema(values: List[Any]) -> Dict[str, Any]:
    schema: Dict[str, Any] = {}
    json_type = _json_type(values)
    if json_type is not None:
        schema["type"] = json_type
    schema["enum"] = values
    return schema


def _array(items: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    # The API rejects an array schema without ``items``, so it is always present.
    return {"type": "array", "items": items, **extra}


def _any_of(schemas: List[Dict[str, Any]]) -> Dict[str, Any]:
    unique: List[Dict[str, Any]] = []
    for schema in schemas:
        if not schema:
            return {}  # one "anything" member makes the whole union "anything"
        if schema not in unique:
            unique.append(schema)
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def _is_typeddict(tp: Any) -> bool:
    return bool(typing_extensions.is_typeddict(tp))


def _object_schema(cls: type, seen: Tuple[type, ...]) -> Dict[str, Any]:
    """Properties of a dataclass, attrs class or TypedDict, documented from its docstring."""
    if cls in seen:
        return {"type": "object"}  # recursive structure: stop rather than loop forever
    seen = (*seen, cls)
    hints = _resolved_hints(cls)
    fields: List[Tuple[str, str, bool]] = []  # (attribute, key the caller sends, required)
    if dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            if field.init:
                required = (
                    field.default is dataclasses.MISSING
                    and field.default_factory is dataclasses.MISSING
                )
                fields.append((field.name, field.name, required))
    elif attrs.has(cls):
        for attribute in attrs.fields(cls):
            if attribute.init:
                key = getattr(attribute, "alias", None) or attribute.name.lstrip("_")
                fields.append((attribute.name, key, attribute.default is attrs.NOTHING))
    else:
        required_keys = getattr(cls, "__required_keys__", None)
        total = bool(getattr(cls, "__total__", True))
        for key in hints:
            required = key in required_keys if required_keys is not None else total
            fields.append((key, key, required))
    doc = cls.__doc__
    if doc and dataclasses.is_dataclass(cls) and doc.startswith(cls.__name__ + "("):
        doc = None  # the signature dataclasses writes when there is no docstring
    description, field_docs = _parse_docstring(doc)
    properties: Dict[str, Any] = {}
    for attribute_name, key, _ in fields:
        hint = hints.get(attribute_name, _EMPTY)
        schema = _schema(hint, seen)
        text = field_docs.get(key) or field_docs.get(attribute_name)
        if text and not _has_note(hint):
            schema["description"] = text
        properties[key] = schema
    result: Dict[str, Any] = {"type": "object"}
    if description:
        result["description"] = description
    result["properties"] = properties
    result["required"] = [key for _, key, required in fields if required]
    result["additionalProperties"] = False
    return result


def _class_schema(tp: type, seen: Tuple[type, ...]) -> Dict[str, Any]:
    if issubclass(tp, enum.Enum):
        return _enum_schema([member.value for member in tp])
    if issubclass(tp, bool):
        return {"type": "boolean"}
    if issubclass(tp, int):
        return {"type": "integer"}
    if issubclass(tp, float):
        return {"type": "number"}
    if issubclass(tp, (str, bytes, bytearray, pathlib.PurePath)):
        return {"type": "string"}
    if issubclass(tp, datetime.datetime):
        return {"type": "string", "format": "date-time"}
    if issubclass(tp, datetime.date):
        return {"type": "string", "format": "date"}
    if issubclass(tp, datetime.time):
        return {"type": "string", "format": "time"}
    if issubclass(tp, uuid.UUID):
        return {"type": "string", "format": "uuid"}
    if dataclasses.is_dataclass(tp) or attrs.has(tp) or _is_typeddict(tp):
        return _object_schema(tp, seen)
    if issubclass(tp, collections.abc.Mapping):
        return {"type": "object"}
    if issubclass(tp, collections.abc.Set):
        return _array({}, uniqueItems=True)
    if issubclass(tp, (collections.abc.Iterable, tuple)):
        return _array({})
    # An unknown class constrains nothing: the function may still accept what comes.
    return {}


def _generic_schema(origin: type, args: Tuple[Any, ...], seen: Tuple[type, ...]) -> Dict[str, Any]:
    """``List[int]``, ``Dict[str, X]``, ``Tuple[int, ...]`` and friends."""
    if issubclass(origin, tuple):
        if not args or (len(args) == 1 and args[0] == ()):
            return _array({})
        if len(args) == 2 and args[1] is Ellipsis:
            return _array(_schema(args[0], seen))
        items = _any_of([_schema(arg, seen) for arg in args])
        return _array(items, minItems=len(args), maxItems=len(args))
    if issubclass(origin, collections.abc.Mapping):
        schema: Dict[str, Any] = {"type": "object"}
        if len(args) == 2:
            values = _schema(args[1], seen)
            if values:
                schema["additionalProperties"] = values
        return schema
    if issubclass(origin, collections.abc.Set):
        return _array(_schema(args[0], seen) if args else {}, uniqueItems=True)
    if issubclass(origin, collections.abc.Iterable) and not issubclass(origin, (str, bytes)):
        return _array(_schema(args[0], seen) if args else {})
    return _class_schema(origin, seen)


def _has_note(tp: Any) -> bool:
    """Whether ``tp`` carries its own ``Annotated`` description (which beats the docstring)."""
    if typing_extensions.get_origin(tp) in _ANNOTATED_FORMS:
        return any(isinstance(note, str) for note in typing_extensions.get_args(tp)[1:])
    if typing_extensions.get_origin(tp) in _UNION_TYPES:
        members = [arg for arg in typing_extensions.get_args(tp) if arg is not type(None)]
        return len(members) == 1 and _has_note(members[0])
    return False


def _schema(tp: Any, seen: Tuple[type, ...] = ()) -> Dict[str, Any]:
    """The JSON schema of one type hint; ``{}`` (any value) when nothing better is known."""
    if tp is _EMPTY or tp is Any or tp is object:
        return {}
    if tp is None or tp is type(None):
        return {"type": "null"}
    origin = typing_extensions.get_origin(tp)
    args = typing_extensions.get_args(tp)
    if origin in _ANNOTATED_FORMS:
        schema = _schema(args[0], seen)
        notes = [note for note in args[1:] if isinstance(note, str)]
        if notes:
            schema["description"] = notes[0]
        return schema
    if origin in _UNION_TYPES:
        members = [arg for arg in args if arg is not type(None)]
        if not members:
            return {"type": "null"}
        return _any_of([_schema(member, seen) for member in members])
    if origin in _LITERAL_FORMS:
        return _enum_schema([arg.value if isinstance(arg, enum.Enum) else arg for arg in args])
    supertype = getattr(tp, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return _schema(supertype, seen)
    if isinstance(tp, TypeVar):
        return _schema(tp.__bound__, seen) if tp.__bound__ is not None else {}
    if isinstance(origin, type):
        return _generic_schema(origin, args, seen)
    if isinstance(tp, type):
        return _class_schema(tp, seen)
    return {}


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def tool_from_callable(name: str, fn: Callable[..., Any]) -> Dict[str, Any]:
    """The ``tools=`` entry that lets the model call ``fn`` as ``name``.

    Parameters come from the signature (``self``/``cls``, ``*args`` and
    ``**kwargs`` are left out, because the model can only send named JSON
    values); a parameter without a default is required. The function
    description is the docstring's first paragraph, and parameter
    descriptions come from its ``Args:`` / ``Parameters`` / ``:param:`` entries
    (or an ``Annotated[T, "text"]`` hint, which wins).

    Raises ``TypeError`` for a name the API would reject, or for a callable
    that cannot be called with keyword arguments alone.
    """
    _check_name(name)
    if not callable(fn):
        raise TypeError(f"tool {name!r}: {fn!r} is not callable")
    analysis = _analyse(fn)
    description, param_docs = analysis.parsed_docs()
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for param in analysis.params:
        hint = analysis.hints.get(param.name, _EMPTY)
        schema = _schema(hint)
        text = param_docs.get(param.name)
        if text and not _has_note(hint):
            schema["description"] = text
        properties[param.name] = schema
        if param.default is _EMPTY:
            required.append(param.name)
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


def tools_from_functions(functions: Mapping[str, Callable[..., Any]]) -> List[Dict[str, Any]]:
    """One tool definition per ``name -> callable`` entry, in the mapping's order."""
    return [tool_from_callable(name, fn) for name, fn in functions.items()]


def coerce_arguments(fn: Callable[..., Any], arguments: Mapping[str, Any]) -> Dict[str, Any]:
    """Turn the model's decoded JSON arguments back into what ``fn`` declares.

    JSON has no enums, so a value for an ``Enum``-typed parameter (also inside
    ``Optional``, unions, lists, sets, tuples and dict values) becomes the
    enum member; every other value passes through unchanged.

    Raises ``TypeError`` naming the argument when the model sent a name ``fn``
    does not accept (unless ``fn`` takes ``**kwargs``) or a value that is not
    one of an enum's values, so the caller can report the bad call back to the
    model instead of crashing inside ``fn``.
    """
    analysis = _analyse(fn)
    known = {param.name for param in analysis.params}
    result: Dict[str, Any] = {}
    for key, value in arguments.items():
        if key not in known:
            if analysis.var_keyword:
                result[key] = value
                continue
            raise TypeError(f"{_describe(fn)} got an unexpected argument {key!r}")
        result[key] = _coerce(value, analysis.hints.get(key, _EMPTY), key)
    return result


def _mentions_enum(tp: Any) -> bool:
    """Whether an ``Enum`` appears anywhere in ``tp`` (only then is there work to do)."""
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return True
    return any(_mentions_enum(arg) for arg in typing_extensions.get_args(tp))


def _coerce(value: Any, tp: Any, key: str) -> Any:
    if not _mentions_enum(tp):
        return value  # untouched, not even copied
    origin = typing_extensions.get_origin(tp)
    args = typing_extensions.get_args(tp)
    if origin in _ANNOTATED_FORMS:
        return _coerce(value, args[0], key)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(value, tp):
            return value
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in tp)
            raise TypeError(f"argument {key!r}: {value!r} is not one of {allowed}") from None
    if origin in _UNION_TYPES:
        if value is None:
            return None
        members = [arg for arg in args if arg is not type(None)]
        if len(members) == 1:
            return _coerce(value, members[0], key)
        # Several alternatives: convert only when an enum member clearly matches.
        for member in members:
            if isinstance(member, type) and issubclass(member, enum.Enum):
                try:
                    return member(value)
                except ValueError:
                    continue
        return value
    if not isinstance(origin, type) or not args:
        return value
    if issubclass(origin, collections.abc.Mapping) and isinstance(value, dict) and len(args) == 2:
        return {k: _coerce(v, args[1], key) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    if issubclass(origin, tuple):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(item, args[0], key) for item in value)
        if len(args) == len(value):
            return tuple(_coerce(item, arg, key) for item, arg in zip(value, args))
        return value
    if issubclass(origin, (collections.abc.Set, collections.abc.Sequence)):
        items = [_coerce(item, args[0], key) for item in value]
        if issubclass(origin, frozenset):
            return frozenset(items)
        if issubclass(origin, collections.abc.Set):
            return set(items)
        return items
    return value
