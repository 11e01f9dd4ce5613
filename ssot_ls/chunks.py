"""Parse only the top-level statements of a big file that can matter.

Parsing is most of the cost of analysing a large file, and a deprecated import and its uses
usually sit in a handful of a file's top-level statements. We split the file where a line at
column 0 starts a statement, and parse only the pieces that contain interesting lines.

A split in the wrong place (inside a string or brackets that span lines) always leaves the
piece before it unterminated, so it fails to parse; then the caller parses the whole file.
"""

from __future__ import annotations

import ast
import bisect
import re

from ssot_ls.positions import AstPositions

# A line at column 0 that starts a statement (not `else:`/`except:`, which continue one).
_STATEMENT_START = re.compile(
    r"^(?:(?:async[ \t]+)?def\b|class\b|import\b|from\b|if\b|try\b|with\b|for\b|while\b|@"
    r"|[A-Za-z_][\w.]*[ \t]*(?::[^=\n]*)?=(?!=)|[A-Za-z_][\w.]*\()",
    re.MULTILINE,
)
MIN_LINES = 400  # below this a full parse is cheap enough and simpler


class ChunkedSource:
    def __init__(self, text: str, positions: AstPositions) -> None:
        self._text = text
        self._positions = positions
        starts = [1]
        lines = text.splitlines()
        for match in _STATEMENT_START.finditer(text):
            line = positions.line_number(match.start())
            if line <= starts[-1]:
                continue
            previous = line - 2
            while previous >= 0 and not lines[previous].strip():
                previous -= 1
            if previous >= 0 and lines[previous].startswith("@"):
                continue  # a decorated definition starts at its first decorator
            starts.append(line)
        self._starts = starts
        self._line_count = len(lines)
        self._parsed: dict[int, list[ast.stmt]] = {}

    def parse(self, lines: list[int]) -> bool:
        """Parse every chunk containing one of ``lines``; False if one does not parse."""
        for line in lines:
            index = bisect.bisect_right(self._starts, line) - 1
            if index in self._parsed:
                continue
            first = self._starts[index]
            last = self._starts[index + 1] - 1 if index + 1 < len(self._starts) else self._line_count
            start = self._positions.line_start(first)
            end = self._positions.line_start(last + 1) if last < self._line_count else len(self._text)
            try:
                module = ast.parse(self._text[start:end])
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
            ast.increment_lineno(module, first - 1)
            self._parsed[index] = module.body
        return True

    def module(self) -> ast.Module:
        body = [statement for index in sorted(self._parsed) for statement in self._parsed[index]]
        return ast.Module(body=body, type_ignores=[])
