"""Python type hints -> JSON schema: the one mapping tools and structured outputs share.

Tool parameters (:mod:`.tool_schema`) and strict structured-output schemas
(:mod:`.structured`) describe the same Python types to the model, so the
mapping lives here once. Nested classes are inlined by default (tool
schemas); a :class:`_Walk` with ``defs`` instead puts each nested class in
``$defs`` once and refers to it (strict schemas, where recursion is legal).

Type hints are resolved with ``get_type_hints`` so that string annotations
(``from __future__ import annotations``) work; a hint that cannot be resolved
degrades to "any value" (see :func:`resolved_hints`).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import inspect
import pathlib
import sys
import types
import typing
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple, TypeVar, Union

import attrs
import typing_extensions

from .docstrings import parse_docstring

__all__ = [
    "ANNOTATED_FORMS",
    "EMPTY",
    "LITERAL_FORMS",
    "UNION_TYPES",
    "has_note",
    "is_structured_class",
    "resolved_hints",
    "root_schema",
    "schema_of",
]

EMPTY = inspect.Parameter.empty

# ``int | str`` (3.10+) has its own origin, distinct from ``typing.Union``.
UNION_TYPES: Tuple[Any, ...] = (Union,)
if sys.version_info >= (3, 10):
    UNION_TYPES += (types.UnionType,)

# Before 3.10.1 typing_extensions ships its own Literal (and before 3.9 its own
# Annotated); a hint may use either module's, so compare against both.
LITERAL_FORMS: Tuple[Any, ...] = (typing.Literal, typing_extensions.Literal)
ANNOTATED_FORMS: Tuple[Any, ...] = (
    typing_extensions.Annotated,
    getattr(typing, "Annotated", typing_extensions.Annotated),
)


class _AnnotationHolder:
    """Lets ``get_type_hints`` resolve one annotation at a time."""

    def __init__(self, annotations: Dict[str, Any]) -> None:
        self.__annotations__ = annotations


def resolved_hints(obj: Any) -> Dict[str, Any]:
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


def _object_schema(cls: type, walk: _Walk) -> Dict[str, Any]:
    """Properties of a dataclass, attrs class or TypedDict, documented from its docstring."""
    if walk.defs is not None:
        return walk.reference(cls)
    if cls in walk.seen:
        return {"type": "object"}  # recursive structure: stop rather than loop forever
    return object_body(cls, walk.enter(cls))


def object_body(cls: type, walk: _Walk) -> Dict[str, Any]:
    """The object schema of ``cls`` itself (nested classes per ``walk``'s mode)."""
    hints = resolved_hints(cls)
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
    description, field_docs = parse_docstring(doc)
    properties: Dict[str, Any] = {}
    for attribute_name, key, _ in fields:
        hint = hints.get(attribute_name, EMPTY)
        schema = schema_of(hint, walk)
        text = field_docs.get(key) or field_docs.get(attribute_name)
        if text and not has_note(hint):
            schema["description"] = text
        properties[key] = schema
    result: Dict[str, Any] = {"type": "object"}
    if description:
        result["description"] = description
    result["properties"] = properties
    result["required"] = [key for _, key, required in fields if required]
    result["additionalProperties"] = False
    return result


def _class_schema(tp: type, walk: _Walk) -> Dict[str, Any]:
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
        return _object_schema(tp, walk)
    if issubclass(tp, collections.abc.Mapping):
        return {"type": "object"}
    if issubclass(tp, collections.abc.Set):
        return _array({}, uniqueItems=True)
    if issubclass(tp, (collections.abc.Iterable, tuple)):
        return _array({})
    # An unknown class constrains nothing: the function may still accept what comes.
    return {}


def _generic_schema(origin: type, args: Tuple[Any, ...], walk: _Walk) -> Dict[str, Any]:
    """``List[int]``, ``Dict[str, X]``, ``Tuple[int, ...]`` and friends."""
    if issubclass(origin, tuple):
        if not args or (len(args) == 1 and args[0] == ()):
            return _array({})
        if len(args) == 2 and args[1] is Ellipsis:
            return _array(schema_of(args[0], walk))
        items = _any_of([schema_of(arg, walk) for arg in args])
        return _array(items, minItems=len(args), maxItems=len(args))
    if issubclass(origin, collections.abc.Mapping):
        schema: Dict[str, Any] = {"type": "object"}
        if len(args) == 2:
            values = schema_of(args[1], walk)
            if values:
                schema["additionalProperties"] = values
        return schema
    if issubclass(origin, collections.abc.Set):
        return _array(schema_of(args[0], walk) if args else {}, uniqueItems=True)
    if issubclass(origin, collections.abc.Iterable) and not issubclass(origin, (str, bytes)):
        return _array(schema_of(args[0], walk) if args else {})
    return _class_schema(origin, walk)


def has_note(tp: Any) -> bool:
    """Whether ``tp`` carries its own ``Annotated`` description (which beats the docstring)."""
    if typing_extensions.get_origin(tp) in ANNOTATED_FORMS:
        return any(isinstance(note, str) for note in typing_extensions.get_args(tp)[1:])
    if typing_extensions.get_origin(tp) in UNION_TYPES:
        members = [arg for arg in typing_extensions.get_args(tp) if arg is not type(None)]
        return len(members) == 1 and has_note(members[0])
    return False


def schema_of(tp: Any, walk: Optional[_Walk] = None) -> Dict[str, Any]:
    """The JSON schema of one type hint; ``{}`` (any value) when nothing better is known."""
    if walk is None:
        walk = _Walk()
    if tp is EMPTY or tp is Any or tp is object:
        return {}
    if tp is None or tp is type(None):
        return {"type": "null"}
    origin = typing_extensions.get_origin(tp)
    args = typing_extensions.get_args(tp)
    if origin in ANNOTATED_FORMS:
        schema = schema_of(args[0], walk)
        notes = [note for note in args[1:] if isinstance(note, str)]
        if notes:
            schema["description"] = notes[0]
        return schema
    if origin in UNION_TYPES:
        members = [arg for arg in args if arg is not type(None)]
        if not members:
            return {"type": "null"}
        schemas = [schema_of(member, walk) for member in members]
        if walk.defs is not None and len(members) < len(args):
            # Strict schemas say ``null`` outright: every field is required there, and
            # an Optional one is a required one that may be null. Tool schemas leave
            # it out and express optionality by not requiring the parameter.
            schemas.append({"type": "null"})
        return _any_of(schemas)
    if origin in LITERAL_FORMS:
        return _enum_schema([arg.value if isinstance(arg, enum.Enum) else arg for arg in args])
    supertype = getattr(tp, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return schema_of(supertype, walk)
    if isinstance(tp, TypeVar):
        return schema_of(tp.__bound__, walk) if tp.__bound__ is not None else {}
    if isinstance(origin, type):
        return _generic_schema(origin, args, walk)
    if isinstance(tp, type):
        return _class_schema(tp, walk)
    return {}


class _Walk:
    """State of one derivation: classes being expanded, and ``$defs`` when collected."""

    def __init__(self, seen: Tuple[type, ...] = (), defs: Optional[Dict[str, Any]] = None) -> None:
        self.seen = seen
        self.defs = defs
        self.names: Dict[type, str] = {}
        self.root: Optional[type] = None

    def enter(self, cls: type) -> _Walk:
        inner = _Walk((*self.seen, cls), self.defs)
        inner.names, inner.root = self.names, self.root
        return inner

    def reference(self, cls: type) -> Dict[str, Any]:
        """``$ref`` to ``cls`` in ``$defs`` (derived on first sight; ``#`` for the root)."""
        assert self.defs is not None
        if cls is self.root:
            return {"$ref": "#"}
        name = self.names.get(cls)
        if name is None:
            name = cls.__name__
            taken = set(self.names.values())
            suffix = 2
            while name in taken:
                name = f"{cls.__name__}{suffix}"
                suffix += 1
            self.names[cls] = name
            self.defs[name] = {}  # placeholder: a recursive reference finds the name
            self.defs[name] = object_body(cls, self.enter(cls))
        return {"$ref": f"#/$defs/{name}"}


def is_structured_class(tp: Any) -> bool:
    """A dataclass, attrs class or TypedDict: a class with named, typed fields."""
    return isinstance(tp, type) and (
        dataclasses.is_dataclass(tp) or attrs.has(tp) or _is_typeddict(tp)
    )


def root_schema(cls: type) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The object schema of ``cls`` with every nested class in the returned ``$defs``."""
    walk = _Walk(defs={})
    walk.root = cls
    return object_body(cls, walk.enter(cls)), walk.defs or {}
