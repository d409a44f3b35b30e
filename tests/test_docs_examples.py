"""Every ```python block in README.md and docs/**/*.md runs against the emulator.

Pages are found by globbing, so a new page is checked the day it is added.
Blocks of one page run in order in one namespace (a later block may use what
an earlier one defined), with ``OPENAI_BASE_URL`` pointing at the emulator, a
fake ``OPENAI_API_KEY`` and a temporary working directory. A block that
cannot run offline (a real key, a real microphone...) is fenced as
```` ```python no-run ````: see docs/contributing.md; use it sparingly.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import sys
import types
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
PAGES = [p for p in PAGES if "_build" not in p.parts]

#: An opening fence: 3+ backticks, the language, optional words (``no-run``).
_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[^`]*)$")


def python_blocks(text: str) -> List[Tuple[int, str, List[str]]]:
    """``(first line number, code, info words)`` of each fenced ``python`` block."""
    blocks: List[Tuple[int, str, List[str]]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index].strip())
        if not opening:
            index += 1
            continue
        fence, words = opening.group("fence"), opening.group("info").split()
        body: List[str] = []
        start = index + 2
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index])
            index += 1
        index += 1
        if words and words[0] in ("python", "py", "python3"):
            blocks.append((start, "\n".join(body) + "\n", words[1:]))
    return blocks


def test_the_extractor_finds_blocks_and_their_flags():
    text = "# t\n```python\nx = 1\n```\n````python no-run\ny\n````\n```sh\nls\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n", []), (6, "y\n", ["no-run"])]


def _close_clients(namespace: Dict[str, Any]) -> None:
    from openai_accel import OpenAI

    for value in list(namespace.values()):
        if isinstance(value, OpenAI):
            value.close()
        elif type(value).__name__ == "AsyncOpenAI":
            closing = value.aclose()
            if inspect.isawaitable(closing):
                asyncio.run(closing)


@pytest.fixture
def logging_restored():
    """Pages may configure logging (basicConfig, a level): undo it for the rest of the suite."""
    root, ours = logging.getLogger(), logging.getLogger("openai_accel")
    saved = (root.level, root.handlers[:], ours.level, ours.handlers[:])
    yield
    root.handlers[:], ours.handlers[:] = saved[1], saved[3]
    root.setLevel(saved[0])  # setLevel, not assignment: it clears isEnabledFor's cache
    ours.setLevel(saved[2])


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_python_block_of_the_page_runs(
    page, openai_emulator, monkeypatch, tmp_path, logging_restored
):
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    runnable = [(line, code) for line, code, flags in blocks if "no-run" not in flags]
    if not runnable:
        pytest.skip(f"{page.name} has no runnable python block")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs-example")
    monkeypatch.chdir(tmp_path)
    # A real module, so that classes the page defines (dataclasses, TypedDicts,
    # attrs classes) can resolve their annotations through sys.modules.
    module = types.ModuleType("__docs__")
    monkeypatch.setitem(sys.modules, "__docs__", module)
    namespace: Dict[str, Any] = module.__dict__
    try:
        for line, code in runnable:
            where = f"{page.relative_to(ROOT)}:{line}"
            try:
                exec(compile(code, where, "exec"), namespace)
            except Exception as exc:
                pytest.fail(f"the block at {where} failed: {type(exc).__name__}: {exc}")
    finally:
        _close_clients(namespace)
