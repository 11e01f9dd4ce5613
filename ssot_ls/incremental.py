"""The keystroke fast path: reuse the previous findings when an edit cannot change them.

Most keystrokes type an identifier or an operator somewhere far from any deprecated import.
Such an edit changes no import, no use of a ruled name, no string, comment, bracket or block
structure; the findings stay the same and only their offsets move. Anything we cannot prove
harmless this cheaply returns None, and the caller runs the full analysis.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import replace

from ssot_ls.chunks import ChunkedSource
from ssot_ls.positions import AstPositions
from ssot_ls.rules import RuleSet
from ssot_ls.types import Finding

# Characters whose insertion or removal cannot open or close a string, comment, bracket,
# block or line, nor (in Markdown) a fence, quote or list.
_HARMLESS = re.compile(r"[A-Za-z0-9_ .,=+\-*/%<>!&|^@]*")
_MARKDOWN_HARMLESS = re.compile(r"[A-Za-z0-9_ .,=+\-/%!&|^@]*")
# Words whose appearance on an edited line can change what a line means to the analysis.
_STRUCTURE_WORDS = ("import", "async", "await", "def", "lambda", "class", "__all__", "patch",
                    "noqa", "ssot", "except", "try")
_GROUP_OFFSET = re.compile(r"^(\d+\|(?:import|call|string):)(\d+)(.*)$")


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix; binary search over C-speed slice comparisons."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return low


def _words(rules: RuleSet, findings: list[Finding], old_text: str) -> set[str]:
    words = {needle.decode() for needle in rules.needles}
    words.update(_STRUCTURE_WORDS)
    for rule in rules:
        words.add(rule.old_module.split(".")[0])
        for name in (rule.old_name, rule.new_name, rule.target_name):
            if name:
                words.add(name)
    # The local names the findings are about (aliases included).
    for finding in findings:
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", old_text[finding.start:finding.end]))
    return words


def reuse_findings(old_text: str, old_findings: list[Finding], new_text: str, rules: RuleSet,
                   markdown: bool = False) -> list[Finding] | None:
    """``old_findings`` moved to ``new_text``, or None when the edit might change them."""
    if old_text == new_text:
        return old_findings
    prefix = _common_prefix(old_text, new_text)
    suffix = _common_suffix(old_text, new_text, min(len(old_text), len(new_text)) - prefix)
    old_end = len(old_text) - suffix
    new_end = len(new_text) - suffix
    removed, inserted = old_text[prefix:old_end], new_text[prefix:new_end]
    harmless = _MARKDOWN_HARMLESS if markdown else _HARMLESS
    if not harmless.fullmatch(removed) or not harmless.fullmatch(inserted):
        return None
    line_start = old_text.rfind("\n", 0, prefix) + 1
    if not old_text[line_start:prefix].strip():
        return None  # indentation (Python blocks, Markdown containers) may have changed
    old_line = old_text[line_start:_line_end(old_text, old_end)]
    new_line = new_text[line_start:_line_end(new_text, new_end)]
    words = _words(rules, old_findings, old_text)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words)) + r")\b")
    if pattern.search(old_line) or pattern.search(new_line):
        return None
    if markdown and ("`" in old_line or "~" in old_line):
        return None
    delta = len(new_text) - len(old_text)
    if markdown and old_findings:
        # Group ids of fences count from the fence's own code, and an edit inside a fence can
        # change whether it parses: only the fence parser could tell.
        return None
    if not markdown and not (_statement_parses(old_text, prefix) and _statement_parses(new_text, prefix)):
        # Typing `x = 1 +` can make the file stop (or start) parsing, which changes what can
        # be fixed: only an edit whose top-level statement parses before and after is harmless.
        return None
    moved: list[Finding] = []
    for finding in old_findings:
        if finding.end <= prefix:
            moved.append(finding)
        elif finding.start >= old_end:
            moved.append(replace(finding, start=finding.start + delta, end=finding.end + delta,
                                 group=_shift_group(finding.group, prefix, delta)))
        else:
            return None
    return moved


def _statement_parses(text: str, offset: int) -> bool:
    positions = AstPositions(text)
    _, statement = ChunkedSource(text, positions).chunk_text(positions.line_number(offset))
    return _parses(statement)


@functools.lru_cache(maxsize=16)
def _parses(statement: str) -> bool:
    """Keyed by the statement's text: while typing, one keystroke's new statement is the next
    keystroke's old one, so each keystroke parses once."""
    try:
        ast.parse(statement)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end == -1 else end


def _shift_group(group: str | None, at: int, delta: int) -> str | None:
    """Group ids of a Python file carry the text offset of their statement, call or string."""
    if group is None:
        return group
    match = _GROUP_OFFSET.match(group)
    if match is None:
        return group
    offset = int(match.group(2))
    if offset >= at:
        offset += delta
    return f"{match.group(1)}{offset}{match.group(3)}"
