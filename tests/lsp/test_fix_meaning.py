"""Issue 8 through a real server, as VS Code and as Neovim: the fixes that keep meaning (bindings
kept, names judged per scope) are what the quick fix, fix-on-save and the workspace fix apply,
and a refused fix says why in the diagnostic."""

from __future__ import annotations

import textwrap

import pytest
import pytest_asyncio
from lsp_support import EditorClient, diagnostics_of, start, stop, write_tree
from lsprotocol import types
from test_code_actions import actions_for, apply, quick_fix

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIG = """\
[[rules]]
code = "M001"
old = "mock"
new = "unittest.mock"

[[rules]]
code = "O001"
old = "old:f"
new = "new:g"

[[rules]]
code = "A001"
old = "a"
new = "z"

[[rules]]
code = "W001"
old = "aio.old:fetch"
new = "aio.new:get"
await = true
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MOCK = dedent("""
    from tests import unittest
    import mock

    def f(unittest):
        return mock.patch("x")

    def g(mock):
        return mock.called
    """)
MOCK_FIXED = MOCK.replace("import mock\n", "from unittest import mock\n")
STUB = dedent("""
    try:
        from old import f
    except ImportError:
        def f(*args):
            return None
    f(1)
    """)
STUB_FIXED = STUB.replace("from old import f", "from new import g as f")
METHODS = dedent("""
    class T:
        def setUp(self):
            from old import f
            self.x = f()

        def tearDown(self):
            from old import f
            f()
    """)
MOVES = "from a.c import d\nimport a.b as x\n\nd(x)\n"
HEADER_AWAIT = "from aio.old import fetch\n\nasync def h(ctx, m=fetch()):\n    return m\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(preset, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"meaning-{preset}")
    write_tree(root, {"ssot-ls.toml": CONFIG, "on_disk/methods.py": METHODS, "on_disk/moves.py": MOVES,
                      "on_disk/mock_user.py": MOCK})
    editor, _ = await start(preset, root)
    yield editor
    await stop(editor)


async def test_quick_fix_keeps_the_binding(client: EditorClient):
    document = client.open(client.workspace_root / "quick.py", MOCK)
    diagnostics = await diagnostics_of(client, document)
    assert [d.code for d in diagnostics] == ["M001"]  # the parameter `mock` is not a use
    action = quick_fix(await actions_for(client, document, diagnostics))
    assert await apply(client, action) == MOCK_FIXED
    assert await diagnostics_of(client, document) == []


async def test_fix_on_save_rebinds_a_name_bound_twice(client: EditorClient):
    document = client.open(client.workspace_root / "on_save.py", STUB)
    await diagnostics_of(client, document)
    [action] = await actions_for(client, document, [], only=["source.fixAll.ssot-ls"])
    assert await apply(client, action) == STUB_FIXED


async def test_refused_fix_says_why(client: EditorClient):
    document = client.open(client.workspace_root / "refused.py", HEADER_AWAIT)
    diagnostics = await diagnostics_of(client, document)
    assert diagnostics and all("evaluated outside the coroutine" in d.message for d in diagnostics)
    actions = await actions_for(client, document, diagnostics)
    assert not [a for a in actions if a.data and a.data.get("action") == "fix"]
    # Fix-on-save runs and leaves the code as it is.
    for action in await actions_for(client, document, [], only=["source.fixAll.ssot-ls"]):
        resolved = await client.code_action_resolve_async(action)
        if resolved.edit is not None:
            client.apply_like_an_editor(types.ApplyWorkspaceEditParams(edit=resolved.edit))
    assert client.doc_text(document) == HEADER_AWAIT


async def test_workspace_fix_judges_each_scope(client: EditorClient):
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ssot-ls.fixWorkspace"))
    assert result["applied"] is True
    root = client.workspace_root / "on_disk"
    assert (root / "methods.py").read_text() == METHODS.replace("from old import f", "from new import g") \
        .replace("self.x = f()", "self.x = g()").replace("        f()\n", "        g()\n")
    assert (root / "moves.py").read_text() == "from z.c import d\nimport z.b as x\n\nd(x)\n"
    assert (root / "mock_user.py").read_text() == MOCK_FIXED
