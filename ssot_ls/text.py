"""Offsets, rows and columns, and text edits: the only place that converts between them."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from ssot_ls.positions import line_starts
from ssot_ls.types import Edit


class LineIndex:
    """Maps offsets in a text to (line, column) in code points, UTF-16 or UTF-8 units."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = line_starts(text)

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 0-based ``line`` (clamped)."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self._text)
        return self._starts[line]

    def line_end(self, line: int) -> int:
        """Offset just past the content of ``line``, before its line break."""
        start = self.line_start(line)
        nxt = self._starts[line + 1] if line + 1 < len(self._starts) else len(self._text)
        end = nxt
        if end > start and self._text[end - 1] == "\n":
            end -= 1
        if end > start and self._text[end - 1] == "\r":
            end -= 1
        return end

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) - 1

    def position(self, offset: int, encoding: str = "code-points") -> tuple[int, int]:
        """0-based (line, column) of ``offset``; column counted in ``encoding`` units.

        ``encoding`` is "code-points", "utf-16" or "utf-8".
        """
        offset = max(0, min(offset, len(self._text)))
        line = self.line_of(offset)
        start = self._starts[line]
        if encoding == "code-points":
            return line, offset - start
        segment = self._text[start:offset]
        if segment.isascii():
            return line, len(segment)
        return line, unit_length(segment, encoding)

    def offset(self, line: int, column: int, encoding: str = "code-points") -> int:
        """Offset of 0-based (line, column); out-of-range values are clamped to the text."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self._text)
        start = self._starts[line]
        end = self.line_end(line)
        if encoding == "code-points":
            return min(start + max(column, 0), end)
        segment = self._text[start:end]
        if segment.isascii():
            return start + min(max(column, 0), len(segment))
        units = 0
        for i, char in enumerate(segment):
            if units >= column:
                return start + i
            units += unit_length(char, encoding)
        return end


def unit_length(text: str, encoding: str) -> int:
    if encoding == "utf-16":
        return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (in any order) to ``text``."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    parts: list[str] = []
    cursor = 0
    for edit in ordered:
        if edit.start < cursor:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        parts.append(text[cursor:edit.start])
        parts.append(edit.content)
        cursor = edit.end
    parts.append(text[cursor:])
    return "".join(parts)


def line_hunks(old_lines: Sequence[str], new_lines: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """Changed regions as (old_start, old_end, new_start, new_end) line slices."""
    import difflib  # only fixing needs it (~5 ms of import)

    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def diff_edits(old: str, new: str) -> list[Edit]:
    """Line-granular edits that turn ``old`` into ``new`` (each edit covers whole lines)."""
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    return [
        Edit(starts[i1], starts[i2], "".join(new_lines[j1:j2]))
        for i1, i2, j1, j2 in line_hunks(old_lines, new_lines)
    ]
