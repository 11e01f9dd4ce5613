"""What a fix changes, before any text is produced: the data the planners and writers share."""

from __future__ import annotations

from dataclasses import dataclass, field

from ssot_ls.analysis import ImportStatement
from ssot_ls.types import Edit


class NoFix(Exception):
    """A group cannot be fixed; the message says why (shown to the user)."""


@dataclass(frozen=True)
class NewImport:
    """`from module import name [as asname]`, or `import module [as asname]` when name is None."""

    module: str
    name: str | None = None
    asname: str | None = None

    @property
    def local(self) -> str:
        """The name this import binds."""
        return self.asname or self.name or self.module.split(".")[0]

    @property
    def qualified(self) -> str:
        """What the bound name refers to."""
        if self.name is not None:
            return f"{self.module}.{self.name}"
        return self.module if self.asname else self.module.split(".")[0]

    @property
    def is_from(self) -> bool:
        return self.name is not None

    def alias_text(self) -> str:
        head = self.name if self.name is not None else self.module
        return f"{head} as {self.asname}" if self.asname and self.asname != head else head

    def text(self) -> str:
        if self.name is not None:
            return f"from {self.module} import {self.alias_text()}"
        return f"import {self.alias_text()}"


@dataclass
class Work:
    """Everything the selected groups change, gathered before any text is produced."""

    # (statement start, alias index) -> the import that replaces the alias (None: dropped)
    replaced: dict[tuple[int, int], tuple[ImportStatement, NewImport | None]] = field(default_factory=dict)
    # new imports, each next to the statement whose scope it binds in
    additions: list[tuple[ImportStatement, NewImport]] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    awaits: bool = False  # inserts `await`
    drops_arguments: bool = False
    rewrites_string: bool = False  # changes the value of a dotted-path string
    rewritten_calls: dict[int, int] = field(default_factory=dict)  # id(binding) -> call sites rewritten
    planning: bool = False  # only deciding whether a fix exists: produce no text

    def add_import(self, anchor: ImportStatement, new: NewImport) -> None:
        if not any(a.scope is anchor.scope and n == new for a, n in self.additions):
            self.additions.append((anchor, new))

    def merge(self, other: Work) -> None:
        self.replaced.update(other.replaced)
        for anchor, new in other.additions:
            self.add_import(anchor, new)
        self.edits.extend(other.edits)
        self.awaits = self.awaits or other.awaits
        self.drops_arguments = self.drops_arguments or other.drops_arguments
        self.rewrites_string = self.rewrites_string or other.rewrites_string
        for key, count in other.rewritten_calls.items():
            self.rewritten_calls[key] = self.rewritten_calls.get(key, 0) + count
