"""ssot-ls: keep a Python codebase on its single-source-of-truth import paths."""

__version__ = "0.1.0"
