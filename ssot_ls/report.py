"""Turn findings into what the terminal and CI tools read: text, JSON, GitHub, SARIF, diffs.

Everything here is pure formatting over ``Diagnostic`` — a finding already placed at 1-based
rows and 1-based code-point columns — so worker processes can locate findings next to the
text they came from and ship only small picklable records back.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ssot_ls import __version__
from ssot_ls.rules import Rule
from ssot_ls.text import LineIndex
from ssot_ls.types import Applicability, Finding, Severity

TOOL_NAME = "ssot-ls"
TOOL_URI = "https://github.com/ssot-ls/ssot-ls"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

UNSAFE_HIDDEN_REASON = "unsafe fix (apply with `--unsafe-fixes`)"


@dataclass(frozen=True, slots=True)
class Location:
    row: int  # 1-based
    column: int  # 1-based, in code points

    def as_json(self) -> dict[str, int]:
        return {"row": self.row, "column": self.column}


@dataclass(frozen=True, slots=True)
class ReportedEdit:
    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True, slots=True)
class ReportedFix:
    applicability: Applicability
    message: str
    edits: tuple[ReportedEdit, ...]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: Path  # absolute
    code: str
    message: str
    severity: Severity
    location: Location
    end_location: Location
    noqa_row: int
    url: str | None
    applicability: Applicability | None
    no_fix_reason: str | None
    fix_title: str | None
    fix: ReportedFix | None

    def fix_applies(self, unsafe: bool) -> bool:
        """Would ``--fix`` (with ``unsafe`` = ``--unsafe-fixes``) apply this finding's fix?"""
        return self.applicability is not None and self.applicability.allowed(unsafe)

    def hidden_unsafe_fix(self, unsafe: bool) -> bool:
        return not unsafe and self.applicability is Applicability.UNSAFE

    def remaining_reason(self, unsafe: bool) -> str:
        """Why ``--fix`` leaves this finding in place, in a few words."""
        if self.hidden_unsafe_fix(unsafe):
            return UNSAFE_HIDDEN_REASON
        if self.applicability is None or self.applicability is Applicability.DISPLAY_ONLY:
            return self.no_fix_reason or "no automatic fix"
        return "fix could not be applied (overlapping or unstable edits)"


def locate(finding: Finding, index: LineIndex, path: Path, *, url: str | None,
           noqa_offset: int | None = None) -> Diagnostic:
    """Place ``finding`` (offsets into the text ``index`` was built from) at rows/columns."""
    fix = None
    if finding.fix is not None:
        edits = tuple(
            ReportedEdit(edit.content, _location(index, edit.start), _location(index, edit.end))
            for edit in sorted(finding.fix.edits, key=lambda edit: (edit.start, edit.end))
        )
        fix = ReportedFix(finding.fix.applicability, finding.fix.message, edits)
    start = _location(index, finding.start)
    noqa_row = _location(index, noqa_offset).row if noqa_offset is not None else start.row
    return Diagnostic(
        path=path, code=finding.code, message=finding.message, severity=finding.severity,
        location=start, end_location=_location(index, finding.end), noqa_row=noqa_row, url=url,
        applicability=finding.applicability, no_fix_reason=finding.no_fix_reason,
        fix_title=finding.fix_title, fix=fix,
    )


def _location(index: LineIndex, offset: int) -> Location:
    line, column = index.position(offset)
    return Location(line + 1, column + 1)


def sort_key(diagnostic: Diagnostic) -> tuple:
    return (str(diagnostic.path), diagnostic.location.row, diagnostic.location.column,
            diagnostic.code)


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the working directory when below it (as ruff prints), else absolute."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------- text


def format_line(diagnostic: Diagnostic, cwd: Path, unsafe: bool) -> str:
    marker = "[*] " if diagnostic.fix_applies(unsafe) else ""
    start = diagnostic.location
    where = f"{display_path(diagnostic.path, cwd)}:{start.row}:{start.column}"
    return f"{where}: {diagnostic.code} {marker}{diagnostic.message}"


def format_text(diagnostics: Sequence[Diagnostic], cwd: Path, *, unsafe: bool,
                show_fix_titles: bool = False) -> str:
    lines = []
    for diagnostic in diagnostics:
        lines.append(format_line(diagnostic, cwd, unsafe))
        if show_fix_titles:
            if diagnostic.fix_title and diagnostic.applicability is not None:
                lines.append(f"    fix ({diagnostic.applicability.value}): {diagnostic.fix_title}")
            else:
                lines.append(f"    no fix: {diagnostic.remaining_reason(unsafe)}")
    return "".join(line + "\n" for line in lines)


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith(("x", "s")) else f"{count} {word}s"


def summary(remaining: Sequence[Diagnostic], *, fixed: int, fixing: bool, unsafe: bool) -> str:
    """ruff's closing lines, plus (when fixing) why the remaining findings were not fixed."""
    total = len(remaining) + fixed
    if total == 0:
        return "All checks passed!\n"
    found = f"Found {_plural(total, 'error')}"
    lines = [f"{found} ({fixed} fixed, {len(remaining)} remaining)." if fixing else f"{found}."]
    applicable = sum(1 for d in remaining if d.fix_applies(unsafe))
    hidden = sum(1 for d in remaining if d.hidden_unsafe_fix(unsafe))
    hidden_note = f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option"
    if applicable and hidden:
        lines.append(f"[*] {applicable} fixable with the `--fix` option ({hidden_note}).")
    elif applicable:
        lines.append(f"[*] {applicable} fixable with the `--fix` option.")
    elif hidden:
        lines.append(f"No fixes available ({hidden_note}).")
    if fixing:
        reasons = Counter(d.remaining_reason(unsafe) for d in remaining)
        for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"{count} remaining: {reason}")
    return "".join(line + "\n" for line in lines)


def diff_summary(remaining: Sequence[Diagnostic], *, fixed: int, unsafe: bool) -> str:
    """``--diff``'s closing lines (stderr): what would be fixed, what would remain and why."""
    hidden = sum(1 for d in remaining if d.hidden_unsafe_fix(unsafe))
    hidden_note = f" ({_plural(hidden, 'fix')} available with `--unsafe-fixes`)" if hidden else ""
    if fixed:
        lines = [f"Would fix {_plural(fixed, 'error')}{hidden_note}."]
    else:
        lines = [f"No errors would be fixed{hidden_note}."]
    reasons = Counter(d.remaining_reason(unsafe) for d in remaining)
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"{count} would remain: {reason}")
    return "".join(line + "\n" for line in lines)


def fixed_listing(fixed_by_path: Mapping[Path, Counter[str]], titles: Mapping[str, str],
                  cwd: Path) -> str:
    """``--show-fixes`` after ``--fix``: what was fixed, per file and code."""
    total = sum(sum(counts.values()) for counts in fixed_by_path.values())
    if not total:
        return ""
    lines = [f"Fixed {_plural(total, 'error')}:"]
    for path in sorted(fixed_by_path, key=str):
        counts = fixed_by_path[path]
        if not counts:
            continue
        lines.append(f"- {display_path(path, cwd)}:")
        for code, count in sorted(counts.items()):
            title = titles.get(code)
            lines.append(f"    {count} x {code}" + (f" ({title})" if title else ""))
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------------------- JSON (ruff's shape)


def diagnostic_json(diagnostic: Diagnostic) -> dict:
    fix = None
    if diagnostic.fix is not None:
        fix = {
            "applicability": diagnostic.fix.applicability.value,
            "edits": [
                {"content": edit.content, "end_location": edit.end_location.as_json(),
                 "location": edit.location.as_json()}
                for edit in diagnostic.fix.edits
            ],
            "message": diagnostic.fix.message,
        }
    return {
        "cell": None,
        "code": diagnostic.code,
        "end_location": diagnostic.end_location.as_json(),
        "filename": str(diagnostic.path),
        "fix": fix,
        "location": diagnostic.location.as_json(),
        "message": diagnostic.message,
        "noqa_row": diagnostic.noqa_row,
        "url": diagnostic.url,
    }


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    payload = [diagnostic_json(d) for d in diagnostics]
    import json  # imported by the outputs that need it: a text run skips it

    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- GitHub annotations

_GITHUB_LEVELS = {
    Severity.ERROR: "error", Severity.WARNING: "warning",
    Severity.INFORMATION: "notice", Severity.HINT: "notice",
}


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: Sequence[Diagnostic], cwd: Path) -> str:
    lines = []
    for d in diagnostics:
        properties = ",".join([
            f"title={_escape_property(f'{TOOL_NAME} ({d.code})')}",
            f"file={_escape_property(str(d.path))}",
            f"line={d.location.row}", f"col={d.location.column}",
            f"endLine={d.end_location.row}", f"endColumn={d.end_location.column}",
        ])
        where = f"{display_path(d.path, cwd)}:{d.location.row}:{d.location.column}"
        text = _escape_data(f"{where}: {d.code} {d.message}")
        lines.append(f"::{_GITHUB_LEVELS[d.severity]} {properties}::{text}\n")
    return "".join(lines)


# ---------------------------------------------------------------------------- SARIF 2.1.0

_SARIF_LEVELS = {
    Severity.ERROR: "error", Severity.WARNING: "warning",
    Severity.INFORMATION: "note", Severity.HINT: "note",
}


def _region(start: Location, end: Location) -> dict[str, int]:
    return {"startLine": start.row, "startColumn": start.column,
            "endLine": end.row, "endColumn": end.column}


def _sarif_rule(rule: Rule) -> dict:
    return {
        "id": rule.code,
        "shortDescription": {"text": rule.message_text()},
        "fullDescription": {"text": rule.describe()},
        **({"helpUri": rule.doc_url} if rule.doc_url else {}),
        "help": {"text": rule.describe()},
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
        "properties": {"fix": rule.fix_applicability_doc()},
    }


def _sarif_result(d: Diagnostic, rule_index: Mapping[str, int]) -> dict:
    uri = d.path.as_uri()
    result: dict = {
        "ruleId": d.code,
        "level": _SARIF_LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": _region(d.location, d.end_location),
        }}],
    }
    if d.code in rule_index:
        result["ruleIndex"] = rule_index[d.code]
    if d.fix is not None and d.fix.edits:
        result["fixes"] = [{
            "description": {"text": f"{d.fix.message} ({d.fix.applicability.value} fix)"},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri},
                "replacements": [
                    {"deletedRegion": _region(edit.location, edit.end_location),
                     "insertedContent": {"text": edit.content}}
                    for edit in d.fix.edits
                ],
            }],
        }]
    return result


def format_sarif(diagnostics: Sequence[Diagnostic], rules: Iterable[Rule]) -> str:
    unique_rules = list({rule.code: rule for rule in rules}.values())
    rule_index = {rule.code: index for index, rule in enumerate(unique_rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "informationUri": TOOL_URI,
                "rules": [_sarif_rule(rule) for rule in unique_rules],
            }},
            # Our columns count code points; SARIF's default would be UTF-16 units.
            "columnKind": "unicodeCodePoints",
            "results": [_sarif_result(d, rule_index) for d in diagnostics],
        }],
    }
    import json

    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Statistic:
    code: str
    count: int
    fixable: bool
    message: str


def statistics(diagnostics: Sequence[Diagnostic], summaries: Mapping[str, str], *,
               unsafe: bool) -> list[Statistic]:
    """One row per code, most frequent first (ties by code), as ruff's --statistics."""
    by_code: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_code.setdefault(d.code, []).append(d)
    rows = [
        Statistic(code, len(group), any(d.fix_applies(unsafe) for d in group),
                  summaries.get(code) or group[0].message)
        for code, group in by_code.items()
    ]
    return sorted(rows, key=lambda row: (-row.count, row.code))


def format_statistics(rows: Sequence[Statistic]) -> str:
    if not rows:
        return ""
    count_width = max(len(str(row.count)) for row in rows)
    code_width = max(len(row.code) for row in rows)
    any_fixable = any(row.fixable for row in rows)
    lines = []
    for row in rows:
        marker = ("[*] " if row.fixable else "[ ] ") if any_fixable else ""
        lines.append(f"{row.count:>{count_width}}\t{row.code:<{code_width}}\t{marker}{row.message}\n")
    return "".join(lines)


def format_statistics_json(rows: Sequence[Statistic]) -> str:
    payload = [
        {"code": row.code, "count": row.count, "fixable": row.fixable, "message": row.message}
        for row in rows
    ]
    import json  # imported by the outputs that need it: a text run skips it

    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- diffs


def unified_diff(old: str, new: str, label: str) -> str:
    """A unified diff that shows line endings as they are and marks a missing final newline."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    parts = []
    import difflib  # only --diff needs it

    for line in difflib.unified_diff(old_lines, new_lines, fromfile=label, tofile=label, n=3):
        parts.append(line)
        if not line.endswith(("\n", "\r")):
            parts.append("\n\\ No newline at end of file\n")
    return "".join(parts)


def relative_label(path: Path, cwd: Path) -> str:
    return display_path(path, cwd).replace(os.sep, "/")
