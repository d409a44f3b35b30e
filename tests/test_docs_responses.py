"""The code blocks of the Responses and structured-outputs guides run against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs" / "guides"


@pytest.mark.parametrize("page", ["responses.md", "structured-outputs.md"])
def test_the_guide_runs(page, capsys):
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    # dont_inherit: the docs do not use this module's `from __future__ import annotations`.
    code = compile("\n".join(blocks), str(DOCS / page), "exec", dont_inherit=True)
    exec(code, {"__name__": "docs"})
    assert "Traceback" not in capsys.readouterr().out
