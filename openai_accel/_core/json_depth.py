"""Refuse absurdly nested JSON before the C decoder recurses into it. Pure.

``json.loads`` recurses once per nesting level, in C, on the interpreter's
recursion budget. Ten thousand ``[`` make it raise ``RecursionError``, and on
Python 3.8 that can end the whole process instead ("Fatal Python error: Cannot
recover from stack overflow") when the caller's own stack is already deep, as
it is inside an event loop, a test runner or a hypothesis run. A reply is
therefore checked first, without recursion: real API replies nest a dozen
levels; anything past :data:`MAX_DEPTH` is malformed input.

The check costs two ``str.count`` calls on ordinary replies: only a body with
more than ``MAX_DEPTH`` brackets in all is scanned.
"""

from __future__ import annotations

import re

__all__ = ["MAX_DEPTH", "too_deep"]

#: Deeper than any reply the API sends, far below the recursion limit.
MAX_DEPTH = 200

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when ``text`` nests arrays/objects more than ``limit`` levels deep."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):  # brackets in strings don't count
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
