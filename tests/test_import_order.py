"""import_order: ruff's isort (I001) order and layout, checked by hand and against ruff itself.

The differential tests write batches of generated import blocks into a temp project (with a
`pyproject.toml` for the isort options and first-party folders), let ruff judge and fix them in
one invocation per batch, and compare with the engine: the verdict (`block_is_sorted`), the
fixed text (`format_block`), the sorted positions (`insertion_index`,
`member_insertion_index`) and the layout of `format_from_import` (I001- and E501-clean).
SSOT_ISORT_EXAMPLES=200 makes a long, randomized hunt; the default is a fixed, fast sample.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ssot_ls.import_order import (
    DEFAULT_STYLE,
    ImportStatement,
    ImportStyle,
    LineEdit,
    Section,
    blank_lines_after_block,
    blank_lines_before,
    block_is_sorted,
    detect_indent_unit,
    format_block,
    format_from_import,
    format_import,
    insertion_edit,
    insertion_index,
    is_standard_library,
    member_insertion_index,
    member_key,
    merge_edit,
    merge_target,
    normalize_block,
    section_of,
    statement_from_node,
    statement_key,
    statements_from_source,
    text_width,
)
from ssot_ls.import_style import first_party_roots, read_import_style

RUFF = shutil.which("ruff")
needs_ruff = pytest.mark.skipif(RUFF is None, reason="ruff is not on PATH (it is a test dependency)")

_HUNT = os.environ.get("SSOT_ISORT_EXAMPLES")
DIFF_SETTINGS = settings(
    max_examples=int(_HUNT or 4), derandomize=not _HUNT, deadline=None, database=None,
    # A batch is not worth shrinking: each assertion names the one failing block.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BATCH = 30  # blocks per ruff invocation
STATS: Counter[str] = Counter()


def _stmt(source: str) -> ImportStatement:
    return statements_from_source(source)[0]


def _sorted_text(source: str, style: ImportStyle = DEFAULT_STYLE, roots: frozenset[str] = frozenset()) -> str:
    return format_block(statements_from_source(source), style, roots)


# --- Hand-written cases (each output checked against ruff 0.17.6) -----------------------------


def test_sections_default():
    assert section_of("__future__") is Section.FUTURE
    assert section_of("os.path") is Section.STANDARD_LIBRARY
    assert section_of("requests") is Section.THIRD_PARTY
    assert section_of("mypkg.sub", 0, DEFAULT_STYLE, {"mypkg.sub"}) is Section.FIRST_PARTY
    assert section_of("mypkg.sub", 0, DEFAULT_STYLE, {"mypkg"}) is Section.THIRD_PARTY  # the full path counts
    assert section_of("x", 2) is Section.LOCAL_FOLDER
    assert section_of("", 1) is Section.LOCAL_FOLDER
    # The stdlib wins over a same-named first-party folder, as in ruff.
    assert section_of("json", 0, DEFAULT_STYLE, {"json"}) is Section.STANDARD_LIBRARY


def test_sections_known_patterns_and_order():
    style = ImportStyle(known_first_party=frozenset({"req*"}),
                        known_third_party=frozenset({"mypkg.vendored"}),
                        known_local_folder=frozenset({"here"}),
                        extra_standard_library=frozenset({"pkg_resources"}))
    assert section_of("requests", 0, style) is Section.FIRST_PARTY
    assert section_of("mypkg.vendored.x", 0, style, {"mypkg.vendored.x"}) is Section.THIRD_PARTY
    assert section_of("mypkg.other", 0, style, {"mypkg.other"}) is Section.FIRST_PARTY
    assert section_of("here", 0, style) is Section.LOCAL_FOLDER
    assert section_of("pkg_resources", 0, style) is Section.STANDARD_LIBRARY
    no_local = ImportStyle(section_order=(Section.FUTURE, Section.STANDARD_LIBRARY, Section.THIRD_PARTY,
                                          Section.FIRST_PARTY))
    assert section_of("x", 1, no_local) is Section.THIRD_PARTY  # a section not ordered: the default one


def test_stdlib_depends_on_target_version():
    assert is_standard_library("tomllib", (3, 11)) and not is_standard_library("tomllib", (3, 10))
    assert is_standard_library("distutils", (3, 11)) and not is_standard_library("distutils", (3, 12))
    assert is_standard_library("os", (3, 8)) and not is_standard_library("requests")


def test_member_key_order_by_type_and_natural_order():
    names = ["Z", "B_C", "bc", "a", "_x", "X1", "x10", "x9", "CamelCase", "ÉÉ", "É", "é"]
    ordered = sorted(names, key=member_key)
    assert ordered == ["B_C", "X1", "É", "ÉÉ", "CamelCase", "Z", "_x", "a", "bc", "x9", "x10", "é"]
    assert sorted(names, key=lambda n: member_key(n, ImportStyle(order_by_type=False))) == [
        "_x", "a", "B_C", "bc", "CamelCase", "X1", "x9", "x10", "Z", "É", "é", "ÉÉ"]
    assert sorted(["b", "B", "a", "A"], key=lambda n: member_key(n, ImportStyle(order_by_type=False,
                                                                                case_sensitive=True))) == [
        "A", "B", "a", "b"]
    assert member_key("*") < member_key("AAA")
    assert member_key("x", asname=None) < member_key("x", asname="y")


def test_natural_order_of_digits():
    names = ["a", "a0", "a1", "a1a", "a2", "a10", "a20", "x01", "x1"]
    assert sorted(reversed(names), key=member_key) == names


def test_statement_order_default_block():
    source = (
        "from a import Z, B_C, bc\nimport os\nfrom . import x\nfrom .. import y\nfrom .a import z\n"
        "from ..b import w\nimport zz\nfrom __future__ import annotations\nimport __future__\n"
        "import b, a\nfrom a import b as c, d\n"
    )
    assert _sorted_text(source) == (
        "from __future__ import annotations\nimport __future__\n\nimport os\n\nimport a\nimport b\n"
        "import zz\nfrom a import B_C, Z, bc, d\nfrom a import b as c\n\n"
        "from .. import y\nfrom ..b import w\n"
        "from . import x\nfrom .a import z"
    )


def test_force_sort_within_sections_and_force_to_top():
    source = "from os import path\nimport sys\nimport os\nfrom abc import ABC\n"
    style = ImportStyle(force_sort_within_sections=True)
    assert _sorted_text(source, style) == "from abc import ABC\nimport os\nfrom os import path\nimport sys"
    style = ImportStyle(force_to_top=frozenset({"sys"}))
    assert _sorted_text(source, style) == "import sys\nimport os\nfrom abc import ABC\nfrom os import path"


def test_relative_imports_closest_to_furthest():
    source = "from .. import a\nfrom . import b\nfrom ...x import c\n"
    style = ImportStyle(relative_imports_order="closest-to-furthest")
    assert _sorted_text(source, style) == "from . import b\nfrom .. import a\nfrom ...x import c"


def test_statement_key_uses_smallest_member():
    early, late = _stmt("from a import zeta, Alpha\n"), _stmt("from a import beta as b\n")
    assert statement_key(early) < statement_key(late)  # `Alpha` (a class) sorts before `beta`


def test_format_from_import_fits_or_wraps():
    assert format_from_import("a", ["c", "b"]) == "from a import b, c"
    assert format_from_import("a", ["b"], magic_trailing_comma=True) == "from a import (\n    b,\n)"
    long_names = ["cccccccccccccccccccccccccc", "bbbbbbbbbbbbbbbbbbbbbbbbbb"]
    text = format_from_import("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", long_names, indent="    ")
    assert text == ("from aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa import (\n"
                    "        bbbbbbbbbbbbbbbbbbbbbbbbbb,\n        cccccccccccccccccccccccccc,\n    )")
    # 88 wide fits exactly; 89 wraps.
    assert "\n" not in format_from_import("a" * 36, ["b" * 18, "c" * 19])
    assert "\n" in format_from_import("a" * 36, ["b" * 18, "c" * 20])
    assert format_from_import("..pkg", ["x"]) == "from ..pkg import x"
    assert format_from_import("a", ["*"], style=ImportStyle(line_length=5)) == "from a import *"


def test_format_from_import_tabs_count_to_the_tab_stop():
    names = ["bbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccc"]
    assert "\n" in format_from_import("a" * 36, names, indent="\t", indent_unit="\t")
    assert text_width("\tab", 4) == 6 and text_width("a\tb", 8) == 9 and text_width("漢字") == 4


def test_as_members_get_their_own_statements_unless_combined():
    assert format_from_import("a", [("b", "c"), "d"]) == "from a import b as c\nfrom a import d"
    combined = ImportStyle(combine_as_imports=True)
    assert format_from_import("a", [("b", "c"), "d"], style=combined) == "from a import b as c, d"
    single = ImportStyle(force_single_line=True)
    text = format_from_import("a", ["d", "b"], indent="  ", style=single)
    assert text == "from a import b\n  from a import d"
    wrap = ImportStyle(force_wrap_aliases=True, combine_as_imports=True)
    assert format_from_import("a", [("b", "c"), "d"], style=wrap) == "from a import (\n    b as c,\n    d,\n)"


def test_format_import():
    assert format_import("a.b", "c") == "import a.b as c"
    assert format_import("a" * 100) == "import " + "a" * 100  # ruff never wraps a plain import


def test_block_is_sorted_exact_with_lines():
    good = "import os\nimport sys\n\nimport requests\n"
    assert block_is_sorted(statements_from_source(good), lines=good.splitlines())
    for bad in ("import sys\nimport os\n", "import os\n\nimport sys\n", "import os\nimport requests\n",
                "from a import b\nfrom a import c\n", "from a import (b)\n", "import a, b\n",
                "from a import (\n    b,\n    c\n)\n"):
        assert not block_is_sorted(statements_from_source(bad), lines=bad.splitlines()), bad
    wrapped = "from a import (\n  b,\n  c,\n)\n"  # ruff ignores the indentation of the lines
    assert block_is_sorted(statements_from_source(wrapped), lines=wrapped.splitlines())


def test_block_is_sorted_with_comments_is_structural():
    good = "import os\n\n# why\nimport sys  # noqa\n\n# section\nimport requests\n"
    assert block_is_sorted(statements_from_source(good), lines=good.splitlines())
    # ruff wants a blank line above a comment that does not open a section.
    bad = "import os\n# why\nimport sys\n"
    assert not block_is_sorted(statements_from_source(bad), lines=bad.splitlines())
    assert not block_is_sorted(statements_from_source("import sys  # x\nimport os\n"))


def test_end_of_line_comments_count_toward_the_line_length():
    fits = "from aaaa import bbbb, cccc  # a comment\n"
    assert block_is_sorted(statements_from_source(fits), lines=fits.splitlines())
    narrow = ImportStyle(line_length=30)
    assert not block_is_sorted(statements_from_source(fits), narrow, lines=fits.splitlines())
    wrapped = "from aaaa import (  # a comment\n    bbbb,\n    cccc,\n)\n"
    assert block_is_sorted(statements_from_source(wrapped), narrow, lines=wrapped.splitlines())
    one = "from aaaa import bbbb  # a long comment here\n"
    assert not block_is_sorted(statements_from_source(one), narrow, lines=one.splitlines())
    assert not block_is_sorted(statements_from_source("import os # one space\n"),
                               lines=["import os # one space"])


def test_block_is_sorted_without_lines_uses_line_numbers():
    statements = statements_from_source("import os\nimport sys\n\nimport requests\n")
    assert block_is_sorted(statements)
    assert not block_is_sorted(statements_from_source("import os\n\nimport sys\n"))
    built = [ImportStatement.make_import("os"), ImportStatement.make_import("sys")]
    assert block_is_sorted(built) and not block_is_sorted(built[::-1])


def test_blank_lines_before():
    statements = statements_from_source("import os\nimport requests\nfrom requests import get\n")
    assert blank_lines_before(statements) == [0, 1, 0]
    style = ImportStyle(lines_between_types=1, no_lines_before=frozenset({Section.THIRD_PARTY}))
    assert blank_lines_before(statements, style) == [0, 0, 1]


@pytest.mark.parametrize(("following", "expected"), [
    (None, 0), ("x = 1", 1), ("def f(): pass", 2), ("class C: pass", 2), ("@dec\ndef f(): pass", 2),
    ("if x:\n    pass", 1)])
def test_blank_lines_after_block(following, expected):
    node = ast.parse(following).body[0] if following else None
    assert blank_lines_after_block(node) == expected
    assert blank_lines_after_block(node, ImportStyle(lines_after_imports=3)) == (3 if node else 0)
    assert blank_lines_after_block(node, is_stub=True) == (1 if node else 0)


@needs_ruff
@pytest.mark.parametrize("lines_after", [-1, 0, 3])
def test_blank_lines_after_block_matches_ruff(tmp_path: Path, lines_after: int):
    (tmp_path / "pyproject.toml").write_text(f"[tool.ruff.lint.isort]\nlines-after-imports = {lines_after}\n")
    (tmp_path / "cases").mkdir()
    followers = ["x = 1", "def f(): pass", "class C: pass", "@dec\ndef f(): pass", "if x:\n    pass"]
    expected = {}
    for i, follower in enumerate(followers):
        for blank in range(4):
            name = f"case_{i}_{blank}.py"
            (tmp_path / "cases" / name).write_text("import os\n" + "\n" * blank + follower + "\n")
            style = ImportStyle(lines_after_imports=lines_after)
            wanted = blank_lines_after_block(ast.parse(follower).body[0], style)
            expected[name] = blank != wanted
    flagged = {Path(d["filename"]).name for d in _ruff(tmp_path, "--select", "I001")}
    assert {name for name, bad in expected.items() if bad} == flagged


def test_insertion_index_sorted_block():
    block = statements_from_source("import os\nimport sys\n\nimport requests\nfrom yaml import load\n")
    assert insertion_index(block, ImportStatement.make_import("re")) == 1
    assert insertion_index(block, ImportStatement.make_import("zlib")) == 2
    assert insertion_index(block, ImportStatement.make_from("numpy", ["array"])) == 3
    assert insertion_index(block, ImportStatement.make_import("numpy")) == 2
    assert insertion_index(block, ImportStatement.make_from(".", ["here"])) == 4
    assert insertion_index(block, ImportStatement.make_from("__future__", ["annotations"])) == 0
    assert insertion_index(block, ImportStatement.make_import("mine"), first_party_roots={"mine"}) == 4


def test_insertion_index_unsorted_block():
    block = statements_from_source("import sys\nimport os\nimport requests\nfrom . import x\n")
    assert insertion_index(block, ImportStatement.make_import("re")) == 2  # after the last stdlib
    assert insertion_index(block, ImportStatement.make_import("re"), anchor=0) == 1
    assert insertion_index(block, ImportStatement.make_import("mine"), first_party_roots={"mine"}) == 3
    reversed_block = statements_from_source("from . import x\nimport requests\n")
    assert insertion_index(reversed_block, ImportStatement.make_import("os")) == 0


def test_merge_target():
    block = statements_from_source("import a\nfrom a import b as c\nfrom a import d\nfrom .a import e\n")
    assert merge_target(block, ImportStatement.make_from("a", ["x"])) == 2
    assert merge_target(block, ImportStatement.make_from(".a", ["x"])) == 3
    assert merge_target(block, ImportStatement.make_from("a", [("x", "y")])) is None
    single = ImportStyle(force_single_line=True)
    assert merge_target(block, ImportStatement.make_from("a", ["x"]), single) is None
    assert merge_target(block, ImportStatement.make_import("a")) is None


def test_member_insertion_index():
    assert member_insertion_index(["CONST", "Class", "func"], "Other") == 2
    assert member_insertion_index([("CONST", None), ("func", None)], "ALPHA") == 0
    assert member_insertion_index(["func", "CONST"], "Other") == 2  # unsorted: the end
    assert member_insertion_index([], "x") == 0


def test_statement_from_node_reads_comments_and_magic_comma():
    source = "if x:\n    from a import (  # c\n        b,\n    )\nimport os  # noqa\nfrom b import (c, d)\n"
    tree = ast.parse(source)
    nested = statement_from_node(tree.body[0].body[0], source)
    assert (nested.module, nested.names, nested.has_comments, nested.trailing_comma) == (
        "a", (("b", None),), True, True)
    assert (nested.lineno, nested.end_lineno) == (2, 4)
    plain, parens = (statement_from_node(node, source) for node in tree.body[1:])
    assert plain.has_comments and not plain.trailing_comma and plain.text == "import os"
    assert not parens.has_comments and not parens.trailing_comma
    relative = _stmt("from ..x.y import (z as w,)\n")
    assert (relative.module, relative.level, relative.module_path, relative.trailing_comma) == (
        "x.y", 2, "..x.y", True)


def test_detect_indent_unit():
    assert detect_indent_unit("if x:\n\tpass\n") == "\t"
    assert detect_indent_unit("x = [\n  1,\n]\ndef f():\n  # c\n  pass\n") == "  "
    assert detect_indent_unit("import os\n") == "    "


# --- Differential tests against ruff ----------------------------------------------------------

# ruff isort options per configuration (written to `[tool.ruff.lint.isort]`), and line length.
CONFIGS: dict[str, tuple[int, dict[str, object]]] = {
    "default": (88, {}),
    "narrow": (40, {"split-on-trailing-comma": False}),
    "force-sort": (88, {"force-sort-within-sections": True, "force-to-top": ["zz", "os"]}),
    "case-sensitive": (60, {"case-sensitive": True, "order-by-type": False}),
    "combine-as": (50, {"combine-as-imports": True, "force-wrap-aliases": True}),
    "single-line": (88, {"force-single-line": True, "single-line-exclusions": ["typing"]}),
    "from-first": (88, {"from-first": True, "lines-between-types": 1,
                        "relative-imports-order": "closest-to-furthest"}),
    "length-sort": (70, {"length-sort": True, "no-lines-before": ["third-party", "local-folder"],
                         "lines-between-types": 1, "known-first-party": ["yaml"]}),
}

STDLIB = ["os", "os.path", "sys", "collections", "collections.abc", "typing", "json", "re", "abc"]
THIRD = ["requests", "numpy", "Django", "django.db", "yaml", "attr", "a9", "a10", "A2", "zz", "six.moves"]
FIRST = ["firstpkg", "firstpkg.sub", "firstmod", "firstpkg.Sub2"]
NAMES = ["CONSTANT", "MAX_SIZE", "X", "Y2", "Class", "Foo", "HTTPServer", "func", "value", "_private",
         "a1", "a10", "a2", "path", "Path", "PATH", "É", "é"]
ASNAMES = ["alias", "Alias", "ALIAS", "x", "z2", "z10"]


def _style_for(config: str) -> ImportStyle:
    line_length, options = CONFIGS[config]
    fields: dict[str, object] = {"line_length": line_length}
    for key, value in options.items():
        name = key.replace("-", "_")
        if name == "no_lines_before":
            value = frozenset(Section(v) for v in value)  # type: ignore[union-attr]
        elif isinstance(value, list):
            value = frozenset(value)
        fields[name] = value
    return ImportStyle(**fields)  # type: ignore[arg-type]


def _toml(config: str) -> str:
    line_length, options = CONFIGS[config]
    lines = [f"[tool.ruff]\nline-length = {line_length}\n\n[tool.ruff.lint.isort]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


@st.composite
def _members(draw: st.DrawFn) -> list[tuple[str, str | None]]:
    if draw(st.integers(0, 19)) == 0:
        return [("*", None)]
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5))
    return [(n, draw(st.none() | st.sampled_from(ASNAMES)) if draw(st.integers(0, 4)) == 0 else None)
            for n in names]


def _alias(name: str, asname: str | None) -> str:
    return name if asname is None else f"{name} as {asname}"


@st.composite
def _statement(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["import", "from", "from", "relative", "future"]))
    if kind == "import":
        modules = draw(st.lists(st.sampled_from(STDLIB + THIRD + FIRST), min_size=1, max_size=2))
        asnames = st.sampled_from([None, None, None, "m1", "M"])
        return "import " + ", ".join(_alias(m, draw(asnames)) for m in modules)
    if kind == "future":
        module = "__future__"
    elif kind == "relative":
        module = "." * draw(st.integers(1, 3)) + draw(st.sampled_from(["", "rel", "rel.sub", "Rel"]))
    else:
        module = draw(st.sampled_from(STDLIB + THIRD + FIRST))
    members = [_alias(*m) for m in draw(_members())]
    layout = draw(st.sampled_from(["line", "line", "parens", "comma", "wrapped", "wrapped-comma"]))
    if members == ["*"] or layout == "line":
        return f"from {module} import {', '.join(members)}"
    if layout in ("parens", "comma"):
        return f"from {module} import ({', '.join(members)}{',' if layout == 'comma' else ''})"
    body = ",\n".join(f"    {m}" for m in members)
    return f"from {module} import (\n{body}{',' if layout == 'wrapped-comma' else ''}\n)"


@st.composite
def _commented(draw: st.DrawFn, statement: str, index: int, comments: bool) -> str:
    if comments and "\n" not in statement and draw(st.integers(0, 5)) == 0:
        statement += f"  # c{index}"  # an end-of-line comment, as ruff writes it
    if comments and index and draw(st.integers(0, 5)) == 0:
        statement = f"# above {index}\n" + statement  # a comment line attached to the statement
    return statement


@st.composite
def _block(draw: st.DrawFn) -> str:
    comments = draw(st.integers(0, 3)) == 0
    statements = [draw(_commented(s, i, comments))
                  for i, s in enumerate(draw(st.lists(_statement(), min_size=1, max_size=8)))]
    text = statements[0]
    for statement in statements[1:]:
        text += draw(st.sampled_from(["\n", "\n", "\n", "\n\n"])) + statement
    return text + "\n"


@st.composite
def _case(draw: st.DrawFn) -> str:
    block = draw(_block())
    if draw(st.integers(0, 3)) == 0:  # an indented block
        lines = block.splitlines(True)
        return "if True:\n" + "".join(f"    {line}" if line.strip() else line for line in lines)
    return block


@dataclass
class Case:
    source: str
    indent: str
    statements: list[ImportStatement]


def _parse_case(source: str) -> Case:
    tree = ast.parse(source)
    body = tree.body[0].body if isinstance(tree.body[0], ast.If) else tree.body  # type: ignore[attr-defined]
    return Case(source, "    " if source.startswith("if") else "",
                [statement_from_node(node, source) for node in body])  # type: ignore[arg-type]


@contextmanager
def _project(config: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="isort-diff-") as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text(_toml(config), encoding="utf-8")
        (root / "firstpkg").mkdir()
        (root / "firstpkg" / "core.py").write_text("", encoding="utf-8")
        (root / "firstmod.py").write_text("", encoding="utf-8")
        (root / "cases").mkdir()
        yield root


def _ruff(root: Path, *args: str) -> list[dict]:
    assert RUFF is not None
    command = [RUFF, "check", "--no-cache", "--exit-zero", "--output-format", "json", *args, "cases"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout or "[]")


def _flagged(root: Path, sources: list[str]) -> list[bool]:
    """Writes the sources, lets ruff judge them (I001 only): whether each was flagged."""
    for path in (root / "cases").iterdir():
        path.unlink()
    for i, source in enumerate(sources):
        (root / "cases" / f"case_{i}.py").write_text(source, encoding="utf-8")
    names = {Path(d["filename"]).name for d in _ruff(root, "--select", "I001")}
    return [f"case_{i}.py" in names for i in range(len(sources))]


def _fixed(root: Path, sources: list[str]) -> list[str]:
    """ruff's `--fix` of each source (after `_flagged` wrote them)."""
    _ruff(root, "--select", "I001", "--fix")
    return [(root / "cases" / f"case_{i}.py").read_text(encoding="utf-8") for i in range(len(sources))]


def _is_sorted(case: Case, style: ImportStyle, first_party: Container[str]) -> bool:
    return block_is_sorted(case.statements, style, first_party, lines=case.source.splitlines())


def _expected_source(case: Case, style: ImportStyle, first_party: Container[str]) -> str:
    block = format_block(case.statements, style, first_party, indent=case.indent)
    return ("if True:\n    " if case.indent else "") + block + "\n"


def _mutants(case: Case, data: st.DataObject) -> str:
    """A small change to a sorted block: two statements swapped, a blank line added or removed,
    a statement's layout changed, or nothing."""
    lines = case.source.splitlines(True)
    statements = case.statements
    how = data.draw(st.sampled_from(["swap", "blank", "unblank", "reflow", "none"]))
    i = data.draw(st.integers(0, len(statements) - 1))
    s = statements[i]
    if how == "swap" and i + 1 < len(statements):
        t = statements[i + 1]
        first, second = lines[s.lineno - 1: s.end_lineno], lines[t.lineno - 1: t.end_lineno]
        lines[s.lineno - 1: t.end_lineno] = second + lines[s.end_lineno: t.lineno - 1] + first
    elif how == "blank":
        lines.insert(s.end_lineno, "\n")
    elif how == "unblank" and s.end_lineno < len(lines) and not lines[s.end_lineno].strip():
        del lines[s.end_lineno]
    elif how == "reflow" and s.is_from and s.names[0][0] != "*":
        members = ", ".join(_alias(*m) for m in s.names)
        flowed = f"from {s.module_path} import {members}" if "\n" in s.text else \
            f"from {s.module_path} import (\n{case.indent}    {members},\n{case.indent})"
        lines[s.lineno - 1: s.end_lineno] = [case.indent + flowed + "\n"]
    return "".join(lines)


def _grow(case: Case, style: ImportStyle, first_party: Container[str], data: st.DataObject) -> str:
    """The sorted block with one more statement (or member), added by the engine's edits."""
    drawn = statements_from_source(data.draw(_statement()) + "\n")[0]
    new = normalize_block([drawn], style)[0]
    lines = case.source.splitlines()
    present = {(s.is_from, s.module, s.level, s.names) for s in normalize_block(case.statements, style)}
    target = merge_target(case.statements, new, style)
    if target is not None:
        edit = merge_edit(case.statements, target, new.names, lines, style)
    elif (new.is_from, new.module, new.level, new.names) in present:
        return case.source  # ruff would drop it as a duplicate
    else:
        edit = insertion_edit(case.statements, new, lines, style, first_party)
    return case.source if edit is None else _apply(case.source, edit)


def _check_positions(case: Case, style: ImportStyle, first_party: Container[str]) -> None:
    """In a sorted block, every statement is where insertion_index puts it, every member
    where member_insertion_index puts it."""
    statements = case.statements
    for i, statement in enumerate(statements):
        rest = statements[:i] + statements[i + 1:]
        assert merge_target(rest, statement, style) is None
        assert insertion_index(rest, statement, style, first_party) == i, (case.source, i)
        names = list(statement.names)
        if statement.is_from and len(names) > 1:
            for j, (name, asname) in enumerate(names):
                assert member_insertion_index(names[:j] + names[j + 1:], name, style, asname) == j
    STATS["positions checked"] += len(statements)


@needs_ruff
@pytest.mark.parametrize("config", sorted(CONFIGS))
@DIFF_SETTINGS
@given(data=st.data())
def test_differential_against_ruff(config: str, data: st.DataObject) -> None:
    style = _style_for(config)
    sources = data.draw(st.lists(_case(), min_size=BATCH, max_size=BATCH), label="sources")
    with _project(config) as root:
        # The project layer reads the same settings from the generated pyproject.toml.
        assert read_import_style(root / "cases") == replace(style, target_version=None)
        first_party = first_party_roots(root / "cases" / "case_0.py")
        cases = [_parse_case(s) for s in sources]
        flagged = _flagged(root, sources)
        fixed = _fixed(root, sources)
        for case, was_flagged, ruff_text in zip(cases, flagged, fixed, strict=True):
            # (a) the verdict on the generated block
            assert _is_sorted(case, style, first_party) == (not was_flagged), (config, case.source)
            # (b) sorting with our keys and writing with our formatter gives ruff's fix
            if "#" in case.source:
                STATS["blocks with comments"] += 1
            else:
                assert _expected_source(case, style, first_party) == ruff_text, (config, case.source)
        sorted_cases = [_parse_case(text) for text in fixed]
        for case in sorted_cases:
            assert _is_sorted(case, style, first_party), (config, case.source)
            _check_positions(case, style, first_party)
        # (d) a statement or member added where the engine puts it keeps a sorted block sorted
        grown = [_grow(case, style, first_party, data) for case in sorted_cases]
        for case, text, was_flagged in zip(sorted_cases, grown, _flagged(root, grown), strict=True):
            assert not was_flagged, (config, case.source, text)
        STATS["statements added to sorted blocks"] += sum(
            g != c.source for g, c in zip(grown, sorted_cases, strict=True))
        # (a) again, on small changes to sorted blocks (sorted or not, as ruff says)
        mutants = [_mutants(case, data) for case in sorted_cases]
        verdicts = _flagged(root, mutants)
        for mutant, was_flagged in zip(mutants, verdicts, strict=True):
            assert _is_sorted(_parse_case(mutant), style, first_party) == (not was_flagged), (config, mutant)
    STATS["blocks"] += 3 * len(sources)
    STATS["blocks flagged by ruff"] += sum(flagged) + sum(verdicts)


@st.composite
def _from_import(draw: st.DrawFn) -> tuple[str, list[tuple[str, str | None]], int, bool, int]:
    module = draw(st.sampled_from(["a", "os.path", "..pkg.sub", "package_with_a_long_name.sub_module"]))
    identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,18}", fullmatch=True)
    names = draw(st.lists(identifiers, min_size=1, max_size=8))
    members = [(n, draw(st.none() | st.just("al" + n[:5]))) for n in names]
    depth = draw(st.integers(0, 2))
    magic = draw(st.booleans())
    line_length = draw(st.sampled_from([60, 79, 88, 100]))
    return module, members, depth, magic, line_length


def _nested(statement: str, depth: int) -> str:
    header = "".join(f"{'    ' * d}if True:\n" for d in range(depth))
    return header + "    " * depth + statement + "\n"


@needs_ruff
@DIFF_SETTINGS
@given(st.lists(_from_import(), min_size=BATCH, max_size=BATCH), st.sampled_from([False, True]))
def test_format_from_import_is_i001_and_e501_clean(imports, combine_as) -> None:
    with tempfile.TemporaryDirectory(prefix="isort-format-") as folder:
        root = Path(folder)
        for line_length in (60, 79, 88, 100):
            project = root / f"cases/l{line_length}"
            project.mkdir(parents=True)
            (project / "pyproject.toml").write_text(
                f"[tool.ruff]\nline-length = {line_length}\n[tool.ruff.lint.isort]\n"
                f"combine-as-imports = {str(combine_as).lower()}\n", encoding="utf-8")
        written = []
        for i, (module, members, depth, magic, line_length) in enumerate(imports):
            style = ImportStyle(line_length=line_length, combine_as_imports=combine_as)
            text = format_from_import(module, members, "    " * depth, style, magic_trailing_comma=magic)
            path = root / f"cases/l{line_length}/case_{i}.py"
            path.write_text(_nested(text, depth), encoding="utf-8")
            written.append(path.read_text(encoding="utf-8"))
        diagnostics = _ruff(root, "--select", "I001,E501")
        assert diagnostics == [], (diagnostics[:3], written)
    STATS["statements formatted"] += len(imports)


def _stdlib_candidates() -> list[str]:
    from ssot_ls import import_order
    return sorted(set(sys.stdlib_module_names) | set(import_order._STDLIB_VERSIONS))


@needs_ruff
@pytest.mark.parametrize("version", [None, (3, 8), (3, 11), (3, 13), (3, 14)])
def test_standard_library_matches_ruff(tmp_path: Path, version: tuple[int, int] | None) -> None:
    names = _stdlib_candidates()
    (tmp_path / "cases").mkdir()
    for name in names:
        source = f"import {name}\n\nimport requests\n"
        (tmp_path / "cases" / f"m_{name}.py").write_text(source, encoding="utf-8")
    target = ["--target-version", f"py{version[0]}{version[1]}"] if version else []
    flagged = {Path(d["filename"]).name for d in _ruff(tmp_path, "--isolated", "--select", "I001", *target)}
    ruff_stdlib = {n for n in names if f"m_{n}.py" not in flagged}
    ours = {n for n in names if is_standard_library(n, version)}
    assert ours == ruff_stdlib


def test_formatting_a_normalized_statement_roundtrips():
    statement = replace(ImportStatement.make_from("a", ["b", "c"]), trailing_comma=True)
    assert format_block([statement]) == "from a import (\n    b,\n    c,\n)"
    assert format_block([]) == ""


def teardown_module() -> None:
    if STATS:
        print("\nimport_order differential figures:", dict(STATS))


# --- The fixer's use, end to end ---------------------------------------------------------------


def _add_import(source: str, new: ImportStatement, style: ImportStyle = DEFAULT_STYLE) -> str:
    """What a fixer does with this library: merge into a `from` import of the same module,
    else insert the statement where it sorts."""
    tree = ast.parse(source)
    body = tree.body[0].body if isinstance(tree.body[0], ast.If) else tree.body  # type: ignore[attr-defined]
    statements = [statement_from_node(n, source) for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
    lines = source.splitlines()
    target = merge_target(statements, new, style)
    if target is not None:
        edit = merge_edit(statements, target, new.names, lines, style)
        assert edit is not None
    else:
        edit = insertion_edit(statements, new, lines, style)
    return _apply(source, edit)


def _apply(source: str, edit: LineEdit) -> str:
    kept = source.splitlines(keepends=True)
    return "".join(kept[:edit.start]) + edit.text + "".join(kept[edit.end:])


_COMMENTED = "import os\n\n# the web\nimport requests  # noqa: F401\n\nx = 1\n"
_WORKFLOWS = [
    (_COMMENTED, ImportStatement.make_import("aiohttp")),
    (_COMMENTED, ImportStatement.make_import("sys")),
    (_COMMENTED, ImportStatement.make_import("yaml")),
    (_COMMENTED, ImportStatement.make_import("httpx")),
    ("from a import b  # keep\n", ImportStatement.make_from("a", ["C"])),
    ("import os\nimport sys\n\nimport requests\n\nx = 1\n",
     ImportStatement.make_from("collections", ["deque"])),
    ("import os\n\nx = 1\n", ImportStatement.make_import("numpy", "np")),
    ("if True:\n    from aaaaaaaaaaaaaaaaaaaaa import bbbbbbbbbbbbbbbbbbbbbbb, ccccccccccccccccccccccc\n",
     ImportStatement.make_from("aaaaaaaaaaaaaaaaaaaaa", ["AAAAAAAAAAAAAAA"])),
    ("from a import (\n    b,\n)\n", ImportStatement.make_from("a", ["C"])),
    ("from a import *\nfrom a import b as c\nfrom a import d\n", ImportStatement.make_from("a", ["A"])),
]


def test_merge_edit_refuses_to_move_a_statement_past_comments():
    source = "from a import b as c\n\n# note\nfrom a import d\n"
    statements = statements_from_source(source)
    assert merge_edit(statements, 1, ["A"], source.splitlines()) is None  # `A, d` must move up
    edit = merge_edit(statements, 1, ["e"], source.splitlines())
    assert edit == LineEdit(3, 4, "from a import d, e\n")
    inner = "from a import (  # why\n    b,\n)\n"
    assert merge_edit(statements_from_source(inner), 0, ["c"], inner.splitlines()) is None


@needs_ruff
@pytest.mark.parametrize(("source", "new"), _WORKFLOWS)
def test_fixer_workflow_output_is_ruff_clean(tmp_path: Path, source: str, new: ImportStatement) -> None:
    (tmp_path / "cases").mkdir()
    assert not _ruff_on(tmp_path, source), "the fixture itself must be clean"
    fixed = _add_import(source, new)
    assert fixed != source
    assert not _ruff_on(tmp_path, fixed), fixed


def _ruff_on(root: Path, source: str) -> list[dict]:
    (root / "cases" / "case.py").write_text(source, encoding="utf-8")
    return _ruff(root, "--isolated", "--select", "I001,E501")
