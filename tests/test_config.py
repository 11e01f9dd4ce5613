"""Config: where it is found, what it means, and every way it can be wrong.

A bad config is a `ConfigError` naming the file, the line and the key — never a crash and
never a silently ignored rule.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ssot_ls.config import (
    CONFIG_FILE_NAMES,
    ConfigError,
    ConfigResolver,
    default_config,
    load_config_file,
)
from ssot_ls.presets import PRESETS
from ssot_ls.types import Applicability, Severity

PRESET_CODES = [rule.code for rule in PRESETS["netra-websocket"]]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def codes(config) -> list[str]:
    return [rule.code for rule in config.rules.rules]


RULE_A = """
[[rules]]
code = "A001"
old = "a.old:x"
new = "a.new:y"
"""

PYPROJECT = """
[project]
name = "demo"

[tool.ssot-ls]
presets = ["netra-websocket"]
exclude = ["generated/**"]

[[tool.ssot-ls.rules]]
code = "P001"
old = "p.old:x"
new = "p.new:x"
await = true
severity = "error"
"""


# -- finding and loading ---------------------------------------------------------------------

def test_no_config_means_the_preset(tmp_path):
    config = ConfigResolver().for_path(tmp_path / "pkg" / "module.py")
    assert config.source is None
    assert codes(config) == PRESET_CODES
    assert codes(default_config(tmp_path)) == PRESET_CODES


def test_pyproject_section(tmp_path):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    config = ConfigResolver().for_path(tmp_path / "src" / "module.py")
    assert config.source == tmp_path / "pyproject.toml"
    assert config.root == tmp_path
    assert codes(config) == [*PRESET_CODES, "P001"]
    rule = config.rules.get("P001")
    assert (rule.old_module, rule.old_name, rule.new_module, rule.new_name) == ("p.old", "x", "p.new", "x")
    assert rule.awaitable and rule.severity is Severity.ERROR
    assert config.exclude == ("generated/**",)


def test_pyproject_without_section_is_skipped(tmp_path):
    write(tmp_path / "ssot-ls.toml", RULE_A)
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    config = ConfigResolver().for_path(tmp_path / "sub" / "module.py")
    assert config.source == tmp_path / "ssot-ls.toml"
    assert load_config_file(tmp_path / "sub" / "pyproject.toml") is None


@pytest.mark.parametrize("name", ["ssot-ls.toml", ".ssot-ls.toml"])
def test_toml_files_without_prefix(tmp_path, name):
    write(tmp_path / name, RULE_A)
    config = ConfigResolver().for_path(tmp_path / "module.py")
    assert config.source == tmp_path / name
    assert codes(config) == ["A001"]  # no `presets`: only its own rules


def test_file_precedence_in_one_folder(tmp_path):
    assert CONFIG_FILE_NAMES == ("ssot-ls.toml", ".ssot-ls.toml", "pyproject.toml")
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / ".ssot-ls.toml", RULE_A.replace("A001", "H001"))
    assert ConfigResolver().for_path(tmp_path / "m.py").source == tmp_path / ".ssot-ls.toml"
    write(tmp_path / "ssot-ls.toml", RULE_A)
    assert ConfigResolver().for_path(tmp_path / "m.py").source == tmp_path / "ssot-ls.toml"


def test_closest_config_wins(tmp_path):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "services" / "api" / "ssot-ls.toml", RULE_A)
    resolver = ConfigResolver()
    inner = resolver.for_path(tmp_path / "services" / "api" / "deep" / "module.py")
    outer = resolver.for_path(tmp_path / "services" / "other.py")
    assert inner.source == tmp_path / "services" / "api" / "ssot-ls.toml"
    assert inner.root == tmp_path / "services" / "api"
    assert codes(inner) == ["A001"]
    assert outer.source == tmp_path / "pyproject.toml"
    assert resolver.for_path(tmp_path / "services" / "api").source == inner.source  # a folder


@pytest.mark.parametrize(("name", "text"), [("pyproject.toml", PYPROJECT), ("custom.toml", RULE_A)])
def test_override_with_either_file_kind(tmp_path, name, text):
    override = write(tmp_path / "conf" / name, text)
    write(tmp_path / "project" / "ssot-ls.toml", RULE_A.replace("A001", "Z001"))
    config = ConfigResolver(override).for_path(tmp_path / "project" / "module.py")
    assert config.source == override
    assert "Z001" not in codes(config)
    assert codes(config) == ([*PRESET_CODES, "P001"] if name == "pyproject.toml" else ["A001"])


def test_override_pyproject_without_section_is_an_error(tmp_path):
    override = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError) as caught:
        ConfigResolver(override).for_path(tmp_path / "module.py")
    assert caught.value.path == override


def test_invalidate_reloads_a_changed_file(tmp_path):
    config_file = write(tmp_path / "ssot-ls.toml", RULE_A)
    resolver = ConfigResolver()
    assert codes(resolver.for_path(tmp_path / "m.py")) == ["A001"]
    write(config_file, RULE_A.replace("A001", "B001"))
    assert codes(resolver.for_path(tmp_path / "m.py")) == ["A001"]  # cached per folder
    resolver.invalidate()
    assert codes(resolver.for_path(tmp_path / "m.py")) == ["B001"]


def test_bad_config_found_while_walking_up_raises(tmp_path):
    write(tmp_path / "ssot-ls.toml", "bogus = 1\n")
    with pytest.raises(ConfigError):
        ConfigResolver().for_path(tmp_path / "a" / "b" / "module.py")


def test_every_rule_key(tmp_path):
    write(tmp_path / "ssot-ls.toml", """
        [[rules]]
        code = "K001"
        old = "ctx.old:Context"
        new = "ctx.new:make_context"
        await = true
        message = "use make_context"
        severity = "information"
        calls = "rewrite"
        when-keyword = "legacy"
        rename-keywords = { user = "user_id" }
        drop-keywords = ["legacy"]
        require-keywords = ["user_id"]
        fix = "safe"
        strings = false
        url = "https://wiki.example.com/ssot#ctx"

        [[rules]]
        code = "K002"
        old = "gone.module"
        calls = "report"
        fix = "none"
        """)
    config = ConfigResolver().for_path(tmp_path / "m.py")
    rule = config.rules.get("K001")
    assert rule.awaitable and rule.message_text() == "use make_context"
    assert rule.severity is Severity.INFORMATION and rule.calls == "rewrite"
    assert rule.when_keyword == "legacy" and dict(rule.rename_keywords) == {"user": "user_id"}
    assert rule.drop_keywords == ("legacy",) and rule.require_keywords == ("user_id",)
    assert rule.fix_applicability() is Applicability.SAFE
    assert not rule.strings and rule.doc_url == "https://wiki.example.com/ssot#ctx"
    assert rule.origin == f"{tmp_path / 'ssot-ls.toml'}:1"
    whole = config.rules.get("K002")
    assert (whole.old_module, whole.old_name, whole.new_module) == ("gone.module", None, None)
    assert whole.fix_applicability() is None  # nothing to replace it with: report only
    assert config.rules.get("NOPE") is None


# -- include / exclude -------------------------------------------------------------------------

@pytest.mark.parametrize(("relative", "included"), [
    ("src/a.py", True),
    ("src/pkg/deep/b.py", True),
    ("src/generated/x.py", False),
    ("src/pkg/legacy_x.py", False),
    ("docs/a.md", True),
    ("docs/sub/b.md", True),
    ("a.md", False),
    ("tests/test_a.py", False),
    ("src/a.pyi", False),
])
def test_include_and_exclude_patterns(tmp_path, relative, included):
    write(tmp_path / "ssot-ls.toml", """
        include = ["src/**/*.py", "docs/**/*.md"]
        exclude = ["src/generated/**"]
        extend-exclude = ["**/legacy_*.py"]
        """)
    config = ConfigResolver().for_path(tmp_path / "src" / "a.py")
    assert config.is_included(tmp_path / relative) is included


@pytest.mark.parametrize(("relative", "included"), [
    ("a.py", True), ("pkg/b.pyi", True), ("docs/c.md", True), ("notes.txt", False),
    ("generated/x.py", False),
])
def test_default_include(tmp_path, relative, included):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    config = ConfigResolver().for_path(tmp_path / "a.py")
    assert config.is_included(tmp_path / relative) is included


def test_markdown_false_excludes_markdown(tmp_path):
    write(tmp_path / "ssot-ls.toml", "markdown = false\n")
    config = ConfigResolver().for_path(tmp_path / "a.py")
    assert not config.markdown
    assert not config.is_included(tmp_path / "docs" / "a.md")
    assert config.is_included(tmp_path / "a.py")


# -- validation: every error names the file, the line and the key ------------------------------

BASE = """
presets = ["netra-websocket"]

[[rules]]
code = "A001"
old = "a.old:x"
new = "a.new:y"
severity = "warning"

[[rules]]
code = "A002"
old = "b.old"
"""
# Lines of BASE (after the leading newline is stripped):
# 1 presets, 3 [[rules]] of A001, 4 code, 5 old, 6 new, 7 severity, 9 [[rules]] of A002,
# 10 code, 11 old; text appended to BASE lands on line 12 inside rule A002.


def edit(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


ERRORS = [
    # (id, config text, line, key, words the message must contain)
    ("unknown-top-level-key", "colour = 'red'\n" + BASE.lstrip("\n"), 1, "colour", "unknown key"),
    ("unknown-rule-key", BASE + 'colour = "red"\n', 12, "rules[1].colour", "unknown key"),
    ("duplicate-code", edit('code = "A002"', 'code = "A001"'), 10, "rules[1].code", "duplicate"),
    ("duplicate-of-preset-code", edit('code = "A002"', 'code = "SSOT001"'), 10, "rules[1].code",
     "duplicate"),
    ("malformed-old-double-dot", edit('old = "b.old"', 'old = "b..old"'), 11, "rules[1].old",
     "malformed"),
    ("malformed-old-trailing-colon", edit('old = "b.old"', 'old = "b.old:"'), 11, "rules[1].old",
     "malformed"),
    ("malformed-old-dotted-name", edit('old = "b.old"', 'old = "b.old:x.y"'), 11, "rules[1].old",
     "malformed"),
    ("malformed-old-leading-digit", edit('old = "b.old"', 'old = "1b.old"'), 11, "rules[1].old",
     "malformed"),
    ("malformed-old-space", edit('old = "b.old"', 'old = "b old"'), 11, "rules[1].old", "malformed"),
    ("malformed-new", edit('new = "a.new:y"', 'new = "a.new:-y"'), 6, "rules[0].new", "malformed"),
    ("whole-module-rule-with-name-new", BASE + 'new = "c.new:z"\n', 12, "rules[1].new", "module"),
    ("old-wrong-type", edit('old = "b.old"', "old = 3"), 11, "rules[1].old", "string"),
    ("code-wrong-type", edit('code = "A002"', "code = 2"), 10, "rules[1].code", "code"),
    ("code-malformed", edit('code = "A002"', 'code = "ssot"'), 10, "rules[1].code", "code"),
    ("await-wrong-type", edit('new = "a.new:y"', 'new = "a.new:y"\nawait = "yes"'), 7,
     "rules[0].await", "true or false"),
    ("strings-wrong-type", edit('new = "a.new:y"', 'new = "a.new:y"\nstrings = 1'), 7,
     "rules[0].strings", "true or false"),
    ("message-wrong-type", edit('new = "a.new:y"', 'new = "a.new:y"\nmessage = 5'), 7,
     "rules[0].message", "string"),
    ("rename-keywords-wrong-type", edit('new = "a.new:y"', 'new = "a.new:y"\nrename-keywords = ["a"]'),
     7, "rules[0].rename-keywords", "table"),
    ("rename-keywords-bad-name", edit('new = "a.new:y"', 'new = "a.new:y"\nrename-keywords = {a = "b-c"}'),
     7, "rules[0].rename-keywords", "table"),
    ("drop-keywords-wrong-type", edit('new = "a.new:y"', 'new = "a.new:y"\ndrop-keywords = "x"'), 7,
     "rules[0].drop-keywords", "list of strings"),
    ("require-keywords-bad-name", edit('new = "a.new:y"', 'new = "a.new:y"\nrequire-keywords = ["a b"]'),
     7, "rules[0].require-keywords", "keyword"),
    ("when-keyword-bad-name", edit('new = "a.new:y"', 'new = "a.new:y"\nwhen-keyword = "x-y"'), 7,
     "rules[0].when-keyword", "keyword"),
    ("when-keyword-on-module-rule", BASE + 'when-keyword = "k"\n', 12, "rules[1].when-keyword",
     "module:name"),
    ("await-on-module-rule", BASE + "await = true\n", 11, "rules[1].old", "module:name"),
    ("missing-code", edit('code = "A002"\n', ""), 9, "rules[1].code", "missing"),
    ("missing-old", edit('old = "b.old"\n', ""), 9, "rules[1].old", "missing"),
    ("bad-severity", edit('severity = "warning"', 'severity = "fatal"'), 7, "rules[0].severity",
     "error, warning, information, hint"),
    ("severity-wrong-type", edit('severity = "warning"', "severity = 3"), 7, "rules[0].severity",
     "string"),
    ("bad-calls", BASE + 'calls = "maybe"\n', 12, "rules[1].calls", "rewrite, report"),
    ("bad-fix", BASE + 'fix = "always"\n', 12, "rules[1].fix", "safe, unsafe, none"),
    ("presets-wrong-type", edit('presets = ["netra-websocket"]', 'presets = "netra-websocket"'), 1,
     "presets", "list of strings"),
    ("unknown-preset", edit('presets = ["netra-websocket"]', 'presets = ["nope"]'), 1, "presets",
     "nope"),
    ("include-wrong-type", edit('presets = ["netra-websocket"]', 'include = "src"'), 1, "include",
     "list of strings"),
    ("exclude-wrong-item-type", edit('presets = ["netra-websocket"]', "exclude = [1]"), 1, "exclude",
     "list of strings"),
    ("extend-exclude-wrong-type", edit('presets = ["netra-websocket"]', "extend-exclude = 'x'"), 1,
     "extend-exclude", "list of strings"),
    ("markdown-wrong-type", edit('presets = ["netra-websocket"]', 'markdown = "no"'), 1, "markdown",
     "true or false"),
    # Rules whose fixes would never converge (issue 8, point 17).
    ("new-equals-old", edit('new = "a.new:y"', 'new = "a.old:x"'), 6, "rules[0].new", "same as old"),
    ("module-new-inside-old", BASE + 'new = "b.old.inner"\n', 12, "rules[1].new", "inside old"),
    ("module-new-equals-old", BASE + 'new = "b.old"\n', 12, "rules[1].new", "same as old"),
    ("rules-map-into-each-other", edit('new = "a.new:y"', 'new = "b.old:x"') + 'new = "a.old"\n', 6,
     "rules[0].new", "back onto itself"),
    ("removed-wrong-type", BASE + 'removed = "yes"\n', 12, "rules[1].removed", "true or false"),
    ("rules-not-an-array", 'rules = { code = "A" }\n', 1, "rules", "array of tables"),
    ("rule-not-a-table", 'presets = []\nrules = ["x"]\n', 2, "rules[0]", "table"),
]


@pytest.mark.parametrize(("text", "line", "key", "words"),
                         [pytest.param(t, li, k, w, id=i) for i, t, li, k, w in ERRORS])
def test_validation_error_names_file_line_and_key(tmp_path, text, line, key, words):
    path = write(tmp_path / "ssot-ls.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    error = caught.value
    assert (error.path, error.line, error.key) == (path, line, key)
    assert words in error.message
    assert str(error) == f"{path}:{line}: {key}: {error.message}"


@pytest.mark.parametrize(("text", "line"), [
    pytest.param(BASE + "[[rules]\n", 12, id="unclosed-table-header"),
    pytest.param(BASE + 'code = "A003"\n', 12, id="same-key-twice"),
    # tomllib says "at end of document": the last line is the best we can name.
    pytest.param('presets = ["netra-websocket"\n', 1, id="unclosed-array"),
])
def test_invalid_toml_names_the_line(tmp_path, text, line):
    path = write(tmp_path / "ssot-ls.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert "invalid TOML" in caught.value.message
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_errors_in_pyproject_count_lines_of_the_whole_file(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
        [project]
        name = "demo"

        [tool.ssot-ls]
        presets = ["netra-websocket"]

        [[tool.ssot-ls.rules]]
        code = "P001"
        old = "p.old:x"
        severity = "warning"

        [[tool.ssot-ls.rules]]
        code = "P002"
        old = "p..old"
        severity = "warning"
        """)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert (caught.value.line, caught.value.key) == (14, "rules[1].old")


def test_errors_in_pyproject_unknown_key(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
        [tool.black]
        line-length = 100

        [tool.ssot-ls]
        presets = []
        line-length = 100
        """)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert (caught.value.line, caught.value.key) == (6, "line-length")


def test_error_in_second_rule_points_past_the_same_key_in_the_first(tmp_path):
    path = write(tmp_path / "ssot-ls.toml", """
        [[rules]]
        code = "A001"
        old = "a.old:x"
        calls = "report"

        [[rules]]
        code = "A002"
        old = "b.old:y"
        calls = "sometimes"
        """)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert (caught.value.line, caught.value.key) == (9, "rules[1].calls")


def test_unreadable_config_is_a_config_error(tmp_path):
    path = tmp_path / "ssot-ls.toml"
    path.write_bytes(b"presets = [\xff]\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert caught.value.path == path
