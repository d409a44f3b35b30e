"""The checks the API makes on a ``strict: true`` JSON schema (structured outputs).

Strict mode accepts a schema only when every object lists all its properties
in ``required`` and closes itself with ``additionalProperties: false``; the
API refuses anything else with a 400 naming the place (``context``) in the
schema. The emulator makes the same checks, so a client that derives schemas
is tested against the rules it must meet, not merely against a server that
accepts anything.
"""

from __future__ import annotations

from typing import Any, Mapping, Tuple

from . import _errors as err

__all__ = ["check_strict_schema"]


def _refuse(name: str, context: Tuple[str, ...], why: str, param: str) -> err.ApiError:
    return err.ApiError(
        400,
        f"Invalid schema for response_format '{name}': In context={context!r}, {why}",
        param=param,
        code="invalid_json_schema",
    )


def _check(schema: Any, name: str, context: Tuple[str, ...], param: str) -> None:
    if not isinstance(schema, Mapping):
        raise _refuse(name, context, "schema must be an object.", param)
    for key in ("anyOf",):
        for index, member in enumerate(schema.get(key) or []):
            _check(member, name, (*context, key, str(index)), param)
    for key, definition in (schema.get("$defs") or {}).items():
        _check(definition, name, (*context, "$defs", key), param)
    if "$ref" in schema or "anyOf" in schema:
        return
    if not schema.get("type") and "enum" not in schema and "const" not in schema:
        raise _refuse(name, context, "schema must have a 'type' key.", param)
    if schema.get("type") == "object":
        if schema.get("additionalProperties") is not False:
            raise _refuse(
                name,
                context,
                "'additionalProperties' is required to be supplied and to be false.",
                param,
            )
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        missing = [key for key in properties if key not in required]
        if missing:
            raise _refuse(
                name,
                context,
                "'required' is required to be supplied and to be an array including every "
                f"key in properties. Missing '{missing[0]}'.",
                param,
            )
        for key, member in properties.items():
            _check(member, name, (*context, "properties", key), param)
    if schema.get("type") == "array" and "items" in schema:
        _check(schema["items"], name, (*context, "items"), param)


def check_strict_schema(schema: Any, name: str, param: str) -> None:
    """Raise the API's 400 when ``schema`` breaks a strict-mode rule."""
    _check(schema, name, (), param)
