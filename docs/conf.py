"""Sphinx configuration: Markdown pages (MyST) plus autodoc for the API reference."""

project = "openai_accel"
author = "openai_accel developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
html_theme = "alabaster"
