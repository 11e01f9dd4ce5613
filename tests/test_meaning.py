"""Unit tests of the meaning oracle (tests/meaning.py) itself: scoping, rules, and
hand-written before/after pairs it must accept or reject. The oracle judges the fix engine,
so it is tested on its own, without the engine."""

from __future__ import annotations

import textwrap

import pytest
from meaning import Rule, load_rules, mapped, resolve, same_meaning

RULES = """
[[rules]]
code = "M1"
old = "mock"
new = "unittest.mock"

[[rules]]
code = "A1"
old = "a"
new = "z"

[[rules]]
code = "C1"
old = "c:baz"
new = "d:baz"

[[rules]]
code = "X1"
old = "old.pkg:thing"
new = "new.pkg:other"

[[rules]]
code = "P1"
old = "pkg.legacy.utils"
new = "pkg.utils"

[[rules]]
code = "F1"
old = "aio.old:fetch"
new = "aio.new:fetch"
await = true
"""


def meanings(source: str, package: str | None = None) -> list[tuple[str, str, str]]:
    """(scope, use text, meaning) of every use, in walk order."""
    return [(u.scope, u.text, u.meaning) for u in resolve(textwrap.dedent(source), package)]


def meaning_of(source: str, text: str, scope: str | None = None, package: str | None = None,
               index: int = 0) -> str:
    found = [m for s, t, m in meanings(source, package) if t == text and (scope is None or s == scope)]
    assert len(found) > index, (text, meanings(source, package))
    return found[index]


def check(before: str, after: str, package: str | None = None) -> list[str]:
    return same_meaning(textwrap.dedent(before), textwrap.dedent(after), RULES, package)


# --------------------------------------------------------------------------- scoping


def test_class_body_is_not_visible_from_methods():
    source = """
        import mock
        class C:
            mock = 1
            attr = mock
            def m(self):
                return mock.patch
    """
    assert meaning_of(source, "mock", "C") == "<class C.mock>"
    assert meaning_of(source, "mock.patch", "C.m") == "mock.patch"


def test_comprehension_first_iterable_runs_in_the_enclosing_scope():
    source = """
        import mock
        class C:
            mock = [1]
            xs = [mock for _ in mock]
    """
    assert meaning_of(source, "mock", "C") == "<class C.mock>"  # the iterable
    assert meaning_of(source, "mock", "C.<listcomp>") == "mock"  # the element skips the class


def test_comprehension_variable_is_its_own_scope():
    source = """
        import mock
        def f(items):
            ys = [mock for mock in items]
            return mock
    """
    assert meaning_of(source, "mock", "f.<listcomp>") == "<local f.<listcomp>.mock>"
    assert meaning_of(source, "mock", "f") == "mock"


def test_lambda_parameters_and_defaults():
    source = """
        import mock
        def f(unittest):
            g = lambda mock, d=mock: (mock, unittest)
    """
    assert meaning_of(source, "mock", "f") == "mock"  # the default, in f
    assert meaning_of(source, "mock", "f.<lambda>") == "<param f.<lambda>.mock>"
    assert meaning_of(source, "unittest", "f.<lambda>") == "<param f.unittest>"


def test_defaults_decorators_and_annotations_run_in_the_enclosing_scope():
    source = """
        import mock
        def outer(mock):
            @mock.patch
            def inner(x=mock.sentinel, *, y: mock.Mock = None) -> mock.Mock:
                return mock
    """
    for text in ("mock.patch", "mock.sentinel", "mock.Mock"):
        assert meaning_of(source, text, "outer") == "<param outer.mock>.{}".format(text.split(".")[1])
    assert meaning_of(source, "mock", "outer.inner") == "<param outer.mock>"


def test_an_assignment_anywhere_makes_the_name_local_for_the_whole_function():
    source = """
        import mock
        def f():
            print(mock)
            mock = 1
            return mock
    """
    assert meaning_of(source, "mock", "f", index=0) == "<unbound f.mock>"
    assert meaning_of(source, "mock", "f", index=1) == "<local f.mock>"


def test_global_and_nonlocal():
    source = """
        import mock
        def f():
            global mock
            mock = 1
            return mock
        def g():
            unittest = 1
            def h():
                nonlocal unittest
                unittest = 2
            return unittest
        def k():
            return mock
    """
    assert meaning_of(source, "mock", "f") == "<global mock> | mock"
    assert meaning_of(source, "mock", "k") == "<global mock> | mock"
    assert meaning_of(source, "unittest", "g") == "<local g.unittest>"


def test_nested_function_sees_what_the_enclosing_scope_holds_at_its_end():
    source = """
        def f():
            def g():
                return mock.patch
            import mock
            return g
    """
    assert meaning_of(source, "mock.patch", "f.g") == "mock.patch"


def test_del_for_with_except_and_match_bind():
    source = """
        import mock
        del mock
        mock
        for z in range(3):
            z
        with open(p) as unittest:
            unittest
        try:
            pass
        except ValueError as d:
            d
        d
        match command:
            case [baz, *other]:
                baz, other
            case {"k": v, **rest}:
                rest
    """
    assert meaning_of(source, "mock", index=0) == "mock"  # the `del` itself uses the import
    assert meaning_of(source, "mock", index=1) == "<undefined mock>"
    assert meaning_of(source, "z") == "<global z>"
    assert meaning_of(source, "unittest") == "<global unittest>"
    assert meaning_of(source, "d", index=0) == "<global d>"
    assert meaning_of(source, "d", index=1) == "<undefined d>"  # unbound after the handler
    assert meaning_of(source, "baz") == "<global baz>"
    assert meaning_of(source, "other") == "<global other>"
    assert meaning_of(source, "rest") == "<global rest>"


def test_walrus_in_a_comprehension_binds_in_the_function():
    source = """
        import mock
        def f(items):
            ys = [(mock := i) for i in items]
            return mock
    """
    assert meaning_of(source, "mock", "f") == "<local f.mock> | <unbound f.mock>"


def test_dotted_imports_and_attribute_chains():
    source = """
        import a.b.c
        import a.b as x
        a.b.c.d
        x.e.f
        a
    """
    assert meaning_of(source, "a.b.c.d") == "a.b.c.d"
    assert meaning_of(source, "x.e.f") == "a.b.e.f"
    assert meaning_of(source, "a") == "a"


def test_relative_imports_resolve_from_the_package():
    source = """
        from . import sib
        from .. import up
        from .legacy.utils import run
        sib, up, run
    """
    assert meaning_of(source, "sib", package="pkg.sub") == "pkg.sub.sib"
    assert meaning_of(source, "up", package="pkg.sub") == "pkg.up"
    assert meaning_of(source, "run", package="pkg.sub") == "pkg.sub.legacy.utils.run"
    assert meaning_of(source, "run", package="pkg") == "pkg.legacy.utils.run"
    assert meaning_of(source, "run") == ".legacy.utils.run"  # no package: kept relative


def test_star_import_may_provide_any_name_not_bound_after_it():
    source = """
        from old.pkg import *
        from c import baz
        thing()
        baz()
        print()
    """
    assert meaning_of(source, "thing") == "<star old.pkg>.thing | <undefined thing>"
    assert meaning_of(source, "baz") == "c.baz"
    assert meaning_of(source, "print") == "<builtin print> | <star old.pkg>.print"


def test_string_annotations_and_type_checking_imports():
    source = """
        from typing import TYPE_CHECKING, List
        if TYPE_CHECKING:
            from old.pkg import thing
        def f(x: "thing", y: List["thing.Sub"]) -> "List[thing]":
            v: "thing" = x
    """
    found = [m for _, t, m in meanings(source) if t.startswith("thing")]
    assert len(found) == 4
    # `if TYPE_CHECKING:` never runs, so at run time the name may also be missing.
    assert found == ["<undefined thing> | old.pkg.thing", "<undefined thing>.Sub | old.pkg.thing.Sub",
                     "<undefined thing> | old.pkg.thing", "<undefined thing> | old.pkg.thing"]


def test_fallback_stub_makes_a_use_mean_either():
    source = """
        try:
            from c import baz
        except ImportError:
            def baz():
                return None
        baz()
    """
    assert meaning_of(source, "baz") == "<global baz> | c.baz"


def test_dunder_all_entries_and_dotted_strings_are_uses():
    source = """
        from old.pkg import thing
        __all__ = ["thing"]
        patch("old.pkg.thing")
        log("see old.pkg.thing for details")
    """
    assert meaning_of(source, "'thing'") == "old.pkg.thing"
    assert meaning_of(source, "'old.pkg.thing'") == "'old.pkg.thing'"
    assert not [t for _, t, _ in meanings(source) if "details" in t]


def test_loops_carry_bindings_into_the_next_iteration():
    source = """
        import mock
        def f(items):
            for item in items:
                log(mock)
                mock = item
            return mock
    """
    assert meaning_of(source, "mock", "f", index=0) == "<local f.mock> | <unbound f.mock>"


def test_class_body_falls_back_to_globals_and_sees_enclosing_function():
    source = """
        import mock
        def f(unittest):
            class C:
                if unittest:
                    mock = 1
                x = mock
                y = unittest
            return C
    """
    assert meaning_of(source, "mock", "f.C") == "<class f.C.mock> | mock"
    assert meaning_of(source, "unittest", "f.C") == "<param f.unittest>"


def test_return_and_raise_end_a_path():
    source = """
        try:
            import mock
        except ImportError:
            raise SystemExit(1)
        mock.patch
    """
    assert meaning_of(source, "mock.patch") == "mock.patch"


def test_postponed_annotations_resolve_at_the_end_of_the_module():
    source = """
        from __future__ import annotations
        def f(x: thing) -> None:
            pass
        from old.pkg import thing
    """
    assert meaning_of(source, "thing") == "old.pkg.thing"


# --------------------------------------------------------------------------- rules


def test_mapped_picks_the_most_specific_rule():
    rules = [*load_rules(RULES), Rule("N1", "old.pkg", "other.place")]
    assert mapped("mock.patch.object", rules) == "unittest.mock.patch.object"
    assert mapped("a.c.d", rules) == "z.c.d"
    assert mapped("ab.c", rules) == "ab.c"  # a prefix of a name is not a parent module
    assert mapped("c.baz.attr", rules) == "d.baz.attr"
    assert mapped("c.other", rules) == "c.other"
    assert mapped("old.pkg.thing", rules) == "new.pkg.other"  # the name rule wins
    assert mapped("old.pkg.keep", rules) == "other.place.keep"


def test_rules_from_pyproject_report_only_and_keep_name():
    rules = load_rules("""
        [tool.ssot-ls]
        [[tool.ssot-ls.rules]]
        code = "R1"
        old = "m:f"
        new = "n"
        [[tool.ssot-ls.rules]]
        code = "R2"
        old = "gone"
    """.replace("\n        ", "\n"))
    assert [r.code for r in rules] == ["R1", "R2"]
    assert mapped("m.f.x", rules) == "n.f.x"
    assert mapped("gone.x", rules) == "gone.x"


# --------------------------------------------------------------------------- same_meaning


GOOD = {
    "mock from-import": ("import mock\ndef f(x):\n    return mock.patch(x)\n",
                         "from unittest import mock\ndef f(x):\n    return mock.patch(x)\n"),
    "mock dotted": ("import mock\nmock.patch\n", "import unittest.mock\nunittest.mock.patch\n"),
    "submodule kept": ("from a.c import d\nd()\n", "from z.c import d\nd()\n"),
    "aliased": ("import a.b as x\nx.y\n", "import z.b as x\nx.y\n"),
    "refused (unchanged)": ("import mock\nmock.patch\n", "import mock\nmock.patch\n"),
    "rename in method": ("import c\nclass K:\n    baz = 1\n    def m(self):\n        return c.baz()\n",
                         "from d import baz\nclass K:\n    baz = 1\n    def m(self):\n"
                         "        return baz()\n"),
    "fallback rebinds": ("try:\n    from old.pkg import thing\nexcept ImportError:\n"
                         "    thing = None\nthing()\n",
                         "try:\n    from new.pkg import other as thing\nexcept ImportError:\n"
                         "    thing = None\nthing()\n"),
    "await added": ("from aio.old import fetch\nasync def h():\n    return fetch().x\n",
                    "from aio.new import fetch\nasync def h():\n    return (await fetch()).x\n"),
    "module move via from": ("import pkg.legacy.utils\npkg.legacy.utils.run()\n",
                             "from pkg import utils\nutils.run()\n"),
    "del renamed": ("from old.pkg import thing\nthing()\ndel thing\n",
                    "from new.pkg import other\nother()\ndel other\n"),
    "entry point": ("ENTRY = 'old.pkg:thing'\nMAIN = 'a.c:main'\n",
                    "ENTRY = 'new.pkg:other'\nMAIN = 'z.c:main'\n"),
    "string path": ("from unittest import mock\nmock.patch('old.pkg.thing')\n",
                    "from unittest import mock\nmock.patch('new.pkg.other')\n"),
    "string annotation": ("from old.pkg import thing\ndef f(x: 'thing'): pass\n",
                          "from new.pkg import other\ndef f(x: 'other'): pass\n"),
    "star re-export moves with the module": (
        "import pkg.legacy.utils\nfrom helpers import *\npkg.legacy.utils.run()\n",
        "import pkg.utils\nfrom helpers import *\npkg.utils.run()\n"),
    "star module moved": ("from mock import *\npatch()\n", "from unittest.mock import *\npatch()\n"),
    "type-checking import now bound at run time": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from old.pkg import thing\n"
        "def f(x: 'thing'): pass\n",
        "from typing import TYPE_CHECKING\nfrom new.pkg import other\ndef f(x: 'other'): pass\n"),
    "name rule: attribute of a module still there": (
        "from c import baz as bz\nimport c\nc.baz()\n", "from d import baz as bz\nimport c\nc.baz()\n"),
    "await under a star import": (
        "import aio.old\nfrom helpers import *\nasync def h():\n    return aio.old.fetch()\n",
        "import aio.new\nfrom helpers import *\nasync def h():\n    return await aio.new.fetch()\n"),
    "class attribute kept": (
        "class T:\n    from old.pkg import thing\n    def m(self):\n        return self.thing()\n",
        "class T:\n    from new.pkg import other as thing\n    def m(self):\n        return self.thing()\n"),
    "import emptied try body": ("try:\n    import mock\nexcept ImportError:\n    pass\n",
                                "try:\n    pass\nexcept ImportError:\n    pass\n"),
}

BAD = {
    "captured by a parameter": (
        "import mock\ndef f(unittest):\n    return mock.patch(unittest)\n",
        "import unittest.mock\ndef f(unittest):\n    return unittest.mock.patch(unittest)\n",
        "<param f.unittest>.mock.patch"),
    "submodule dropped": ("from a.c import d\nd()\n", "from z import d\nd()\n", "means z.d"),
    "project's unittest helper": (
        "import mock\nfrom tests import unittest\nmock.patch\nunittest.main\n",
        "import unittest.mock\nfrom tests import unittest\nunittest.mock.patch\nunittest.main\n",
        "tests.unittest.mock.patch"),
    "shadowed in class body": ("import c\nclass K:\n    baz = 1\n    x = c.baz()\n",
                               "from d import baz\nclass K:\n    baz = 1\n    x = baz()\n",
                               "<class K.baz>"),
    "await in a default": ("from aio.old import fetch\nasync def h(m=fetch()):\n    return m\n",
                           "from aio.new import fetch\nasync def h(m=await fetch()):\n    return m\n",
                           "does not compile"),
    "await missing": ("from aio.old import fetch\nasync def h():\n    return fetch()\n",
                      "from aio.new import fetch\nasync def h():\n    return fetch()\n",
                      "expected 1 `await`, found 0"),
    "second await": ("from aio.old import fetch\nasync def h():\n    return await fetch()\n",
                     "from aio.new import fetch\nasync def h():\n    return await (await fetch())\n",
                     "found 2"),
    "async reference": ("from aio.old import fetch\nREG = {'f': fetch}\n",
                        "from aio.new import fetch\nREG = {'f': fetch}\n", "not a call"),
    "stub loses its binding": (
        "try:\n    from old.pkg import thing\nexcept ImportError:\n    thing = None\nthing()\n",
        "try:\n    from new.pkg import other\nexcept ImportError:\n    thing = None\nother()\n",
        "<undefined other>"),
    "use left behind": ("from old.pkg import thing\nthing()\n", "from new.pkg import other\nthing()\n",
                        "<undefined thing>"),
    "submodule no longer imported": ("import pkg.legacy.utils\npkg.legacy.utils.run()\n",
                                     "import pkg\npkg.utils.run()\n", "no import guarantees"),
    "import moved, use not": ("import pkg.legacy.utils\npkg.legacy.utils.run()\n",
                              "import pkg.utils\npkg.legacy.utils.run()\n", "no import guarantees"),
    "star import shadows the new name": (
        "from old.pkg import thing\nfrom helpers import *\nthing()\n",
        "from new.pkg import other\nfrom helpers import *\nother()\n", "<star helpers>.other"),
    "string annotation left": ("from old.pkg import thing\ndef f(x: 'thing'): pass\n",
                               "from new.pkg import other\ndef f(x: 'thing'): pass\n", "<undefined thing>"),
    "dunder all left": ("from old.pkg import thing\n__all__ = ['thing']\n",
                        "from new.pkg import other\n__all__ = ['thing']\n", "<undefined thing>"),
    "other code changed": ("import mock\nx = 1\nmock.patch\n",
                           "from unittest import mock\nx = 2\nmock.patch\n",
                           "other than imports"),
    "except name captured": (
        "from old.pkg import thing\ntry:\n    pass\nexcept ValueError as other:\n    thing(other)\n",
        "from new.pkg import other\ntry:\n    pass\nexcept ValueError as other:\n    other(other)\n",
        "<global other>"),
    "match capture captured": (
        "from old.pkg import thing\nmatch v:\n    case [other]:\n        thing(other)\n",
        "from new.pkg import other\nmatch v:\n    case [other]:\n        other(other)\n",
        "<global other>"),
    "await on a name that may be a sync stub": (
        "try:\n    from aio.old import fetch\nexcept ImportError:\n    def fetch(x):\n        return x\n"
        "async def h():\n    return fetch(1)\n",
        "try:\n    from aio.new import fetch\nexcept ImportError:\n    def fetch(x):\n        return x\n"
        "async def h():\n    return await fetch(1)\n",
        "sync fallback"),
    "class attribute renamed": (
        "class T:\n    from old.pkg import thing\n    def m(self):\n        return self.thing()\n",
        "class T:\n    from new.pkg import other\n    def m(self):\n        return self.thing()\n",
        "class attribute `T.thing`"),
    "entry point loses its colon": ("ENTRY = 'a.c:main'\n", "ENTRY = 'z.c.main'\n", "'z.c.main'"),
    "await in a generator expression": (
        "from aio.old import fetch\nasync def h(xs):\n    return list(fetch(x) for x in xs)\n",
        "from aio.new import fetch\nasync def h(xs):\n    return list(await fetch(x) for x in xs)\n",
        "async generator"),
    "use of a rebound name renamed": (
        "from aio.old import fetch\nfetch = None\nasync def h():\n    return fetch(0)\n",
        "from aio.new import fetch\nfetch = None\nasync def h():\n    return await fetch(0)\n",
        "`await` count changed from 0 to 1"),
    "local named like the module": (
        "def f():\n    import a.c\n    a = 0\n    return a.c.d\n",
        "def f():\n    from z.c import d\n    a = 0\n    return d\n",
        "meant <local f.a>.c.d"),
    "string path to a wrong place": ("mock.patch('old.pkg.thing')\n", "mock.patch('new.pkg.thing')\n",
                                     "'new.pkg.thing'"),
}


def test_keyword_renames_only_where_the_rule_rewrites_the_call():
    rules = [Rule("K1", "kw.old:build", "kw.new:build", rename_keywords=(("user", "user_id"),))]
    before = "from kw.old import build\nbuild(1, user=u, **rest)\nprint(user=u)\n"
    renamed = "from kw.new import build\nbuild(1, user_id=u, **rest)\nprint(user=u)\n"
    assert same_meaning(before, renamed, rules) == []
    assert same_meaning(before, before, rules) == []  # refused: nothing renamed
    kept = "from kw.new import build\nbuild(1, user=u, **rest)\nprint(user=u)\n"
    assert "keywords ['user', None] became ['user', None]" in same_meaning(before, kept, rules)[0]
    elsewhere = "from kw.old import build\nbuild(1, user=u, **rest)\nprint(user_id=u)\n"
    assert "keywords ['user'] became ['user_id']" in same_meaning(before, elsewhere, rules)[0]


@pytest.mark.parametrize("before, after", GOOD.values(), ids=GOOD.keys())
def test_same_meaning_accepts(before, after):
    assert check(before, after) == []


@pytest.mark.parametrize("before, after, needle", BAD.values(), ids=BAD.keys())
def test_same_meaning_rejects(before, after, needle):
    problems = check(before, after)
    assert problems, "the oracle accepted a fix that changes meaning"
    assert any(needle in p for p in problems), problems


def test_relative_import_pairs_need_the_package():
    before = "from .legacy import utils\nutils.run()\n"
    assert check(before, "from . import utils\nutils.run()\n", package="pkg") == []
    assert check(before, "from .. import utils\nutils.run()\n", package="pkg.sub")


def test_before_must_parse():
    with pytest.raises(SyntaxError):
        check("def (:\n", "x = 1\n")
