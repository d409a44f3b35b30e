"""The one cattrs converter and the base behaviour of every reply model.

Models are attrs classes; a reply is structured once by a converter built on
first use (``import openai_accel`` stays cheap). Every top-level model keeps
the decoded JSON in ``.raw``: fields the API adds later are never an error and
never lost. ``raw`` and ``request_id`` are filled by the library, never read
from the body, so a server that happens to send such keys cannot spoof them.
"""

import functools
from typing import Any, Dict, Mapping, Optional, Type, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from ..errors import InvalidResponseError

T = TypeVar("T")

_LIBRARY_FIELDS = ("raw", "request_id", "messages", "rounds", "max_rounds_reached", "headers")


def library_field(default: Any = None, *, factory: Any = None) -> Any:
    """A field the library sets after structuring (not part of the wire body)."""
    if factory is not None:
        return attrs.field(factory=factory, repr=False, eq=False)
    return attrs.field(default=default, repr=False, eq=False)


@functools.lru_cache(maxsize=None)
def converter() -> cattrs.Converter:
    conv = cattrs.Converter()

    def hook_factory(cls: Type[Any]) -> Any:
        omitted = {
            a.name: override(omit=True) for a in attrs.fields(cls) if a.name in _LIBRARY_FIELDS
        }
        return make_dict_structure_fn(cls, conv, **omitted)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, hook_factory)
    return conv


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
            f"expected a JSON object for {cls.__name__}, got {type(data).__name__}", body=data
        )
    try:
        obj = converter().structure(data, cls)
    except Exception as exc:  # cattrs raises several types, including ExceptionGroups
        raise InvalidResponseError(
            f"reply does not fit {cls.__name__}: {exc}", body=data, request_id=request_id
        ) from exc
    if hasattr(obj, "raw"):
        obj.raw = data
    if hasattr(obj, "request_id"):
        obj.request_id = request_id
    if headers is not None and hasattr(obj, "headers"):
        obj.headers = headers
    return obj


def raw_dict() -> Dict[str, Any]:
    return {}
