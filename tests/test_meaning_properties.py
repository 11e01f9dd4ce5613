"""Property tests of fixes by meaning (issue 8): generated programs that import the ruled
modules and names in many forms, use them in every kind of scope, and bind parameters,
locals, class attributes, comprehension variables and globals named like the modules and
names involved. After `fix_source(unsafe=True)`:

- the text compiles (`compile()`, not only `ast.parse`: `await` placement is checked there);
- every use means what it meant, or what the rules map it to (`tests/meaning.py`), with no
  name captured, made undefined, or reached through a submodule nobody imports;
- fixing again changes nothing.

One test per rule family, so each shrinks to its own minimal program. By default a modest,
derandomized number of examples; `SSOT_MEANING_EXAMPLES=2000` runs a long randomized hunt
(`SSOT_PROPERTY_EXAMPLES`, the other property tests' knob, works too).
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from meaning import load_rules, resolve, same_meaning

from ssot_ls.config import Config, ConfigResolver
from ssot_ls.engine import fix_source

RULES = """
[[rules]]
code = "M001"
old = "mock"
new = "unittest.mock"

[[rules]]
code = "A001"
old = "a"
new = "z"

[[rules]]
code = "C001"
old = "c:baz"
new = "d:baz"

[[rules]]
code = "X001"
old = "old.pkg:thing"
new = "new.pkg:other"

[[rules]]
code = "P001"
old = "pkg.legacy.utils"
new = "pkg.utils"

[[rules]]
code = "F001"
old = "aio.old:fetch"
new = "aio.new:fetch"
await = true
"""
ORACLE_RULES = load_rules(RULES)

# Where the generated module lives, and the package its relative imports resolve from.
LOCATIONS = {None: "module.py", "pkg": "pkg/mod.py", "pkg.sub": "pkg/sub/mod.py"}
ANY = "any"


@dataclass(frozen=True)
class Form:
    """One way to import a ruled thing: the import, expressions using it (`{arg}` is an
    argument in scope), annotations naming it, and the package a relative import needs."""

    key: str
    imports: str
    uses: tuple[str, ...]
    annotations: tuple[str, ...] = ()
    package: str | None = ANY  # type: ignore[assignment]
    function_level: bool = True  # may also be imported inside a function


TYPING = "from typing import TYPE_CHECKING"

FAMILIES: dict[str, tuple[Form, ...]] = {
    "mock": (
        Form("import", "import mock", ("mock.patch({arg})", "mock.MagicMock()", "mock.call",
                                       "mock.patch.object({arg}, 'x')"), ('"mock.Mock"', "mock.Mock")),
        Form("alias", "import mock as mk", ("mk.patch({arg})", "mk.Mock()"), ('"mk.Mock"',)),
        Form("from", "from mock import patch", ("patch({arg})", "patch.object({arg}, 'y')")),
        Form("from-alias", "from mock import MagicMock as MM", ("MM()",), ('"MM"',)),
        Form("guarded", "try:\n    import mock\nexcept ImportError:\n    mock = None",
             ("mock.patch({arg})",)),
        Form("fallback", "try:\n    from unittest import mock\nexcept ImportError:\n    import mock",
             ("mock.patch({arg})",)),
        Form("type-checking", f"{TYPING}\nif TYPE_CHECKING:\n    import mock", (), ('"mock.Mock"',),
             function_level=False),
    ),
    "module-move": (
        Form("import", "import a", ("a.run({arg})", "a.c.d({arg})"), ('"a.Thing"',)),
        Form("dotted", "import a.c", ("a.c.d({arg})", "a.top")),
        Form("dotted-alias", "import a.c as ac", ("ac.d({arg})",), ('"ac.D"',)),
        Form("from-sub", "from a.c import d", ("d({arg})", "d.x"), ('"d"',)),
        Form("from-sub-alias", "from a.c import d as dd", ("dd({arg})",)),
        Form("from-parent", "from a import c", ("c.d({arg})",)),
        Form("guarded", "try:\n    from a.c import d\nexcept ImportError:\n    d = None", ("d({arg})",)),
    ),
    "name-rule": (
        Form("import", "import c", ("c.baz({arg})", "c.keep({arg})", "c.baz.attr")),
        Form("from", "from c import baz", ("baz({arg})", "baz.attr", "baz"), ('"baz"',)),
        Form("from-alias", "from c import baz as bz", ("bz({arg})",)),
        Form("among-others", "from c import baz, keep", ("baz(keep({arg}))", "keep({arg})")),
        Form("stub", "try:\n    from c import baz\nexcept ImportError:\n"
                     "    def baz(*args):\n        return None",
             ("baz({arg})",)),
        Form("thing", "from old.pkg import thing", ("thing({arg})", "thing.attr", "thing"),
             ('"thing"', '"list[thing]"', "thing")),
        Form("thing-alias", "from old.pkg import thing as t", ("t({arg})",)),
        Form("thing-module", "import old.pkg", ("old.pkg.thing({arg})", "old.pkg.keep")),
        Form("thing-module-alias", "import old.pkg as op", ("op.thing({arg})", "op.keep")),
        Form("thing-parent", "from old import pkg", ("pkg.thing({arg})",)),
        Form("thing-type-checking", f"{TYPING}\nif TYPE_CHECKING:\n    from old.pkg import thing", (),
             ('"thing"', '"list[thing]"'), function_level=False),
        Form("thing-stub", "try:\n    from old.pkg import thing\nexcept ImportError:\n    thing = None",
             ("thing({arg})",)),
    ),
    "submodule-move": (
        Form("import", "import pkg.legacy.utils", ("pkg.legacy.utils.run({arg})",)),
        Form("alias", "import pkg.legacy.utils as lu", ("lu.run({arg})",)),
        Form("from-parent", "from pkg.legacy import utils", ("utils.run({arg})", "utils.CONST")),
        Form("from", "from pkg.legacy.utils import run", ("run({arg})",)),
        Form("parent", "import pkg.legacy", ("pkg.legacy.utils.run({arg})",)),
        Form("relative", "from .legacy import utils", ("utils.run({arg})",), package="pkg"),
        Form("relative-name", "from .legacy.utils import run", ("run({arg})",), package="pkg"),
        Form("relative-up", "from ..legacy.utils import run", ("run({arg})",), package="pkg.sub"),
        Form("relative-up-module", "from ..legacy import utils", ("utils.run({arg})",), package="pkg.sub"),
    ),
    "await": (
        Form("from", "from aio.old import fetch", ("fetch({arg})", "fetch({arg}).result", "fetch")),
        Form("module", "import aio.old", ("aio.old.fetch({arg})",)),
        Form("parent", "from aio import old", ("old.fetch({arg})",)),
        Form("alias", "import aio.old as ao", ("ao.fetch({arg})",)),
    ),
}
FAMILIES["mixed"] = tuple(form for forms in FAMILIES.values() for form in forms)

# Names of the modules and names involved: parameters, locals, attributes and globals with
# these names must not capture (or be captured by) a fix.
NAMES = ("mock", "unittest", "z", "d", "baz", "other", "fetch", "utils", "pkg", "run", "thing",
         "new", "aio", "c", "a", "mk", "t", "keep", "old", "ao")
PLAIN = ("value", "items", "ctx", "user")
VARIABLES = st.sampled_from(NAMES + PLAIN)

# Statements using `{use}`; `{var}` is a binding (loop, `with`, `except`, local, ...) that may
# shadow the name the use starts with.
STATEMENTS = (
    "result = {use}",
    "log({use})",
    "if {arg}:\n    log({use})",
    "for {var} in {arg}:\n    log({use})",
    "with ctx() as {var}:\n    log({use})",
    "try:\n    log({use})\nexcept ValueError as {var}:\n    log({var})",
    "values = [{use} for {var} in {arg}]",
    "total = sum({use} for {var} in {arg})",
    "fn = lambda {var}: {use}",
    "{var} = {arg}\nlog({use})",
    "log({use})\n{var} = {arg}",
    "held = {use}\ndel held",
    "match {arg}:\n    case [{var}]:\n        log({use})",
    "if (found := {use}):\n    log(found)",
    "def inner():\n    return {use}\nlog(inner())",
    # `{root}` is the name the use starts with: the use is then a local, not the import.
    "log({use})\n{root} = {arg}",
    "{root} = {arg}\nlog({use})",
    "values = [{use} for {root} in {arg}]",
)


def _use(draw: st.DrawFn, forms: tuple[Form, ...], args: list[str]) -> str:
    with_uses = [f for f in forms if f.uses]
    if not with_uses:
        return draw(st.sampled_from(args))
    form = draw(st.sampled_from(with_uses))
    return draw(st.sampled_from(form.uses)).format(arg=draw(st.sampled_from(args)))


def _annotation(draw: st.DrawFn, forms: tuple[Form, ...]) -> str | None:
    choices = [a for f in forms for a in f.annotations]
    return draw(st.sampled_from(choices)) if choices and draw(st.booleans()) else None


@st.composite
def _statement(draw: st.DrawFn, forms: tuple[Form, ...], args: list[str]) -> str:
    template = draw(st.sampled_from(STATEMENTS))
    use = _use(draw, forms, args)
    root = use.split(".")[0].split("(")[0]
    return template.format(use=use, var=draw(VARIABLES), arg=draw(st.sampled_from(args)), root=root)


@st.composite
def _function(draw: st.DrawFn, forms: tuple[Form, ...], local_forms: tuple[Form, ...],
              method: bool = False) -> str:
    # Optional parts are drawn so that shrinking (towards 0 / False) leaves them out.
    is_async = draw(st.booleans())
    # Decorators and defaults run where the function is defined: only what is imported there.
    outer = tuple(f for f in forms if f not in local_forms)
    name = draw(st.sampled_from(["handle", "setUp", "tearDown", "build", "check"]))
    params = draw(st.lists(VARIABLES, max_size=3, unique=True))
    args = params or ["0"]
    signature = list(params)
    annotation = _annotation(draw, outer)
    if annotation and signature:
        signature[0] += f": {annotation}"
    if draw(st.integers(0, 3)) == 3:  # a default value is evaluated where the function is defined
        signature.append(f"option={_use(draw, outer, ['0'])}")
    if method:
        signature.insert(0, "self")
    lines: list[str] = []
    if draw(st.integers(0, 5)) == 5:  # declarations come first in a function body
        declared = draw(VARIABLES)
        if declared not in params:
            lines.append(f"global {declared}\n{declared} = None")
    visible = outer
    if local_forms and draw(st.integers(0, 2)) != 0:  # an import inside the function
        local = draw(st.sampled_from(local_forms))
        lines.append(local.imports)
        visible = (*outer, local)
    lines += draw(st.lists(_statement(visible, args), min_size=1, max_size=3))
    lines.append(f"return {draw(st.sampled_from(args))}")
    decorator = f"@{_use(draw, outer, ['0'])}\n" if draw(st.integers(0, 4)) == 4 else ""
    keyword = "async def" if is_async else "def"
    returns = _annotation(draw, outer)
    arrow = f" -> {returns}" if returns else ""
    body = textwrap.indent("\n".join(lines), "    ")
    return f"{decorator}{keyword} {name}({', '.join(signature)}){arrow}:\n{body}\n"


@st.composite
def _class(draw: st.DrawFn, forms: tuple[Form, ...], local_forms: tuple[Form, ...]) -> str:
    name = draw(st.sampled_from(["Service", "TestCase", "Handler"]))
    lines = []
    for attribute in draw(st.lists(VARIABLES, max_size=2, unique=True)):  # attributes named like modules
        lines.append(f"{attribute} = None")
    visible = tuple(f for f in forms if f not in local_forms)
    importable = [f for f in forms if f.function_level]
    if importable and draw(st.integers(0, 4)) == 4:  # a class attribute bound by an import
        form = draw(st.sampled_from(importable))
        lines.insert(0, form.imports)
        visible = (*visible, form)
    if draw(st.booleans()):
        lines.append(f"attr = {_use(draw, visible, ['0'])}")
    for _ in range(draw(st.integers(1, 2))):
        lines.append(draw(_function(forms, local_forms, method=True)))
    return f"class {name}:\n" + textwrap.indent("\n".join(lines), "    ")


@st.composite
def programs(draw: st.DrawFn, family: str) -> tuple[str, str | None]:
    """A module and its package."""
    package = draw(st.sampled_from(list(LOCATIONS)))
    usable = [f for f in FAMILIES[family] if f.package in (ANY, package)]
    forms = tuple(draw(st.lists(st.sampled_from(usable), min_size=1, max_size=3, unique_by=lambda f: f.key)))
    top = [f for f in forms if not f.function_level or draw(st.integers(0, 3)) != 3]
    local_forms = tuple(f for f in forms if f not in top)
    header = ['"""A module mid-migration."""']
    header += [f.imports for f in top]
    for name in draw(st.lists(VARIABLES, max_size=2, unique=True)):  # globals named like modules
        header.append(draw(st.sampled_from([f"{name} = None", "from tests import unittest",
                                            "from helpers import *"])))
    if draw(st.booleans()):
        header = header[:1] + draw(st.permutations(header[1:]))
    blocks = draw(st.lists(st.one_of(_function(forms, local_forms), _class(forms, local_forms)),
                           min_size=1, max_size=3))
    footer = draw(st.sampled_from(["", f"\nCONSTANT = {_use(draw, tuple(top), ['0'])}\n"]))
    program = "\n".join(header) + "\n\n\n" + "\n\n".join(blocks) + footer
    try:
        compile(program, "<generated>", "exec", dont_inherit=True)
    except SyntaxError:  # e.g. `global x` for a name the function already uses
        assume(False)
    return program, package


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config]:
    root = tmp_path_factory.mktemp("meaning")
    (root / "ssot-ls.toml").write_text(RULES, encoding="utf-8")
    for folder in ("pkg", "pkg/sub", "pkg/legacy"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "__init__.py").touch()
    return root, ConfigResolver().for_path(root / "module.py")


_HUNT = os.environ.get("SSOT_MEANING_EXAMPLES") or os.environ.get("SSOT_PROPERTY_EXAMPLES")
MEANING_SETTINGS = settings(
    max_examples=int(_HUNT or 50), derandomize=not _HUNT, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.filter_too_much],
)


def assert_fix_keeps_meaning(root: Path, config: Config, program: str, package: str | None) -> None:
    path = root / LOCATIONS[package]
    result = fix_source(program, path, config, unsafe=True)
    report = f"\n--- before ---\n{program}\n--- after ---\n{result.text}"
    problems = same_meaning(program, result.text, ORACLE_RULES, package)  # compile() included
    assert not problems, "\n".join(problems) + report
    again = fix_source(result.text, path, config, unsafe=True)
    assert again.text == result.text, f"a second fix changed the text{report}\n--- again ---\n{again.text}"


@pytest.mark.parametrize("family", list(FAMILIES))
@MEANING_SETTINGS
@given(data=st.data())
def test_fix_keeps_meaning(workspace: tuple[Path, Config], family: str, data: st.DataObject) -> None:
    root, config = workspace
    program, package = data.draw(programs(family), label="program")
    assert_fix_keeps_meaning(root, config, program, package)


def test_generated_programs_exercise_the_oracle() -> None:
    """The generator reaches the tricky cases: a parameter named like a module, a use that a
    local shadows, a relative import (so the properties above are not vacuous)."""
    seen: set[str] = set()

    @settings(max_examples=60, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
    @given(programs("mixed"))
    def collect(generated: tuple[str, str | None]) -> None:
        program, package = generated
        for use in resolve(program, package):
            for target in use.targets:
                seen.add(target.kind)
                if target.kind == "import" and package and target.name.startswith(package + ".legacy"):
                    seen.add("relative")

    collect()
    assert {"import", "param", "local", "class", "global", "unbound", "star", "relative"} <= seen, seen
