"""`ssot-ls` as a user runs it: the installed console script, in small temp projects.

A few tests call `cli.main` in-process where they need to interfere with a run (a file
edited mid-run, an engine crash, worker processes forced on a small tree).
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from ssot_ls import __version__, batch, cli, engine, progress_bar

REPO = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

CONFIG = """\
[[rules]]
code = "SSOT101"
old = "legacy.factory:make_manager"
new = "canonical.manager:get_manager"

[[rules]]
code = "SSOT102"
old = "legacy.factory:make_async_manager"
new = "canonical.manager:get_async_manager"
await = true

[[rules]]
code = "SSOT103"
old = "legacy.removed"
severity = "error"
"""

FILES = {
    "app/service.py": """\
        from legacy.factory import make_manager


        def run():
            return make_manager()
        """,
    "app/async_service.py": """\
        from legacy.factory import make_async_manager


        async def run():
            return make_async_manager()
        """,
    "app/sync_service.py": """\
        from legacy.factory import make_async_manager


        def run():
            return make_async_manager()
        """,
    "app/removed.py": "import legacy.removed\n",
    "app/clean.py": "from canonical.manager import get_manager\n",
    "docs/guide.md": """\
        # Guide ✅

        ```python
        rocket = "🚀"; from legacy.factory import make_manager
        ```
        """,
}

SERVICE_FIXED = """\
from canonical.manager import get_manager


def run():
    return get_manager()
"""
ASYNC_FIXED = """\
from canonical.manager import get_async_manager


async def run():
    return await get_async_manager()
"""
GUIDE_FIXED = textwrap.dedent(FILES["docs/guide.md"]).replace("from legacy.factory import make_manager",
                                             "from canonical.manager import get_manager")

EXPECTED_LINES = [
    "app/async_service.py:1:28: SSOT102 `legacy.factory.make_async_manager` is deprecated; "
    "use `await canonical.manager.get_async_manager(...)`",
    "app/async_service.py:5:12: SSOT102 `legacy.factory.make_async_manager` is deprecated; "
    "use `await canonical.manager.get_async_manager(...)`",
    "app/removed.py:1:8: SSOT103 `legacy.removed` is deprecated",
    "app/service.py:1:28: SSOT101 [*] `legacy.factory.make_manager` is deprecated; "
    "use `canonical.manager.get_manager`",
    "app/service.py:5:12: SSOT101 [*] `legacy.factory.make_manager` is deprecated; "
    "use `canonical.manager.get_manager`",
]
GUIDE_LINE = ("docs/guide.md:4:42: SSOT101 [*] `legacy.factory.make_manager` is deprecated; "
              "use `canonical.manager.get_manager`")


def make_project(root: Path, files: dict[str, str] = FILES, config: str | None = CONFIG) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / "ssot-ls.toml").write_text(config)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def ssot_ls(*args: str | Path, cwd: Path, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    script = shutil.which("ssot-ls")
    assert script, "the ssot-ls console script is not installed (pip install -e .)"
    environment = {k: v for k, v in os.environ.items() if k != batch.DEBUG_VARIABLE}
    environment.update(env or {})
    return subprocess.run([script, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", env=environment, timeout=120)


def finding_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": SSOT" in line]


# ---------------------------------------------------------------------------- basics


def test_version(tmp_path):
    result = ssot_ls("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"ssot-ls {__version__}")


def test_python_dash_m_works_too(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ssot_ls", "--version"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.stdout.strip() == f"ssot-ls {__version__}"


def test_text_output_and_summary(project):
    result = ssot_ls("check", "app", "docs", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[:5] == EXPECTED_LINES
    assert lines[5].startswith("app/sync_service.py:1:28: SSOT102 `legacy")
    assert "no automatic fix" in lines[5]
    assert lines[7] == GUIDE_LINE  # 🚀 counts as one column
    assert lines[8:] == [
        "Found 8 errors.",
        "[*] 3 fixable with the `--fix` option "
        "(2 hidden fixes can be enabled with the `--unsafe-fixes` option).",
    ]
    assert result.stderr == ""


def test_default_path_is_the_working_directory(project):
    result = ssot_ls("check", cwd=project / "app")
    assert finding_lines(result.stdout)[0].startswith("async_service.py:1:28: SSOT102")
    assert result.returncode == 1


def test_clean_project_exits_0(tmp_path):
    make_project(tmp_path, {"app/clean.py": FILES["app/clean.py"]})
    result = ssot_ls("check", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def test_concise_is_finding_lines_only(project):
    result = ssot_ls("check", "--output-format", "concise", cwd=project)
    assert result.stdout.splitlines()[:5] == EXPECTED_LINES
    assert len(result.stdout.splitlines()) == 8
    assert result.returncode == 1


def test_quiet_drops_the_summary(project):
    result = ssot_ls("check", "--quiet", cwd=project)
    assert len(result.stdout.splitlines()) == 8
    assert "Found" not in result.stdout
    clean = ssot_ls("check", "-q", "app/clean.py", cwd=project)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_unsafe_fixes_count_as_fixable(project):
    result = ssot_ls("check", "--unsafe-fixes", cwd=project)
    assert "app/async_service.py:1:28: SSOT102 [*] `legacy" in result.stdout
    assert result.stdout.splitlines()[-1] == "[*] 5 fixable with the `--fix` option."


def test_exit_zero(project):
    result = ssot_ls("check", "--exit-zero", cwd=project)
    assert result.returncode == 0
    assert "Found 8 errors." in result.stdout


def test_show_fixes_without_fix(project):
    result = ssot_ls("check", "--show-fixes", "app/service.py", "app/sync_service.py", cwd=project)
    lines = result.stdout.splitlines()
    assert lines[1].startswith("    fix (safe): ")
    assert lines[5].startswith("    no fix: `run` (line 5) is not async")


# ---------------------------------------------------------------------------- JSON


def test_json_field_by_field(project):
    result = ssot_ls("check", "--output-format", "json", "app", "docs", cwd=project)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert len(payload) == 8
    keys = ["cell", "code", "end_location", "filename", "fix", "location", "message",
            "noqa_row", "url"]
    assert all(sorted(item) == keys for item in payload)

    by_place = {(Path(i["filename"]).name, i["location"]["row"], i["location"]["column"]): i
                for i in payload}
    service_import = by_place[("service.py", 1, 28)]
    assert service_import["cell"] is None
    assert service_import["code"] == "SSOT101"
    assert service_import["filename"] == str(project / "app" / "service.py")
    assert service_import["end_location"] == {"row": 1, "column": 40}
    assert service_import["message"] == (
        "`legacy.factory.make_manager` is deprecated; use `canonical.manager.get_manager`")
    assert service_import["noqa_row"] == 1
    assert service_import["url"] is None  # a rule of your own links docs only when it has a `url`
    fix = service_import["fix"]
    assert fix["applicability"] == "safe"
    assert isinstance(fix["message"], str) and fix["message"]
    assert all(sorted(edit) == ["content", "end_location", "location"] for edit in fix["edits"])
    assert any("canonical.manager" in edit["content"] for edit in fix["edits"])

    removed = by_place[("removed.py", 1, 8)]
    assert (removed["code"], removed["fix"]) == ("SSOT103", None)
    assert removed["end_location"] == {"row": 1, "column": 22}

    guide = by_place[("guide.md", 4, 42)]
    assert guide["end_location"] == {"row": 4, "column": 54}
    assert guide["fix"]["edits"][0]["location"]["row"] == 4

    async_call = by_place[("async_service.py", 5, 12)]
    assert async_call["fix"]["applicability"] == "unsafe"


def test_json_edits_reproduce_the_fix(project):
    """Applying a JSON fix's edits (rows/columns) gives what --fix writes."""
    payload = json.loads(ssot_ls("check", "--output-format", "json", "app/service.py",
                                 cwd=project).stdout)
    text = (project / "app" / "service.py").read_text()
    lines = text.splitlines(keepends=True)

    def offset(location):
        return sum(len(line) for line in lines[:location["row"] - 1]) + location["column"] - 1

    edits = {(offset(e["location"]), offset(e["end_location"]), e["content"])
             for item in payload for e in item["fix"]["edits"]}
    for start, end, content in sorted(edits, reverse=True):
        text = text[:start] + content + text[end:]
    assert text == SERVICE_FIXED


def test_json_empty_list_when_clean(tmp_path):
    make_project(tmp_path, {"clean.py": "x = 1\n"})
    result = ssot_ls("check", "--output-format", "json", cwd=tmp_path)
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


# ---------------------------------------------------------------------------- GitHub, SARIF


def test_github_annotations(project):
    result = ssot_ls("check", "--output-format", "github", "app/removed.py", "app/service.py",
                     cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    removed = project / "app" / "removed.py"
    assert lines[0] == (
        f"::error title=ssot-ls (SSOT103),file={removed},line=1,col=8,endLine=1,endColumn=22"
        "::app/removed.py:1:8: SSOT103 `legacy.removed` is deprecated")
    assert lines[1].startswith("::warning title=ssot-ls (SSOT101),file=")
    assert len(lines) == 3


def test_sarif_is_valid_sarif_2_1_0(project):
    result = ssot_ls("check", "--output-format", "sarif", cwd=project)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)

    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("ssot-ls", __version__)
    assert sorted(rule["id"] for rule in driver["rules"]) == ["SSOT101", "SSOT102", "SSOT103"]
    assert all("helpUri" not in rule for rule in driver["rules"])  # own rules without `url`
    results = run["results"]
    assert len(results) == 8
    removed = next(r for r in results if r["ruleId"] == "SSOT103")
    assert removed["level"] == "error"
    location = removed["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (project / "app" / "removed.py").as_uri()
    assert location["region"] == {"startLine": 1, "startColumn": 8, "endLine": 1, "endColumn": 22}
    assert "fixes" not in removed
    fixable = [r for r in results if r["ruleId"] == "SSOT101"]
    assert all(r["level"] == "warning" and r["fixes"] for r in fixable)
    assert driver["rules"][removed["ruleIndex"]]["id"] == "SSOT103"


def test_sarif_with_no_findings_is_valid(tmp_path):
    make_project(tmp_path, {"clean.py": "x = 1\n"})
    log = json.loads(ssot_ls("check", "--output-format", "sarif", cwd=tmp_path).stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["runs"][0]["results"] == []


# ---------------------------------------------------------------------------- statistics


def test_statistics(project):
    result = ssot_ls("check", "--statistics", cwd=project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [  # most frequent first, like ruff
        "4\tSSOT102\t[ ] `legacy.factory.make_async_manager` is deprecated; "
        "use `await canonical.manager.get_async_manager(...)`",
        "3\tSSOT101\t[*] `legacy.factory.make_manager` is deprecated; "
        "use `canonical.manager.get_manager`",
        "1\tSSOT103\t[ ] `legacy.removed` is deprecated",
    ]


def test_statistics_json(project):
    result = ssot_ls("check", "--statistics", "--output-format", "json", "--unsafe-fixes",
                     cwd=project)
    rows = json.loads(result.stdout)
    assert [(r["code"], r["count"], r["fixable"]) for r in rows] == [
        ("SSOT102", 4, True), ("SSOT101", 3, True), ("SSOT103", 1, False)]


# ---------------------------------------------------------------------------- --fix, --diff


def test_fix_writes_safe_fixes_and_explains_the_rest(project):
    result = ssot_ls("check", "--fix", cwd=project)
    assert result.returncode == 1
    assert (project / "app" / "service.py").read_text() == SERVICE_FIXED
    assert (project / "docs" / "guide.md").read_text() == GUIDE_FIXED
    assert (project / "app" / "async_service.py").read_text() == textwrap.dedent(
        FILES["app/async_service.py"])  # unsafe: not without --unsafe-fixes
    summary = result.stdout.splitlines()[-5:]
    assert summary == [
        "Found 8 errors (3 fixed, 5 remaining).",
        "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option).",
        "2 remaining: `run` (line 5) is not async; make it `async def` to await "
        "`get_async_manager`",
        "2 remaining: unsafe fix (apply with `--unsafe-fixes`)",
        "1 remaining: no replacement configured",
    ]
    assert not any(line.startswith("app/service.py") for line in finding_lines(result.stdout))


def test_fix_with_unsafe_fixes(project):
    result = ssot_ls("check", "--fix", "--unsafe-fixes", "--show-fixes", cwd=project)
    assert (project / "app" / "async_service.py").read_text() == ASYNC_FIXED
    assert "Found 8 errors (5 fixed, 3 remaining)." in result.stdout
    assert "Fixed 5 errors:" in result.stdout
    assert "- app/async_service.py:" in result.stdout
    assert "    2 x SSOT102" in result.stdout
    assert result.returncode == 1


def test_fix_everything_exits_0(tmp_path):
    make_project(tmp_path, {"app/service.py": FILES["app/service.py"]})
    result = ssot_ls("check", "--fix", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["Found 2 errors (2 fixed, 0 remaining)."]
    assert ssot_ls("check", cwd=tmp_path).stdout == "All checks passed!\n"


def test_diff_writes_nothing(project):
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    result = ssot_ls("check", "--diff", cwd=project)
    assert result.returncode == 1
    assert {p: p.read_bytes() for p in project.rglob("*")
            if p.is_file() and ".ssot-ls-cache" not in p.parts} == before
    assert result.stdout.startswith("--- app/service.py\n+++ app/service.py\n@@ -1,5 +1,5 @@\n")
    assert "-from legacy.factory import make_manager\n+from canonical.manager import get_manager\n" \
        in result.stdout
    assert "--- docs/guide.md\n+++ docs/guide.md\n" in result.stdout
    assert "async_service" not in result.stdout
    assert result.stderr.splitlines()[0] == (
        "Would fix 3 errors (2 fixes available with `--unsafe-fixes`).")


def test_diff_exit_0_when_nothing_would_change(project):
    result = ssot_ls("check", "--diff", "app/removed.py", "app/clean.py", cwd=project)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr.startswith("No errors would be fixed.")


def test_diff_then_fix_agree(project):
    diff = ssot_ls("check", "--diff", "--unsafe-fixes", cwd=project).stdout
    ssot_ls("check", "--fix", "--unsafe-fixes", cwd=project)
    for relative in ("app/service.py", "app/async_service.py", "docs/guide.md"):
        assert f"--- {relative}\n" in diff
    assert (project / "app" / "async_service.py").read_text() == ASYNC_FIXED
    assert ssot_ls("check", "--diff", "--unsafe-fixes", cwd=project).stdout == ""


def test_fix_keeps_crlf_and_bom(tmp_path):
    make_project(tmp_path, {})
    source = codecs.BOM_UTF8 + textwrap.dedent(FILES["app/service.py"]).replace(
        "\n", "\r\n").encode()
    path = tmp_path / "service.py"
    path.write_bytes(source)
    result = ssot_ls("check", "--fix", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.read_bytes() == codecs.BOM_UTF8 + SERVICE_FIXED.replace("\n", "\r\n").encode()


def test_diff_of_a_crlf_file_keeps_its_line_endings(tmp_path):
    make_project(tmp_path, {})
    (tmp_path / "service.py").write_bytes(
        textwrap.dedent(FILES["app/service.py"]).replace("\n", "\r\n").encode())
    result = subprocess.run([shutil.which("ssot-ls"), "check", "--diff"], cwd=tmp_path,
                            capture_output=True)
    assert b"-from legacy.factory import make_manager\r\n" in result.stdout
    assert b"+from canonical.manager import get_manager\r\n" in result.stdout


def test_fix_keeps_a_latin1_cookie_file_in_latin1(tmp_path):
    make_project(tmp_path, {})
    text = "# -*- coding: latin-1 -*-\n# café\n" + textwrap.dedent(FILES["app/service.py"])
    path = tmp_path / "service.py"
    path.write_bytes(text.encode("latin-1"))
    ssot_ls("check", "--fix", cwd=tmp_path)
    assert path.read_bytes() == ("# -*- coding: latin-1 -*-\n# café\n" + SERVICE_FIXED).encode(
        "latin-1")


def test_read_only_file_is_reported_not_written(project):
    path = project / "app" / "service.py"
    path.chmod(0o444)
    result = ssot_ls("check", "--fix", cwd=project)
    assert path.read_text() == textwrap.dedent(FILES["app/service.py"])
    assert "warning: app/service.py: file is read-only, not written" in result.stderr
    assert "Traceback" not in result.stderr
    assert "app/service.py:1:28: SSOT101 [*]" in result.stdout  # still reported
    assert (project / "docs" / "guide.md").read_text() == GUIDE_FIXED  # others still fixed
    assert result.returncode == 1


def test_file_changed_during_the_run_is_skipped(project, monkeypatch, capsys):
    """Someone saves the file between our read and our write: their edit wins."""
    target = project / "app" / "service.py"
    real_fix_source = engine.fix_source

    def fix_source_while_someone_edits(text, path, *args, **kwargs):
        result = real_fix_source(text, path, *args, **kwargs)
        if Path(path).name == "service.py":
            target.write_text(text + "# edited by someone else\n")
        return result

    monkeypatch.setattr(engine, "fix_source", fix_source_while_someone_edits)
    monkeypatch.chdir(project)
    code = cli.main(["check", "--fix", "--no-cache", "app"])
    captured = capsys.readouterr()
    assert code == 1
    assert target.read_text().endswith("# edited by someone else\n")
    assert "make_manager" in target.read_text()
    assert "app/service.py: changed on disk since it was read, not written" in captured.err
    assert "Found 7 errors (0 fixed, 7 remaining)." in captured.out


# ---------------------------------------------------------------------------- skipped files


def test_binary_and_undecodable_files_are_skipped_with_a_warning(project):
    (project / "app" / "blob.py").write_bytes(b"\x00\x01\x02binary")
    (project / "docs" / "latin.md").write_bytes("caf\xe9\n".encode("latin-1"))
    result = ssot_ls("check", cwd=project)
    assert result.returncode == 1
    assert "warning: app/blob.py: binary file (contains NUL bytes), skipped" in result.stderr
    assert "warning: docs/latin.md: not valid utf-8 (byte 0xe9 on line 1), skipped" \
        in result.stderr
    assert len(finding_lines(result.stdout)) == 8  # everything else still checked


def test_explicit_unsupported_file_is_skipped_with_a_warning(project):
    (project / "notes.txt").write_text("from legacy.factory import make_manager\n")
    result = ssot_ls("check", "notes.txt", cwd=project)
    assert result.returncode == 0
    assert "warning: notes.txt: not a Python or Markdown file, skipped" in result.stderr


def test_symlink_out_of_the_root_is_not_followed(tmp_path):
    root = make_project(tmp_path / "root", {"app/clean.py": "x = 1\n"})
    outside = make_project(tmp_path / "outside", {"bad.py": FILES["app/service.py"]}, None)
    (root / "app" / "linked").symlink_to(outside, target_is_directory=True)
    (root / "app" / "linked_bad.py").symlink_to(outside / "bad.py")
    result = ssot_ls("check", "--fix", ".", cwd=root)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
    assert (outside / "bad.py").read_text() == textwrap.dedent(FILES["app/service.py"])


def test_gitignore_is_honoured(project):
    (project / ".gitignore").write_text("app/\n")
    (project / "docs" / ".gitignore").write_text("*.md\n")
    result = ssot_ls("check", cwd=project)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
    explicit = ssot_ls("check", "app/removed.py", cwd=project)  # named files are checked
    assert explicit.returncode == 1


def test_named_folder_is_checked_though_a_parent_gitignore_lists_it(project):
    """`ssot-ls check benchmarks/.tree` in a repo whose .gitignore lists the tree."""
    (project / ".git").mkdir()
    before = finding_lines(ssot_ls("check", "app", cwd=project).stdout)
    (project / ".gitignore").write_text("app/\n")
    assert finding_lines(ssot_ls("check", cwd=project).stdout) == [GUIDE_LINE]
    assert len(before) == 7
    assert finding_lines(ssot_ls("check", "app", cwd=project).stdout) == before


def test_config_exclude_is_honoured(project):
    config = project / "ssot-ls.toml"
    config.write_text('exclude = ["app/**"]\n' + CONFIG)
    result = ssot_ls("check", "--output-format", "concise", cwd=project)
    assert result.stdout == GUIDE_LINE + "\n"


# ---------------------------------------------------------------------------- errors


def test_bad_config_exits_2_naming_file_line_and_key(project):
    config = project / "ssot-ls.toml"
    config.write_text(CONFIG + '\n[[rules]]\ncode = "SSOT104"\nold = "legacy.x"\nnwe = "y"\n')
    result = ssot_ls("check", cwd=project)
    assert result.returncode == 2
    assert result.stdout == ""
    line = CONFIG.count("\n") + 5
    assert result.stderr.startswith(f"error: {config}:{line}: rules[3].nwe: unknown key")
    assert "Traceback" not in result.stderr


def test_bad_config_given_with_config_flag(tmp_path):
    make_project(tmp_path, {"a.py": "x = 1\n"}, None)
    bad = tmp_path / "custom.toml"
    bad.write_text('[[rules]]\ncode = "SSOT1"\nold = "not a path"\n')
    result = ssot_ls("check", "--config", bad, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:3: rules[0].old: malformed path")


def test_config_flag_overrides_the_closest_config(tmp_path):
    make_project(tmp_path, {"a.py": FILES["app/service.py"]}, 'exclude = ["*.py"]\n')
    other = tmp_path / "other.toml"
    other.write_text(CONFIG)
    result = ssot_ls("check", "--config", other, "--output-format", "concise", cwd=tmp_path)
    assert result.stdout.splitlines()[0].startswith("a.py:1:28: SSOT101")
    assert result.returncode == 1


def test_missing_config_file_exits_2(tmp_path):
    result = ssot_ls("check", "--config", "nope.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: nope.toml: config file not found\n"


def test_missing_path_exits_2(project):
    result = ssot_ls("check", "app", "no/such/dir", cwd=project)
    assert result.returncode == 2
    assert result.stderr == "error: no/such/dir: no such file or directory\n"
    assert result.stdout == ""


def test_internal_error_is_one_line_unless_debugging(project, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(engine, "check_source", broken)
    monkeypatch.chdir(project)
    assert cli.main(["check", "--no-cache", "app/service.py"]) == 2
    err = capsys.readouterr().err
    assert err == "error: app/service.py: internal error: RuntimeError: engine exploded\n"

    monkeypatch.setenv(batch.DEBUG_VARIABLE, "1")
    assert cli.main(["check", "--no-cache", "app/service.py"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "engine exploded" in err


def test_closed_stdout_is_not_a_crash(project):
    """`ssot-ls check | head -1`: the reader goes away; no traceback, no 'Exception ignored'."""
    process = subprocess.Popen([shutil.which("ssot-ls"), "check", "--output-format", "json"],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert stderr == ""


def test_usage_errors_exit_2(tmp_path):
    result = ssot_ls("check", "--output-format", "xml", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'xml'" in result.stderr
    assert ssot_ls(cwd=tmp_path).returncode == 2


# ---------------------------------------------------------------------------- rules


def test_rules_lists_the_rules_in_force(project):
    result = ssot_ls("rules", cwd=project)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SSOT101", "warning", "safe", "fix", "legacy.factory.make_manager",
                                "->", "canonical.manager.get_manager"]
    assert lines[1].split()[:4] == ["SSOT102", "warning", "unsafe", "fix"]
    assert lines[1].endswith("-> await canonical.manager.get_async_manager(...)")
    assert lines[2].split() == ["SSOT103", "error", "no", "fix", "legacy.removed", "->",
                                "(report", "only)"]
    assert lines[-1] == (f"3 rules from {project / 'ssot-ls.toml'}. "
                         "`ssot-ls rules CODE` explains one.")


def test_rules_without_config_shows_the_builtin_preset(tmp_path):
    result = ssot_ls("rules", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("SSOT001")
    assert "the built-in preset" in result.stdout


def test_rules_code_explains_one(project):
    result = ssot_ls("rules", "SSOT102", cwd=project)
    assert result.returncode == 0
    assert result.stdout.startswith("SSOT102: `legacy.factory.make_async_manager` is deprecated")
    assert ("unsafe where the fix inserts `await` or rewrites a dotted-path string "
            "(applied by --fix --unsafe-fixes); safe otherwise (applied by --fix)") in result.stdout


def test_rules_json(project):
    rules = json.loads(ssot_ls("rules", "--output-format", "json", cwd=project).stdout)
    assert [(r["code"], r["fix"], r["await"]) for r in rules] == [
        ("SSOT101", "safe", False), ("SSOT102", "unsafe", True), ("SSOT103", None, False)]
    assert rules[2]["new"] is None and rules[2]["severity"] == "error"


def test_rules_unknown_code_exits_2(project):
    result = ssot_ls("rules", "NOPE1", cwd=project)
    assert result.returncode == 2
    assert result.stderr == ("error: unknown rule 'NOPE1' "
                             "(rules in force: SSOT101, SSOT102, SSOT103)\n")


# ---------------------------------------------------------------------------- server wiring


def test_check_does_not_import_the_server(project):
    code = ("import sys; from ssot_ls.cli import main; rc = main(['check', '-q', '.']); "
            "print(rc, 'pygls' in sys.modules, 'ssot_ls.server' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True,
                            text=True)
    assert result.stdout.splitlines()[-1] == "1 False False"


def test_server_rejects_a_malformed_tcp_address(tmp_path):
    result = ssot_ls("server", "--tcp", "localhost", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: --tcp expects HOST:PORT, got 'localhost'\n"


def test_server_subcommand_hands_over_to_serve(monkeypatch):
    import types

    received = []
    fake = types.ModuleType("ssot_ls.server")
    fake.serve = received.append
    monkeypatch.setitem(sys.modules, "ssot_ls.server", fake)
    assert cli.main(["server", "--tcp", "127.0.0.1:2087", "--log-level", "debug"]) == 0
    (args,) = received
    assert (args.tcp, args.log_level) == ("127.0.0.1:2087", "debug")


# ---------------------------------------------------------------------------- cache, workers


def test_cache_is_used_and_bypassed(project):
    first = ssot_ls("check", "app/removed.py", cwd=project)
    cache_file = project / ".ssot-ls-cache" / "results.json"
    data = json.loads(cache_file.read_text())
    ((path, (_content, _settings, _mtime, _size, rows, _with_fixes)),) = data["files"].items()
    assert path == str(project / "app" / "removed.py")
    rows[0][1] = "message planted in the cache"
    cache_file.write_text(json.dumps(data))

    cached = ssot_ls("check", "app/removed.py", cwd=project)
    assert "message planted in the cache" in cached.stdout  # answered from the cache
    fresh = ssot_ls("check", "--no-cache", "app/removed.py", cwd=project)
    assert fresh.stdout == first.stdout

    (project / "app" / "removed.py").write_text("import legacy.removed  # changed\n")
    changed = ssot_ls("check", "app/removed.py", cwd=project)
    assert "planted" not in changed.stdout  # new content, new key


def test_cache_follows_config_changes(project):
    assert ssot_ls("check", "app/removed.py", cwd=project).returncode == 1
    (project / "ssot-ls.toml").write_text(CONFIG.replace('old = "legacy.removed"',
                                                         'old = "legacy.other"'))
    assert ssot_ls("check", "app/removed.py", cwd=project).returncode == 0


def test_cached_fixes_match_fresh_ones(project):
    fresh = ssot_ls("check", "--no-cache", "--output-format", "json", cwd=project).stdout
    ssot_ls("check", cwd=project)  # caches findings without fixes
    first = ssot_ls("check", "--output-format", "json", cwd=project).stdout  # adds the fixes
    cached = ssot_ls("check", "--output-format", "json", cwd=project).stdout  # from the cache
    assert fresh == first == cached
    assert any(item["fix"] for item in json.loads(cached))


def age_files(root: Path) -> None:
    """Set every file's mtime an hour back: their status is then old enough to trust."""
    for path in root.rglob("*"):
        if path.is_file():
            hour_ago = path.stat().st_mtime_ns - 3600 * 10**9
            os.utime(path, ns=(hour_ago, hour_ago))


def test_warm_run_reads_only_files_with_findings(project, monkeypatch, capsys):
    for index in range(20):
        (project / "app" / f"clean_{index}.py").write_text(f"x = {index}\n")
    age_files(project)
    monkeypatch.chdir(project)
    assert cli.main(["check", "--output-format", "json"]) == 1
    cold = capsys.readouterr().out
    reads = []
    real_read_source = batch.read_source
    monkeypatch.setattr(batch, "read_source", lambda path: reads.append(path) or real_read_source(path))
    assert cli.main(["check", "--output-format", "json"]) == 1
    assert capsys.readouterr().out == cold
    with_findings = {os.path.normpath(item["filename"]) for item in json.loads(cold)}
    assert sorted(os.path.abspath(path) for path in reads) == sorted(with_findings)


def test_cache_trusts_an_unchanged_status_like_ruff(project):
    """The documented trade-off: same size and mtime put back = not re-read. Touching the
    file (a new mtime) makes the next run read it."""
    age_files(project)
    target = project / "app" / "removed.py"
    assert "SSOT103" in ssot_ls("check", "app", cwd=project).stdout
    status = target.stat()
    target.write_text("import legacy.renamed\n")  # same size, no finding
    assert target.stat().st_size == status.st_size
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert "SSOT103" in ssot_ls("check", "app", cwd=project).stdout  # trusted: stale
    os.utime(target)  # touched
    assert "SSOT103" not in ssot_ls("check", "app", cwd=project).stdout


def test_file_changed_in_the_same_clock_tick_is_reread(project):
    """A file read right after it changed (a racy status) is compared by content next time,
    even if an edit in the same tick kept its size and mtime."""
    target = project / "app" / "removed.py"
    status = target.stat()
    assert "SSOT103" in ssot_ls("check", "app", cwd=project).stdout
    target.write_text("import legacy.renamed\n")
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert "SSOT103" not in ssot_ls("check", "app", cwd=project).stdout


def test_touched_file_with_the_same_content_is_answered_from_the_cache(project):
    age_files(project)
    ssot_ls("check", "app/removed.py", cwd=project)
    cache_file = project / ".ssot-ls-cache" / "results.json"
    data = json.loads(cache_file.read_text())
    ((_path, entry),) = data["files"].items()
    entry[4][0][1] = "message planted in the cache"
    cache_file.write_text(json.dumps(data))
    os.utime(project / "app" / "removed.py")  # new mtime, same bytes: the content hash decides
    assert "message planted in the cache" in ssot_ls("check", "app/removed.py", cwd=project).stdout
    (_path, refreshed), = json.loads(cache_file.read_text())["files"].items()
    assert refreshed[2] != entry[2]  # the new status is recorded (None while racy)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong shape"])
def test_corrupt_cache_file_is_ignored_and_rebuilt(project, damage):
    expected = ssot_ls("check", "--no-cache", cwd=project).stdout
    assert ssot_ls("check", cwd=project).stdout == expected
    cache_file = project / ".ssot-ls-cache" / "results.json"
    whole = cache_file.read_bytes()
    cache_file.write_bytes({"truncate": whole[: len(whole) // 3], "garbage": b"\x00\xff{[",
                            "wrong shape": b'{"stamp": 1, "files": []}'}[damage])
    result = ssot_ls("check", cwd=project)
    assert (result.stdout, result.stderr) == (expected, "")
    assert len(json.loads(cache_file.read_text())["files"]) == len(FILES)


def test_no_cache_writes_no_cache(project):
    ssot_ls("check", "--no-cache", cwd=project)
    assert not (project / ".ssot-ls-cache").exists()


def test_worker_processes_give_the_same_report(tmp_path, monkeypatch, capsys):
    files = {f"pkg/m{i:02}.py": FILES["app/service.py"] if i % 3 == 0 else "x = 1\n"
             for i in range(40)}
    files["docs/guide.md"] = FILES["docs/guide.md"]
    make_project(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    pools = []
    real_start_pool = batch._start_pool

    def counted_start_pool(options):
        pools.append(real_start_pool(options))
        return pools[-1]

    monkeypatch.setattr(batch, "_start_pool", counted_start_pool)
    outputs = []
    for threshold in (10**6, 1):
        monkeypatch.setattr(batch, "PARALLEL_MIN_ANALYSES", threshold)
        assert cli.main(["check", "--no-cache", "--output-format", "json"]) == 1
        outputs.append(json.loads(capsys.readouterr().out))
    assert len(pools) == 1 and pools[0] is not None  # the second run used worker processes
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 2 * 14 + 1

    monkeypatch.setattr(batch, "PARALLEL_MIN_ANALYSES", 1)
    assert cli.main(["check", "--fix"]) == 0
    assert (tmp_path / "pkg" / "m03.py").read_text() == SERVICE_FIXED


def test_no_worker_pool_when_few_files_need_the_engine(tmp_path, monkeypatch, capsys):
    """Files the byte prefilter drops cost the main process ~0.03 ms each: only files the
    engine must parse decide whether worker processes are worth starting."""
    files = {f"pkg/m{i:03}.py": "x = 1\n" for i in range(200)}
    files["app/service.py"] = FILES["app/service.py"]
    make_project(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    started = []
    monkeypatch.setattr(batch, "_start_pool", lambda options: started.append(options))
    assert cli.main(["check", "--no-cache", "--output-format", "json"]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert started == []

    for i in range(batch.PARALLEL_MIN_ANALYSES):
        (tmp_path / "pkg" / f"m{i:03}.py").write_text(textwrap.dedent(FILES["app/service.py"]))
    assert cli.main(["check", "--no-cache", "--output-format", "json"]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 2 * (batch.PARALLEL_MIN_ANALYSES + 1)
    assert len(started) == 1  # asked once; None (no pool) means the main process analyses


class FakeTerminal:
    def __init__(self) -> None:
        self.written = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.written += text

    def flush(self) -> None:
        pass


def test_progress_appears_only_after_a_second(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(progress_bar.time, "monotonic", lambda: clock[0])
    terminal = FakeTerminal()
    progress = progress_bar.Progress(10, terminal)
    progress.update(3)
    assert terminal.written == ""
    clock[0] += 1.5
    progress.update(5)
    assert terminal.written == "\rChecking [###############---------------] 5/10 files"
    progress.close()
    assert terminal.written.endswith("\r" + " " * 60 + "\r")


def test_no_progress_when_not_a_terminal(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(progress_bar.time, "monotonic", lambda: clock[0])
    stream = FakeTerminal()
    stream.isatty = lambda: False
    progress = progress_bar.Progress(10, stream)
    clock[0] = 5.0
    progress.update(5)
    progress.close()
    assert stream.written == ""


# ---------------------------------------------------------------------------- pre-commit


def test_pre_commit_hooks():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"ssot-ls", "ssot-ls-fix"}
    assert by_id["ssot-ls"]["entry"] == "ssot-ls check"
    assert by_id["ssot-ls-fix"]["entry"] == "ssot-ls check --fix"
    for hook in hooks:
        assert hook["language"] == "python"
        assert {"python", "markdown"} <= set(hook["types_or"])
        assert {"id", "name", "entry", "language"} <= set(hook)


def test_pre_commit_style_invocation(project):
    """pre-commit runs `entry` with the staged file names appended."""
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    files = ["app/service.py", "docs/guide.md"]
    check = subprocess.run([*hooks["ssot-ls"]["entry"].split(), *files], cwd=project,
                           capture_output=True, text=True)
    assert check.returncode == 1
    fix = subprocess.run([*hooks["ssot-ls-fix"]["entry"].split(), *files], cwd=project,
                         capture_output=True, text=True)
    assert fix.returncode == 0
    assert (project / "app" / "service.py").read_text() == SERVICE_FIXED


def test_one_analysis_gives_the_same_fixes_as_check_then_fix(tmp_path):
    """The JSON output asks ``fixes_for_findings`` without findings: one analysis finds
    them and builds their fixes, as ``check_source`` then ``fixes_for_findings`` would."""
    from ssot_ls import engine
    from ssot_ls.config import ConfigResolver

    make_project(tmp_path)
    for relative in FILES:
        path = tmp_path / relative
        text = path.read_text()
        config = ConfigResolver().for_path(path)
        two_steps = engine.fixes_for_findings(text, path, config,
                                              engine.check_source(text, path, config))
        one_step = engine.fixes_for_findings(text, path, config)
        assert [(f, f.fix) for f in one_step] == [(f, f.fix) for f in two_steps], relative
