"""Fixes (issue 3, points 1-4): before/after with the expected text exactly.

Every case also checks what every fix must guarantee: the result parses and fixing it again
changes nothing.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

import pytest

from ssot_ls.engine import check_source, fix_group, fixes_for_findings, suppression_edit
from ssot_ls.presets import CANONICAL, CONTEXT, FACTORY, MANAGER
from ssot_ls.text import apply_edits
from ssot_ls.types import Applicability, FindingKind

F, M, C, U = FACTORY, MANAGER, CANONICAL, CONTEXT


def code(text: str) -> str:
    """Dedented source; lets the tables below read like the files they stand for."""
    return textwrap.dedent(text).lstrip("\n")


RULES = """
[[rules]]
code = "X001"
old = "old.pkg:thing"
new = "new.pkg:other"

[[rules]]
code = "X002"
old = "old.pkg"

[[rules]]
code = "X003"
old = "moved.mod"
new = "fresh.place"

[[rules]]
code = "X004"
old = "aio.old:fetch"
new = "aio.new:fetch"
await = true

[[rules]]
code = "X005"
old = "svc.old:Client"
new = "svc.new:Client"
calls = "report"

[[rules]]
code = "X006"
old = "ctx.old:Context"
new = "ctx.old:make_context"
when-keyword = "legacy"
drop-keywords = ["legacy"]
require-keywords = ["user_id"]
rename-keywords = { user = "user_id" }

[[rules]]
code = "X007"
old = "kw.old:build"
new = "kw.new:build"
rename-keywords = { size = "capacity" }

[[rules]]
code = "X008"
old = "kw.old:make"
new = "kw.new:produce"
await = true
rename-keywords = { size = "capacity" }

[[rules]]
code = "X010"
old = "same.pkg:thing"
new = "fresh.pkg:thing"
"""


@dataclass
class Case:
    id: str
    before: str
    after: str
    rules: str | None = None  # None: the built-in preset
    path: str = "module.py"


def run_case(project, case: Case):
    if case.rules is not None:
        project.use_config(case.rules)
    # The seed's code has long import lines: a project that allows them (layout: test_fix_layout).
    project.write("ruff.toml", "line-length = 120\n")
    project.package("netra_backend.app.websocket_core")
    project.package("netra_backend.app.routes")
    result = project.fix(case.before, case.path)
    assert result.text == case.after
    if case.path.endswith(".py"):
        ast.parse(result.text.removeprefix("\ufeff"))  # ast rejects the BOM character
    again = project.fix(result.text, case.path)
    assert again.text == result.text, "fixing twice must change nothing more"
    assert result.converged
    return result


# -- the seed's three patterns: exactly its "NEW PATTERN" code ---------------------------------

SEED = [
    Case("pattern-1-factory-function", code(f"""
        from {F} import create_websocket_manager

        async def handler(user_ctx):
            manager = create_websocket_manager(user_context=user_ctx)
            return manager
        """), code(f"""
        from {M} import get_websocket_manager

        async def handler(user_ctx):
            manager = await get_websocket_manager(user_context=user_ctx)
            return manager
        """)),
    Case("pattern-2-factory-class-import", code(f"""
        from {F} import WebSocketManagerFactory
        """), code(f"""
        from {C} import create_websocket_manager
        """)),
    Case("pattern-3-user-execution-context", code(f"""
        from {U} import UserExecutionContext

        async def build(manager):
            context = UserExecutionContext(user_id="test_user", websocket_manager=manager)
            return context
        """), code(f"""
        from {U} import create_defensive_user_execution_context

        async def build(manager):
            context = await create_defensive_user_execution_context(user_id="test_user")
            return context
        """)),
    Case("module-alias-form", code(f"""
        import {F} as factory

        async def handler(user_ctx):
            manager = factory.create_websocket_manager(user_context=user_ctx)
            return manager
        """), code(f"""
        from {M} import get_websocket_manager

        async def handler(user_ctx):
            manager = await get_websocket_manager(user_context=user_ctx)
            return manager
        """)),
]


@pytest.mark.parametrize("case", SEED, ids=lambda c: c.id)
def test_seed_patterns(project, case):
    run_case(project, case)


def test_seed_pattern_2_call_site_is_reported_not_rewritten(project):
    before = code(f"""
        from {F} import WebSocketManagerFactory

        async def setup():
            factory = WebSocketManagerFactory()
            return factory
        """)
    result = project.fix(before)
    assert result.text == before
    reasons = {f.no_fix_reason for f in result.remaining}
    assert reasons == {"rewrite the use(s) of `WebSocketManagerFactory` by hand (line 4): "
                       "`create_websocket_manager` needs arguments the old call did not have"}


# -- imports: aliases, split, merge, removal, relative, whole-module moves ----------------------

IMPORTS = [
    Case("from-import-module-move", "from moved.mod import f\n\nf()\n",
         "from fresh.place import f\n\nf()\n", RULES),
    Case("from-import-module-move-several-names", "from moved.mod import f, g as h\n\nf(); h()\n",
         "from fresh.place import f, g as h\n\nf(); h()\n", RULES),
    # A module imported by name keeps its name: the module's own namespace still offers it.
    Case("from-parent-of-moved-module", "from moved import mod\n\nmod.f()\n",
         "from fresh import place as mod\n\nmod.f()\n", RULES),
    Case("import-module-move", "import moved.mod\n\nmoved.mod.f()\n",
         "import fresh.place\n\nfresh.place.f()\n", RULES),
    Case("import-submodule-of-moved-module", "import moved.mod.sub\n\nmoved.mod.sub.f()\n",
         "import fresh.place.sub\n\nfresh.place.sub.f()\n", RULES),
    Case("star-import-of-moved-module", "from moved.mod import *\n",
         "from fresh.place import *\n", RULES),
    Case("alias-kept-from-import", "from old.pkg import thing as t\n\nt()\n",
         "from new.pkg import other as t\n\nt()\n", RULES),
    Case("alias-kept-module-import", "import moved.mod as mm\n\nmm.f()\n",
         "import fresh.place as mm\n\nmm.f()\n", RULES),
    Case("alias-kept-with-await", code(f"""
        from {F} import create_websocket_manager as make

        async def handler(ctx):
            return make(user_context=ctx)
        """), code(f"""
        from {M} import get_websocket_manager as make

        async def handler(ctx):
            return await make(user_context=ctx)
        """)),
    Case("comment-on-import-kept", "from old.pkg import thing  # keep me\nthing()\n",
         "from new.pkg import other  # keep me\nother()\n", RULES),
    Case("split", "from old.pkg import thing, keep\n\nthing()\nkeep()\n",
         "from old.pkg import keep\nfrom new.pkg import other\n\nother()\nkeep()\n", RULES),
    Case("split-parenthesized", code("""
        from old.pkg import (
            keep,  # why we keep it
            thing,
        )

        thing()
        """), code("""
        from old.pkg import (
            keep,  # why we keep it
        )
        from new.pkg import other

        other()
        """), RULES),
    Case("split-preset-keeps-other-names", code(f"""
        from {F} import create_websocket_manager, helper

        async def run(ctx):
            helper()
            return create_websocket_manager(user_context=ctx)
        """), code(f"""
        from {F} import helper
        from {M} import get_websocket_manager

        async def run(ctx):
            helper()
            return await get_websocket_manager(user_context=ctx)
        """)),
    Case("split-plain-import", "import os, old.pkg as m, sys\n\nm.thing()\n",
         "import os, sys\nfrom new.pkg import other\n\nother()\n", RULES),
    Case("merge-into-existing-import", "from new.pkg import a\nfrom old.pkg import thing\n\nthing()\n",
         "from new.pkg import a, other\n\nother()\n", RULES),
    Case("merge-into-parenthesized-import", code("""
        from new.pkg import (
            a,
            b,
        )
        from old.pkg import thing

        thing()
        """), code("""
        from new.pkg import (
            a,
            b,
            other,
        )

        other()
        """), RULES),
    Case("already-imported-removes-duplicate",
         "from new.pkg import a, other\nfrom old.pkg import thing\n\nother()\nthing()\n",
         "from new.pkg import a, other\n\nother()\nother()\n", RULES),
    Case("already-imported-preset", code(f"""
        from {M} import get_websocket_manager
        from {F} import create_websocket_manager

        async def run(ctx):
            return create_websocket_manager(user_context=ctx)
        """), code(f"""
        from {M} import get_websocket_manager

        async def run(ctx):
            return await get_websocket_manager(user_context=ctx)
        """)),
    Case("module-import-removed-when-unused", "import old.pkg as m\n\nm.thing(1)\n",
         "from new.pkg import other\n\nother(1)\n", RULES),
    # `import old.pkg` + `old.pkg.thing`: the same style, pointed at the new place.
    Case("module-import-full-path-uses", "import old.pkg\n\nold.pkg.thing(1)\nold.pkg.thing(2)\n",
         "import new.pkg\n\nnew.pkg.other(1)\nnew.pkg.other(2)\n", RULES),
    Case("unmapped-use-keeps-module-import", "import old.pkg as m\n\nm.thing(1)\nm.unmapped()\n",
         "import old.pkg as m\nfrom new.pkg import other\n\nother(1)\nm.unmapped()\n", RULES),
    Case("unmapped-use-keeps-module-import-preset", code(f"""
        import {F} as factory

        async def run(ctx):
            factory.helper()
            return factory.create_websocket_manager(user_context=ctx)
        """), code(f"""
        import {F} as factory
        from {M} import get_websocket_manager

        async def run(ctx):
            factory.helper()
            return await get_websocket_manager(user_context=ctx)
        """)),
    Case("import-inside-function", code("""
        def load():
            from old.pkg import thing
            return thing()
        """), code("""
        def load():
            from new.pkg import other
            return other()
        """), RULES),
    Case("removed-import-was-the-only-statement-of-a-block", code("""
        from new.pkg import other
        try:
            from old.pkg import thing
        except ImportError:
            pass
        thing()
        """), code("""
        from new.pkg import other
        try:
            pass
        except ImportError:
            pass
        other()
        """), RULES),
    Case("import-inside-if", "import os\nif os.name:\n    from old.pkg import thing\nthing()\n",
         "import os\nif os.name:\n    from new.pkg import other\nother()\n", RULES),
    Case("relative-from-module", code("""
        from .factory import create_websocket_manager

        async def run(ctx):
            return create_websocket_manager(user_context=ctx)
        """), code(f"""
        from {M} import get_websocket_manager

        async def run(ctx):
            return await get_websocket_manager(user_context=ctx)
        """), path="netra_backend/app/websocket_core/user.py"),
    Case("relative-module-import", code("""
        from . import factory

        async def run(ctx):
            return factory.create_websocket_manager(user_context=ctx)
        """), code(f"""
        from {M} import get_websocket_manager

        async def run(ctx):
            return await get_websocket_manager(user_context=ctx)
        """), path="netra_backend/app/websocket_core/user.py"),
    Case("relative-two-levels", "from ..websocket_core.factory import WebSocketManagerFactory\n",
         f"from {C} import create_websocket_manager\n", path="netra_backend/app/routes/ws.py"),
    Case("relative-merges-into-relative-canonical", code("""
        from .websocket_manager import get_websocket_manager
        from .factory import create_websocket_manager
        """), code("""
        from .websocket_manager import get_websocket_manager
        """), path="netra_backend/app/websocket_core/user.py"),
]


@pytest.mark.parametrize("case", IMPORTS, ids=lambda c: c.id)
def test_import_fixes(project, case):
    run_case(project, case)


# -- renamed symbols: every use, never onto a bound name ---------------------------------------

RENAMES = [
    Case("rename-every-use", code("""
        from old.pkg import thing


        def decorated(arg=thing):
            return thing(arg), thing.attr, [thing for _ in range(2)], {"k": thing}


        class Holder:
            handler = thing
        """), code("""
        from new.pkg import other


        def decorated(arg=other):
            return other(arg), other.attr, [other for _ in range(2)], {"k": other}


        class Holder:
            handler = other
        """), RULES),
    Case("rename-decorator-use", code("""
        from old.pkg import thing


        @thing
        def decorated():
            pass
        """), code("""
        from new.pkg import other


        @other
        def decorated():
            pass
        """), RULES),
    Case("rename-in-class-decorator-and-base", code("""
        from old.pkg import thing


        @thing.register
        class Plugin(thing.Base):
            pass
        """), code("""
        from new.pkg import other


        @other.register
        class Plugin(other.Base):
            pass
        """), RULES),
    Case("rename-not-keywords-but-f-strings-and-annotations", code("""
        from old.pkg import thing

        thing(thing=1)
        print(f"{thing()} {thing!r}")

        def typed(x: thing) -> thing:
            return x
        """), code("""
        from new.pkg import other

        other(thing=1)
        print(f"{other()} {other!r}")

        def typed(x: other) -> other:
            return x
        """), RULES),
    # An exported name is the module's interface: it keeps its name.
    Case("exported-in-dunder-all-keeps-its-name", "from old.pkg import thing\n\n__all__ = ['thing']\n",
         "from new.pkg import other as thing\n\n__all__ = ['thing']\n", RULES),
    Case("exported-by-package-init-keeps-its-name", "from old.pkg import thing\n\nthing()\n",
         "from new.pkg import other as thing\n\nthing()\n", RULES, path="pkg/__init__.py"),
    # The parameter is not the import: the import has no use, so it simply moves.
    Case("shadowed-by-a-parameter",
         "from old.pkg import thing\n\ndef f(thing):\n    return thing()\n",
         "from new.pkg import other\n\ndef f(thing):\n    return thing()\n", RULES),
    # LibCST's RenameCommand turns this into broken code; the alias must simply be kept.
    Case("renamecommand-failure-case", "from old.pkg import thing as t; thing = 1; t()\n",
         "from new.pkg import other as t; thing = 1; t()\n", RULES),
    Case("renamecommand-failure-case-same-name", "from same.pkg import thing as t; thing = 1; t()\n",
         "from fresh.pkg import thing as t; thing = 1; t()\n", RULES),
    Case("never-onto-a-bound-name", "from old.pkg import thing\nother = 1\nthing()\n",
         "from new.pkg import other as thing\nother = 1\nthing()\n", RULES),
    Case("never-onto-a-parameter", "from old.pkg import thing\n\ndef f(other):\n    return thing(other)\n",
         "from new.pkg import other as thing\n\ndef f(other):\n    return thing(other)\n", RULES),
    Case("never-onto-a-function-name",
         "from old.pkg import thing\n\ndef other():\n    return thing()\n",
         "from new.pkg import other as thing\n\ndef other():\n    return thing()\n", RULES),
    Case("never-onto-an-imported-name",
         "from old.pkg import thing\nfrom elsewhere import other\n\nthing(other)\n",
         "from new.pkg import other as thing\nfrom elsewhere import other\n\nthing(other)\n", RULES),
]


@pytest.mark.parametrize("case", RENAMES, ids=lambda c: c.id)
def test_rename_fixes(project, case):
    run_case(project, case)


def test_rename_onto_bound_name_keeps_the_old_name_bound(project):
    project.use_config(RULES)
    findings = project.check("from old.pkg import thing\nother = 1\nthing()\n")
    assert {f.applicability for f in findings} == {Applicability.SAFE}
    assert project.fix("from old.pkg import thing\nother = 1\nthing()\n").text == \
        "from new.pkg import other as thing\nother = 1\nthing()\n"


# -- strings in mock.patch / import_module ------------------------------------------------------

STRINGS = [
    Case("mock-patch-single-quotes",
         f"from unittest import mock\n\nmock.patch('{F}.create_websocket_manager')\n",
         f"from unittest import mock\n\nmock.patch('{M}.get_websocket_manager')\n"),
    Case("mock-patch-double-quotes",
         f"from unittest import mock\n\nmock.patch(\"{F}.WebSocketManagerFactory\")\n",
         f"from unittest import mock\n\nmock.patch(\"{C}.create_websocket_manager\")\n"),
    Case("mock-patch-decorator", code(f"""
        from unittest import mock


        @mock.patch("{F}.create_websocket_manager")
        def test_it(patched):
            pass
        """), code(f"""
        from unittest import mock


        @mock.patch("{M}.get_websocket_manager")
        def test_it(patched):
            pass
        """)),
    Case("mock-patch-deeper-attribute", "from unittest import mock\n\nmock.patch('moved.mod.f.attr')\n",
         "from unittest import mock\n\nmock.patch('fresh.place.f.attr')\n", RULES),
    Case("raw-and-triple-quoted",
         "from unittest import mock\n\nmock.patch(r'moved.mod.f')\nmock.patch('''moved.mod.g''')\n",
         "from unittest import mock\n\nmock.patch(r'fresh.place.f')\nmock.patch('''fresh.place.g''')\n",
         RULES),
    Case("import-module-single", "import importlib\n\nimportlib.import_module('moved.mod')\n",
         "import importlib\n\nimportlib.import_module('fresh.place')\n", RULES),
    Case("import-module-double-name", "import importlib\n\nimportlib.import_module(\"old.pkg.thing\")\n",
         "import importlib\n\nimportlib.import_module(\"new.pkg.other\")\n", RULES),
    Case("f-string-left-alone", "from unittest import mock\n\nmock.patch(f'moved.mod.{name}')\n",
         "from unittest import mock\n\nmock.patch(f'moved.mod.{name}')\n", RULES),
]


@pytest.mark.parametrize("case", STRINGS, ids=lambda c: c.id)
def test_string_fixes(project, case):
    run_case(project, case)


# -- await: only in async def, never twice, parentheses where precedence needs them -------------

AWAIT = [
    Case("await-contexts", code(f"""
        from {F} import create_websocket_manager

        async def contexts(ctx):
            a = create_websocket_manager(user_context=ctx).send
            b = create_websocket_manager(user_context=ctx)[0]
            c = create_websocket_manager(user_context=ctx)()
            d = 1 + create_websocket_manager(user_context=ctx)
            e = await create_websocket_manager(user_context=ctx)
            f = (await create_websocket_manager(user_context=ctx)).send
            g = [create_websocket_manager(user_context=x) for x in ctx]
            return a, b, c, d, e, f, g
        """), code(f"""
        from {M} import get_websocket_manager

        async def contexts(ctx):
            a = (await get_websocket_manager(user_context=ctx)).send
            b = (await get_websocket_manager(user_context=ctx))[0]
            c = (await get_websocket_manager(user_context=ctx))()
            d = 1 + await get_websocket_manager(user_context=ctx)
            e = await get_websocket_manager(user_context=ctx)
            f = (await get_websocket_manager(user_context=ctx)).send
            g = [await get_websocket_manager(user_context=x) for x in ctx]
            return a, b, c, d, e, f, g
        """)),
    Case("await-through-module-attribute", code(f"""
        import {F} as factory

        async def run(ctx):
            return factory.create_websocket_manager(user_context=ctx).send
        """), code(f"""
        from {M} import get_websocket_manager

        async def run(ctx):
            return (await get_websocket_manager(user_context=ctx)).send
        """)),
    Case("await-custom-rule-same-name", code("""
        from aio.old import fetch

        async def go():
            return fetch(1) + fetch(2)
        """), code("""
        from aio.new import fetch

        async def go():
            return await fetch(1) + await fetch(2)
        """), RULES),
    Case("await-in-async-method", code("""
        from aio.old import fetch

        class Service:
            async def load(self):
                return fetch(self)
        """), code("""
        from aio.new import fetch

        class Service:
            async def load(self):
                return await fetch(self)
        """), RULES),
    Case("sync-caller-no-fix", code(f"""
        from {F} import create_websocket_manager

        def handler(ctx):
            return create_websocket_manager(user_context=ctx)
        """), code(f"""
        from {F} import create_websocket_manager

        def handler(ctx):
            return create_websocket_manager(user_context=ctx)
        """)),
    Case("sync-function-nested-in-async-no-fix", code("""
        from aio.old import fetch

        async def outer():
            def inner():
                return fetch(1)
            return inner
        """), code("""
        from aio.old import fetch

        async def outer():
            def inner():
                return fetch(1)
            return inner
        """), RULES),
    Case("lambda-in-async-no-fix", code("""
        from aio.old import fetch

        async def outer():
            return lambda: fetch(1)
        """), code("""
        from aio.old import fetch

        async def outer():
            return lambda: fetch(1)
        """), RULES),
    Case("module-level-call-no-fix", "from aio.old import fetch\n\nDATA = fetch(1)\n",
         "from aio.old import fetch\n\nDATA = fetch(1)\n", RULES),
]


@pytest.mark.parametrize("case", AWAIT, ids=lambda c: c.id)
def test_await_fixes(project, case):
    run_case(project, case)


@pytest.mark.parametrize(("source", "caller"), [
    ("def handler(ctx):\n    return create_websocket_manager(user_context=ctx)\n", "`handler` (line 4)"),
    ("DATA = create_websocket_manager(user_context=None)\n", "module-level code (line 3)"),
    ("async def outer():\n    return lambda: create_websocket_manager(user_context=1)\n",
     "a lambda (line 4)"),
])
def test_sync_caller_message_says_the_caller_must_become_async(project, source, caller):
    text = f"from {F} import create_websocket_manager\n\n" + source
    findings = project.check(text)
    call = next(f for f in findings if f.kind is FindingKind.REFERENCE)
    assert not call.fixable
    assert call.no_fix_reason == (f"{caller} is not async; make it `async def` to await "
                                  "`get_websocket_manager`")
    assert call.no_fix_reason in call.message  # the user sees why, not just a missing fix


def test_await_reference_without_call_has_no_fix(project):
    # Passing the function on would hand its callers a coroutine: no fix, and the message says why.
    before = code(f"""
        from {F} import create_websocket_manager

        async def run():
            fn = create_websocket_manager
            return fn
        """)
    findings = project.check(before)
    assert {f.applicability for f in findings} == {None}
    assert {f.no_fix_reason for f in findings} == {
        "`create_websocket_manager` is used without being called (line 4): `get_websocket_manager` "
        "is async, so whatever calls it must await it; fix by hand"}
    assert project.fix(before, unsafe=True).text == before


# -- call rewrites: argument mapping never invents values ---------------------------------------

CALLS = [
    Case("call-rule-drops-and-renames", code("""
        from ctx.old import Context

        def make(m):
            return Context(user=1, legacy=m)
        """), code("""
        from ctx.old import make_context

        def make(m):
            return make_context(user_id=1)
        """), RULES),
    Case("call-rule-keeps-other-uses", code("""
        from ctx.old import Context

        def make(m):
            a = Context(user_id=1, legacy=m)
            b = Context(user_id=2)
            return a, b
        """), code("""
        from ctx.old import Context, make_context

        def make(m):
            a = make_context(user_id=1)
            b = Context(user_id=2)
            return a, b
        """), RULES),
    Case("call-rule-multi-line-call", code("""
        from ctx.old import Context

        def make(m):
            return Context(
                user_id=1,  # who
                legacy=m,
            )
        """), code("""
        from ctx.old import make_context

        def make(m):
            return make_context(
                user_id=1,  # who
            )
        """), RULES),
    Case("call-rule-missing-required-keyword", code("""
        from ctx.old import Context

        def make(m):
            return Context(legacy=m)
        """), code("""
        from ctx.old import Context

        def make(m):
            return Context(legacy=m)
        """), RULES),
    Case("seed-3-without-user-id", code(f"""
        from {U} import UserExecutionContext

        async def build(manager):
            return UserExecutionContext(websocket_manager=manager)
        """), code(f"""
        from {U} import UserExecutionContext

        async def build(manager):
            return UserExecutionContext(websocket_manager=manager)
        """)),
    Case("seed-3-positional-argument", code(f"""
        from {U} import UserExecutionContext

        async def build(manager):
            return UserExecutionContext("u1", websocket_manager=manager)
        """), code(f"""
        from {U} import UserExecutionContext

        async def build(manager):
            return UserExecutionContext("u1", websocket_manager=manager)
        """)),
    Case("seed-3-double-star-kwargs", code(f"""
        from {U} import UserExecutionContext

        async def build(manager, **extra):
            return UserExecutionContext(websocket_manager=manager, **extra)
        """), code(f"""
        from {U} import UserExecutionContext

        async def build(manager, **extra):
            return UserExecutionContext(websocket_manager=manager, **extra)
        """)),
    Case("seed-3-through-module-alias", code(f"""
        import {U} as uec

        async def build(manager):
            return uec.UserExecutionContext(user_id="u1", websocket_manager=manager)
        """), code(f"""
        from {U} import create_defensive_user_execution_context

        async def build(manager):
            return await create_defensive_user_execution_context(user_id="u1")
        """)),
    Case("calls-report-import-without-uses", "from svc.old import Client\n",
         "from svc.new import Client\n", RULES),
    Case("calls-report-uses-left-alone", "from svc.old import Client\n\nclient = Client()\n",
         "from svc.old import Client\n\nclient = Client()\n", RULES),
    Case("rename-keywords-same-name", "from kw.old import build\n\nbuild(size=3, name='x')\n",
         "from kw.new import build\n\nbuild(capacity=3, name='x')\n", RULES),
    Case("rename-keywords-with-await-and-new-name", code("""
        from kw.old import make

        async def go():
            return make(size=1)
        """), code("""
        from kw.new import produce

        async def go():
            return await produce(capacity=1)
        """), RULES),
]


@pytest.mark.parametrize("case", CALLS, ids=lambda c: c.id)
def test_call_fixes(project, case):
    run_case(project, case)


@pytest.mark.parametrize(("call", "reason"), [
    ("UserExecutionContext(websocket_manager=m)",
     "missing `user_id=`: ssot-ls never invents argument values"),
    ("UserExecutionContext('u1', websocket_manager=m)",
     "positional arguments cannot be mapped to the new call"),
    ("UserExecutionContext(websocket_manager=m, **kw)", "`**kwargs` hides which arguments are passed"),
])
def test_argument_mapping_never_invents_values(project, call, reason):
    text = f"from {U} import UserExecutionContext\n\nasync def build(m, kw):\n    return {call}\n"
    [finding] = project.check(text)
    assert finding.code == "SSOT003"
    assert not finding.fixable and finding.no_fix_reason == reason


# -- sources: line endings, BOM, encoding cookie, no final newline -------------------------------

SOURCES = [
    Case("crlf", (f"import os\r\nfrom {F} import create_websocket_manager\r\n\r\n"
                  "async def run(c):\r\n    return create_websocket_manager(user_context=c)\r\n"),
         (f"import os\r\nfrom {M} import get_websocket_manager\r\n\r\n"
          "async def run(c):\r\n    return await get_websocket_manager(user_context=c)\r\n")),
    Case("crlf-split-adds-crlf-lines", "from old.pkg import thing, keep\r\n\r\nthing()\r\n",
         "from old.pkg import keep\r\nfrom new.pkg import other\r\n\r\nother()\r\n", RULES),
    Case("crlf-removed-line", "from new.pkg import other\r\nfrom old.pkg import thing\r\nthing()\r\n",
         "from new.pkg import other\r\nother()\r\n", RULES),
    Case("encoding-cookie", (f"# -*- coding: latin-1 -*-\nfrom {F} import WebSocketManagerFactory\n"
                             "NAME = 'café'\n"),
         f"# -*- coding: latin-1 -*-\nfrom {C} import create_websocket_manager\nNAME = 'café'\n"),
    Case("no-final-newline", "from old.pkg import thing\nthing()", "from new.pkg import other\nother()",
         RULES),
    Case("non-ascii-on-the-line", "s = 'é🎉'; from old.pkg import thing as t\n",
         "s = 'é🎉'; from new.pkg import other as t\n", RULES),
    # A BOM that reached the engine as text (a client that keeps it) is kept, and the file is
    # still checked.
    Case("leading-bom-character", f"\ufefffrom {F} import WebSocketManagerFactory\n",
         f"\ufefffrom {C} import create_websocket_manager\n"),
]


@pytest.mark.parametrize("case", SOURCES, ids=lambda c: c.id)
def test_source_formats(project, case):
    run_case(project, case)


# -- applicability: safe with --fix, unsafe only with --unsafe-fixes ----------------------------

MIXED = code(f"""
    from unittest import mock
    from {F} import create_websocket_manager

    async def run(ctx):
        return create_websocket_manager(user_context=ctx)

    PATCH = mock.patch("{F}.WebSocketManagerFactory")
    """)


def test_safe_fixes_only_without_unsafe(project):
    result = project.fix(MIXED, unsafe=False)
    assert result.text == MIXED.replace(f"{F}.WebSocketManagerFactory", f"{C}.create_websocket_manager")
    assert {(f.code, f.applicability) for f in result.remaining} == {("SSOT001", Applicability.UNSAFE)}
    assert result.fixed == 1
    assert result.converged  # nothing *allowed* is left
    assert project.fix(MIXED, unsafe=True).text == code(f"""
        from unittest import mock
        from {M} import get_websocket_manager

        async def run(ctx):
            return await get_websocket_manager(user_context=ctx)

        PATCH = mock.patch("{C}.create_websocket_manager")
        """)


def test_safe_import_fix_not_blocked_by_unsafe_one(project):
    project.use_config(RULES)
    before = ("from old.pkg import thing\nfrom aio.old import fetch\n\n"
              "async def go():\n    return thing(fetch(1))\n")
    result = project.fix(before, unsafe=False)
    assert result.text == ("from new.pkg import other\nfrom aio.old import fetch\n\n"
                           "async def go():\n    return other(fetch(1))\n")
    assert [f.code for f in result.remaining if f.fixable] == ["X004", "X004"]
    unsafe = project.fix(before, unsafe=True)
    assert unsafe.text == ("from new.pkg import other\nfrom aio.new import fetch\n\n"
                           "async def go():\n    return other(await fetch(1))\n")
    assert unsafe.remaining == []


def test_fix_counts_and_codes_filter(project):
    project.use_config(RULES)
    before = "from old.pkg import thing\nimport moved.mod\n\nthing()\nmoved.mod.f()\n"
    only_moves = project.fix(before, codes={"X003"})
    assert only_moves.text == "from old.pkg import thing\nimport fresh.place\n\nthing()\nfresh.place.f()\n"
    assert only_moves.fixed == 1
    everything = project.fix(before)
    assert everything.text == "from new.pkg import other\nimport fresh.place\n\nother()\nfresh.place.f()\n"
    assert everything.fixed == 3  # the import, the use and the module import
    assert apply_edits(before, everything.edits) == everything.text


def test_fix_rule_level_overrides(project):
    project.use_config("""
        [[rules]]
        code = "Y001"
        old = "a.old:x"
        new = "a.new:x"
        fix = "unsafe"

        [[rules]]
        code = "Y002"
        old = "b.old:y"
        new = "b.new:y"
        fix = "none"
        """)
    before = "from a.old import x\nfrom b.old import y\n"
    assert project.fix(before, unsafe=False).text == before
    assert project.fix(before, unsafe=True).text == "from a.new import x\nfrom b.old import y\n"


# -- fix_group, fixes_for_findings, suppression_edit ---------------------------------------------

def test_fix_group_fixes_one_finding_only(project):
    text = code(f"""
        from {F} import WebSocketManagerFactory, create_websocket_manager

        async def run(ctx):
            return create_websocket_manager(user_context=ctx)
        """)
    path = project.write("module.py", text)
    findings = check_source(text, path, project.config)
    call = next(f for f in findings if f.code == "SSOT001" and f.kind is FindingKind.REFERENCE)
    fix = fix_group(text, path, project.config, call.group)
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    assert fix.message == f"Use `{M}.get_websocket_manager`"
    assert apply_edits(text, list(fix.edits)) == code(f"""
        from {F} import WebSocketManagerFactory
        from {M} import get_websocket_manager

        async def run(ctx):
            return await get_websocket_manager(user_context=ctx)
        """)
    # The import finding of the same name is the same group: the same fix.
    same = next(f for f in findings if f.code == "SSOT001" and f.kind is FindingKind.IMPORT)
    assert same.group == call.group
    unfixable = next(f for f in findings if f.code == "SSOT002")
    assert fix_group(text, path, project.config, unfixable.group) is None


def test_fix_group_of_unknown_group_is_none(project, preset_config):
    text = f"from {F} import WebSocketManagerFactory\n"
    path = project.write("module.py", text)
    assert fix_group(text, path, preset_config, "0|import:999:0") is None
    assert fix_group(text, path, preset_config, "garbage") is None


def test_fixes_for_findings_fills_in_fixes(project):
    text = f"from {F} import WebSocketManagerFactory\nimport {F}\n"
    path = project.write("module.py", text)
    findings = fixes_for_findings(text, path, project.config, check_source(text, path, project.config))
    by_code = {f.code: f for f in findings}
    assert by_code["SSOT002"].fix is not None
    assert apply_edits(text, list(by_code["SSOT002"].fix.edits)) == (
        f"from {C} import create_websocket_manager\nimport {F}\n")
    assert by_code["SSOT004"].fix is None


@pytest.mark.parametrize(("line", "suppressed"), [
    (f"from {F} import WebSocketManagerFactory\n",
     f"from {F} import WebSocketManagerFactory  # ssot: ignore[SSOT002]\n"),
    (f"from {F} import WebSocketManagerFactory  # ssot: ignore[SSOT001]\n",
     f"from {F} import WebSocketManagerFactory  # ssot: ignore[SSOT001,SSOT002]\n"),
    (f"from {F} import WebSocketManagerFactory\r\n",
     f"from {F} import WebSocketManagerFactory  # ssot: ignore[SSOT002]\r\n"),
])
def test_suppression_edit_python(project, line, suppressed):
    path = project.write("module.py", line)
    [finding] = check_source(line, path, project.config)
    new_text = apply_edits(line, [suppression_edit(line, path, finding)])
    assert new_text == suppressed
    assert check_source(new_text, path, project.config) == []


def test_suppression_edit_on_a_use_line(project):
    text = (f"from {F} import create_websocket_manager  # ssot: ignore\n\n"
            "def run(c):\n    return create_websocket_manager(user_context=c)\n")
    path = project.write("module.py", text)
    [finding] = check_source(text, path, project.config)
    new_text = apply_edits(text, [suppression_edit(text, path, finding)])
    assert new_text.endswith("return create_websocket_manager(user_context=c)  # ssot: ignore[SSOT001]\n")
    assert check_source(new_text, path, project.config) == []


def test_suppression_edit_markdown(project):
    text = f"Intro\n\n- item\n\n  ```python\n  from {F} import WebSocketManagerFactory\n  ```\n"
    path = project.write("docs/guide.md", text)
    [finding] = check_source(text, path, project.config)
    new_text = apply_edits(text, [suppression_edit(text, path, finding)])
    assert new_text == (f"Intro\n\n- item\n\n  <!-- ssot: ignore[SSOT002] -->\n  ```python\n"
                        f"  from {F} import WebSocketManagerFactory\n  ```\n")
    assert check_source(new_text, path, project.config) == []


# -- code that does not parse --------------------------------------------------------------------

def test_unparsable_code_gets_only_safe_single_import_rewrites(project):
    project.use_config(RULES)
    before = "from moved.mod import f\nfrom old.pkg import thing\n\ndef broken(:\n    thing()\n"
    result = project.fix(before)
    # The module move keeps every name, so the import line alone can change; the rename
    # cannot (its uses are unknown) and stays flagged with the reason.
    assert result.text == before.replace("from moved.mod import f", "from fresh.place import f")
    [left] = result.remaining
    assert left.code == "X001" and not left.fixable and "does not parse" in left.no_fix_reason


# -- Markdown fences ------------------------------------------------------------------------------

MARKDOWN = [
    Case("fence-plain", code(f"""
        # Guide 🎉

        ```python
        from {F} import WebSocketManagerFactory
        ```
        """), code(f"""
        # Guide 🎉

        ```python
        from {C} import create_websocket_manager
        ```
        """), path="docs/guide.md"),
    Case("fence-in-list", code(f"""
        1. Set up 🎉

           ```python
           from {F} import create_websocket_manager

           async def run(ctx):
               return create_websocket_manager(user_context=ctx)
           ```
        """), code(f"""
        1. Set up 🎉

           ```python
           from {M} import get_websocket_manager

           async def run(ctx):
               return await get_websocket_manager(user_context=ctx)
           ```
        """), path="docs/guide.md"),
    Case("fence-in-quote-split", code(f"""
        > Old way:
        >
        > ~~~py
        > from {F} import create_websocket_manager, helper
        > ~~~
        """), code(f"""
        > Old way:
        >
        > ~~~py
        > from {F} import helper
        > from {M} import get_websocket_manager
        > ~~~
        """), path="docs/guide.md"),
    Case("fence-in-quote-in-list", code(f"""
        - item

          > ```python
          > import {F} as factory
          >
          > async def run(c):
          >     return factory.create_websocket_manager(user_context=c)
          > ```
        """), code(f"""
        - item

          > ```python
          > from {M} import get_websocket_manager
          >
          > async def run(c):
          >     return await get_websocket_manager(user_context=c)
          > ```
        """), path="docs/guide.md"),
    Case("pycon-prompts-kept", code(f"""
        ```pycon
        >>> from {F} import create_websocket_manager, helper
        >>> async def run(c):
        ...     return create_websocket_manager(user_context=c)
        ...
        >>> 1 + 1
        2
        ```
        """), code(f"""
        ```pycon
        >>> from {F} import helper
        >>> from {M} import get_websocket_manager
        >>> async def run(c):
        ...     return await get_websocket_manager(user_context=c)
        ...
        >>> 1 + 1
        2
        ```
        """), path="docs/guide.md"),
    Case("pycon-multi-line-import", code(f"""
        ```pycon
        >>> from {F} import (
        ...     WebSocketManagerFactory,
        ... )
        ```
        """), code(f"""
        ```pycon
        >>> from {C} import (
        ...     create_websocket_manager,
        ... )
        ```
        """), path="docs/guide.md"),
    Case("emoji-and-crlf", (f"Título 🎉\r\n\r\n```python\r\n"
                            f"x = '✨'; from {F} import WebSocketManagerFactory\r\n"
                            "```\r\n"),
         f"Título 🎉\r\n\r\n```python\r\nx = '✨'; from {C} import create_websocket_manager\r\n```\r\n",
         path="docs/guide.md"),
    Case("broken-fence-left-alone", code(f"""
        ```python
        from {F} import WebSocketManagerFactory
        def broken(:
        ```
        """), code(f"""
        ```python
        from {F} import WebSocketManagerFactory
        def broken(:
        ```
        """), path="docs/guide.md"),
    Case("broken-fence-single-import-line-rewritten", code("""
        ```python
        from moved.mod import f
        def broken(:
        ```
        """), code("""
        ```python
        from fresh.place import f
        def broken(:
        ```
        """), RULES, path="docs/guide.md"),
    Case("other-fences-untouched", code(f"""
        ```js
        from {F} import WebSocketManagerFactory
        ```

        <!-- ssot: ignore -->
        ```python
        from {F} import WebSocketManagerFactory
        ```

        ```python
        from {F} import WebSocketManagerFactory
        ```
        """), code(f"""
        ```js
        from {F} import WebSocketManagerFactory
        ```

        <!-- ssot: ignore -->
        ```python
        from {F} import WebSocketManagerFactory
        ```

        ```python
        from {C} import create_websocket_manager
        ```
        """), path="docs/guide.md"),
]


@pytest.mark.parametrize("case", MARKDOWN, ids=lambda c: c.id)
def test_markdown_fixes(project, case):
    result = run_case(project, case)
    assert not [f for f in result.remaining if f.fixable]


def test_no_fix_reason_in_a_fence_names_the_document_line(project):
    doc = (
        "# Guide\n\nSome prose.\n\n```python\n"
        f"from {F} import create_websocket_manager\n\n"
        "def sync(ctx):\n    return create_websocket_manager(user_context=ctx)\n```\n"
    )
    findings = project.check(doc, "docs/guide.md")
    assert findings and all("(line 9)" in f.no_fix_reason for f in findings)


@pytest.mark.parametrize("text", [
    f"from {F} import create_websocket_manager, \\\n    WebSocketManagerFactory\n",
    f'DOC = """\nimport x\n""" ; from {F} import create_websocket_manager\n',
])
def test_suppression_is_refused_where_a_comment_would_break_or_change_the_code(project, text):
    path = project.root / "module.py"
    for finding in project.check(text):
        edit = suppression_edit(text, path, finding)
        if edit is not None:  # where it is offered it parses and silences the finding
            new_text = apply_edits(text, [edit])
            ast.parse(new_text)
            assert finding.code not in {f.code for f in project.check(new_text)
                                        if f.start == finding.start}
    first = project.check(text)[0]
    if text.startswith("from"):
        assert suppression_edit(text, path, first) is None  # the line ends in a backslash
