"""One-line import statements rewritten as text, without LibCST.

Most imports a fix touches are one line, with no comment, parenthesis or backslash: for
those, splitting on commas is exact, and not importing LibCST (170 ms) is most of what a
fix costs. Each function returns None when the statement is not that simple; the caller then
uses `cst_rewrites`, which keeps any layout and comments.
"""

from __future__ import annotations

import re
from typing import Protocol


class NewName(Protocol):
    name: str
    asname: str | None


_FROM = re.compile(r"(from\s+\S+\s+import\s+)(.+)", re.DOTALL)
_IMPORT = re.compile(r"(import\s+)(.+)", re.DOTALL)


def _split(text: str, pattern: re.Pattern[str]) -> tuple[str, list[str]] | None:
    if any(mark in text for mark in ("#", "(", "\\", ";", "\n", "\r")):
        return None
    match = pattern.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1), [alias.strip() for alias in match.group(2).split(",")]


def _alias(name: str, asname: str | None) -> str:
    return f"{name} as {asname}" if asname and asname != name else name


def set_from_module(text: str, module: str,
                    names: dict[int, tuple[str, str | None]] | None = None) -> str | None:
    """`from old import a as x, b` -> `from new import a2 as x, b`."""
    split = _split(text, _FROM)
    if split is None:
        return None
    _, aliases = split
    if names:
        aliases = [_alias(*names[i]) if i in names else alias for i, alias in enumerate(aliases)]
    return f"from {module} import {', '.join(aliases)}"


def remove_aliases(text: str, indexes: set[int]) -> str | None:
    split = _split(text, _FROM)
    if split is None:
        return None
    head, aliases = split
    return head + ", ".join(a for i, a in enumerate(aliases) if i not in indexes)


def rewrite_plain_import(text: str, renamed: dict[int, tuple[str, str | None]],
                         dropped: set[int]) -> str | None:
    split = _split(text, _IMPORT)
    if split is None:
        return None
    head, aliases = split
    kept = [_alias(*renamed[i]) if i in renamed else alias
            for i, alias in enumerate(aliases) if i not in dropped]
    return head + ", ".join(kept)


def append_names(text: str, moves: list[NewName]) -> str | None:
    split = _split(text, _FROM)
    if split is None:
        return None
    head, aliases = split
    for move in moves:
        alias = _alias(move.name, move.asname)
        if alias not in aliases:
            aliases.append(alias)
    return head + ", ".join(aliases)
