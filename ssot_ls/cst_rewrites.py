"""LibCST rewrites of single import statements and calls, layout and comments kept.

Imported lazily: only computing a fix needs LibCST, and importing it costs more than
checking a typical file.
"""

from __future__ import annotations

from typing import Protocol

import libcst as cst


class NewName(Protocol):
    """A name to import: `name [as asname]`."""

    name: str
    asname: str | None


def _dotted(path: str) -> cst.Attribute | cst.Name:
    parts = path.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _parse_statement(text: str) -> cst.SimpleStatementLine:
    statement = cst.parse_statement(text)
    assert isinstance(statement, cst.SimpleStatementLine)
    return statement


def _code(statement: cst.SimpleStatementLine, original: str) -> str:
    code = cst.Module(body=[statement]).code
    if not original.endswith("\n"):
        code = code.rstrip("\r\n")
    return code


def set_from_module(text: str, module: str,
                     names: dict[int, tuple[str, str | None]] | None = None) -> str:
    """`from old import a as x, b` → `from new import a2 as x, b`, layout kept."""
    line = _parse_statement(text)
    node = line.body[0]
    assert isinstance(node, cst.ImportFrom)
    changes: dict = {"module": _dotted(module), "relative": []}
    if names and not isinstance(node.names, cst.ImportStar):
        aliases = list(node.names)
        for index, (name, asname) in names.items():
            alias = aliases[index]
            aliases[index] = alias.with_changes(
                name=cst.Name(name),
                asname=cst.AsName(name=cst.Name(asname)) if asname else None,
            )
        changes["names"] = aliases
    return _code(line.with_changes(body=[node.with_changes(**changes)]), text)


def _closing_comma(kept: cst.Comma | cst.MaybeSentinel,
                   closing: cst.Comma | cst.MaybeSentinel) -> cst.Comma | cst.MaybeSentinel:
    """The comma for a new last item: the kept item's own comment, the old last item's way of
    reaching the closing bracket."""
    if isinstance(closing, cst.MaybeSentinel):
        return cst.MaybeSentinel.DEFAULT
    if isinstance(kept, cst.MaybeSentinel):
        return closing
    kept_ws, closing_ws = kept.whitespace_after, closing.whitespace_after
    both_multiline = isinstance(kept_ws, cst.ParenthesizedWhitespace) and isinstance(
        closing_ws, cst.ParenthesizedWhitespace)
    if both_multiline:
        return kept.with_changes(whitespace_after=kept_ws.with_changes(
            indent=closing_ws.indent, last_line=closing_ws.last_line))
    return closing


def remove_aliases(text: str, indexes: set[int]) -> str:
    line = _parse_statement(text)
    node = line.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    aliases = [a for i, a in enumerate(node.names) if i not in indexes]
    closing = node.names[-1].comma
    if node.lpar is None or isinstance(closing, cst.MaybeSentinel):
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    elif aliases[-1] is not node.names[-1]:
        aliases[-1] = aliases[-1].with_changes(comma=_closing_comma(aliases[-1].comma, closing))
    return _code(line.with_changes(body=[node.with_changes(names=aliases)]), text)


def rewrite_plain_import(text: str, renamed: dict[int, tuple[str, str | None]], dropped: set[int]) -> str:
    """`import a.b as x, c` → `import z.b as x` (renamed: index → (module, asname))."""
    line = _parse_statement(text)
    node = line.body[0]
    assert isinstance(node, cst.Import)
    aliases = []
    for index, alias in enumerate(node.names):
        if index in dropped:
            continue
        if index in renamed:
            module, asname = renamed[index]
            old_asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
            changes: dict = {"name": _dotted(module)}
            if asname != old_asname:
                changes["asname"] = cst.AsName(name=cst.Name(asname)) if asname and asname != module else None
            alias = alias.with_changes(**changes)
        aliases.append(alias)
    aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return _code(line.with_changes(body=[node.with_changes(names=aliases)]), text)


def append_names(text: str, moves: list[NewName]) -> str:
    """Add names to a from-import, each new one laid out like the ones already there."""
    line = _parse_statement(text)
    node = line.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    have = {(cst.Module([]).code_for_node(a.name), a.asname.name.value if a.asname else None)
            for a in aliases}
    closing = aliases[-1].comma
    if len(aliases) > 1 and not isinstance(aliases[-2].comma, cst.MaybeSentinel):
        separator = aliases[-2].comma
    elif node.lpar is not None and isinstance(node.lpar.whitespace_after, cst.ParenthesizedWhitespace):
        separator = cst.Comma(whitespace_after=node.lpar.whitespace_after)
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    added = False
    for move in moves:
        asname = move.asname if move.asname and move.asname != move.name else None
        if (move.name, asname) in have:
            continue
        have.add((move.name, asname))
        aliases[-1] = aliases[-1].with_changes(comma=_separator_keeping_comment(aliases[-1].comma, separator))
        aliases.append(cst.ImportAlias(
            name=cst.Name(move.name), asname=cst.AsName(name=cst.Name(asname)) if asname else None))
        added = True
    if not added:
        return text
    if node.lpar is None or isinstance(closing, cst.MaybeSentinel):
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    else:
        aliases[-1] = aliases[-1].with_changes(comma=closing)
    return _code(line.with_changes(body=[node.with_changes(names=aliases)]), text)


def _separator_keeping_comment(own: cst.Comma | cst.MaybeSentinel, separator: cst.Comma) -> cst.Comma:
    """A comma leading to the next item, keeping a comment that sat after this item."""
    if isinstance(own, cst.Comma) and isinstance(own.whitespace_after, cst.ParenthesizedWhitespace) \
            and isinstance(separator.whitespace_after, cst.ParenthesizedWhitespace):
        return own.with_changes(whitespace_after=own.whitespace_after.with_changes(
            indent=separator.whitespace_after.indent, last_line=separator.whitespace_after.last_line))
    return separator


def rewrite_call(text: str, callee: str, renames: dict[str, str], drops: set[str]) -> str:
    """Rename the callee and keyword arguments, drop some, keep everything else as written."""
    call = cst.parse_expression(text)
    assert isinstance(call, cst.Call)
    args = []
    for arg in call.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword in drops:
            continue
        if keyword in renames:
            arg = arg.with_changes(keyword=cst.Name(renames[keyword]))
        args.append(arg)
    if args and args[-1] is not call.args[-1]:
        args[-1] = args[-1].with_changes(comma=_closing_comma(args[-1].comma, call.args[-1].comma))
    new_call = call.with_changes(func=cst.Name(callee), args=args)
    return cst.Module([]).code_for_node(new_call)
