"""From the import changes of a fix (`Work`) to text edits of the import statements.

A statement whose every alias moves to one module is rewritten in place, so its layout and
comments survive (LibCST). Otherwise the aliases that stay keep the statement, and the new
imports become statements of their own next to it, or join an existing import of their
module in the same scope, before it in the code (a name bound earlier is never seen later
than before).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ssot_ls.analysis import Analysis, ImportStatement, resolve_relative
from ssot_ls.fix_model import NewImport, Work
from ssot_ls.fix_safety import import_site_target
from ssot_ls.import_layout import statement_bodies
from ssot_ls.types import Edit


@dataclass
class _StatementChange:
    statement: ImportStatement
    replaced: dict[int, NewImport | None] = field(default_factory=dict)
    added: list[NewImport] = field(default_factory=list)


def _rewrite(function: str, text: str, *args: object) -> str:
    """A one-line statement rewritten as text; any other through LibCST (layout kept)."""
    from ssot_ls import import_text

    done = getattr(import_text, function)(text, *args)
    if done is not None:
        return done
    from ssot_ls import cst_rewrites

    return getattr(cst_rewrites, function)(text, *args)


class ImportWriter:
    def __init__(self, analysis: Analysis, package: str | None) -> None:
        self.analysis = analysis
        self.package = package
        self.newline = "\r\n" if "\r\n" in analysis.text else "\n"
        self._bodies: dict[int, list[ast.stmt]] | None = None

    def edits(self, work: Work) -> list[Edit]:
        changes: dict[int, _StatementChange] = {}
        for (start, index), (statement, new) in work.replaced.items():
            changes.setdefault(start, _StatementChange(statement)).replaced[index] = new
        for anchor, new in work.additions:
            change = changes.setdefault(anchor.start, _StatementChange(anchor))
            if new not in change.added:
                change.added.append(new)
        dropped = {id(self._alias(c.statement, i)) for c in changes.values() for i in c.replaced}
        joins: dict[int, tuple[ast.ImportFrom, list[NewImport]]] = {}
        edits: list[Edit] = []
        for _, change in sorted(changes.items()):
            pending = [n for n in self._new_imports(change) if not self._already_bound(change, n, dropped)]
            pending = [n for n in pending if not self._join_existing(change, n, changes, joins)]
            edits.append(self._rewrite(change, pending))
        for node, names in joins.values():
            edits.append(self._append(node, names))
        return edits

    # -- what each statement becomes ------------------------------------------------------
    @staticmethod
    def _alias(statement: ImportStatement, index: int) -> ast.alias | None:
        return statement.node.names[index] if index >= 0 else None

    @staticmethod
    def _new_imports(change: _StatementChange) -> list[NewImport]:
        found: list[NewImport] = []
        for index in sorted(change.replaced):
            new = change.replaced[index]
            if new is not None and new not in found:
                found.append(new)
        found.extend(n for n in change.added if n not in found)
        return found

    def _already_bound(self, change: _StatementChange, new: NewImport, dropped: set[int]) -> bool:
        """The scope already imports this very thing under this name (the canonical import is
        there), and binds the name to nothing else: nothing to add."""
        scope = change.statement.scope
        if scope is None or new.name == "*":
            return False
        sites = [s for s in scope.bindings.get(new.local, ()) if id(s.node) not in dropped]
        if not sites or any(import_site_target(s, self.package) != new.qualified or s.conditional
                            for s in sites):
            return False  # also bound to something else, or maybe not at all (`if TYPE_CHECKING:`)
        return any(new.is_from or getattr(s.node, "name", "") == new.module for s in sites)

    def _join_existing(self, change: _StatementChange, new: NewImport,
                       changes: dict[int, _StatementChange],
                       joins: dict[int, tuple[ast.ImportFrom, list[NewImport]]]) -> bool:
        """Join an untouched `from <module> import ...` of the same scope that runs first."""
        if not new.is_from or new.name == "*":
            return False
        anchor = change.statement
        siblings = self._siblings(anchor.node)
        if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in siblings):
            return False  # binding earlier could put the name before a star import that shadows it
        for node in siblings:
            if node is anchor.node or not isinstance(node, ast.ImportFrom):
                continue
            if any(a.name == "*" for a in node.names):
                continue
            start, _ = self.analysis.positions.node_range(node)
            if start in changes or start > anchor.start:
                continue
            if resolve_relative(node.module, node.level, self.package) != new.module:
                continue
            joins.setdefault(start, (node, []))[1].append(new)
            return True
        return False

    def _siblings(self, node: ast.stmt) -> list[ast.stmt]:
        """The statements of the block that holds ``node``."""
        if self._bodies is None:
            self._bodies = {}
            tree = self.analysis.tree
            if tree is not None:
                for body in statement_bodies(tree):
                    for child in body:
                        self._bodies[id(child)] = body
        return self._bodies.get(id(node), [])

    def _rewrite(self, change: _StatementChange, pending: list[NewImport]) -> Edit:
        statement = change.statement
        node = statement.node
        text = self.analysis.text[statement.start:statement.end]
        if -1 in change.replaced:  # a star import of a moved module
            star = change.replaced[-1]
            assert star is not None
            return Edit(statement.start, statement.end, _rewrite("set_from_module", text, star.module))
        kept = [i for i in range(len(node.names)) if i not in change.replaced]
        moved = {i: n for i, n in change.replaced.items() if n is not None and n in pending}
        if not kept and moved and len(moved) == len(change.replaced):
            in_place = self._in_place(statement, text, moved)
            if in_place is not None:
                rest = [n for n in pending if n not in moved.values()]
                return Edit(statement.start, statement.end, self._join([in_place, *self._statements(rest)],
                                                                       statement))
        body: str | None = None
        if kept:
            dropped = set(change.replaced)
            if isinstance(node, ast.Import):
                body = _rewrite("rewrite_plain_import", text, {}, dropped)
            else:
                body = _rewrite("remove_aliases", text, dropped) if dropped else text
                joining = [n for n in pending if n.is_from and n.module == statement.module]
                if joining:
                    body = _rewrite("append_names", body, joining)
                    pending = [n for n in pending if n not in joining]
        pieces = ([body] if body is not None else []) + self._statements(pending)
        if pieces:
            return Edit(statement.start, statement.end, self._join(pieces, statement))
        return self._delete(statement)

    def _in_place(self, statement: ImportStatement, text: str, moved: dict[int, NewImport]) -> str | None:
        """The statement itself, rewritten, when every alias moves to imports of its own kind
        (one module for a from-import): its layout and comments survive."""
        node = statement.node
        if isinstance(node, ast.ImportFrom):
            modules = {n.module for n in moved.values()}
            if len(modules) != 1 or not all(n.is_from for n in moved.values()):
                return None
            return _rewrite("set_from_module", text, modules.pop(), {
                i: (n.name or "", n.asname) for i, n in moved.items()})
        if any(n.is_from for n in moved.values()):
            return None
        return _rewrite("rewrite_plain_import", text, {i: (n.module, n.asname) for i, n in moved.items()},
                                                 set())

    @staticmethod
    def _statements(imports: list[NewImport]) -> list[str]:
        """New statements; names from one module share one `from` import."""
        lines: list[str] = []
        by_module: dict[str, list[NewImport]] = {}
        for new in imports:
            if new.is_from:
                if new.module not in by_module:
                    by_module[new.module] = []
                    lines.append(new.module)
                by_module[new.module].append(new)
            else:
                lines.append(new.text())
        return [f"from {line} import {', '.join(n.alias_text() for n in by_module[line])}"
                if line in by_module else line for line in lines]

    def _append(self, node: ast.ImportFrom, names: list[NewImport]) -> Edit:
        start, end = self.analysis.positions.node_range(node)
        return Edit(start, end, _rewrite("append_names", self.analysis.text[start:end], names))

    def _join(self, pieces: list[str], statement: ImportStatement) -> str:
        return (self.newline + statement.indent).join(pieces)

    def _delete(self, statement: ImportStatement) -> Edit:
        text = self.analysis.text
        line_start = text.rfind("\n", 0, statement.start) + 1
        after = statement.end
        while after < len(text) and text[after] in " \t":
            after += 1
        whole_line = not text[line_start:statement.start].strip()
        if whole_line and (after == len(text) or text[after] in "\r\n"):
            if statement.alone_in_block:
                return Edit(statement.start, statement.end, "pass")
            end = after
            if text.startswith("\r\n", end):
                end += 2
            elif end < len(text):
                end += 1
            return Edit(line_start, end, "")
        if whole_line and text.startswith("#", after) and not statement.alone_in_block:
            return Edit(statement.start, after, "")  # the line's comment stays, on its own
        return Edit(statement.start, statement.end, "pass")
