"""Structured outputs: a caller's class -> a strict JSON schema, and the reply -> an instance.

``chat(..., response_format=C)`` and ``respond(..., text_format=C)`` take an
attrs class, a dataclass or a TypedDict. The schema comes from the same
type -> schema mapping the tool definitions use (:mod:`.schema_types`), in its
``$defs`` mode, then is made *strict*: the API's strict mode wants every
property listed in ``required`` (an ``Optional`` field is a required one that
may be ``null``; a field with a default must still be sent) and
``additionalProperties: false`` on every object. What strict mode cannot
express (a field of any type, a free-form mapping, a set) is refused here,
before anything is sent, with the field's path in the message, rather than
as a 400 from the server or a schema silently loosened.

Pure: no I/O. The parsing half uses the one cattrs converter.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any, Dict, Mapping, MutableMapping, Optional, Type

import attrs

from ..errors import BadRequestError, InvalidResponseError, LengthFinishReasonError
from ..models._base import converter, forget_cached_hooks

__all__ = [
    "StructuredFormat",
    "chat_response_format",
    "chat_structured",
    "is_strict_ready",
    "parse_chat",
    "parse_structured",
    "strict_format",
    "text_format_config",
]

_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
#: Keywords strict mode accepts besides the structural ones handled below.
_STRICT_KEYWORDS = frozenset(
    {"type", "description", "enum", "const", "format", "minItems", "maxItems", "pattern"}
)


@attrs.frozen
class StructuredFormat:
    """A class and the strict schema the model must answer in."""

    cls: Any
    name: str
    schema: Dict[str, Any]


def _refuse(path: str, why: str, param: str) -> BadRequestError:
    return BadRequestError(
        f"{param}: {path} {why}; strict structured outputs cannot express it "
        "(give the field a concrete type, or pass a JSON schema dict yourself)",
        param=param,
    )


def _make_strict(schema: MutableMapping[str, Any], path: str, param: str) -> None:
    """Turn one derived schema node strict, in place, refusing what strict mode lacks."""
    if not schema:
        raise _refuse(path, "accepts any value", param)
    if "$ref" in schema:
        return
    if "anyOf" in schema:
        for member in schema["anyOf"]:
            _make_strict(member, path, param)
        return
    unknown = set(schema) - _STRICT_KEYWORDS - {"properties", "required", "items"}
    unknown.discard("additionalProperties")
    if "uniqueItems" in unknown:
        raise _refuse(path, "is a set (uniqueItems)", param)
    if unknown:
        raise _refuse(path, f"uses {', '.join(sorted(unknown))}", param)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties")
        if not isinstance(properties, dict) or not properties:
            raise _refuse(path, "is a free-form mapping", param)
        if isinstance(schema.get("additionalProperties"), dict):
            raise _refuse(path, "is a mapping with arbitrary keys", param)
        for key, member in properties.items():
            _make_strict(member, f"{path}.{key}", param)
        schema["required"] = list(properties)
        schema["additionalProperties"] = False
    elif kind == "array":
        _make_strict(schema.get("items", {}), f"{path}[]", param)


def strict_format(cls: Any, *, param: str = "response_format") -> StructuredFormat:
    """The strict schema for ``cls``; BadRequestError (nothing sent) when it has none."""
    # perf: the schema mapping (dataclasses, uuid, pathlib...) loads with the first class given
    from .schema_types import is_structured_class, root_schema

    if not is_structured_class(cls):
        raise BadRequestError(
            f"{param}: expected an attrs class, a dataclass, a TypedDict or a dict, got {cls!r}",
            param=param,
        )
    body, defs = root_schema(cls)
    _make_strict(body, cls.__name__, param)
    for name, definition in defs.items():
        _make_strict(definition, name, param)
    schema: Dict[str, Any] = dict(body)
    if defs:
        schema["$defs"] = defs
    name = _NAME_UNSAFE.sub("_", cls.__name__)[:64] or "response"
    return StructuredFormat(cls, name, schema)


def is_strict_ready(schema: Mapping[str, Any]) -> bool:
    """Whether ``schema`` already meets strict mode's rules as it is (nothing to change).

    A derived tool schema whose parameters are all required can be sent with
    ``strict: true`` (the model's arguments are then guaranteed to fit); one
    with optional parameters must not be, since strict mode would make them
    mandatory.
    """
    candidate = copy.deepcopy(dict(schema))
    try:
        _make_strict(candidate, "parameters", "tools")
    except BadRequestError:
        return False
    return candidate == schema


def chat_response_format(structured: StructuredFormat) -> Dict[str, Any]:
    """The Chat Completions ``response_format`` value."""
    return {
        "type": "json_schema",
        "json_schema": {"name": structured.name, "schema": structured.schema, "strict": True},
    }


def text_format_config(structured: StructuredFormat) -> Dict[str, Any]:
    """The Responses API ``text.format`` value."""
    return {
        "type": "json_schema",
        "name": structured.name,
        "schema": structured.schema,
        "strict": True,
    }


def chat_structured(body_extra: Dict[str, Any]) -> Optional[StructuredFormat]:
    """A class given as ``response_format`` becomes its strict ``json_schema`` format.

    ``body_extra`` is updated in place; a dict (a hand-written format) is left
    exactly as the caller wrote it and None is returned.
    """
    value = body_extra.get("response_format")
    if value is None or isinstance(value, Mapping):
        return None
    structured = strict_format(value, param="response_format")
    body_extra["response_format"] = chat_response_format(structured)
    return structured


def parse_chat(response: Any, structured: StructuredFormat) -> Any:
    """Fill a ChatResponse's ``.parsed`` (a refusal leaves it None) and return the response."""
    if response.refusal is None:
        response.parsed = parse_structured(
            response.content,
            structured.cls,
            truncated=response.finish_reason == "length",
            request_id=response.request_id,
            body=response.raw,
        )
    return response


def _is_user_attrs_class(cls: Any) -> bool:
    return attrs.has(cls) and not str(getattr(cls, "__module__", "")).startswith("openai_accel.")


@functools.lru_cache(maxsize=None)
def _user_converter() -> Any:
    """The shared converter, taught that a caller's attrs class is all wire fields.

    The reply models' hook leaves out the names the library fills itself
    (``raw``, ``messages``, ``rounds``...); a caller's class may well have a
    field called ``messages``, which must come from the answer. Registered
    once, on first use, for classes outside this package only.
    """
    from cattrs.gen import make_dict_structure_fn  # perf: cattrs loads on first use

    conv = converter()
    conv.register_structure_hook_factory(
        _is_user_attrs_class, lambda cls: make_dict_structure_fn(cls, conv)
    )
    forget_cached_hooks()
    return conv


def parse_structured(
    text: Optional[str],
    cls: Type[Any],
    *,
    truncated: bool,
    request_id: Optional[str],
    body: Any,
) -> Any:
    """An instance of ``cls`` from the model's JSON answer.

    An answer cut by the token limit is :class:`LengthFinishReasonError` (its
    JSON is incomplete, so parsing it would only give a misleading error);
    an answer that is not JSON, or does not fit ``cls``, is
    :class:`InvalidResponseError`.
    """
    if truncated:
        raise LengthFinishReasonError(
            "the answer was cut by the token limit before the structured output was complete; "
            "raise max_tokens / max_output_tokens",
            request_id=request_id,
            body=body,
        )
    try:
        data = json.loads(text or "")
    except ValueError as exc:
        raise InvalidResponseError(
            f"the structured answer is not JSON ({exc}): {(text or '')[:200]!r}",
            body=body,
            request_id=request_id,
        ) from exc
    try:
        return _user_converter().structure(data, cls)
    except Exception as exc:  # cattrs raises several types, including ExceptionGroups
        raise InvalidResponseError(
            f"the structured answer does not fit {cls.__name__}: {exc}",
            body=body,
            request_id=request_id,
        ) from exc
