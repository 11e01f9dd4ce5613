"""Parse only the top-level statements of a big file that can matter.

Parsing is most of the cost of analysing a large file, and a deprecated import and its uses
usually sit in a handful of a file's top-level statements. A *chunk* runs from a line at
column 0 that starts a statement to the next such line; we find the chunks around the
interesting lines by looking at the neighbouring lines only, and parse just those.

A split in the wrong place (inside a string or brackets that span lines) always leaves the
piece before it unterminated, so it fails to parse; then the caller parses the whole file.
"""

from __future__ import annotations

import ast
import re

from ssot_ls.positions import AstPositions

# A line at column 0 that starts a statement (not `else:`/`except:`, which continue one).
_STATEMENT_START = re.compile(
    r"(?:(?:async[ \t]+)?def\b|class\b|import\b|from\b|if\b|try\b|with\b|for\b|while\b|@"
    r"|[A-Za-z_][\w.]*[ \t]*(?::[^=\n]*)?=(?!=)|[A-Za-z_][\w.]*\()",
)
MIN_LINES = 400  # below this a full parse is cheap enough and simpler


class ChunkedSource:
    def __init__(self, text: str, positions: AstPositions) -> None:
        self._text = text
        self._positions = positions
        self._line_count = positions.line_count
        self._parsed: dict[int, list[ast.stmt]] = {}  # first line -> statements
        self._covered: list[tuple[int, int]] = []

    def _line(self, number: int) -> str:
        start = self._positions.line_start(number)
        end = self._positions.line_start(number + 1) if number < self._line_count else len(self._text)
        return self._text[start:end]

    def _starts_chunk(self, number: int) -> bool:
        if number == 1:
            return True
        if not _STATEMENT_START.match(self._line(number)):
            return False
        previous = number - 1
        while previous >= 1 and not self._line(previous).strip():
            previous -= 1
        # A decorated definition starts at its first decorator.
        return not (previous >= 1 and self._line(previous).startswith("@"))

    def _chunk_of(self, line: int) -> tuple[int, int]:
        first = line
        while not self._starts_chunk(first):
            first -= 1
        last = line + 1
        while last <= self._line_count and not self._starts_chunk(last):
            last += 1
        return first, last - 1

    def chunk_text(self, line: int) -> tuple[int, str]:
        """The first line and the text of the top-level statement around ``line``."""
        first, last = self._chunk_of(line)
        start = self._positions.line_start(first)
        end = self._positions.line_start(last + 1) if last < self._line_count else len(self._text)
        return first, self._text[start:end]

    def parse(self, lines: list[int]) -> bool:
        """Parse every chunk containing one of ``lines``; False if one does not parse."""
        for line in lines:
            if any(first <= line <= last for first, last in self._covered):
                continue
            first, last = self._chunk_of(line)
            self._covered.append((first, last))
            start = self._positions.line_start(first)
            end = self._positions.line_start(last + 1) if last < self._line_count else len(self._text)
            try:
                module = ast.parse(self._text[start:end])
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
            ast.increment_lineno(module, first - 1)
            self._parsed[first] = module.body
        return True

    def module(self) -> ast.Module:
        body = [statement for first in sorted(self._parsed) for statement in self._parsed[first]]
        return ast.Module(body=body, type_ignores=[])
