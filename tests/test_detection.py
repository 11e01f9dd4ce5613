"""What counts as a use (issue 2, points 4-6): each form with a positive and a look-alike case.

Expected ranges are written into the source itself: `«...»` marks the exact text a finding
must cover (`text[f.start:f.end]`); the markers are removed before the engine sees the text.
"""

from __future__ import annotations

import re

import pytest

from ssot_ls.presets import CANONICAL, CONTEXT, FACTORY, MANAGER
from ssot_ls.types import Applicability, FindingKind, Severity

F = FACTORY
IMPORT, REFERENCE, STRING = FindingKind.IMPORT, FindingKind.REFERENCE, FindingKind.STRING
_MARK = re.compile("«([^«»]*)»")


def unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Source without markers, and the (start, end) of each marked span in it."""
    spans: list[tuple[int, int]] = []
    pieces: list[str] = []
    length = 0
    last = 0
    for match in _MARK.finditer(marked):
        before = marked[last:match.start()]
        pieces.append(before)
        length += len(before)
        spans.append((length, length + len(match.group(1))))
        pieces.append(match.group(1))
        length += len(match.group(1))
        last = match.end()
    pieces.append(marked[last:])
    return "".join(pieces), spans


def assert_findings(project, marked: str, expected: list[tuple[str, FindingKind]],
                    relative: str = "module.py") -> list:
    text, spans = unmark(marked)
    assert len(spans) == len(expected), "test table: one marker per expected finding"
    findings = project.check(text, relative)
    got = [(f.code, f.kind, text[f.start:f.end], (f.start, f.end)) for f in findings]
    want = [(code, kind, text[s:e], (s, e)) for (code, kind), (s, e) in zip(expected, spans,
                                                                            strict=True)]
    assert got == want
    return findings


# -- Python, built-in preset: positive cases -----------------------------------------------

POSITIVE = [
    ("from-single", f"from {F} import «create_websocket_manager»\n", [("SSOT001", IMPORT)]),
    ("from-among-others",
     f"import os\nfrom {F} import «WebSocketManagerFactory», «create_websocket_manager»\n",
     [("SSOT002", IMPORT), ("SSOT001", IMPORT)]),
    ("from-other-name-of-removed-module", f"from {F} import «helper»\n", [("SSOT004", IMPORT)]),
    ("from-parenthesized", f"from {F} import («create_websocket_manager»)\n",
     [("SSOT001", IMPORT)]),
    ("from-multi-line",
     f"from {F} import (\n    «WebSocketManagerFactory»,  # the class\n"
     "    «create_websocket_manager»,\n)\n",
     [("SSOT002", IMPORT), ("SSOT001", IMPORT)]),
    ("from-backslash-continued", f"from {F} import \\\n    «create_websocket_manager»\n",
     [("SSOT001", IMPORT)]),
    ("from-aliased", f"from {F} import «create_websocket_manager as make»\n",
     [("SSOT001", IMPORT)]),
    ("from-star", f"from {F} import «*»\n", [("SSOT004", IMPORT)]),
    ("from-parent-package", "from netra_backend.app.websocket_core import «factory»\n",
     [("SSOT004", IMPORT)]),
    ("import-module", f"import «{F}»\n", [("SSOT004", IMPORT)]),
    ("import-module-aliased", f"import «{F} as factory»\n", [("SSOT004", IMPORT)]),
    ("import-among-others", f"import os, «{F}», sys\n", [("SSOT004", IMPORT)]),
    ("import-in-function", f"def load():\n    import «{F} as factory»\n    return factory\n",
     [("SSOT004", IMPORT)]),
    ("attribute-use-full-path",
     f"import «{F}»\n\nasync def run(ctx):\n"
     f"    return await «{F}.create_websocket_manager»(user_context=ctx)\n",
     [("SSOT004", IMPORT), ("SSOT001", REFERENCE)]),
    ("attribute-use-alias",
     f"import «{F} as factory»\n\nasync def run(ctx):\n"
     "    return «factory.create_websocket_manager»(user_context=ctx)\n",
     [("SSOT004", IMPORT), ("SSOT001", REFERENCE)]),
    ("attribute-use-from-imported-module",
     "from netra_backend.app.websocket_core import «factory»\n\n"
     "x = «factory.WebSocketManagerFactory»\n",
     [("SSOT004", IMPORT), ("SSOT002", REFERENCE)]),
    ("call-site",
     f"from {F} import «create_websocket_manager»\n\nasync def run(ctx):\n"
     "    return «create_websocket_manager»(user_context=ctx)\n",
     [("SSOT001", IMPORT), ("SSOT001", REFERENCE)]),
    ("call-site-through-alias",
     f"from {F} import «create_websocket_manager as make»\n\nasync def run(ctx):\n"
     "    return «make»(user_context=ctx)\n",
     [("SSOT001", IMPORT), ("SSOT001", REFERENCE)]),
    ("call-site-in-sync-function",
     f"from {F} import «create_websocket_manager»\n\ndef run(ctx):\n"
     "    return «create_websocket_manager»(user_context=ctx)\n",
     [("SSOT001", IMPORT), ("SSOT001", REFERENCE)]),
    ("call-rule-with-keyword",
     f"from {CONTEXT} import UserExecutionContext\n\nasync def make(m):\n"
     "    return «UserExecutionContext»(user_id='u', websocket_manager=m)\n",
     [("SSOT003", REFERENCE)]),
    # A string that is nothing but a dotted path names the thing (settings, entry points).
    ("dotted-path-string", f"print('«{F}.create_websocket_manager»')\n", [("SSOT001", STRING)]),
    ("mock-patch-string",
     "from unittest import mock\n\n"
     f"@mock.patch(\"«{F}.create_websocket_manager»\")\ndef test_it(m):\n    pass\n",
     [("SSOT001", STRING)]),
    ("patch-single-quoted",
     f"from unittest.mock import patch\n\nwith patch('«{F}.WebSocketManagerFactory»'):\n    pass\n",
     [("SSOT002", STRING)]),
    ("patch-attribute-of-name",
     "from unittest.mock import patch\n\n"
     f"patch(\"«{F}.create_websocket_manager.__call__»\")\n",
     [("SSOT001", STRING)]),
    ("patch-object",
     f"from unittest import mock\nimport «{F} as factory»\n\n"
     "mock.patch.object(factory, \"«create_websocket_manager»\")\n",
     [("SSOT004", IMPORT), ("SSOT001", STRING)]),
    ("import-module-string",
     f"import importlib\n\nmod = importlib.import_module(\"«{F}»\")\n", [("SSOT004", STRING)]),
    ("dunder-import-string", f"mod = __import__('«{F}»')\n", [("SSOT004", STRING)]),
    ("except-other-error-is-not-a-fallback",
     f"try:\n    from {MANAGER} import get_websocket_manager\nexcept ValueError:\n"
     f"    from {F} import «create_websocket_manager as get_websocket_manager»\n",
     [("SSOT001", IMPORT)]),
    ("except-import-error-without-canonical-try",
     f"try:\n    import json\nexcept ImportError:\n    from {F} import «create_websocket_manager»\n",
     [("SSOT001", IMPORT)]),
    ("suppression-of-another-code",
     f"from {F} import «create_websocket_manager»  # ssot: ignore[SSOT002]\n",
     [("SSOT001", IMPORT)]),
    ("noqa-of-another-code", f"from {F} import «create_websocket_manager»  # noqa: E501\n",
     [("SSOT001", IMPORT)]),
    ("suppression-on-another-line",
     f"# ssot: ignore\nfrom {F} import «create_websocket_manager»\n", [("SSOT001", IMPORT)]),
    ("real-import-next-to-comment",
     f"# old: from {F} import create_websocket_manager\nfrom {F} import «create_websocket_manager»\n",
     [("SSOT001", IMPORT)]),
    ("non-ascii-before-the-name",
     f"GREETING = 'héllo 🎉'; from {F} import «create_websocket_manager»\n",
     [("SSOT001", IMPORT)]),
    ("does-not-parse",
     f"from {F} import «create_websocket_manager»\n\ndef broken(:\n    pass\n\n"
     f"import «{F} as factory»\n",
     [("SSOT001", IMPORT), ("SSOT004", IMPORT)]),
    ("does-not-parse-indented-multi-line",
     f"class Broken(\n    def run(self):\n        from {F} import (\n"
     "            «WebSocketManagerFactory»,\n        )\n",
     [("SSOT002", IMPORT)]),
    ("does-not-parse-relative",
     "from .factory import «create_websocket_manager»\nprint('unclosed\n",
     [("SSOT001", IMPORT)]),
]


@pytest.mark.parametrize(("marked", "expected"), [pytest.param(m, e, id=i) for i, m, e in POSITIVE])
def test_preset_finds(project, marked, expected):
    # Put the module inside the netra package so the relative case resolves too.
    project.package("netra_backend.app.websocket_core")
    assert_findings(project, marked, expected, "netra_backend/app/websocket_core/user.py")


# -- Python, built-in preset: look-alikes that are not uses --------------------------------

NEGATIVE = [
    ("from-look-alike-module",
     "from netra_backend.app.websocket_core.factory_utils import create_websocket_manager\n"),
    ("from-other-package-factory", "from other_app.factory import create_websocket_manager\n"),
    ("from-canonical", f"from {MANAGER} import get_websocket_manager\n"
                       f"from {CANONICAL} import create_websocket_manager\n"),
    ("from-parent-package-other-name",
     "from netra_backend.app.websocket_core import factory_utils, websocket_manager\n"),
    ("star-from-parent-package", "from netra_backend.app.websocket_core import *\n"),
    ("import-parent-package", "import netra_backend.app.websocket_core as core\n"),
    ("import-look-alike-module",
     "import netra_backend.app.websocket_core.factory_utils as fu\n\n"
     "fu.create_websocket_manager(user_context=None)\n"),
    ("local-function-with-the-old-name",
     "def create_websocket_manager(**kwargs):\n    return kwargs\n\n"
     "create_websocket_manager(user_context=None)\n"),
    ("method-with-the-old-name", "def run(obj):\n    return obj.create_websocket_manager(user_context=1)\n"),
    ("canonical-call", f"from {MANAGER} import get_websocket_manager\n\nasync def run(ctx):\n"
                       "    return await get_websocket_manager(user_context=ctx)\n"),
    ("call-rule-without-keyword",
     f"from {CONTEXT} import UserExecutionContext\n\nctx = UserExecutionContext(user_id='u')\n"),
    ("mock-patch-look-alike",
     "from unittest import mock\n\n"
     "mock.patch('netra_backend.app.websocket_core.factory_utils.create_websocket_manager')\n"),
    ("mock-patch-canonical", f"from unittest import mock\n\nmock.patch('{MANAGER}.get_websocket_manager')\n"),
    ("patch-object-of-other-module",
     "import os\nfrom unittest import mock\n\nmock.patch.object(os, 'create_websocket_manager')\n"),
    ("import-module-look-alike",
     "import importlib\n\nimportlib.import_module('netra_backend.app.websocket_core.factory_v2')\n"),
    ("unrelated-string", f"NOTE = \"moved away from {F}\"\n"),
    ("docstring", f'"""Replaces `{F}.create_websocket_manager`."""\n'),
    ("comment", f"# from {F} import create_websocket_manager\nimport os\n"),
    ("fallback-after-canonical-try",
     f"try:\n    from {MANAGER} import get_websocket_manager\nexcept ImportError:\n"
     f"    from {F} import create_websocket_manager as get_websocket_manager\n"),
    ("fallback-module-not-found-tuple",
     f"try:\n    from {CANONICAL} import create_websocket_manager\n"
     "except (ModuleNotFoundError, AttributeError):\n"
     f"    from {F} import WebSocketManagerFactory as create_websocket_manager\n"),
    ("ssot-ignore", f"from {F} import create_websocket_manager  # ssot: ignore\n"),
    ("ssot-ignore-code", f"from {F} import create_websocket_manager  # ssot: ignore[SSOT001]\n"),
    ("ssot-ignore-codes",
     f"from {F} import WebSocketManagerFactory, helper  # ssot: ignore[SSOT002, SSOT004]\n"),
    ("noqa-code", f"from {F} import create_websocket_manager  # noqa: SSOT001\n"),
    ("noqa-codes", f"from {F} import create_websocket_manager  # noqa: E501, SSOT001\n"),
    ("bare-noqa", f"from {F} import create_websocket_manager  # noqa\n"),
    ("ssot-ignore-multi-line-import",
     f"from {F} import (  # ssot: ignore[SSOT001]\n    create_websocket_manager,\n)\n"),
    ("ssot-ignore-use-line",
     f"from {F} import create_websocket_manager  # ssot: ignore\n\nasync def run(c):\n"
     "    return create_websocket_manager(user_context=c)  # ssot: ignore[SSOT001]\n"),
    ("does-not-parse-without-imports", "def broken(:\n    pass\n"),
    ("does-not-parse-name-in-comment-and-string",
     f"# from {F} import create_websocket_manager\nx = '{F}'\ndef broken(:\n"),
]


@pytest.mark.parametrize("text", [pytest.param(t, id=i) for i, t in NEGATIVE])
def test_preset_ignores(project, text):
    project.package("netra_backend.app.websocket_core")
    findings = project.check(text, "netra_backend/app/websocket_core/user.py")
    assert [(f.code, text[f.start:f.end]) for f in findings] == []


# -- relative imports, resolved against real package folders ---------------------------------

RELATIVE = [
    # (packages to create, file, source, expected codes)
    ("netra_backend.app.websocket_core", "netra_backend/app/websocket_core/user.py",
     "from .factory import «create_websocket_manager»\n", ["SSOT001"]),
    ("netra_backend.app.websocket_core", "netra_backend/app/websocket_core/user.py",
     "from . import «factory»\n", ["SSOT004"]),
    ("netra_backend.app.websocket_core netra_backend.app.routes", "netra_backend/app/routes/ws.py",
     "from ..websocket_core.factory import «WebSocketManagerFactory»\n", ["SSOT002"]),
    ("netra_backend.app.websocket_core netra_backend.app.routes", "netra_backend/app/routes/ws.py",
     "from ...app.websocket_core import «factory as f»\n", ["SSOT004"]),
    ("netra_backend.app.websocket_core.sub", "netra_backend/app/websocket_core/sub/__init__.py",
     "from ..factory import «create_websocket_manager»\n", ["SSOT001"]),
    # Look-alikes: the same text where it resolves elsewhere.
    ("other.websocket_core", "other/websocket_core/user.py",
     "from .factory import create_websocket_manager\n", []),
    # `netra_backend/` has no `__init__.py`: the package root is below it, so `.factory` is
    # `app.websocket_core.factory`, not the deprecated module.
    ("app.websocket_core", "netra_backend/app/websocket_core/user.py",
     "from .factory import create_websocket_manager\n", []),
    ("", "user.py", "from .factory import create_websocket_manager\n", []),
    ("netra_backend.app.websocket_core", "netra_backend/app/websocket_core/user.py",
     "from .factory_utils import create_websocket_manager\n", []),
    ("netra_backend.app.websocket_core", "netra_backend/app/websocket_core/user.py",
     "from .... import factory\n", []),
]


@pytest.mark.parametrize(("packages", "relative", "marked", "codes"), RELATIVE)
def test_relative_imports_resolve_against_the_package(project, packages, relative, marked, codes):
    for dotted in packages.split():
        if dotted == "app.websocket_core":
            # Build netra_backend/app/... without an __init__.py in netra_backend/.
            (project.root / "netra_backend").mkdir()
            folder = project.root / "netra_backend"
            for part in dotted.split("."):
                folder = folder / part
                folder.mkdir()
                (folder / "__init__.py").touch()
        else:
            project.package(dotted)
    assert_findings(project, marked, [(code, IMPORT) for code in codes], relative)


# -- what a finding carries --------------------------------------------------------------------

def test_findings_carry_code_message_severity_kind_and_fixability(project):
    text = (f"from {F} import create_websocket_manager, WebSocketManagerFactory\n\n"
            "def sync(ctx):\n    return create_websocket_manager(user_context=ctx)\n")
    findings = project.check(text)
    by_code_kind = {(f.code, f.kind): f for f in findings}
    assert set(by_code_kind) == {("SSOT001", IMPORT), ("SSOT001", REFERENCE), ("SSOT002", IMPORT)}
    for finding in findings:
        assert finding.severity is Severity.WARNING
    call = by_code_kind[("SSOT001", REFERENCE)]
    # The message names the replacement: the new name and the module it comes from.
    assert "`await get_websocket_manager(...)`" in call.message and MANAGER in call.message
    assert not call.fixable and call.applicability is None
    assert "`sync` (line 4) is not async" in call.no_fix_reason
    assert "async def" in call.no_fix_reason
    factory_class = by_code_kind[("SSOT002", IMPORT)]
    assert "create_websocket_manager" in factory_class.message and CANONICAL in factory_class.message


def test_fixable_finding_has_applicability_and_title(project):
    text = f"from {F} import WebSocketManagerFactory\n"
    [finding] = project.check(text)
    assert finding.fixable
    assert finding.applicability is Applicability.SAFE
    assert finding.no_fix_reason is None
    assert finding.fix_title and CANONICAL in finding.fix_title
    assert finding.group


def test_removed_module_message_names_both_replacements(project):
    [finding] = project.check(f"import {F}\n")
    assert "`websocket_manager`" in finding.message and "`canonical_imports`" in finding.message
    assert not finding.fixable and finding.no_fix_reason


# -- custom rules from ssot-ls.toml ------------------------------------------------------------

CUSTOM = """
[[rules]]
code = "X001"
old = "old.pkg:thing"
new = "new.pkg:other"

[[rules]]
code = "X002"
old = "legacy.db"
severity = "error"

[[rules]]
code = "X003"
old = "moved.mod"
new = "fresh.place"
message = "moved.mod now lives in fresh.place"

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
severity = "information"

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
old = "quiet.old:thing"
new = "quiet.new:thing"
strings = false
severity = "hint"
fix = "unsafe"

[[rules]]
code = "X009"
old = "shown.old:thing"
new = "shown.new:thing"
fix = "none"
"""

CUSTOM_CASES = [
    ("name-rule", "from old.pkg import «thing»\n\n«thing»()\n",
     [("X001", IMPORT), ("X001", REFERENCE)]),
    ("name-rule-among-unruled-names", "from old.pkg import keep, «thing», other_keep\n",
     [("X001", IMPORT)]),
    ("name-rule-look-alike", "from old.pkg import things, thing_two\nfrom old.pkgs import thing\n", []),
    ("name-rule-attribute-not-a-separate-use",
     "from old.pkg import «thing»\n\nprint(«thing».attr)\n", [("X001", IMPORT), ("X001", REFERENCE)]),
    ("module-rule-import", "import «legacy.db»\nimport «legacy.db.tables as t»\n",
     [("X002", IMPORT), ("X002", IMPORT)]),
    ("module-rule-from", "from legacy.db import «connect»\nfrom legacy import «db»\n",
     [("X002", IMPORT), ("X002", IMPORT)]),
    ("module-rule-look-alike", "import legacy\nimport legacy.dbx\nfrom legacy import dbx, io\n", []),
    ("module-move", "import «moved.mod as mm»\nfrom moved.mod import «f»\n",
     [("X003", IMPORT), ("X003", IMPORT)]),
    ("module-move-look-alike", "import moved\nimport moved.modx\nimport fresh.place\n", []),
    ("await-call-site-flagged",
     "from aio.old import «fetch»\n\nasync def go():\n    return «fetch»(1)\n",
     [("X004", IMPORT), ("X004", REFERENCE)]),
    ("same-name-without-await-only-the-import",
     "from moved.mod import «f»\n\nf(1)\n", [("X003", IMPORT)]),
    ("calls-report-use-flagged",
     "from svc.old import «Client»\n\nclient = «Client»()\n", [("X005", IMPORT), ("X005", REFERENCE)]),
    ("when-keyword-only-with-keyword",
     "from ctx.old import Context\n\na = «Context»(user_id=1, legacy=2)\nb = Context(user_id=1)\n",
     [("X006", REFERENCE)]),
    ("when-keyword-through-module",
     "import ctx.old as co\n\na = «co.Context»(legacy=2)\n", [("X006", REFERENCE)]),
    ("when-keyword-look-alike",
     "from ctx.old import Context\n\nContext(legacy_mode=1)\nContext(**{'legacy': 1})\n", []),
    ("rename-keywords-call-site-flagged",
     "from kw.old import «build»\n\n«build»(size=3)\n", [("X007", IMPORT), ("X007", REFERENCE)]),
    ("strings-false", "from unittest import mock\n\nmock.patch('quiet.old.thing')\n", []),
    ("strings-default-true", "from unittest import mock\n\nmock.patch('«old.pkg.thing»')\n",
     [("X001", STRING)]),
]


@pytest.mark.parametrize(("marked", "expected"), [pytest.param(m, e, id=i) for i, m, e in CUSTOM_CASES])
def test_custom_rules_find(project, marked, expected):
    project.use_config(CUSTOM)
    assert_findings(project, marked, expected)


def test_custom_rules_do_not_include_the_preset(project):
    project.use_config(CUSTOM)
    assert project.check(f"from {F} import create_websocket_manager\n") == []


@pytest.mark.parametrize(("source", "code", "severity", "applicability"), [
    ("from old.pkg import thing\n", "X001", Severity.WARNING, Applicability.SAFE),
    ("import legacy.db\n", "X002", Severity.ERROR, None),
    ("from svc.old import Client\n", "X005", Severity.INFORMATION, Applicability.SAFE),
    ("from quiet.old import thing\n", "X008", Severity.HINT, Applicability.UNSAFE),
    ("from shown.old import thing\n", "X009", Severity.WARNING, Applicability.DISPLAY_ONLY),
])
def test_custom_rule_severity_and_fix_level(project, source, code, severity, applicability):
    project.use_config(CUSTOM)
    [finding] = project.check(source)
    assert (finding.code, finding.severity, finding.applicability) == (code, severity, applicability)
    if applicability is Applicability.DISPLAY_ONLY:
        assert not finding.fixable


def test_custom_messages(project):
    project.use_config(CUSTOM)
    text = "from old.pkg import thing\nimport legacy.db\nimport moved.mod\n"
    messages = {f.code: f.message for f in project.check(text)}
    assert messages["X001"] == "`old.pkg.thing` is deprecated; use `new.pkg.other`"
    assert messages["X002"] == "`legacy.db` is deprecated"  # report only: no replacement named
    assert messages["X003"] == "moved.mod now lives in fresh.place"


def test_await_rule_message_says_await(project):
    project.use_config(CUSTOM)
    [finding] = project.check("from aio.old import fetch\n")
    assert finding.message == "`aio.old.fetch` is deprecated; use `await aio.new.fetch(...)`"


def test_call_rule_message_names_the_keyword_and_missing_argument(project):
    project.use_config(CUSTOM)
    text = "from ctx.old import Context\n\nx = Context(legacy=1)\n"
    [finding] = project.check(text)
    assert "legacy=" in finding.message
    assert not finding.fixable
    assert "user_id" in finding.no_fix_reason and "never invents" in finding.no_fix_reason


def test_module_rule_without_new_is_not_fixable(project):
    project.use_config(CUSTOM)
    [finding] = project.check("from legacy.db import connect\n")
    assert not finding.fixable and finding.no_fix_reason


# -- Markdown fences ---------------------------------------------------------------------------

MARKDOWN = [
    ("backtick-python",
     f"# Guide 🎉\n\n```python\nfrom {F} import «create_websocket_manager»\n```\n",
     [("SSOT001", IMPORT)]),
    ("tilde-py",
     f"Intro — ünïcode ✨\n\n~~~py\nimport os  # 🚀\nfrom {F} import «WebSocketManagerFactory»\n~~~\n",
     [("SSOT002", IMPORT)]),
    ("long-fence-python3",
     f"````python3\n# {F}\nx = '🎉'; from {F} import «WebSocketManagerFactory»\n````\n",
     [("SSOT002", IMPORT)]),
    ("py3", f"```py3\nimport «{F} as factory»\n```\n", [("SSOT004", IMPORT)]),
    ("pycon",
     f"```pycon\n>>> from {F} import «create_websocket_manager»\n>>> async def f(c):\n"
     "...     return «create_websocket_manager»(user_context=c)\n...\n>>> 1 + 1\n2\n```\n",
     [("SSOT001", IMPORT), ("SSOT001", REFERENCE)]),
    ("list-indented",
     f"1. Step one 🎉\n\n   ```python\n   from {F} import «WebSocketManagerFactory»\n   ```\n",
     [("SSOT002", IMPORT)]),
    ("nested-list",
     f"- outer\n  - inner 🎯\n\n    ```python\n    import «{F}»\n    ```\n",
     [("SSOT004", IMPORT)]),
    ("block-quoted",
     f"> Note 🎉\n>\n> ```python\n> from {F} import «create_websocket_manager as m»\n> ```\n",
     [("SSOT001", IMPORT)]),
    ("quote-in-list",
     f"- item\n\n  > ```py\n  > x = '😀'; from {F} import «WebSocketManagerFactory»\n  > ```\n",
     [("SSOT002", IMPORT)]),
    ("emoji-before-the-name-in-code",
     f"```python\nE = '👩\u200d👩\u200d👧'; from {F} import «helper»\n```\n", [("SSOT004", IMPORT)]),
    ("crlf",
     f"Text 🎉\r\n\r\n```python\r\nfrom {F} import «create_websocket_manager»\r\n```\r\n",
     [("SSOT001", IMPORT)]),
    ("two-fences",
     f"```python\nfrom {F} import «helper»\n```\n\nmiddle 🎉\n\n"
     f"```python\nfrom {F} import «WebSocketManagerFactory»\n```\n",
     [("SSOT004", IMPORT), ("SSOT002", IMPORT)]),
    ("fence-that-does-not-parse",
     f"```python\nfrom {F} import «WebSocketManagerFactory»\ndef broken(:\n```\n",
     [("SSOT002", IMPORT)]),
    ("unclosed-fence", f"```python\nfrom {F} import «helper»\n", [("SSOT004", IMPORT)]),
    ("mock-patch-in-fence", f"```python\nmock.patch('«{F}.create_websocket_manager»')\n```\n",
     [("SSOT001", STRING)]),
]

MARKDOWN_NEGATIVE = [
    ("javascript-fence", f"```js\nfrom {F} import WebSocketManagerFactory\n```\n"),
    ("no-info-string", f"```\nfrom {F} import WebSocketManagerFactory\n```\n"),
    ("indented-code-block", f"Text\n\n    from {F} import WebSocketManagerFactory\n"),
    ("paragraph", f"Replace `from {F} import create_websocket_manager` with the SSOT import.\n"),
    ("inline-code", f"Use `import {F}` no more.\n"),
    ("ignore-comment", f"<!-- ssot: ignore -->\n```python\nfrom {F} import helper\n```\n"),
    ("ignore-comment-with-code",
     f"<!-- ssot: ignore[SSOT002] -->\n\n```python\nfrom {F} import WebSocketManagerFactory\n```\n"),
    ("pycon-output-line", f"```pycon\n>>> print('x')\nfrom {F} import helper\n```\n"),
    ("comment-in-fence", f"```python\n# from {F} import helper\n```\n"),
]


@pytest.mark.parametrize(("marked", "expected"), [pytest.param(m, e, id=i) for i, m, e in MARKDOWN])
def test_markdown_fences_map_to_document_offsets(project, marked, expected):
    assert_findings(project, marked, expected, "docs/guide.md")


@pytest.mark.parametrize("text", [pytest.param(t, id=i) for i, t in MARKDOWN_NEGATIVE])
def test_markdown_look_alikes(project, text):
    assert project.check(text, "docs/guide.md") == []


def test_markdown_ignore_comment_names_other_code(project):
    marked = f"<!-- ssot: ignore[SSOT001] -->\n```python\nfrom {F} import «helper»\n```\n"
    assert_findings(project, marked, [("SSOT004", IMPORT)], "docs/guide.md")


def test_markdown_off_in_config(project):
    project.use_config('markdown = false\npresets = ["netra-websocket"]\n')
    assert project.check(f"```python\nimport {F}\n```\n", "docs/guide.md") == []
    assert len(project.check(f"import {F}\n", "module.py")) == 1


# -- bad input never raises --------------------------------------------------------------------

HOSTILE = {
    "null-byte-in-string": "x = '\x00'\n",
    "null-byte-alone": "\x00\n",
    "deeply-nested": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "deeply-nested-call-argument": "async def f():\n    return g(" + "[" * 3000 + "]" * 3000 + ")\n",
    "lone-surrogate": "x = '\ud800'\n",
    "huge-line": "x = 1; " * 20000 + "\n",
}


@pytest.mark.parametrize("suffix", ["py", "md"])
@pytest.mark.parametrize("rest", list(HOSTILE.values()), ids=list(HOSTILE))
def test_bad_input_is_checked_and_never_raises(project, rest, suffix):
    text = f"from {F} import WebSocketManagerFactory\n{rest}"
    if suffix == "md":
        text = f"```python\n{text}```\n"
    findings = project.check(text, f"module.{suffix}")
    assert [(f.code, text[f.start:f.end]) for f in findings] == [("SSOT002", "WebSocketManagerFactory")]
    result = project.fix(text, f"module.{suffix}")
    assert result.text.startswith(text[:text.index("from")])
    assert result.text.count("\n") >= text.count("\n")


@pytest.mark.parametrize("text", ["", "\n", "   ", "```python\n```\n", "\r\n\r\n"])
def test_empty_input(project, text):
    assert project.check(text) == []
    assert project.check(text, "doc.md") == []
