"""Issue 8, point by point: before/after cases judged by meaning (tests/meaning.py), not by
the exact fixed text (formatting is the fix engine's choice).

Each case fixes a program with `fix_source(unsafe=True)` and checks that the result compiles,
means the same (each use resolves to what the rules map its old target to; nothing captured,
made undefined or left unimported), is stable under a second fix, and has no finding left
unless the issue says the fix must be refused — then that finding has no fix and its message
says why. Some cases add a structural fact the issue states (`from z.c import d`, "no use line
changed"). Look-alike negatives must stay unflagged and unchanged.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from meaning import load_rules, same_meaning

from ssot_ls.config import ConfigError
from ssot_ls.types import Applicability

MOCK = 'code = "M001"\nold = "mock"\nnew = "unittest.mock"'
MOVE = 'code = "A001"\nold = "a"\nnew = "z"'
NAME = 'code = "C001"\nold = "c:baz"\nnew = "d:baz"'
THING = 'code = "X001"\nold = "old.pkg:thing"\nnew = "new.pkg:other"'
LEGACY = 'code = "P001"\nold = "pkg.legacy.utils"\nnew = "pkg.utils"'
FETCH = 'code = "F001"\nold = "aio.old:fetch"\nnew = "aio.new:fetch"\nawait = true'
PARENT = 'code = "B001"\nold = "a.b:c"\nnew = "n.m:c"'
SUBMODULE = 'code = "S001"\nold = "pkg.sub.old_mod"\nnew = "pkg.sub.new_mod"'
CONTAINER = 'code = "K001"\nold = "collections:Container"\nnew = "collections.abc:Container"'
STRINGS = 'code = "D001"\nold = "pkg.old"\nnew = "pkg.new"'
KEEP_NAME = 'code = "W001"\nold = "kw.old:build"\nnew = "kw.new:build"'
RENAME_KW = KEEP_NAME + '\nrename-keywords = { user = "user_id" }'
LONG = 'code = "L001"\nold = "a"\nnew = "zzzzzzzzzzzzzzzz.yyyyyyyyyyyyyyyy.xxxxxxxxxxxxxxxx"'


def toml(*rules: str) -> str:
    return "".join(f"[[rules]]\n{rule}\n\n" for rule in rules)


Fact = Callable[[str, str], None]  # (before, after) -> raises AssertionError


def imports_from(module: str, name: str, asname: str | None = None) -> Fact:
    def fact(before: str, after: str) -> None:
        found = [(n.module, a.name, a.asname) for n in ast.walk(ast.parse(after))
                 if isinstance(n, ast.ImportFrom) for a in n.names]
        assert (module, name, asname) in found, f"no `from {module} import {name}` in:\n{after}"
    fact.__name__ = f"imports_from({module}, {name}, {asname})"
    return fact


def imports(module: str, asname: str | None = None) -> Fact:
    def fact(before: str, after: str) -> None:
        found = [(a.name, a.asname) for n in ast.walk(ast.parse(after)) if isinstance(n, ast.Import)
                 for a in n.names]
        assert (module, asname) in found, f"no `import {module}` in:\n{after}"
    return fact


def does_not_import(module: str) -> Fact:
    def fact(before: str, after: str) -> None:
        tree = ast.parse(after)
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert module not in names, f"`{module}` still imported in:\n{after}"
    return fact


def same_import_bindings(before: str, after: str) -> None:
    """Point 2: the imports bind the same names in the same scopes (`import mock` -> `from
    unittest import mock`, `import mock as mk` -> `import unittest.mock as mk`)."""
    assert _import_bindings(after) == _import_bindings(before), after


def _import_bindings(text: str) -> set[tuple[str, str]]:
    """(scope, name) of every name an import statement binds."""
    found: set[tuple[str, str]] = set()

    def walk(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.update((scope, a.asname or a.name.split(".")[0]) for a in child.names)
            named = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            walk(child, f"{scope}.{child.name}" if named else scope)

    walk(ast.parse(text), "")
    return found


def _code_lines(text: str) -> list[str]:
    """The lines that are not part of an import statement."""
    tree = ast.parse(text)
    skip = {line for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    return [line for number, line in enumerate(text.splitlines(), 1)
            if number not in skip and line.strip()]


def uses_unchanged(before: str, after: str) -> None:
    """Issue 8 point 2: only the import changes, never a use line."""
    assert _code_lines(after) == _code_lines(before), after


def formatter_clean(before: str, after: str) -> None:
    """Point 10: ruff's import sorting and line length report nothing new after the fix."""
    assert _ruff(after) <= _ruff(before), f"ruff: {_ruff(after) - _ruff(before)} in:\n{after}"


def _ruff(text: str) -> set[tuple[str, str]]:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a test dependency"
    run = subprocess.run([ruff, "check", "--isolated", "--select", "I001,E501", "--line-length", "88",
                          "--output-format", "json", "--stdin-filename", "module.py", "-"],
                         input=text, capture_output=True, text=True, check=False)
    lines = text.splitlines()
    return {(d["code"], lines[d["location"]["row"] - 1].strip()) for d in json.loads(run.stdout)}


@dataclass(frozen=True)
class Case:
    point: int
    name: str
    rules: str
    before: str
    relative: str = "module.py"
    package: str | None = None
    refused: tuple[str, ...] = ()  # snippets of `before` whose finding must get no fix, with a reason
    facts: tuple[Fact, ...] = ()
    leftover: bool = False  # findings may remain without a fix (the issue allows refusing)
    flagged: tuple[str, ...] = ()  # snippets of `before` that must carry a finding

    @property
    def id(self) -> str:
        return f"{self.point}-{self.name}"


CASES = [
    # 1. A whole-module move keeps the submodule.
    Case(1, "from-submodule", toml(MOVE), "from a.c import d\n\nd(1)\n",
         facts=(imports_from("z.c", "d"), uses_unchanged)),
    Case(1, "from-submodule-alias", toml(MOVE), "from a.c import d as dd\n\ndd(1)\n",
         facts=(imports_from("z.c", "d", "dd"), uses_unchanged)),
    Case(1, "dotted-alias", toml(MOVE), "import a.c.e as x\n\nx.f()\n",
         facts=(imports("z.c.e", "x"), uses_unchanged)),
    Case(1, "from-parent", toml(MOVE), "from a import c\n\nc.d()\n", facts=(imports_from("z", "c"),)),
    # 2. Keep the import style; never let a new binding collide or be captured.
    Case(2, "import-mock", toml(MOCK),
         "import mock\n\n\ndef test_it(x):\n    with mock.patch(x) as patched:\n"
         "        return patched, mock.call\n",
         facts=(imports_from("unittest", "mock"), does_not_import("mock"), uses_unchanged)),
    Case(2, "import-mock-alias", toml(MOCK), "import mock as mk\n\nmk.patch('x')\n",
         facts=(same_import_bindings, does_not_import("mock"), uses_unchanged)),
    Case(2, "project-unittest-helper", toml(MOCK),
         "import mock\n\nfrom tests import unittest\n\n\nclass T(unittest.TestCase):\n"
         "    def test(self):\n        return mock.patch('x')\n",
         facts=(same_import_bindings, uses_unchanged)),
    Case(2, "parameter-named-unittest", toml(MOCK),
         "import mock\n\n\ndef f(unittest):\n    return mock.patch(unittest)\n",
         facts=(same_import_bindings, uses_unchanged)),
    Case(2, "local-named-unittest", toml(MOCK),
         "import mock\n\n\ndef f():\n    unittest = 1\n    return mock.patch(unittest)\n",
         facts=(uses_unchanged,)),
    Case(2, "parameter-named-mock", toml(MOCK),
         "import mock\n\n\ndef f(mock):\n    return mock.called\n\n\nmock.patch('x')\n",
         facts=(uses_unchanged,)),
    Case(2, "class-attribute-like-new-name", toml(NAME),
         "import c\n\n\nclass K:\n    baz = 1\n\n    def m(self):\n        return c.baz()\n"),
    Case(2, "class-body-use-shadowed", toml(NAME),
         "import c\n\n\nclass K:\n    baz = 1\n    value = c.baz()\n", leftover=True),
    Case(2, "parameter-named-like-new-module", toml(NAME),
         "import c\n\n\ndef f(d):\n    return c.baz(d)\n", leftover=True),
    # 3. Bound more than once: judged per scope; a fallback stub keeps its binding.
    Case(3, "setup-and-teardown", toml(THING),
         "class T:\n    def setUp(self):\n        from old.pkg import thing\n        thing(1)\n\n"
         "    def tearDown(self):\n        from old.pkg import thing\n        thing(2)\n"),
    Case(3, "fallback-stub", toml(THING),
         "try:\n    from old.pkg import thing\nexcept ImportError:\n"
         "    def thing(*args):\n        return None\n\n\nthing(1)\n",
         facts=(imports_from("new.pkg", "other", "thing"), uses_unchanged)),
    Case(3, "fallback-none", toml(NAME),
         "try:\n    from c import baz\nexcept ImportError:\n    baz = None\n\nbaz()\n",
         facts=(uses_unchanged,)),
    # 4. Uses through a parent package.
    Case(4, "parent-package", toml(PARENT), "import a\n\na.b.c(1)\n"),
    Case(4, "package-alias", toml(SUBMODULE), "import pkg.sub as s\n\ns.old_mod.fn()\n"),
    # 5. A `module:name` rule matched by a dotted import.
    Case(5, "dotted-import-of-a-name", toml(CONTAINER),
         "import collections.Container\n\nx = collections.Container\n", flagged=("collections.Container\n",)),
    # 6. Dotted-path strings.
    Case(6, "settings-list", toml(STRINGS), 'INSTALLED = ["pkg.old.apps.Config", "django.contrib.admin"]\n',
         flagged=('"pkg.old.apps.Config"',)),
    Case(6, "dict-config", toml(STRINGS), 'LOGGING = {"filters": {"f": {"()": "pkg.old.Filter"}}}\n',
         flagged=('"pkg.old.Filter"',)),
    Case(6, "entry-point", toml(STRINGS), 'ENTRY = "pkg.old:main"\n', flagged=('"pkg.old:main"',)),
    Case(6, "patch-target", toml(THING), "from unittest import mock\n\nmock.patch('old.pkg.thing')\n",
         flagged=("'old.pkg.thing'",)),
    # 7. A removed module: its fallback import is flagged too.
    Case(7, "removed-fallback", toml(THING + "\nremoved = true"),
         "try:\n    from new.pkg import other\nexcept ImportError:\n"
         "    from old.pkg import thing as other\n\nother()\n",
         flagged=("from old.pkg import thing as other",), leftover=True),
    # 9. A rule that keeps the name is not "already bound".
    Case(9, "keeps-name", toml(KEEP_NAME), "from kw.old import build\n\nbuild(1)\n"),
    Case(9, "keeps-name-with-keywords", toml(RENAME_KW), "from kw.old import build\n\nbuild(1, user=2)\n"),
    # 10. Imports a formatter accepts.
    Case(10, "isort-block", toml(MOCK),
         "import json\nimport os\n\nimport mock\nimport requests\n\nx = (json, os, mock.patch, requests)\n",
         facts=(formatter_clean,)),
    Case(10, "merge-into-from-list", toml(MOCK),
         "from unittest import TestCase\n\nimport mock\n\n\nclass T(TestCase):\n    m = mock.patch\n",
         facts=(formatter_clean,)),
    Case(10, "wrap-long-line", toml(LONG),
         "from a.c import alpha_beta_gamma, delta_epsilon_zeta, eta_theta_iota\n\n"
         "x = (alpha_beta_gamma, delta_epsilon_zeta, eta_theta_iota)\n",
         facts=(formatter_clean,)),
    # 11. `await` only where Python allows it.
    Case(11, "default-value", toml(FETCH),
         "from aio.old import fetch\n\n\nasync def h(ctx, m=fetch()):\n    return await m\n",
         refused=("m=fetch()",), leftover=True),
    Case(11, "decorator-argument", toml(FETCH),
         "from aio.old import fetch\n\n\n@register(fetch())\nasync def h(ctx):\n    return ctx\n",
         refused=("register(fetch())",), leftover=True),
    Case(11, "lambda-in-async", toml(FETCH),
         "from aio.old import fetch\n\n\nasync def h(ctx):\n    cb = lambda: fetch(ctx)\n    return cb\n",
         refused=("lambda: fetch(ctx)",), leftover=True),
    Case(11, "sync-caller", toml(FETCH),
         "from aio.old import fetch\n\n\ndef h(ctx):\n    return fetch(ctx)\n",
         refused=("return fetch(ctx)",), leftover=True),
    Case(11, "async-caller", toml(FETCH),
         "from aio.old import fetch\n\n\nasync def h(ctx):\n    return fetch(ctx).result\n"),
    # 12. String annotations are uses.
    Case(12, "type-checking-only", toml(THING),
         'from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from old.pkg import thing\n\n\n'
         'def f(x: "thing") -> "list[thing]":\n    return x\n'),
    Case(12, "runtime-and-annotation", toml(MOCK),
         'import mock\n\n\ndef f(m: "mock.Mock") -> None:\n    mock.patch(m)\n'),
    # 13. Star imports also bind.
    Case(13, "star-after", toml(THING), "from old.pkg import thing\nfrom helpers import *\n\nthing()\n",
         leftover=True),
    Case(13, "star-before", toml(THING),
         "from helpers import *\nfrom old.pkg import thing\n\nthing()\nother()\n",
         leftover=True),
    # 14. References to a callable that becomes async: no fix, and why.
    Case(14, "references", toml(FETCH),
         "import functools\n\nfrom aio.old import fetch\n\nhandler = fetch\nREGISTRY = {'f': fetch}\n"
         "bound = functools.partial(fetch, 1)\nloop.call_soon(fetch)\n",
         refused=("handler = fetch", "{'f': fetch}", "partial(fetch, 1)", "call_soon(fetch)"), leftover=True),
    # 15. Module moves and dotted uses.
    Case(15, "dotted-use", toml(LEGACY), "import pkg.legacy.utils\n\npkg.legacy.utils.run()\n"),
    Case(15, "dotted-use-in-function", toml(LEGACY),
         "import pkg.legacy.utils\n\n\ndef f():\n    return pkg.legacy.utils.run()\n"),
    Case(15, "relative", toml(LEGACY), "from .legacy import utils\n\nutils.run()\n", relative="pkg/mod.py",
         package="pkg"),
    Case(15, "relative-from-subpackage", toml(LEGACY), "from ..legacy.utils import run\n\nrun()\n",
         relative="pkg/sub/mod.py", package="pkg.sub"),
    # 16. `del`, `match` captures and `except ... as` bind and use like anything else.
    Case(16, "del", toml(THING), "from old.pkg import thing\n\nthing()\ndel thing\n"),
    Case(16, "match-capture", toml(THING),
         "from old.pkg import thing\n\nmatch command:\n    case [other]:\n        thing(other)\n"),
    Case(16, "except-as", toml(THING),
         "from old.pkg import thing\n\ntry:\n    thing()\nexcept ValueError as other:\n    thing(other)\n"),
    Case(16, "del-mock", toml(MOCK), "import mock\n\nmock.patch('x')\ndel mock\n"),
    # 17. Every offered fix converges.
    Case(17, "new-contains-old", toml('code = "R001"\nold = "a"\nnew = "b.a"'), "import a\n\na.x()\n"),
]


def _finding_at(findings, text: str, snippet: str):
    start = text.index(snippet)
    end = start + len(snippet)
    return [f for f in findings if f.start < end and start < f.end]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fix_keeps_meaning(project, case: Case) -> None:
    project.use_config(case.rules)
    if case.package:
        project.package(case.package)
    findings = project.check(case.before, case.relative)
    assert findings, f"point {case.point}: nothing flagged"
    for snippet in case.flagged:
        assert _finding_at(findings, case.before, snippet), f"`{snippet}` not flagged"
    # A refusal is reported at the use, or on the import naming (one of) the uses' line.
    lines = {case.before[:case.before.index(snippet)].count("\n") + 1 for snippet in case.refused}
    explained = [f for f in findings if not f.fixable and f.no_fix_reason
                 and any(f"line {line})" in f.no_fix_reason for line in lines)]
    for snippet in case.refused:
        at = _finding_at(findings, case.before, snippet)
        assert at or explained, f"no finding at `{snippet}` and none naming its line"
        for finding in at + explained:
            assert not finding.fixable, f"`{snippet}` must get no fix"
            assert finding.no_fix_reason and finding.no_fix_reason in finding.message, finding
    result = project.fix(case.before, case.relative)
    for snippet in case.refused:
        assert snippet in result.text, f"`{snippet}` was rewritten:\n{result.text}"
    problems = same_meaning(case.before, result.text, load_rules(case.rules), case.package)
    assert problems == [], "\n".join(problems) + f"\n--- after ---\n{result.text}"
    assert project.fix(result.text, case.relative).text == result.text, "a second fix changes more"
    assert result.converged
    if case.leftover:
        for finding in result.remaining:  # what is left has a reason
            assert finding.fixable or finding.no_fix_reason, finding
    else:
        left = [(f.code, result.text[f.start:f.end], f.no_fix_reason) for f in result.remaining]
        assert left == [], f"left unfixed:\n{result.text}"
    for fact in case.facts:
        fact(case.before, result.text)


@dataclass(frozen=True)
class Negative:
    point: int
    name: str
    rules: str
    source: str
    extra: dict[str, str] = field(default_factory=dict)


NEGATIVES = [
    Negative(1, "prefix-is-not-a-parent", toml(MOVE), "from ab.c import d\nimport abc\n\nd(abc)\n"),
    Negative(2, "mocker", toml(MOCK), "import mocker\nfrom mock_ext import x\n\nmocker.patch(x)\n"),
    Negative(2, "canonical", toml(MOCK), "from unittest import mock\n\nmock.patch('x')\n"),
    Negative(2, "parameter-not-import", toml(MOCK), "def f(mock):\n    return mock.patch('x')\n"),
    Negative(2, "local-module-variable", toml(NAME), "c = make()\nc.baz()\n"),
    Negative(3, "canonical-then-fallback", toml(THING),
             "try:\n    from new.pkg import other\nexcept ImportError:\n"
             "    from old.pkg import thing as other\n\nother()\n"),
    Negative(4, "sibling-names", toml(PARENT), "import a\n\na.bc.c()\na.b.cc()\n"),
    Negative(5, "collections-abc", toml(CONTAINER), "import collections.abc\n\ncollections.abc.Container\n"),
    Negative(6, "prose", toml(STRINGS),
             '"""The pkg.old module is gone; use pkg.new."""\nMSG = "import pkg.old"\n'
             'OTHER = ["pkg.older.x", "mypkg.old.Filter"]\n'),
    Negative(11, "local-async-function", toml(FETCH),
             "async def fetch(x):\n    return x\n\n\nasync def h():\n    return await fetch(1)\n"),
    Negative(16, "local-thing", toml(THING), "def thing():\n    return 1\n\n\nthing()\ndel thing\n"),
]


@pytest.mark.parametrize("case", NEGATIVES, ids=[f"{c.point}-{c.name}" for c in NEGATIVES])
def test_look_alikes_stay_unflagged(project, case: Negative) -> None:
    project.use_config(case.rules)
    assert [(f.code, case.source[f.start:f.end]) for f in project.check(case.source)] == []
    assert project.fix(case.source).text == case.source


def test_point_8_applicability_is_what_fix_applies(project) -> None:
    """A rename-keywords rule: `--fix` applies a fix exactly when the finding says it is safe."""
    project.use_config(toml(RENAME_KW))
    before = "from kw.old import build\n\nbuild(1, user=2)\n"
    findings = project.check(before)
    assert findings and all(f.applicability is not None for f in findings)
    safe_only = project.fix(before, unsafe=False)
    if all(f.applicability is Applicability.SAFE for f in findings):
        assert safe_only.text != before and safe_only.remaining == []
    else:
        assert safe_only.text == before
    assert same_meaning(before, safe_only.text, load_rules(toml(RENAME_KW))) == []


@pytest.mark.parametrize("rule", ['old = "a"\nnew = "a"', 'old = "a"\nnew = "a.b"',
                                  'old = "m:f"\nnew = "m:f"'],
                         ids=["same", "nested", "same-name"])
def test_point_17_config_errors(project, rule: str) -> None:
    """`old == new` and `new` inside `old` are config errors naming the file, line and key."""
    with pytest.raises(ConfigError) as raised:
        project.use_config(toml(f'code = "R001"\n{rule}'))
    error = raised.value
    assert error.path is not None and error.path.name == "ssot-ls.toml"
    assert error.line in (2, 3, 4), error.line
    assert error.key and error.key.startswith("rules[0]"), error.key


def test_cases_cover_every_fix_point() -> None:
    covered = {c.point for c in CASES} | {8, 17}  # 8 and 17 have tests of their own below
    assert covered == set(range(1, 18)), sorted(set(range(1, 18)) - covered)


def test_structural_facts_can_fail() -> None:
    """The facts are real checks (a fact that never fails would prove nothing)."""
    with pytest.raises(AssertionError):
        imports_from("z.c", "d")("", "from z import d\n")
    with pytest.raises(AssertionError):
        uses_unchanged("import mock\nmock.patch()\n", "import unittest.mock\nunittest.mock.patch()\n")
    with pytest.raises(AssertionError):
        same_import_bindings("import mock\n", "import unittest.mock\n")
    same_import_bindings("import mock as mk\n", "import unittest.mock as mk\n")
    with pytest.raises(AssertionError):
        formatter_clean("import os\n", "import sys\nimport os\n")
