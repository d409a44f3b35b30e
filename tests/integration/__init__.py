"""Tests that drive real external programs (each skips with a reason when its program is absent)."""
