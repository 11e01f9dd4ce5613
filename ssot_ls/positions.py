"""Turn the stdlib `ast`'s (line, UTF-8 byte column) positions into text offsets."""

from __future__ import annotations

import itertools
import re

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Offsets where each line starts; lines end at \\r\\n, \\r or \\n (as in Python and LSP)."""
    if "\r" in text:
        return [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
    # The common case: a C-speed split, then running sums.
    starts = list(itertools.accumulate([len(line) + 1 for line in text.split("\n")], initial=0))
    starts.pop()
    return starts


def split_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer sees them: not at form feeds or U+2028 (str.splitlines is)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class AstPositions:
    """`ast` counts lines the way the tokenizer does (\\r\\n, \\r, \\n) and columns in UTF-8 bytes."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = line_starts(text)

    def offset(self, lineno: int, col_offset: int) -> int:
        if lineno - 1 >= len(self._starts):
            return len(self._text)
        start = self._starts[lineno - 1]
        if col_offset == 0:
            return start
        # Fast path: ASCII prefix means bytes == characters.
        prefix = self._text[start:start + col_offset]
        if prefix.isascii():
            return start + col_offset
        line_end = self._starts[lineno] if lineno < len(self._starts) else len(self._text)
        encoded = self._text[start:line_end].encode("utf-8", "surrogatepass")
        return start + len(encoded[:col_offset].decode("utf-8", "replace"))

    def node_range(self, node) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)
        end = self.offset(node.end_lineno, node.end_col_offset)
        return start, end

    def line_number(self, offset: int) -> int:
        """1-based line of ``offset``."""
        import bisect

        return bisect.bisect_right(self._starts, offset)

    @property
    def line_count(self) -> int:
        return len(self._starts) - (1 if self._starts[-1] == len(self._text) and len(self._starts) > 1 else 0)

    def line_start(self, lineno: int) -> int:
        return self._starts[min(lineno, len(self._starts)) - 1]
