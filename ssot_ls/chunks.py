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
import bisect
import re

from ssot_ls.positions import AstPositions

# A line at column 0 that starts a statement (not `else:`/`except:`, which continue one).
_STATEMENT_START = re.compile(
    r"(?:(?:async[ \t]+)?def\b|class\b|import\b|from\b|if\b|try\b|with\b|for\b|while\b|@"
    r"|[A-Za-z_][\w.]*[ \t]*(?::[^=\n]*)?=(?!=)|[A-Za-z_][\w.]*\()",
)
MIN_LINES = 400  # below this a full parse is cheap enough and simpler
_DEFINITION = re.compile(r"(?:async[ \t]+)?def\b|class\b")
_HEADER_LINES = 12  # a longer signature is parsed whole


class ChunkedSource:
    def __init__(self, text: str, positions: AstPositions) -> None:
        self._text = text
        self._positions = positions
        self._line_count = positions.line_count
        self._parsed: dict[int, list[ast.stmt]] = {}  # first line -> statements
        # Chunks parsed, sorted: (first line, last line, last line parsed: the header's, or last)
        self._covered: list[tuple[int, int, int]] = []
        self._covered_starts: list[int] = []

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
        """Parse every chunk containing one of the sorted ``lines`` (a class or function whose
        body has none of them: only its header); False if one does not parse."""
        index = 0
        while index < len(lines):
            line = lines[index]
            at = bisect.bisect_right(self._covered_starts, line) - 1
            if at >= 0 and line <= self._covered[at][1]:
                first, last, until = self._covered[at]
                if line > until:  # a line in a body parsed as a header only: parse it all
                    if not self._parse_whole(first, last):
                        return False
                    self._covered[at] = (first, last, last)
                index += 1
                continue
            first, last = self._chunk_of(line)
            end = bisect.bisect_right(lines, last, index)
            until = self._parse_header(first, last, lines[end - 1])
            if until is None:
                if not self._parse_whole(first, last):
                    return False
                until = last
            self._covered.insert(at + 1, (first, last, until))
            self._covered_starts.insert(at + 1, first)
            index = end
        return True

    def _source(self, first: int, last: int) -> str:
        start = self._positions.line_start(first)
        end = self._positions.line_start(last + 1) if last < self._line_count else len(self._text)
        # Blank lines before the chunk give its nodes their line numbers in the file:
        # far cheaper than walking the tree with ast.increment_lineno.
        return "\n" * (first - 1) + self._text[start:end]

    def _parse_whole(self, first: int, last: int) -> bool:
        try:
            self._parsed[first] = ast.parse(self._source(first, last)).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True

    def _parse_header(self, first: int, last: int, needed: int) -> int | None:
        """A class or function whose interesting lines all sit in its header (decorators, the
        `def`/`class` line and its continuation): parse the header with an empty body, and
        return the header's last line; None when that does not apply. A test class's base
        often names the deprecated module while its body of hundreds of lines does not."""
        definition = first
        while definition <= last and self._line(definition).startswith("@"):
            definition += 1
        if definition > last or not _DEFINITION.match(self._line(definition)):
            return None
        for until in range(max(definition, needed), min(last - 1, definition + _HEADER_LINES) + 1):
            header = self._source(first, until).rstrip()
            if not header.endswith(":"):
                continue
            try:
                body = ast.parse(header + "\n    pass\n").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            self._parsed[first] = body
            return until
        return None

    def module(self) -> ast.Module:
        body = [statement for first in sorted(self._parsed) for statement in self._parsed[first]]
        return ast.Module(body=body, type_ignores=[])
