"""OpenAI tool definitions derived from ordinary Python callables.

``chat_with_functions`` lets a caller hand over plain functions instead of
hand-written JSON schemas. The schema is what the model sees, so it is derived
from the same facts the function itself relies on - its signature, type hints
and docstring - and cannot drift from the code. Everything here is pure: it
only inspects objects, never calls them.

The type -> schema mapping is :mod:`.schema_types` (shared with structured
outputs); a hint that cannot be resolved (a name imported only under
``TYPE_CHECKING``) degrades to "any value" rather than making the function
unusable as a tool: a looser schema still lets the model call it, and the
function validates its own input anyway.
"""

from __future__ import annotations

import collections.abc
import enum
import functools
import inspect
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import attrs
import typing_extensions

from .docstrings import parse_docstring
from .schema_types import (
    ANNOTATED_FORMS,
    EMPTY,
    UNION_TYPES,
    has_note,
    resolved_hints,
    schema_of,
)

__all__ = ["coerce_arguments", "tool_from_callable", "tools_from_functions"]

# The API rejects any other function name; checking locally gives a clear
# error at definition time instead of a 400 on the first chat call.
_NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,64}")


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
            text, params = parse_docstring(doc)
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
        hints.update(resolved_hints(source))
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
            if param.default is EMPTY:
                # Tools are called with keyword arguments only, so this could never be passed.
                raise TypeError(
                    f"{_describe(fn)} cannot be a tool: parameter {param.name!r} is "
                    "positional-only and has no default"
                )
            continue
        params.append(param)
    return _Analysis(params, hints, var_keyword, docs)


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
        hint = analysis.hints.get(param.name, EMPTY)
        schema = schema_of(hint)
        text = param_docs.get(param.name)
        if text and not has_note(hint):
            schema["description"] = text
        properties[param.name] = schema
        if param.default is EMPTY:
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
        result[key] = _coerce(value, analysis.hints.get(key, EMPTY), key)
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
    if origin in ANNOTATED_FORMS:
        return _coerce(value, args[0], key)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(value, tp):
            return value
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in tp)
            raise TypeError(f"argument {key!r}: {value!r} is not one of {allowed}") from None
    if origin in UNION_TYPES:
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
