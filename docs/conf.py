"""Sphinx configuration: Markdown pages (MyST), autodoc for the API reference, the furo theme.

The version shown in the page footer and the title comes from the package
itself, so the docs can never name a release other than the code they describe.
"""

from __future__ import annotations

import importlib.util

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
