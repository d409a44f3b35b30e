"""Module ``__getattr__`` for packages whose public names load on first access.

perf: ``import openai_accel`` (and the pytest plugin, which imports
``openai_accel.testing``) used to import every reply model, the emulator and
the sinks; the packages now name them in a table and import them here when a
name is first read. A submodule those imports used to load stays reachable as
an attribute (``openai_accel.models.misc``) the same way.
"""

from __future__ import annotations

import importlib
from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional

__all__ = ["lazy_attribute", "lazy_dir"]


def lazy_attribute(
    package: str,
    namespace: Dict[str, Any],
    names: Mapping[str, str],
    name: str,
    submodules: Optional[Collection[str]] = None,
) -> Any:
    """``name`` of ``package``: from its module in ``names``, else a submodule of that name.

    A module in ``names`` is absolute (``openai_accel.models.misc``) or relative
    to ``package`` (``misc``). The value is stored in ``namespace`` (the
    package's globals), so later reads are plain attribute lookups. Only the
    ``submodules`` listed (None: any) are imported for a bare attribute read, so
    that ``hasattr(openai_accel, "async_client")`` does not import aiohttp.
    """
    module = names.get(name)
    if module is not None:
        if not module.startswith("openai_accel"):
            module = f"{package}.{module}"
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value
    if not name.startswith("__") and (submodules is None or name in submodules):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise
    raise AttributeError(f"module {package!r} has no attribute {name!r}")


def lazy_dir(namespace: Mapping[str, Any], *names: Iterable[str]) -> List[str]:
    """The package's globals plus its lazy public names and submodules, for ``dir()``."""
    listed = set(namespace)
    for group in names:
        listed.update(group)
    return sorted(listed)
