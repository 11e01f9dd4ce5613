"""import_style: the project's isort settings and first-party modules, read from disk as ruff does."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ssot_ls.import_order import DEFAULT_STYLE, ImportStyle, Section, section_of
from ssot_ls.import_style import (
    FirstPartyModules,
    clear_cache,
    first_party_roots,
    read_import_style,
    read_project_settings,
)

RUFF = shutil.which("ruff")


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_defaults_without_any_config(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    settings = read_project_settings(tmp_path / "a" / "b")
    assert settings.style == DEFAULT_STYLE and settings.config is None
    assert settings.src == (tmp_path, tmp_path / "src")  # the repository root stands for the project


def test_ruff_toml_line_length_and_isort_options(tmp_path: Path):
    _write(tmp_path, {"ruff.toml": (
        'line-length = 100\nindent-width = 2\ntarget-version = "py39"\n[lint.isort]\n'
        'force-sort-within-sections = true\nknown-first-party = ["mine", "ours.*"]\n'
        'no-lines-before = ["third-party"]\nrelative-imports-order = "closest-to-furthest"\n'
        'lines-between-types = 1\nsection-order = ["future", "standard-library", "third-party"]\n'
    ), "pkg/mod.py": ""})
    style = read_import_style(tmp_path / "pkg")
    assert style == ImportStyle(
        line_length=100, indent_width=2, target_version=(3, 9), force_sort_within_sections=True,
        known_first_party=frozenset({"mine", "ours.*"}), no_lines_before=frozenset({Section.THIRD_PARTY}),
        relative_imports_order="closest-to-furthest", lines_between_types=1,
        section_order=(Section.FUTURE, Section.STANDARD_LIBRARY, Section.THIRD_PARTY))


def test_closest_config_wins_and_dot_ruff_toml_first(tmp_path: Path):
    _write(tmp_path, {
        "ruff.toml": "line-length = 70\n",
        "inner/pyproject.toml": "[tool.black]\nline-length = 60\n",  # no [tool.ruff]: not ruff's
        "inner/deeper/.ruff.toml": "line-length = 90\n",
        "inner/deeper/ruff.toml": "line-length = 91\n",
    })
    assert read_import_style(tmp_path / "inner").line_length == 70
    assert read_import_style(tmp_path / "inner" / "deeper").line_length == 90


def test_pyproject_tool_ruff_and_legacy_isort_table(tmp_path: Path):
    _write(tmp_path, {"legacy/pyproject.toml": "[tool.ruff]\n[tool.ruff.isort]\ncombine-as-imports = true\n",
                      "both/pyproject.toml": ("[tool.ruff.isort]\ncombine-as-imports = true\n"
                                              "[tool.ruff.lint.isort]\nforce-single-line = true\n")})
    assert read_import_style(tmp_path / "legacy").combine_as_imports
    both = read_import_style(tmp_path / "both")
    # ruff takes `lint.isort` whole and ignores the legacy table then.
    assert both.force_single_line and not both.combine_as_imports


def test_extend_chain_merges_options(tmp_path: Path):
    _write(tmp_path, {"base.toml": "line-length = 70\n[lint.isort]\ncombine-as-imports = true\n",
                      "proj/pyproject.toml": ('[tool.ruff]\nextend = "../base.toml"\n'
                                              "[tool.ruff.lint.isort]\nforce-sort-within-sections = true\n"),
                      "loop/ruff.toml": 'extend = "ruff.toml"\nline-length = 77\n'})
    style = read_import_style(tmp_path / "proj")
    assert (style.line_length, style.combine_as_imports, style.force_sort_within_sections) == (70, True, True)
    assert read_import_style(tmp_path / "loop").line_length == 77  # a cycle ends, it does not hang


def test_target_version_from_requires_python(tmp_path: Path):
    _write(tmp_path, {"a/pyproject.toml": '[project]\nrequires-python = ">=3.12"\n[tool.ruff]\n',
                      "b/ruff.toml": "", "b/pyproject.toml": '[project]\nrequires-python = "~=3.10"\n',
                      "c/pyproject.toml": '[project]\nrequires-python = ">3.9, <4"\n[tool.ruff]\n'})
    assert read_import_style(tmp_path / "a").target_version == (3, 12)
    assert read_import_style(tmp_path / "b").target_version == (3, 10)
    assert read_import_style(tmp_path / "c").target_version == (3, 10)


def test_black_then_isort_fallbacks(tmp_path: Path):
    _write(tmp_path, {"black/pyproject.toml": ("[tool.black]\nline-length = 100\n"
                                               "[tool.isort]\nline_length = 60\n"),
                      "isort/pyproject.toml": "[tool.isort]\nline_length = 60\n",
                      "profile/pyproject.toml": '[tool.isort]\nprofile = "black"\n',
                      "none/pyproject.toml": "[project]\nname = 'x'\n"})
    assert read_import_style(tmp_path / "black").line_length == 100
    assert read_import_style(tmp_path / "isort").line_length == 60
    assert read_import_style(tmp_path / "profile").line_length == 88
    assert read_import_style(tmp_path / "none") == DEFAULT_STYLE


@pytest.mark.parametrize("text", [
    "line-length = \n",                                 # not TOML
    "line-length = 'long'\n[lint.isort]\nforce-sort-within-sections = 'yes'\n",  # wrong types
    "line-length = 0\n[lint]\nisort = 3\n",             # out of range, not a table
    "[lint.isort]\nknown-first-party = 'x'\nsection-order = ['mine']\nno-lines-before = [1]\n",
    "\xff\xfe",                                         # not UTF-8
])
def test_bad_config_falls_back_to_defaults(tmp_path: Path, text: str):
    (tmp_path / "ruff.toml").write_bytes(text.encode("latin-1"))
    assert read_import_style(tmp_path) == DEFAULT_STYLE


def test_bad_values_are_dropped_one_by_one(tmp_path: Path):
    _write(tmp_path, {"ruff.toml": "line-length = 'x'\n[lint.isort]\ncase-sensitive = true\nfrom-first = 1"})
    assert read_import_style(tmp_path) == ImportStyle(case_sensitive=True)


def test_unreadable_folder_does_not_raise(tmp_path: Path):
    assert read_import_style(tmp_path / "does" / "not" / "exist") == DEFAULT_STYLE


def test_cache_per_folder_and_clear(tmp_path: Path):
    _write(tmp_path, {"ruff.toml": "line-length = 70\n"})
    assert read_import_style(tmp_path).line_length == 70
    (tmp_path / "ruff.toml").write_text("line-length = 71\n", encoding="utf-8")
    assert read_import_style(tmp_path).line_length == 70  # cached
    clear_cache()
    assert read_import_style(tmp_path).line_length == 71


def test_first_party_full_module_paths_under_src(tmp_path: Path):
    _write(tmp_path, {"pyproject.toml": "[tool.ruff]\n", "app/core.py": "", "tool.py": "",
                      "src/lib/stubs.pyi": "", "tests/test_x.py": ""})
    first_party = first_party_roots(tmp_path / "tests" / "test_x.py")
    assert all(m in first_party for m in ("app", "app.core", "tool", "lib", "lib.stubs", "tests"))
    assert not any(m in first_party for m in ("app.missing", "tool.sub", "requests"))
    assert section_of("app.core", 0, DEFAULT_STYLE, first_party) is Section.FIRST_PARTY
    assert section_of("json", 0, DEFAULT_STYLE, first_party) is Section.STANDARD_LIBRARY


def test_first_party_configured_src_and_same_package(tmp_path: Path):
    _write(tmp_path, {"pyproject.toml": '[tool.ruff]\nsrc = ["code"]\n', "code/lib/x.py": "", "app/a.py": "",
                      "pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": ""})
    first_party = first_party_roots(tmp_path / "pkg" / "sub" / "mod.py")
    assert "lib.x" in first_party and "app.a" not in first_party
    assert "pkg.anything" in first_party  # the file's own package, as ruff's detect-same-package
    off = tmp_path / "off"
    _write(off, {"pyproject.toml": "[tool.ruff.lint.isort]\ndetect-same-package = false\n",
                 "pkg/__init__.py": "", "pkg/mod.py": ""})
    assert "pkg.anything" not in first_party_roots(off / "pkg" / "mod.py")
    assert FirstPartyModules((tmp_path,)).__contains__(3) is False


# --- Against ruff's own reading of the same files ---------------------------------------------

_SCENARIOS = {
    "plain": {"pyproject.toml": "[tool.ruff]\nline-length = 99\n"},
    "legacy": {"pyproject.toml": ("[tool.ruff]\n[tool.ruff.isort]\ncombine-as-imports = true\n"
                                  "from-first = true\n")},
    "both": {"pyproject.toml": ("[tool.ruff.isort]\ncombine-as-imports = true\n[tool.ruff.lint.isort]\n"
                                "force-single-line = true\nlines-between-types = 1\n")},
    "extend": {"base.toml": "line-length = 70\nindent-width = 2\n[lint.isort]\ncase-sensitive = true\n",
               "ruff.toml": ('extend = "base.toml"\n[lint.isort]\norder-by-type = false\n'
                             "lines-after-imports = 2\n")},
    "requires": {"pyproject.toml": ('[project]\nrequires-python = ">=3.12"\n[tool.ruff.lint.isort]\n'
                                    "force-wrap-aliases = true\nsplit-on-trailing-comma = false\n")},
}


def _ruff_settings(folder: Path) -> dict[str, str]:
    assert RUFF is not None
    (folder / "probe.py").write_text("", encoding="utf-8")
    out = subprocess.run([RUFF, "check", "--no-cache", "--show-settings", "probe.py"], cwd=folder,
                         capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^linter\.([\w.]+) = (\S+)$", out, flags=re.MULTILINE))


@pytest.mark.skipif(RUFF is None, reason="ruff is not on PATH (it is a test dependency)")
@pytest.mark.parametrize("scenario", sorted(_SCENARIOS))
def test_settings_match_ruff_show_settings(tmp_path: Path, scenario: str):
    _write(tmp_path, _SCENARIOS[scenario])
    ruff = _ruff_settings(tmp_path)
    style = read_import_style(tmp_path)
    assert int(ruff["line_length"]) == style.line_length
    assert int(ruff["tab_size"]) == style.indent_width
    for name in ("combine_as_imports", "force_single_line", "force_sort_within_sections", "case_sensitive",
                 "force_wrap_aliases", "order_by_type", "split_on_trailing_comma", "from_first",
                 "detect_same_package", "lines_after_imports", "lines_between_types"):
        assert ruff[f"isort.{name}"] == str(getattr(style, name)).lower(), name
    version = ruff["unresolved_target_version"]
    assert (None if version == "none" else tuple(int(p) for p in version.split("."))) == style.target_version
