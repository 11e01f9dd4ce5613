"""Output formats, as pure functions over located findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssot_ls import report
from ssot_ls.report import Diagnostic, Location, ReportedEdit, ReportedFix
from ssot_ls.rules import Rule
from ssot_ls.text import LineIndex
from ssot_ls.types import Applicability, Edit, Finding, FindingKind, Fix, Severity

CWD = Path("/project")


def diagnostic(code="SSOT001", *, row=3, column=5, applicability=Applicability.SAFE,
               severity=Severity.WARNING, reason=None, path="/project/src/app.py",
               message="`old.f` is deprecated; use `new.f`", fix=None) -> Diagnostic:
    return Diagnostic(
        path=Path(path), code=code, message=message, severity=severity,
        location=Location(row, column), end_location=Location(row, column + 5), noqa_row=row,
        url=f"https://docs/{code}", applicability=applicability, no_fix_reason=reason,
        fix_title="Use `new.f`" if applicability else None, fix=fix,
    )


def test_locate_counts_columns_in_code_points_from_one():
    text = "x = '🚀'; import old\nsecond = 1\n"
    start = text.index("old")
    finding = Finding("SSOT001", "m", Severity.WARNING, start, start + 3, FindingKind.IMPORT,
                      Applicability.SAFE, fix=Fix(Applicability.SAFE, "Use new",
                                                  (Edit(start, start + 3, "new"),)))
    located = report.locate(finding, LineIndex(text), Path("/p/a.py"), url=None)
    assert located.location == Location(1, 17)  # the rocket is one code point
    assert located.end_location == Location(1, 20)
    assert located.fix == ReportedFix(Applicability.SAFE, "Use new",
                                      (ReportedEdit("new", Location(1, 17), Location(1, 20)),))


def test_line_marks_only_fixes_that_would_apply():
    safe = diagnostic()
    unsafe = diagnostic("SSOT002", applicability=Applicability.UNSAFE)
    assert report.format_line(safe, CWD, False) == (
        "src/app.py:3:5: SSOT001 [*] `old.f` is deprecated; use `new.f`")
    assert "[*]" not in report.format_line(unsafe, CWD, False)
    assert "SSOT002 [*]" in report.format_line(unsafe, CWD, True)
    outside = diagnostic(path="/elsewhere/x.py")
    assert report.format_line(outside, CWD, False).startswith("/elsewhere/x.py:3:5:")


def test_show_fix_titles_says_why_there_is_none():
    none = diagnostic(applicability=None, reason="caller is not async")
    text = report.format_text([diagnostic(), none], CWD, unsafe=False, show_fix_titles=True)
    assert text.splitlines()[1] == "    fix (safe): Use `new.f`"
    assert text.splitlines()[3] == "    no fix: caller is not async"


@pytest.mark.parametrize(("remaining", "fixed", "fixing", "unsafe", "expected"), [
    ([], 0, False, False, ["All checks passed!"]),
    ([diagnostic()], 0, False, False,
     ["Found 1 error.", "[*] 1 fixable with the `--fix` option."]),
    ([diagnostic(), diagnostic(applicability=Applicability.UNSAFE)], 0, False, False,
     ["Found 2 errors.", "[*] 1 fixable with the `--fix` option "
      "(1 hidden fix can be enabled with the `--unsafe-fixes` option)."]),
    ([diagnostic(applicability=Applicability.UNSAFE)] * 2, 0, False, False,
     ["Found 2 errors.",
      "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option)."]),
    ([diagnostic(applicability=Applicability.UNSAFE)] * 2, 0, False, True,
     ["Found 2 errors.", "[*] 2 fixable with the `--fix` option."]),
    ([diagnostic(applicability=None)], 0, False, False, ["Found 1 error."]),
    ([], 3, True, False, ["Found 3 errors (3 fixed, 0 remaining)."]),
    ([diagnostic(applicability=None, reason="caller is not async")] * 2
     + [diagnostic(applicability=Applicability.UNSAFE)], 4, True, False,
     ["Found 7 errors (4 fixed, 3 remaining).",
      "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
      "2 remaining: caller is not async",
      "1 remaining: unsafe fix (apply with `--unsafe-fixes`)"]),
])
def test_summary(remaining, fixed, fixing, unsafe, expected):
    text = report.summary(remaining, fixed=fixed, fixing=fixing, unsafe=unsafe)
    assert text.splitlines() == expected


def test_diff_summary():
    remaining = [diagnostic(applicability=None, reason="no replacement configured"),
                 diagnostic(applicability=Applicability.UNSAFE)]
    assert report.diff_summary(remaining, fixed=2, unsafe=False).splitlines() == [
        "Would fix 2 errors (1 fix available with `--unsafe-fixes`).",
        "1 would remain: no replacement configured",
        "1 would remain: unsafe fix (apply with `--unsafe-fixes`)",
    ]
    assert report.diff_summary([], fixed=0, unsafe=False) == "No errors would be fixed.\n"


def test_json_has_exactly_ruffs_keys():
    fix = ReportedFix(Applicability.UNSAFE, "Await it",
                      (ReportedEdit("await new()", Location(3, 5), Location(3, 10)),))
    payload = json.loads(report.format_json([diagnostic(fix=fix), diagnostic(applicability=None)]))
    assert [sorted(item) for item in payload] == [[
        "cell", "code", "end_location", "filename", "fix", "location", "message", "noqa_row", "url",
    ]] * 2
    first = payload[0]
    assert first["fix"] == {
        "applicability": "unsafe",
        "edits": [{"content": "await new()", "end_location": {"row": 3, "column": 10},
                   "location": {"row": 3, "column": 5}}],
        "message": "Await it",
    }
    assert payload[1]["fix"] is None
    assert first["cell"] is None
    assert first["filename"] == "/project/src/app.py"


def test_github_annotations_escape_and_map_severity():
    items = [
        diagnostic(severity=Severity.ERROR, message="50% done\nnext line"),
        diagnostic(severity=Severity.WARNING, path="/project/a,b:c.py"),
        diagnostic(severity=Severity.INFORMATION),
        diagnostic(severity=Severity.HINT),
    ]
    lines = report.format_github(items, CWD).splitlines()
    assert lines[0] == ("::error title=ssot-ls (SSOT001),file=/project/src/app.py,line=3,col=5,"
                        "endLine=3,endColumn=10::src/app.py:3:5: SSOT001 50%25 done%0Anext line")
    assert lines[1].startswith("::warning title=ssot-ls (SSOT001),file=/project/a%2Cb%3Ac.py,")
    assert lines[2].startswith("::notice ")
    assert lines[3].startswith("::notice ")


def test_sarif_rules_results_and_fixes():
    rule = Rule(code="SSOT001", old_module="old", old_name="f", new_module="new",
                severity=Severity.ERROR, url="https://wiki.example.com/ssot#f")
    fix = ReportedFix(Applicability.SAFE, "Use new.f",
                      (ReportedEdit("new", Location(3, 5), Location(3, 8)),))
    log = json.loads(report.format_sarif(
        [diagnostic(fix=fix), diagnostic("OTHER1", applicability=None)], [rule, rule]))
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["SSOT001"]
    assert run["tool"]["driver"]["rules"][0]["helpUri"] == "https://wiki.example.com/ssot#f"
    first, second = run["results"]
    assert first["ruleIndex"] == 0 and "ruleIndex" not in second
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "file:///project/src/app.py"},
        "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 10},
    }
    replacement = first["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {"deletedRegion": {"startLine": 3, "startColumn": 5, "endLine": 3,
                                             "endColumn": 8},
                           "insertedContent": {"text": "new"}}
    assert "fixes" not in second


def test_statistics_table_like_ruff():
    items = [diagnostic("SSOT002", applicability=None)] * 2 + [diagnostic("SSOT001")] * 12
    rows = report.statistics(items, {"SSOT001": "old.f is deprecated"}, unsafe=False)
    assert report.format_statistics(rows).splitlines() == [
        "12\tSSOT001\t[*] old.f is deprecated",
        " 2\tSSOT002\t[ ] `old.f` is deprecated; use `new.f`",
    ]
    unfixable = report.statistics([diagnostic(applicability=None)], {}, unsafe=False)
    assert report.format_statistics(unfixable) == "1\tSSOT001\t`old.f` is deprecated; use `new.f`\n"
    assert json.loads(report.format_statistics_json(rows))[0] == {
        "code": "SSOT001", "count": 12, "fixable": True, "message": "old.f is deprecated"}


def test_unified_diff_marks_missing_final_newline_and_keeps_crlf():
    diff = report.unified_diff("a\r\nold", "a\r\nnew", "x.py")
    assert diff.splitlines(keepends=True) == [
        "--- x.py\n", "+++ x.py\n", "@@ -1,2 +1,2 @@\n", " a\r\n",
        "-old\n", "\\ No newline at end of file\n", "+new\n", "\\ No newline at end of file\n",
    ]
    assert report.unified_diff("same\n", "same\n", "x.py") == ""
