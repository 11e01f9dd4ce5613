"""Deterministic generator of a synthetic monorepo (Python + Markdown) for the benchmarks.

`plan` decides which files exist and what each exports, `pycode` and `markdown` render one
file each from its own seeded random stream, `deprecated` holds the planted uses of the
deprecated module, and `tree` writes everything (in parallel) plus the tool configs.
"""
