"""Access to ``../shared/`` (reference material beside the repository).

The package and its tests must work without it: anything that reads it skips
with a reason when it is absent. ``OPENAI_ACCEL_SHARED`` points elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

SHARED_DIR = Path(
    os.environ.get("OPENAI_ACCEL_SHARED", Path(__file__).resolve().parents[2] / "shared")
)
RECORDED_DIR = SHARED_DIR / "conformance" / "recorded"


def require_recorded() -> Path:
    if not RECORDED_DIR.is_dir():
        pytest.skip(f"conformance recordings not found at {RECORDED_DIR} (../shared is absent)")
    return RECORDED_DIR


def recorded(name: str) -> Dict[str, Any]:
    """Load one recorded exchange by file name (with or without ``.json``)."""
    directory = require_recorded()
    path = directory / (name if name.endswith(".json") else name + ".json")
    if not path.is_file():
        pytest.skip(f"recording {path.name} not found in {directory}")
    data: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def recorded_names(prefix: str = "") -> List[str]:
    """Names of recordings starting with ``prefix`` ([] when ../shared is absent)."""
    if not RECORDED_DIR.is_dir():
        return []
    return sorted(p.stem for p in RECORDED_DIR.glob(prefix + "*.json"))
