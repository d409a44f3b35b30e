"""Parameter notes from Google, NumPy and Sphinx style docstrings.

Tool and structured-output schemas describe each field to the model; the text
comes from the docstring the code already has, so it cannot drift from it.
"""

from __future__ import annotations

import inspect
import re
from typing import Dict, List, Optional, Tuple

__all__ = ["parse_docstring"]

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


def parse_docstring(doc: Optional[str]) -> Tuple[str, Dict[str, str]]:
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
