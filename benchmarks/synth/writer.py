"""A list of lines that remembers which of them were planted (for the tree's manifest)."""

from __future__ import annotations

INDENT = "    "
# (1-based line number, role) of every planted line; roles are described in deprecated.py.
Marks = list[tuple[int, str]]


class LineWriter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.marks: Marks = []

    def add(self, text: str = "", indent: int = 0) -> None:
        self.lines.append(INDENT * indent + text if text else "")

    def add_marked(self, lines: tuple[tuple[str, str | None], ...], indent: int = 0) -> None:
        for text, role in lines:
            self.add(text, indent)
            if role is not None:
                self.marks.append((len(self.lines), role))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
