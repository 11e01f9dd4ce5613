"""Fixes that never change meaning (issue 8): bindings kept, names judged per scope.

One table per point of the issue, each with the exact expected text, and the look-alikes
that must be left alone. `run_case` (from test_fixes) also checks that the result parses,
that fixing twice changes nothing more and that the fix converged; here every result must
also *compile* (an `await` where Python forbids it parses, but does not compile).
"""

from __future__ import annotations

import pytest
from test_fixes import Case, code, run_case

from ssot_ls.types import Applicability, FindingKind

RULES = """
[[rules]]
code = "A001"
old = "a"
new = "z"

[[rules]]
code = "M001"
old = "mock"
new = "unittest.mock"

[[rules]]
code = "C001"
old = "c:baz"
new = "d:baz"

[[rules]]
code = "O001"
old = "old:f"
new = "new:g"

[[rules]]
code = "P001"
old = "pa.b:c"
new = "px.y:c2"

[[rules]]
code = "P002"
old = "pkg.sub.old_mod"
new = "pkg.sub.new_mod"

[[rules]]
code = "P003"
old = "collections:Container"
new = "collections.abc:Container"

[[rules]]
code = "P004"
old = "pkg.legacy.utils"
new = "pkg.utils"

[[rules]]
code = "S001"
old = "proj.old"
new = "proj.new"

[[rules]]
code = "W001"
old = "aio.old:fetch"
new = "aio.new:get"
await = true

[[rules]]
code = "K001"
old = "kw.old:build"
new = "kw.new:build"
when-keyword = "legacy"
drop-keywords = ["legacy"]

[[rules]]
code = "B001"
old = "six:text_type"
new = "builtins:str"

[[rules]]
code = "B002"
old = "six:PY2"

[[rules]]
code = "H001"
old = "six.moves.http_client"
new = "http.client"

[[rules]]
code = "R001"
old = "gone.mod:f"
new = "here.mod:f"
removed = true
"""


def run(project, case: Case):
    result = run_case(project, case)
    if case.path.endswith(".py"):
        compile(result.text, case.path, "exec", dont_inherit=True)
    return result


def fix_reasons(project, text: str, relative: str = "module.py") -> set[str | None]:
    project.use_config(RULES)
    return {f.no_fix_reason for f in project.check(text, relative)}


# 1. A whole-module move keeps the submodule path.
MODULE_MOVES = [
    Case("from-submodule", "from a.c import d\nd()\n", "from z.c import d\nd()\n", RULES),
    Case("import-submodule", "import a.c\na.c.d()\n", "import z.c\nz.c.d()\n", RULES),
    Case("import-submodule-aliased", "import a.b as x\nx.f()\n", "import z.b as x\nx.f()\n", RULES),
    Case("relative-submodule", "from .c import d\nd()\n", "from z.c import d\nd()\n", RULES,
         path="a/user.py"),
    Case("top-level-module-renamed-where-free", "import a\na.x()\n", "import z\nz.x()\n", RULES),
    # `z` is a parameter where `a` is used: the module keeps its local name.
    Case("top-level-module-name-taken", "import a\n\ndef f(z):\n    a.x(z)\n",
         "import z as a\n\ndef f(z):\n    a.x(z)\n", RULES),
]


# 2. The import style is kept and no binding is captured.
STYLE = [
    Case("mock-keeps-its-name", code("""
        from tests import unittest
        import mock

        def f(unittest):
            return mock.patch("x")

        def g(mock):
            return mock.called
        """), code("""
        from tests import unittest
        from unittest import mock

        def f(unittest):
            return mock.patch("x")

        def g(mock):
            return mock.called
        """), RULES),
    Case("mock-rebinding-itself", "import mock\nmock = mock.Mock()\n",
         "from unittest import mock\nmock = mock.Mock()\n", RULES),
    # A class attribute `baz` is not visible from the method: `d` is free, the style stays.
    Case("module-attribute-class-attribute-look-alike", code("""
        import c

        class K:
            baz = 1
            def m(self):
                return c.baz()
        """), code("""
        import d

        class K:
            baz = 1
            def m(self):
                return d.baz()
        """), RULES),
    # `c` has another use and `d` is a parameter where `c.baz` is used: import the name.
    Case("module-attribute-other-style-when-taken", code("""
        import c

        def f(d):
            return c.baz(d), c.other
        """), code("""
        import c
        from d import baz

        def f(d):
            return baz(d), c.other
        """), RULES),
]


# 3. Bound more than once: judged per scope; a fallback stub keeps its binding.
PER_SCOPE = [
    Case("same-import-in-two-methods", code("""
        class T:
            def setUp(self):
                from old import f
                self.x = f()

            def tearDown(self):
                from old import f
                f()
        """), code("""
        class T:
            def setUp(self):
                from new import g
                self.x = g()

            def tearDown(self):
                from new import g
                g()
        """), RULES),
    Case("fallback-stub-keeps-the-name", code("""
        try:
            from old import f
        except ImportError:
            def f(*args):
                return None
        f(1)
        """), code("""
        try:
            from new import g as f
        except ImportError:
            def f(*args):
                return None
        f(1)
        """), RULES),
    Case("del-is-a-binding", "from old import f\n\nf()\ndel f\n",
         "from new import g as f\n\nf()\ndel f\n", RULES),
    Case("match-capture", code("""
        from old import f

        def h(x):
            match x:
                case g:
                    return f(g)
        """), code("""
        from new import g as f

        def h(x):
            match x:
                case g:
                    return f(g)
        """), RULES),
    Case("except-as", code("""
        from old import f

        def h():
            try:
                f()
            except ValueError as g:
                return g
        """), code("""
        from new import g as f

        def h():
            try:
                f()
            except ValueError as g:
                return g
        """), RULES),
    Case("class-body-binds-for-itself", "from old import f\n\nclass K:\n    g = 1\n    x = f()\n",
         "from new import g as f\n\nclass K:\n    g = 1\n    x = f()\n", RULES),
    Case("class-body-invisible-from-method", code("""
        from old import f

        class K:
            g = 1
            def m(self):
                return f()
        """), code("""
        from new import g

        class K:
            g = 1
            def m(self):
                return g()
        """), RULES),
    Case("global-declaration-binds-the-module-name", code("""
        from old import f

        def h():
            global g
            g = 2
            return f()
        """), code("""
        from new import g as f

        def h():
            global g
            g = 2
            return f()
        """), RULES),
    # An existing read of `g` (a builtin or undefined) would be captured by a new binding.
    Case("never-capture-a-free-read", "from old import f\n\ndef h():\n    return f() + g\n",
         "from new import g as f\n\ndef h():\n    return f() + g\n", RULES),
    # 13. A star import may bind the new name: keep the binding.
    Case("star-import-keeps-the-binding", "from helpers import *\nfrom old import f\n\nf()\n",
         "from helpers import *\nfrom new import g as f\n\nf()\n", RULES),
]


# 4, 5, 15. Uses through parent packages, dotted imports of names, module moves spelled out.
PARENTS = [
    Case("through-parent-package", "import pa\n\npa.b.c(1)\n", "import px.y\n\npx.y.c2(1)\n", RULES),
    Case("through-aliased-parent", "import pkg.sub as s\n\ns.old_mod.fn()\n",
         "from pkg.sub import new_mod\n\nnew_mod.fn()\n", RULES),
    Case("dotted-import-of-a-name", "import collections.Container\n\nx = collections.Container\n",
         "import collections.abc\n\nx = collections.abc.Container\n", RULES),
    Case("module-move-same-root", "import pkg.legacy.utils\n\npkg.legacy.utils.run()\n",
         "import pkg.utils\n\npkg.utils.run()\n", RULES),
    Case("module-move-same-root-other-imports",
         "import pkg.legacy.utils\nimport pkg.other\n\npkg.legacy.utils.run()\npkg.other.x()\n",
         "import pkg.other\nimport pkg.utils\n\npkg.utils.run()\npkg.other.x()\n", RULES),
]


# 6. Strings whose whole value is a dotted path; prose and docstrings stay.
STRINGS = [
    Case("settings-dictconfig-entry-points", code('''
        """Docstring mentions proj.old.Filter."""
        INSTALLED = ["proj.old", "proj.old.views", "other"]
        LOGGING = {"filters": {"x": {"()": "proj.old.Filter"}}}
        ENTRY = "proj.old:main"
        desc = "from proj.old import Filter is deprecated"

        def f():
            """proj.old.thing"""
        '''), code('''
        """Docstring mentions proj.old.Filter."""
        INSTALLED = ["proj.new", "proj.new.views", "other"]
        LOGGING = {"filters": {"x": {"()": "proj.new.Filter"}}}
        ENTRY = "proj.new:main"
        desc = "from proj.old import Filter is deprecated"

        def f():
            """proj.old.thing"""
        '''), RULES),
]


# 9, 11, 12. Call rules keeping their name; await only where Python allows; string annotations.
CALLS = [
    Case("call-rule-same-name", code("""
        from kw.old import build

        def f():
            return build(legacy=1, size=2)
        """), code("""
        from kw.new import build

        def f():
            return build(size=2)
        """), RULES),
    Case("string-annotations-are-uses", code("""
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from aio.old import fetch

        def f(x: "fetch") -> "list[fetch]":
            return x
        """), code("""
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from aio.new import get

        def f(x: "get") -> "list[get]":
            return x
        """), RULES),
    Case("await-in-body-not-in-default", code("""
        from aio.old import fetch

        async def h(ctx):
            return fetch(ctx)
        """), code("""
        from aio.new import get

        async def h(ctx):
            return await get(ctx)
        """), RULES),
]


# Real migrations (tests/realworld): builtins need no import; a report-only use of a module
# does not block the others; a module imported by name keeps its name.
REAL = [
    Case("builtin-target-is-bare", "from six import text_type\n\ndef f(x):\n    return text_type(x)\n",
         "\ndef f(x):\n    return str(x)\n", RULES),
    Case("builtin-target-hidden-keeps-the-name",
         "from six import text_type\n\ndef f(str):\n    return text_type(str)\n",
         "from builtins import str as text_type\n\ndef f(str):\n    return text_type(str)\n", RULES),
    Case("report-only-use-does-not-block-the-others", code("""
        import six

        def f(x):
            if six.PY2:
                pass
            return six.text_type(x)
        """), code("""
        import six

        def f(x):
            if six.PY2:
                pass
            return str(x)
        """), RULES),
    Case("module-imported-by-name-keeps-its-name",
         "from six.moves import http_client\n\nhttp_client._MAXHEADERS = 256\n",
         "from http import client as http_client\n\nhttp_client._MAXHEADERS = 256\n", RULES),
]


@pytest.mark.parametrize("case", REAL + MODULE_MOVES + STYLE + PER_SCOPE + PARENTS + STRINGS + CALLS,
                         ids=lambda c: c.id)
def test_fix_keeps_meaning(project, case):
    project.package("a")
    run(project, case)


# -- refused, and the reason says why ------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    # 11. Defaults, decorators and annotations are evaluated outside the coroutine.
    ("from aio.old import fetch\nasync def h(ctx, m=fetch()):\n    return m\n",
     "line 2 is a default value, decorator or annotation of `h`, evaluated outside the coroutine: "
     "it cannot await `get`"),
    ("from aio.old import fetch\n@fetch()\nasync def h(ctx):\n    return ctx\n",
     "line 2 is a default value, decorator or annotation of `h`, evaluated outside the coroutine: "
     "it cannot await `get`"),
    ("from aio.old import fetch\nasync def h():\n    return sum(fetch(x) for x in range(3))\n",
     "a generator expression (line 3) is not async; make it `async def` to await `get`"),
    # 14. A reference that is not a call would hand a coroutine to its callers.
    ("import functools\nfrom aio.old import fetch\nh = fetch\n",
     "`fetch` is used without being called (line 3): `get` is async, so whatever calls it must "
     "await it; fix by hand"),
    ("import functools\nfrom aio.old import fetch\np = functools.partial(fetch)\n",
     "`fetch` is used without being called (line 3): `get` is async, so whatever calls it must "
     "await it; fix by hand"),
    ("from aio.old import fetch\nREGISTRY = {'x': fetch}\n",
     "`fetch` is used without being called (line 2): `get` is async, so whatever calls it must "
     "await it; fix by hand"),
    # 7. A fallback import of a removed module is dead code.
    ("try:\n    from here.mod import f\nexcept ImportError:\n    from gone.mod import f\n",
     "this fallback imports `gone.mod`, which no longer exists: delete the `except ImportError:` "
     "branch"),
    # 9. The old name has other uses: the new callable cannot take its name.
    ("from kw.old import build\ndef f():\n    return build(legacy=1), build(size=3)\n",
     "`build` is already bound in module-level code (line 1): import `kw.new.build` under another "
     "name by hand"),
])
def test_refused_with_a_reason(project, text, reason):
    assert reason in fix_reasons(project, text)
    assert project.fix(text).text == text


def test_refused_fix_leaves_the_code_alone(project):
    project.use_config(RULES)
    text = "from aio.old import fetch\nasync def h(ctx, m=fetch()):\n    return fetch()\n"
    result = project.fix(text)
    assert result.text == text
    assert result.remaining and all(not f.fixable for f in result.remaining)


# 7. While the old module still exists, a fallback after the canonical import is not a use.
def test_fallback_exempt_unless_removed(project):
    project.use_config(RULES + """
[[rules]]
code = "R002"
old = "still.here:f"
new = "here.mod:f"
""")
    text = "try:\n    from here.mod import f\nexcept ImportError:\n    from still.here import f\n"
    assert project.check(text) == []
    removed = "try:\n    from here.mod import f\nexcept ImportError:\n    from gone.mod import f\n"
    assert [f.code for f in project.check(removed)] == ["R001"]


# 6. Prose, docstrings and f-strings that mention a module are not paths.
@pytest.mark.parametrize("text", [
    '"""proj.old.Thing"""\n',
    'x = "see proj.old.Thing for details"\n',
    'x = f"proj.old.{name}"\n',
    "x = 'proj.older.Thing'\n",
    "x = 'myproj.old.Thing'\n",
])
def test_prose_is_not_a_dotted_path(project, text):
    project.use_config(RULES)
    assert project.check(text) == []


def test_dotted_string_fix_is_unsafe(project):
    project.use_config(RULES)
    [finding] = project.check("X = 'proj.old.Thing'\n")
    assert finding.kind is FindingKind.STRING
    assert finding.applicability is Applicability.UNSAFE
    assert project.fix("X = 'proj.old.Thing'\n", unsafe=False).text == "X = 'proj.old.Thing'\n"


# 16. Names bound by `except ... as`, `match` and parameters are not uses of the import.
def test_shadowing_names_are_not_uses(project):
    project.use_config(RULES)
    text = code("""
        import mock

        def a(mock):
            return mock.called

        def b(x):
            match x:
                case mock:
                    return mock.called

        def c():
            try:
                pass
            except Exception as mock:
                return mock.args
        """)
    findings = project.check(text)
    assert [(f.kind, text[f.start:f.end]) for f in findings] == [(FindingKind.IMPORT, "mock")]


# -- found by the meaning oracle's property tests (tests/test_meaning_properties.py) -------------

ORACLE_RULES = RULES + """
[[rules]]
code = "T001"
old = "old.pkg:thing"
new = "new.pkg:other"
"""

ORACLE_FOUND = [
    # A later rebinding in the same scope: a use may read either binding.
    "def f():\n    import c\n    c = 0\n    return c.baz()\n",
    "import c\nc = None\n\ndef f():\n    return c.baz()\n",
    "def f(xs):\n    import pkg.legacy.utils\n    for pkg in xs:\n        pkg.legacy.utils.run()\n",
    "async def f(g):\n    from aio.old import fetch\n    fetch = g\n    return fetch(1)\n",
    # A star import after the import may rebind the name; sorting must not move across it.
    "from a.c import d\nfrom helpers import *\n\nd()\n",
    "from helpers import *\nfrom mock import patch\n\npatch()\n",
    "import c\nfrom c import baz\nfrom helpers import *\n\nc.baz()\n",
    # `global` makes a function's import a module binding.
    "def setup():\n    global thing\n    from old.pkg import thing\n\ndef use():\n    return thing()\n",
    # An import in a class body is a class attribute.
    "class T:\n    from old.pkg import thing\n\n    def m(self):\n        return self.thing()\n",
    # A sync fallback stub: its calls cannot all gain `await`.
    ("try:\n    from aio.old import fetch\nexcept ImportError:\n    def fetch(x):\n        return x\n\n"
     "async def f():\n    return fetch(1)\n"),
    # An import that loads a submodule another import's uses read.
    ("import pkg.legacy.utils as lu\nimport pkg.legacy\nfrom helpers import *\n\n"
     "def handle():\n    return pkg.legacy.utils.run(0)\n"),
    "import a\n\ndef handle(mock, z):\n    import a.c\n    return a.run(mock)\n\nCONSTANT = a.c.d(0)\n",
    # The same module imported twice under one name.
    "import a.c\nimport a\nfrom helpers import *\n\ndef handle():\n    return a.c.d(0)\n",
    ("from old.pkg import thing\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
     "    from old.pkg import thing\n\ndef handle(xs):\n    for other in xs:\n        thing(xs)\n"),
    # An import under `if TYPE_CHECKING:` never runs: runtime uses cannot count on it.
    ("from old import pkg\nimport c\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
     "    from old.pkg import thing\n\ndef handle():\n    for other in 0:\n        log(pkg.thing(0))\n\n"
     "def handle2():\n    for new in 0:\n        log(pkg.thing(0))\n"),
    # A function-level `import aio.old` must not hide the new module's name elsewhere.
    ("from aio import old\nfrom aio.old import fetch\n\ndef handle():\n    import aio.old\n"
     "    log(old.fetch(0))\n    old = 0\n\nasync def handle2():\n    return old.fetch(0)\n\n"
     "async def handle3():\n    aio = 0\n    log(old.fetch(0))\n"),
    # A canonical import earlier in the scope does not cover one after a rebinding.
    ("try:\n    from unittest import mock\nexcept ImportError:\n    import mock\nmock = None\n"
     "import mock\n\ndef handle():\n    return mock.patch(0)\n"),
]


@pytest.mark.parametrize("before", ORACLE_FOUND)
def test_oracle_found_cases_keep_meaning(project, before):
    from meaning import load_rules, same_meaning

    project.use_config(ORACLE_RULES)
    project.package("a")
    after = project.fix(before).text
    assert same_meaning(before, after, load_rules(ORACLE_RULES)) == [], after
    assert project.fix(after).text == after
