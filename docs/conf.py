"""Sphinx configuration: Markdown pages (MyST), autodoc for the API reference, the furo theme.

The version shown in the page footer and the title comes from the package
itself, so the docs can never name a release other than the code they describe.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Any, Optional, Tuple

import openai_accel

project = "openai_accel"
author = "openai_accel developers"
release = version = openai_accel.__version__
# furo prints the copyright line in every page's footer: the version goes there too.
copyright = f"openai_accel developers · version {release}"

# No napoleon: the docstrings are plain prose, and napoleon reads a property docstring's
# "Text: more" first line as "Type: Text", which put stray "Type:" fields in the reference.
extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence"]

autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
# The annotations are written for mypy; the signature line shows them as written.
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
# Optional dependencies the reference mentions but a docs-only install (the docs
# extra) lacks: OpenTelemetry, and pytest for the pytest plugin's page section.
autodoc_mock_imports = [
    name for name in ("opentelemetry", "pytest") if importlib.util.find_spec(name) is None
]

html_theme = "furo"
html_title = f"openai_accel {release}"
html_static_path = ["_static"]
html_css_files = ["wrap.css"]
pygments_style = "sphinx"


_FLOW_RESULT = re.compile(r"^Flow\[(?P<result>.+)\]$")


def _client_method_returns(
    app: Any, what: str, name: str, obj: Any, options: Any, args: Optional[str], ret: str
) -> Optional[Tuple[Optional[str], str]]:
    """Show what a client method returns, which differs between the two clients.

    The call_op/stream_op descriptors share one signature without a return
    annotation (it would be wrong for one of the clients); the flow's own
    ``Flow[T]`` annotation says what ``OpenAI`` returns (``T``, or a
    ``Stream[Item, T]``) and what ``AsyncOpenAI`` returns (an awaitable, or an
    ``AsyncStream``).
    """
    flow = getattr(obj, "_flow", None)
    annotation = getattr(flow, "__annotations__", {}).get("return") if flow else None
    match = _FLOW_RESULT.match(annotation) if isinstance(annotation, str) else None
    if match is None:
        return None
    result, is_async = match.group("result"), ".AsyncOpenAI." in name
    item = getattr(obj, "_item", None)
    if item is not None:
        stream = "AsyncStream" if is_async else "Stream"
        return args, f"{stream}[{item.__name__}, {result}]"
    return args, f"Awaitable[{result}]" if is_async else result


def setup(app: Any) -> None:
    app.connect("autodoc-process-signature", _client_method_returns)
