"""Benchmark ``import-cost``: ``import openai_accel`` vs ``import openai``, fresh interpreters."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

from bench_common import Result, median, official_sdk, ratio

# --------------------------------------------------------------------------
# 7. Import cost
# --------------------------------------------------------------------------

_IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def _import_run(statement: str) -> Tuple[float, List[str], Optional[int]]:
    """Wall time (ms), imported modules and the top-level import's cumulative us."""
    environment = dict(os.environ)
    environment.pop("PYTHONPROFILEIMPORTTIME", None)
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    wall = (time.perf_counter() - start) * 1000
    if completed.returncode != 0:
        raise RuntimeError(f"{statement!r} failed: {completed.stderr[-2000:]}")
    modules: List[str] = []
    top: Optional[int] = None
    wanted = statement.replace("import ", "").strip() if statement != "pass" else None
    for line in completed.stderr.splitlines():
        match = _IMPORTTIME_LINE.match(line)
        if not match:
            continue
        modules.append(match.group(4))
        if wanted is not None and match.group(4) == wanted and len(match.group(3)) <= 1:
            top = int(match.group(2))
    return wall, modules, top


def bench_import_cost(quick: bool) -> Result:
    result = Result("import-cost")
    repeats = 1 if quick else 5
    openai, _httpx, sdk_note = official_sdk()
    statements = {"baseline": "pass", "accel": "import openai_accel"}
    if openai is not None:
        statements["official"] = "import openai"
    walls: Dict[str, List[float]] = {name: [] for name in statements}
    tops: Dict[str, List[float]] = {name: [] for name in statements}
    accel_modules: List[str] = []
    for index in range(repeats + 1):  # the first pass warms the OS file cache
        for name, statement in statements.items():
            wall, modules, top = _import_run(statement)
            if index == 0:
                if name == "accel":
                    accel_modules = modules
                continue
            walls[name].append(wall)
            if top is not None:
                tops[name].append(top / 1000)
    aiohttp_imported = any(m == "aiohttp" or m.startswith("aiohttp.") for m in accel_modules)
    base = median(walls["baseline"])
    accel = median(walls["accel"])
    official = median(walls["official"]) if openai is not None else None
    result.row("baseline (python -c pass)", base, "ms wall")
    result.row("import openai_accel", accel, "ms wall")
    result.row("import openai", official, "ms wall")
    result.row(
        "import openai_accel (self-reported cumulative)", _median_or_none(tops["accel"]), "ms"
    )
    result.row(
        "import openai (self-reported cumulative)",
        _median_or_none(tops["official"]) if openai is not None else None,
        "ms",
    )
    result.row("ratio accel / baseline (wall)", ratio(accel, base), "x")
    result.row("ratio accel / official (wall)", ratio(accel, official), "x")
    result.row(
        "ratio accel / official (wall minus interpreter start)",
        ratio(accel - base, official - base if official is not None else None),
        "x",
    )
    result.row("modules imported by openai_accel", float(len(accel_modules)), "")
    result.row("aiohttp imported by openai_accel (1 = yes)", float(aiohttp_imported), "")
    result.target("accel/official wall", ratio(accel, official), "<=", 1.0)
    result.target("aiohttp imported", float(aiohttp_imported), "==", 0.0)
    result.note(f"`{sys.executable} -X importtime -c ...`, median of {repeats} runs")
    if openai is None:
        result.note(f"official rows skipped: {sdk_note}")
    return result


def _median_or_none(values: Sequence[float]) -> Optional[float]:
    return median(values) if values else None
