"""Import statements of code that does not parse (half-typed code, broken doc fences).

Each line that starts an import is parsed on its own (with its parenthesized or
backslash-continued lines), so one syntax error elsewhere hides nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ssot_ls.positions import split_lines

_IMPORT_START = re.compile(r"^([ \t]*)(?:from[ \t]+[.\w]+[ \t]+import\b|import[ \t]+[\w])")
_MAX_CONTINUATION_LINES = 100


def tolerant_import_statements(text: str) -> Iterator[ast.Import | ast.ImportFrom]:
    lines = split_lines(text)
    index = 0
    while index < len(lines):
        match = _IMPORT_START.match(lines[index])
        if not match:
            index += 1
            continue
        indent = match.group(1)
        end = index
        statement = lines[index][len(indent):]
        # Gather the continuation of `from x import (` ... `)` and `\` lines.
        while end + 1 < len(lines) and end - index < _MAX_CONTINUATION_LINES and (
            (statement.count("(") > statement.count(")")) or statement.rstrip().endswith("\\")
        ):
            end += 1
            statement += "\n" + lines[end]
        node = _parse_import(statement)
        if node is not None:
            _shift(node, first_line=index + 1, indent_bytes=len(indent.encode()))
            yield node
        index = end + 1


def _parse_import(statement: str) -> ast.Import | ast.ImportFrom | None:
    candidates = [statement]
    if ";" in statement:
        candidates.append(statement.split(";", 1)[0])
    for candidate in candidates:
        try:
            module = ast.parse(candidate)
        except (SyntaxError, ValueError):
            continue
        if module.body and isinstance(module.body[0], ast.Import | ast.ImportFrom):
            return module.body[0]
    return None


def _shift(node: ast.AST, first_line: int, indent_bytes: int) -> None:
    for child in ast.walk(node):
        if not hasattr(child, "lineno"):
            continue
        if child.lineno == 1:
            child.col_offset += indent_bytes
        if getattr(child, "end_lineno", None) == 1:
            child.end_col_offset += indent_bytes
        child.lineno += first_line - 1
        if getattr(child, "end_lineno", None) is not None:
            child.end_lineno += first_line - 1
