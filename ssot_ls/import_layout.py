"""The import blocks a fix touched, laid out the way the project's formatter wants them.

After a fix, `ruff check --select I001,E501` must report nothing new on the lines ssot-ls
wrote. An import block that was sorted before (ruff's I001 accepted it) and holds no comments
is written again whole, exactly as ruff's isort writes it: the new statement in its section
and sorted place, a new name in its sorted place, wrapped at the line length. Any other block
keeps its order (we do not sort what the project does not sort); only the statements we wrote
are wrapped when they would pass the line length. Meaning comes first: a block where one name
is bound twice, or with a star import, is never reordered.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Container, Iterator
from dataclasses import dataclass

from ssot_ls import import_order
from ssot_ls.import_order import ImportStyle
from ssot_ls.positions import AstPositions
from ssot_ls.types import Edit


@dataclass(frozen=True)
class Layout:
    """How the project writes imports: its ruff/isort style and first-party modules."""

    style: ImportStyle
    first_party: Container[str]


@dataclass
class _Block:
    nodes: list[ast.Import | ast.ImportFrom]
    start: int  # the first statement's first character
    end: int  # the last statement's last character
    line_start: int  # the start of the first statement's line
    line_end: int  # past the last statement's line break
    indent: str
    # ruff's isort accepts it, it has no comments and binds no name twice (None: not asked yet)
    sorted: bool | None = None


def statement_bodies(tree: ast.Module) -> Iterator[list[ast.stmt]]:
    """Every list of statements in the module (its body, a function's, an `if`'s branches,
    `try` handlers, `match` cases), walking statements only: expressions hold none."""
    pending: list[list[ast.stmt]] = [tree.body]
    while pending:
        body = pending.pop()
        yield body
        for statement in body:
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(statement, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    pending.append(inner)
            for part in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
                pending.append(part.body)


def _blocks(tree: ast.Module, text: str, positions: AstPositions) -> list[_Block]:
    """Runs of import statements, each statement alone on its lines, in every body."""
    found: list[_Block] = []
    for body in statement_bodies(tree):
        run: list[ast.Import | ast.ImportFrom] = []
        for statement in [*body, None]:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                run.append(statement)
                continue
            if run:
                block = _block(run, text, positions)
                if block is not None:
                    found.append(block)
            run = []
    return found


def _block(nodes: list[ast.Import | ast.ImportFrom], text: str, positions: AstPositions) -> _Block | None:
    start, _ = positions.node_range(nodes[0])
    _, end = positions.node_range(nodes[-1])
    line_start = positions.line_start(nodes[0].lineno)
    indent = text[line_start:start]
    if indent.strip():
        return None  # `x = 1; import y`
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end + 1
    if text[end:line_end].strip():
        return None  # `import y; x = 1`, or a comment after the block's last statement
    return _Block(nodes, start, end, line_start, line_end, indent)


class BlockLayout:
    """The import blocks of one analysed source, found once for every fix made in it."""

    def __init__(self, text: str, tree: ast.Module | None, positions: AstPositions) -> None:
        self.text = text
        self.blocks = _blocks(tree, text, positions) if tree is not None else []
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.indent_unit = import_order.detect_indent_unit(text)
        self.lines = text.splitlines()

    def laid_out(self, edits: list[Edit], layout: Layout) -> list[Edit]:
        """``edits`` (a fix's edits of the text), with every import block they touch laid out
        as the project's formatter wants it."""
        if not self.blocks or not edits:
            return edits
        result = list(edits)
        for block in self.blocks:
            inside = [e for e in result if block.line_start <= e.start and e.end <= block.line_end]
            if not inside:
                continue
            rewritten = _rewrite_block(self.text, self.lines, block, inside, layout, self.newline,
                                       self.indent_unit)
            result = [e for e in result if e not in inside]
            if rewritten is not None:
                result.append(rewritten)
            else:
                result.extend(_wrapped(e, block.indent, layout, self.newline, self.indent_unit)
                              for e in inside)
        return result


def _rewrite_block(text: str, lines: list[str], block: _Block, inside: list[Edit], layout: Layout,
                   newline: str, indent_unit: str) -> Edit | None:
    """The whole block as ruff writes it, when it was sorted, has no comments, and binds no
    name twice (reordering would change which binding wins)."""
    if block.sorted is None:  # the same for every fix made in this file
        before = [import_order.statement_from_node(node, text) for node in block.nodes]
        block.sorted = not any(s.has_comments for s in before) and "#" not in text[block.start:block.end] \
            and import_order.block_is_sorted(before, layout.style, layout.first_party, lines, indent_unit) \
            and not _binds_twice(before)
    if not block.sorted:
        return None
    style, first_party = layout.style, layout.first_party
    from ssot_ls.text import apply_edits

    shifted = [Edit(e.start - block.line_start, e.end - block.line_start, e.content) for e in inside]
    try:
        new_text = apply_edits(text[block.line_start:block.line_end], shifted)
        module = ast.parse(textwrap.dedent(new_text))
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return None
    dedented = textwrap.dedent(new_text)
    if not module.body or not all(isinstance(n, ast.Import | ast.ImportFrom) for n in module.body):
        return None  # emptied (`pass`), or something else than imports: leave it as written
    after = [import_order.statement_from_node(node, dedented) for node in module.body]
    if any(s.has_comments for s in after) or _binds_twice(after):
        return None
    formatted = import_order.format_block(after, style, first_party, block.indent, newline, indent_unit)
    return Edit(block.start, block.end, formatted)


def _binds_twice(statements: list[import_order.ImportStatement]) -> bool:
    """Does the order of these statements matter: one name bound twice, or a star import
    (which may bind any name)?"""
    seen: dict[str, tuple[str, str]] = {}
    for statement in statements:
        for name, asname in statement.names:
            if name == "*":
                return True
            if statement.is_from:
                local, target = asname or name, f"{statement.module_path}.{name}"
            else:
                local = asname or name.split(".")[0]
                target = name if asname else local
            if seen.setdefault(local, (target, "")) != (target, ""):
                return True
    return False


def _wrapped(edit: Edit, indent: str, layout: Layout, newline: str, indent_unit: str) -> Edit:
    """An edit of an unsorted block: each statement it writes that would pass the line length
    is wrapped as the formatter would; everything else stays as written."""
    style = layout.style
    if not any(import_order.text_width(indent + line, style.indent_width) > style.line_length
               for line in edit.content.splitlines()):
        return edit
    try:
        module = ast.parse(textwrap.dedent(indent + edit.content))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return edit
    dedented = textwrap.dedent(indent + edit.content)
    pieces: list[str] = []
    for node in module.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            return edit
        statement = import_order.statement_from_node(node, dedented)
        if statement.has_comments:
            return edit
        if statement.is_from:
            pieces.append(import_order.format_from_import(
                statement.module_path, statement.names, indent, style, newline,
                statement.trailing_comma, indent_unit))
        else:
            pieces.extend(import_order.format_import(name, asname, indent, style, newline)
                          for name, asname in statement.names)
    return Edit(edit.start, edit.end, (newline + indent).join(pieces))
