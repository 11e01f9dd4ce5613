"""The engine's public face: check a document, fix it, fix one finding, suppress one.

Pure functions over text; no LSP or terminal types. Both front ends call only these, so the
CLI and the editor always agree.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from ssot_ls import workspace
from ssot_ls.analysis import Analysis, analyze_python, is_suppressed, suppressions
from ssot_ls.config import Config
from ssot_ls.fixes import FixContext, Fixer
from ssot_ls.import_layout import Layout
from ssot_ls.packages import package_of
from ssot_ls.text import LineIndex, apply_edits, diff_edits
from ssot_ls.types import Applicability, Edit, Finding, Fix

PYTHON_SUFFIXES = workspace.PYTHON_SUFFIXES
MARKDOWN_SUFFIXES = workspace.MARKDOWN_SUFFIXES
MAX_FIX_ROUNDS = 6


@dataclass
class FixResult:
    text: str
    edits: list[Edit]  # against the original text
    fixed: int
    remaining: list[Finding]  # findings of the new text
    converged: bool


@dataclass
class _Unit:
    """One piece of Python: a whole file, or one fence of a Markdown document."""

    code: str
    to_document: Callable[[int], int]
    document_edits: Callable[[str, list[Edit]], list[Edit] | None]
    ignored_codes: frozenset[str] | None
    package: str | None
    fence: object | None = None
    package_init: bool = False  # a package's `__init__.py`: what it binds is the package's API
    path: Path | None = None

    def fix_context(self, line_of: Callable[[int], int] | None = None) -> FixContext:
        return FixContext(self.package, self.package_init, line_of,
                          functools.partial(_layout, self.path) if self.path is not None else None)


def _layout(path: Path) -> Layout:
    """The project's import style (ruff, black or isort config near ``path``)."""
    from ssot_ls import import_style

    return Layout(import_style.read_import_style(path.parent), import_style.first_party_roots(path))


def is_python(path: Path) -> bool:
    return path.suffix.lower() in PYTHON_SUFFIXES


def is_markdown(path: Path) -> bool:
    return path.suffix.lower() in MARKDOWN_SUFFIXES


def _units(text: str, path: Path, config: Config) -> Iterator[_Unit]:
    if is_markdown(path):
        if not config.markdown:
            return
        from ssot_ls.markdown import python_fences

        for fence in python_fences(text):
            yield _Unit(fence.code, fence.to_document,
                        lambda new_code, _edits, f=fence: f.document_edits(new_code),
                        fence.ignored_codes, None, fence, path=path)
    elif text.startswith("\ufeff"):
        # A BOM kept by an editor: analyse what follows it, and shift everything by one.
        yield _Unit(text[1:], lambda offset: offset + 1,
                    lambda _new, edits: [Edit(e.start + 1, e.end + 1, e.content) for e in edits],
                    None, package_of(path), package_init=path.name == "__init__.py", path=path)
    else:
        yield _Unit(text, lambda offset: offset, lambda _new, edits: edits, None, package_of(path),
                    package_init=path.name == "__init__.py", path=path)


def _analysed_units(text: str, path: Path, config: Config) -> Iterator[tuple[int, _Unit, Analysis]]:
    rules = config.rules
    if not rules.rules or not rules.may_match(text):
        return  # the byte prefilter: no needle, no parse
    for index, unit in enumerate(_units(text, path, config)):
        if unit.ignored_codes is not None and not unit.ignored_codes:
            continue
        if not rules.may_match(unit.code):
            continue
        analysis = analyze_python(unit.code, rules, unit.package)
        if analysis.findings:
            yield index, unit, analysis


def _split_group(group: str) -> tuple[int, str]:
    index, _, inner = group.partition("|")
    return int(index), inner


def _document_lines(index: Callable[[], LineIndex], unit: _Unit) -> Callable[[int], int] | None:
    """1-based document line of an offset in a fence's code (None: the unit is the file)."""
    if unit.fence is None:
        return None
    return lambda offset: index().line_of(unit.to_document(offset)) + 1


def check_source(text: str, path: Path, config: Config) -> list[Finding]:
    """Every finding in ``text`` (a .py/.pyi file or a Markdown document). Never raises on
    bad input: code that does not parse still has its import lines checked."""
    return _check(text, Path(path), config)[0]


_Analysed = tuple[int, _Unit, Analysis, Fixer]


def _check(text: str, path: Path, config: Config) -> tuple[list[Finding], list[_Analysed]]:
    """The findings, and the analysed units they came from (fixing reuses them)."""
    findings: list[Finding] = []
    analysed: list[_Analysed] = []
    document_index = functools.cache(lambda: LineIndex(text))  # built once, and only for fences
    for index, unit, analysis in _analysed_units(text, path, config):
        table = suppressions(unit.code)
        fixer = Fixer(analysis, unit.fix_context(_document_lines(document_index, unit)))
        analysed.append((index, unit, analysis, fixer))
        for raw in analysis.findings:
            code = raw.rule.code
            if is_suppressed(table, raw.line, code) or is_suppressed(table, raw.statement_line, code):
                continue
            if unit.ignored_codes and code in unit.ignored_codes:
                continue
            plan = fixer.plan(raw.group)
            message = raw.message
            if plan.applicability is None and raw.rule.has_replacement and plan.reason:
                message = f"{message} — no automatic fix: {plan.reason}"
            findings.append(Finding(
                code=code, message=message, severity=raw.rule.severity,
                start=unit.to_document(raw.start), end=unit.to_document(raw.end), kind=raw.kind,
                applicability=plan.applicability, no_fix_reason=plan.reason,
                fix_title=plan.title or None, group=f"{index}|{raw.group}",
            ))
    findings.sort(key=lambda f: (f.start, f.code))
    return findings, analysed


def _fix_unit(unit: _Unit, analysis: Analysis, groups: list[str],
              fixer: Fixer | None = None) -> tuple[list[Edit], list[str]]:
    """Document edits for some groups of one unit, verified; the groups actually fixed."""
    fixer = fixer or Fixer(analysis, unit.fix_context())
    edits, fixed = fixer.edits(groups)
    new_code = fixer.verified(edits) if edits else None
    if new_code is None and len(fixed) > 1:
        # One bad group must not sink the others: keep the ones that verify on their own.
        for group in fixed:
            single, done = fixer.edits([group])
            if single and fixer.verified(single) is not None:
                edits, fixed = single, done
                new_code = apply_edits(unit.code, single)
                break
    if new_code is None:
        return [], []
    document_edits = unit.document_edits(new_code, edits)
    if document_edits is None:
        return [], []
    return document_edits, fixed


def _group_fix(unit: _Unit, analysis: Analysis, fixer: Fixer, inner: str) -> Fix | None:
    plan = fixer.plan(inner)
    if plan.applicability is None:
        return None
    edits, fixed = _fix_unit(unit, analysis, [inner], fixer)
    if not fixed:
        return None
    return Fix(plan.applicability, plan.title, tuple(edits))


def fix_group(text: str, path: Path, config: Config, group: str) -> Fix | None:
    """The quick fix for one finding (its ``group``); None when there is none or it would not
    produce valid code."""
    fixes = _fixes_by_group(text, Path(path), config, {group})
    return fixes.get(group)


def _fixes_by_group(text: str, path: Path, config: Config, groups: set[str]) -> dict[str, Fix | None]:
    """Fixes for several groups, analysing each unit of the document once."""
    wanted: dict[int, list[str]] = {}
    for group in groups:
        try:
            unit_index, inner = _split_group(group)
        except ValueError:
            continue
        wanted.setdefault(unit_index, []).append(inner)
    fixes: dict[str, Fix | None] = {}
    for index, unit, analysis in _analysed_units(text, path, config):
        if index not in wanted:
            continue
        fixer = Fixer(analysis, unit.fix_context())
        for inner in wanted[index]:
            fixes[f"{index}|{inner}"] = _group_fix(unit, analysis, fixer, inner)
    return fixes


def fixes_for_findings(text: str, path: Path, config: Config,
                       findings: list[Finding] | None = None) -> list[Finding]:
    """The same findings, with ``fix`` filled in where a fix exists. Without ``findings``:
    those of ``text``, found by the same analysis that builds the fixes (half the work of
    ``check_source`` then this)."""
    if findings is None:
        findings, analysed = _check(text, Path(path), config)
        groups = {f.group for f in findings if f.group is not None and f.fixable}
        fixes: dict[str, Fix | None] = {}
        for index, unit, analysis, fixer in analysed:
            for group in groups:
                unit_index, inner = _split_group(group)
                if unit_index == index:
                    fixes[group] = _group_fix(unit, analysis, fixer, inner)
        return [f.with_fix(fixes.get(f.group)) if f.group in groups else f for f in findings]
    groups = {f.group for f in findings if f.group is not None and f.fixable}
    fixes = _fixes_by_group(text, Path(path), config, groups) if groups else {}
    return [f.with_fix(fixes.get(f.group)) if f.group in groups else f for f in findings]


def fix_source(text: str, path: Path, config: Config, *, unsafe: bool = False,
               codes: Collection[str] | None = None) -> FixResult:
    """Apply every allowed fix, re-analyse, repeat until nothing fixable is left (bounded)."""
    path = Path(path)
    current = text
    fixed_total = 0
    converged = False
    remaining: list[Finding] | None = None  # the findings of `current`, once known
    for _ in range(MAX_FIX_ROUNDS):
        findings, analysed = _check(current, path, config)
        remaining = findings
        wanted = _wanted_groups(findings, unsafe, codes)
        if not wanted:
            converged = True
            break
        edits: list[Edit] = []
        fixed_groups: set[str] = set()
        for index, unit, analysis, fixer in analysed:
            groups = [inner for unit_index, inner in wanted if unit_index == index]
            if not groups:
                continue
            unit_edits, fixed = _fix_unit(unit, analysis, groups, fixer)
            edits.extend(unit_edits)
            fixed_groups.update(f"{index}|{g}" for g in fixed)
        if not edits:
            break  # what is left cannot be applied (would not verify): stop, don't loop
        current = apply_edits(current, edits)
        fixed_total += sum(1 for f in findings if f.group in fixed_groups)
        remaining = None
    if remaining is None:  # the rounds ran out right after a change
        remaining = check_source(current, path, config)
    if not converged:
        converged = not _wanted_groups(remaining, unsafe, codes)
    return FixResult(current, diff_edits(text, current), fixed_total, remaining, converged)


def _wanted_groups(findings: list[Finding], unsafe: bool,
                   codes: Collection[str] | None) -> list[tuple[int, str]]:
    wanted: list[tuple[int, str]] = []
    seen: set[str] = set()
    for finding in findings:
        if finding.applicability is None or not finding.applicability.allowed(unsafe):
            continue
        if codes is not None and finding.code not in codes:
            continue
        if finding.group and finding.group not in seen:
            seen.add(finding.group)
            wanted.append(_split_group(finding.group))
    return wanted


def suppression_edit(text: str, path: Path, finding: Finding) -> Edit | None:
    """An edit that silences ``finding``: `# ssot: ignore[CODE]` on its line (Python), or the
    `<!-- ssot: ignore[CODE] -->` comment before its fence (Markdown). None when no comment
    can go there: the line ends inside a string or is continued with a backslash."""
    path = Path(path)
    if is_markdown(path) and finding.group:
        unit_index, _ = _split_group(finding.group)
        for index, unit in enumerate(_units(text, path, _fence_config(path))):
            if index == unit_index and unit.fence is not None:
                return unit.fence.ignore_comment_edit(finding.code)
    index = LineIndex(text)
    line = index.line_of(finding.start)
    end = index.line_end(line)
    content = text[index.line_start(line):end]
    marker = "# ssot: ignore["
    at = content.find(marker)
    if at != -1:
        close = content.find("]", at)
        if close != -1:
            position = index.line_start(line) + close
            return Edit(position, position, f",{finding.code}")
    edit = Edit(end, end, f"  # ssot: ignore[{finding.code}]")
    if content.rstrip().endswith("\\") or not _comment_fits(text, edit):
        return None
    return edit


def _comment_fits(text: str, edit: Edit) -> bool:
    """A comment added at a line's end stays a comment: the code still parses the same way
    (a comment inside a string literal would change the string, and not suppress anything)."""
    try:
        before = ast.dump(ast.parse(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # code that does not parse: nothing to compare, a line comment is the best bet
    try:
        return ast.dump(ast.parse(apply_edits(text, [edit]))) == before
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _fence_config(path: Path) -> Config:
    """Fences are found regardless of rules; any config with markdown on will do."""
    from ssot_ls.config import default_config

    return default_config(path.parent)


__all__ = [
    "Applicability",
    "FixResult",
    "check_source",
    "fix_group",
    "fix_source",
    "fixes_for_findings",
    "is_markdown",
    "is_python",
    "package_of",
    "suppression_edit",
]
