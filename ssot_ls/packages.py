"""Which package a module lives in, for resolving relative imports."""

from __future__ import annotations

import os
from pathlib import Path


def package_of_folder(folder: str) -> str | None:
    """The dotted package of the modules in ``folder`` (absolute): the folders upward that
    have an `__init__.py` (the package root is the first one without); None at the top
    level, where relative imports cannot resolve. Not cached: a long-running server must see
    an `__init__.py` that appears (a few stat calls; the CLI caches per run)."""
    parts: list[str] = []
    current = folder
    while os.path.isfile(os.path.join(current, "__init__.py")):
        parent = os.path.dirname(current)
        if parent == current:
            break
        parts.append(os.path.basename(current))
        current = parent
    return ".".join(reversed(parts)) or None


def package_of(path: Path | str) -> str | None:
    """The dotted package of the module at ``path``."""
    try:
        return package_of_folder(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return None
