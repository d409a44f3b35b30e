"""A request's JSON body: encoded once, strictly, and refused with a name when it cannot be.

Why not ``json.dumps``: the standard encoder accepts what the API cannot
read. It writes ``NaN`` and ``Infinity`` (not JSON: the server answers 400,
or worse, a lenient proxy passes them on), and its errors for a value it
cannot encode are a bare ``TypeError`` / ``ValueError`` (or a
``UnicodeEncodeError`` for a lone surrogate, raised only when the text
becomes UTF-8) that says neither which argument nor where inside it. Here
every such body is refused before anything is sent with
:class:`~openai_accel.errors.BadRequestError`, whose ``param`` is the path
of the first bad value (``messages[0].content``).

Why the C encoder directly: ``JSONEncoder.encode`` builds a marker dict, a
nested function and an encoder object on every call, about eight objects
the garbage collector counts, per request. The C encoder made once here
holds no state between calls (thread-safe); without the marker dict it
detects a circular structure as a ``RecursionError``, which is then
reported like any other unencodable value. Interpreters without the C
accelerator use a ``JSONEncoder`` with the same rules.
"""

from __future__ import annotations

import json
import math
from json import encoder as _std
from typing import Any, Callable, List, Mapping, Optional, Tuple

from ..errors import BadRequestError

__all__ = ["encode_json", "first_unencodable"]


def _refuse(value: Any) -> Any:
    raise TypeError(f"an object of type {type(value).__name__} is not JSON serializable")


def _make_encode() -> Callable[[Any], str]:
    make = getattr(_std, "c_make_encoder", None)
    if make is not None:
        # markers=None (no circular check: see the module docstring), no indent,
        # compact separators, keys as given, no skipped keys, allow_nan=False.
        encode_c = make(None, _refuse, _std.encode_basestring, None, ":", ",", False, False, False)

        def encode(payload: Any) -> str:
            return "".join(encode_c(payload, 0))

        return encode
    fallback = json.JSONEncoder(
        separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_refuse
    )
    return fallback.encode


_ENCODE = _make_encode()


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """``payload`` as compact UTF-8 JSON; BadRequestError names the first value that is not JSON."""
    try:
        return _ENCODE(payload).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        where, why = first_unencodable(payload) or ("", str(exc))
        raise BadRequestError(
            f"the request body is not JSON: {where or 'the body'} {why}",
            param=where or None,
        ) from None


_SCALARS = (str, int, float, bool, type(None))


def _step(path: str, key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    text = str(key)
    if not path:
        return text
    return f"{path}.{text}" if text.isidentifier() else f"{path}[{text!r}]"


def _scalar_fault(value: Any) -> Optional[str]:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "holds a lone surrogate, which is not UTF-8 text"
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"is {value!r}, which JSON cannot represent"
    return None


def first_unencodable(payload: Any, max_depth: int = 200) -> Optional[Tuple[str, str]]:
    """(path, what is wrong) of the first value ``encode_json`` refuses, or None.

    Walked only after the encoder has failed, so it may be slow; it checks
    what the encoder checks: types, dict keys, non-finite floats, text that
    is not UTF-8, circular references and absurd depth.
    """
    # Each entry: (path, value, ids of the containers above it).
    stack: List[Tuple[str, Any, Tuple[int, ...]]] = [("", payload, ())]
    while stack:
        path, value, above = stack.pop()
        if isinstance(value, _SCALARS):
            fault = _scalar_fault(value)
            if fault is not None:
                return path, fault
            continue
        if not isinstance(value, (dict, list, tuple)):
            return path, f"is of type {type(value).__name__}, which is not JSON serializable"
        if id(value) in above:
            return path, "refers back to itself (a circular reference)"
        if len(above) >= max_depth:
            return path, f"is nested more than {max_depth} levels deep"
        inner = (*above, id(value))
        if isinstance(value, dict):
            items: List[Tuple[Any, Any]] = list(value.items())
            for key, _ in items:
                if not isinstance(key, _SCALARS):
                    return path, f"has a key of type {type(key).__name__} (keys must be strings)"
                fault = _scalar_fault(key)
                if fault is not None:
                    return _step(path, key), f"(a key) {fault}"
        else:
            items = list(enumerate(value))
        for key, child in reversed(items):  # reversed: the stack pops the first one first
            stack.append((_step(path, key), child, inner))
    return None
