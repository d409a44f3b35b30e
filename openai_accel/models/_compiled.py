"""One generated structure function per reply model: cattrs' rules, less of its machinery.

Why not cattrs' own ``make_dict_structure_fn`` on the fast path: it calls a
hook per field (a Python call to accept ``"chatcmpl-1"`` as a string), gathers
the values in a dict and calls the class with ``**kwargs``; for the few
hundred values of a reply that was a fifth of a whole call's Python. The
function generated here, per model class:

- reads each wire key once (``o.get(name, MISSING)``);
- accepts the usual value of a plain field inline, with exactly the test the
  field's hook would apply first (``type(v) is str and v.isascii()``, an
  ``int`` within int64, ``None`` for an optional), and hands anything else to
  **the same hook** cattrs would have called, so every value is accepted or
  refused exactly as before, with the same errors;
- passes the values to the class positionally, in ``__init__``'s order, so
  attrs' own defaults, converters and validators still apply.

Only the fast converter uses it. The detailed converter (used to explain a
refused reply, field path included) keeps cattrs' generated functions, which
is also why a refusal here only needs to raise, not to say where.
"""

from __future__ import annotations

import keyword
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence

import attrs

__all__ = ["MISSING", "ModelRules", "compile_structure"]

Hook = Callable[[Any, Any], Any]


class _Missing:
    """The marker for a key the reply does not have (``None`` is a value)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def _missing_key(name: str) -> Exception:
    # The class has no default for it: refused, like cattrs' missing argument.
    return TypeError(f"the reply has no {name!r}, which has no default")


#: What a hook's ``inline_kind`` accepts unchanged, as an expression of ``{v}``.
_INLINE_TESTS = {
    "str": "type({v}) is str and {v}.isascii()",
    # perf: ``in range`` is one C test of an int (a chained comparison is ten opcodes)
    "int": "type({v}) is int and {v} in INTS",
    "bool": "type({v}) is bool",
    "optional_str": "{v} is None or (type({v}) is str and {v}.isascii())",
    "optional_int": "{v} is None or (type({v}) is int and {v} in INTS)",
    "optional": "{v} is None",
}


def _inline_test(hook: Hook) -> Optional[str]:
    """The expression (of ``{v}``) under which ``hook`` would return ``v`` unchanged.

    Read from the hook's ``inline_kind`` mark (``_hooks.inline_kind``).
    """
    return _INLINE_TESTS.get(getattr(hook, "inline_kind", None) or "")


def _default_passes(test: str, default: Any, int_limit: int) -> bool:
    """Whether the field's own default passes its inline test (then a missing key needs no branch).

    Then ``get(key, default)`` followed by the inline test decides exactly as
    "missing -> default, else test the value": the default would be accepted
    unchanged either way.
    """
    try:
        ints = range(-int_limit, int_limit)
        return bool(eval(test.format(v="v"), {"INTS": ints}, {"v": default}))
    except Exception:
        return False


@attrs.frozen
class ModelRules:
    """What a model's hook checks besides its fields (see ``_base._model_hook``)."""

    #: Fields the library fills itself (never read from the wire).
    omitted: Sequence[str]
    #: Keys that must be there (plain), and groups of which one must be.
    plain_required: FrozenSet[str]
    required_groups: Sequence[FrozenSet[str]]
    #: Raise the refusal for a missing required key / a value that is no object.
    check_required: Callable[[Dict[str, Any]], None]
    not_an_object: Callable[[Any], Exception]


def compile_structure(
    cls: type,
    rules: ModelRules,
    dispatch: Callable[[Any], Hook],
    int_limit: int,
) -> Optional[Hook]:
    """The fast hook ``structure(o, cls)`` of an attrs class, or None if it cannot be built.

    ``dispatch`` gives a type's hook; a hook marked with ``inline_kind``
    has its usual value accepted inline. None for a class this cannot express (a
    factory that takes ``self``), which then keeps cattrs' function.
    """
    attrs.resolve_types(cls)
    fields = [a for a in attrs.fields(cls) if a.init]
    omitted = rules.omitted
    namespace: Dict[str, Any] = {"MISSING": MISSING, "cls": cls}
    namespace["INTS"] = range(-int_limit, int_limit)  # the ints a reply field may hold
    namespace.update(
        missing_key=_missing_key,
        check_required=rules.check_required,
        not_an_object=rules.not_an_object,
        PLAIN=rules.plain_required,
    )
    lines = ["    if type(o) is not dict:", "        raise not_an_object(o)", "    get = o.get"]
    if rules.plain_required or rules.required_groups:
        lines.append("    keys = o.keys()")
    if rules.plain_required:
        lines += ["    if not PLAIN <= keys:", "        check_required(o)"]
    for number, group in enumerate(rules.required_groups):
        namespace[f"G{number}"] = group
        lines += [f"    if G{number}.isdisjoint(keys):", "        check_required(o)"]
    positional: List[str] = []
    keywords: List[str] = []
    last_wire = max((i for i, a in enumerate(fields) if a.name not in omitted), default=-1)
    for index, field in enumerate(fields):
        if index > last_wire:
            break  # trailing library fields: attrs' defaults
        default = field.default
        if isinstance(default, attrs.Factory) and default.takes_self:  # type: ignore[arg-type]
            return None
        if not field.name.isidentifier() or keyword.iskeyword(field.name):
            return None
        value = f"a{index}"
        if default is attrs.NOTHING:
            fallback = f"raise missing_key({field.name!r})"
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"F{index}"] = default.factory
            fallback = f"{value} = F{index}()"
        else:
            namespace[f"D{index}"] = default
            fallback = f"{value} = D{index}"
        if field.name in omitted:
            if default is attrs.NOTHING:
                return None  # a library field the caller must give: not a reply model
            lines.append(f"    {fallback}")
        else:
            hook = dispatch(field.type)
            namespace[f"H{index}"] = hook
            namespace[f"T{index}"] = field.type
            test = _inline_test(hook)
            inner = getattr(hook, "inner_hook", None)
            if (
                test is not None
                and not isinstance(default, attrs.Factory)  # type: ignore[arg-type]
                and default is not attrs.NOTHING
                and _default_passes(test, default, int_limit)
            ):
                # perf: one read, one test; a missing key reads the default, which passes
                lines.append(f"    {value} = get({field.name!r}, D{index})")
                if inner is not None:  # Optional[X]: X's own hook, without the wrapper's call
                    namespace[f"I{index}"], namespace[f"IT{index}"] = inner
                    lines.append(f"    if {value} is not None:")
                    lines.append(f"        {value} = I{index}({value}, IT{index})")
                else:
                    lines.append(f"    if not ({test.format(v=value)}):")
                    lines.append(f"        {value} = H{index}({value}, T{index})")
            else:
                lines.append(f"    v = get({field.name!r}, MISSING)")
                lines.append("    if v is MISSING:")
                lines.append(f"        {fallback}")
                if test is not None:
                    lines.append(f"    elif {test.format(v='v')}:")
                    lines.append(f"        {value} = v")
                lines.append("    else:")
                lines.append(f"        {value} = H{index}(v, T{index})")
        if field.kw_only:
            keywords.append(f"{field.alias}={value}")
        else:
            positional.append(value)
    arguments = ", ".join(positional + keywords)
    name = f"structure_{cls.__name__}"
    source = "\n".join([f"def {name}(o, _=None):", *lines, f"    return cls({arguments})"])
    exec(compile(source, f"<openai_accel structure {cls.__qualname__}>", "exec"), namespace)
    function: Hook = namespace[name]
    function.__doc__ = source  # what was generated, for whoever debugs it
    return function
