"""Code actions: quick fixes (safe and unsafe), fix all CODE, source.fixAll, suppression,
the workspace action, and codeAction/resolve — each applied as an editor would and
compared with what the engine itself produces."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_support import (
    ASYNC_CALL,
    MARKDOWN,
    REFERENCE,
    TWO_IMPORTS,
    EditorClient,
    diagnostics_of,
    start,
    stop,
)
from lsprotocol import types

from ssot_ls import engine
from ssot_ls.config import ConfigResolver
from ssot_ls.text import apply_edits

pytestmark = pytest.mark.asyncio(loop_scope="session")


def config_for(path: Path):
    return ConfigResolver().for_path(path)


async def actions_for(
    editor: EditorClient, document: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None
) -> list[types.CodeAction]:
    whole = types.Range(start=types.Position(0, 0), end=types.Position(10_000, 0))
    result = await editor.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=document),
        range=diagnostics[0].range if diagnostics else whole,
        context=types.CodeActionContext(diagnostics=diagnostics, only=only),
    ))
    return list(result or [])


async def apply(editor: EditorClient, action: types.CodeAction) -> str:
    """Resolve the action (edits are computed only now) and apply it like an editor."""
    assert action.edit is None, "edits must wait for codeAction/resolve"
    resolved = await editor.code_action_resolve_async(action)
    assert resolved.edit is not None
    if editor.preset == "visual-studio-code":
        [change] = resolved.edit.document_changes
        assert change.text_document.version == editor.doc_version(change.text_document.uri)
    else:  # Neovim does not declare documentChanges support
        assert resolved.edit.changes
    result = editor.apply_like_an_editor(types.ApplyWorkspaceEditParams(edit=resolved.edit))
    assert result.applied
    return editor.doc_text(action.data["uri"])


def by_title(actions: list[types.CodeAction], start: str) -> types.CodeAction:
    [action] = [a for a in actions if a.title.startswith(start)]
    return action


def quick_fix(actions: list[types.CodeAction]) -> types.CodeAction:
    [action] = [a for a in actions if a.data and a.data["action"] == "fix"]
    return action


async def test_safe_quick_fix_is_preferred(editor):
    path = editor.workspace_root / "action_safe.py"
    document = editor.open(path, REFERENCE)
    diagnostics = await diagnostics_of(editor, document)
    reference = diagnostics[1]
    actions = await actions_for(editor, document, [reference])
    fix = quick_fix(actions)
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert "(unsafe)" not in fix.title
    assert fix.diagnostics[0].range == reference.range
    expected = engine.fix_group(REFERENCE, path, config_for(path), reference.data["group"])
    assert await apply(editor, fix) == apply_edits(REFERENCE, expected.edits)
    assert 'mock.patch("netra_backend.app.websocket_core.websocket_manager.get_websocket_manager")' in (
        editor.doc_text(document)
    )
    assert [d.code for d in await diagnostics_of(editor, document)] == ["SSOT002"]


async def test_unsafe_quick_fix_is_offered_but_marked(editor):
    path = editor.workspace_root / "action_unsafe.py"
    document = editor.open(path, ASYNC_CALL)
    diagnostics = await diagnostics_of(editor, document)
    actions = await actions_for(editor, document, diagnostics[:1])
    fix = quick_fix(actions)
    assert fix.title.endswith("(unsafe)") and not fix.is_preferred
    # Unsafe findings are not fixed by the file-wide (safe) fix, so it is not offered.
    assert not [a for a in actions if a.kind == "source.fixAll.ssot-ls"]
    text = await apply(editor, fix)
    assert "return await get_websocket_manager(user_context=ctx)" in text
    expected = engine.fix_group(ASYNC_CALL, path, config_for(path), diagnostics[0].data["group"])
    assert text == apply_edits(ASYNC_CALL, expected.edits)


async def test_fix_all_of_one_code_in_the_file(editor):
    path = editor.workspace_root / "action_code.py"
    document = editor.open(path, TWO_IMPORTS)
    diagnostics = await diagnostics_of(editor, document)
    assert len({d.data["group"] for d in diagnostics}) == 2
    action = by_title(await actions_for(editor, document, diagnostics[:1]), "Fix all SSOT001")
    expected = engine.fix_source(TWO_IMPORTS, path, config_for(path), codes=["SSOT001"]).text
    assert await apply(editor, action) == expected
    assert await diagnostics_of(editor, document) == []


async def test_source_fix_all_fixes_the_file_like_on_save(editor):
    path = editor.workspace_root / "action_fix_all.md"
    document = editor.open(path, MARKDOWN)
    await diagnostics_of(editor, document)
    # What VS Code's codeActionsOnSave and Neovim's code_action({context={only=…}}) send.
    actions = await actions_for(editor, document, [], only=["source.fixAll.ssot-ls"])
    [action] = actions
    assert action.kind == "source.fixAll.ssot-ls"
    expected = engine.fix_source(MARKDOWN, path, config_for(path)).text
    assert "canonical_imports import create_websocket_manager" in expected
    assert await apply(editor, action) == expected
    assert await diagnostics_of(editor, document) == []
    # The generic "source.fixAll" request finds it too.
    editor.replace_text(document, MARKDOWN)
    await diagnostics_of(editor, document)
    [again] = await actions_for(editor, document, [], only=["source.fixAll"])
    assert again.kind == "source.fixAll.ssot-ls"


@pytest.mark.parametrize(("name", "text", "code"), [
    ("action_suppress.py", ASYNC_CALL, "SSOT001"),
    ("action_suppress.md", MARKDOWN, "SSOT002"),
], ids=["python", "markdown"])
async def test_suppression(editor, name, text, code):
    path = editor.workspace_root / name
    document = editor.open(path, text)
    diagnostics = [d for d in await diagnostics_of(editor, document) if d.code == code]
    action = by_title(await actions_for(editor, document, diagnostics[:1]), f"Suppress {code}")
    findings = [f for f in engine.check_source(text, path, config_for(path)) if f.code == code]
    expected = apply_edits(text, [engine.suppression_edit(text, path, findings[0])])
    result = await apply(editor, action)
    assert result == expected
    assert f"ssot: ignore[{code}]" in result
    remaining = [d for d in await diagnostics_of(editor, document) if d.code == code]
    assert len(remaining) == len(diagnostics) - 1
    assert diagnostics[0].range.start.line not in {d.range.start.line for d in remaining}


async def test_quick_fix_for_a_diagnostic_of_an_older_version(editor):
    path = editor.workspace_root / "action_stale.py"
    document = editor.open(path, REFERENCE)
    diagnostics = await diagnostics_of(editor, document)
    # The user types above the import before picking the fix; the editor moves the
    # diagnostic along with its text, but its data still describes version 1.
    at_top = types.Range(types.Position(0, 0), types.Position(0, 0))
    editor.edit(document, [types.TextEdit(range=at_top, new_text="# 🎉 a new first line\n")])
    moved = diagnostics[1]
    moved.range = types.Range(
        types.Position(moved.range.start.line + 1, moved.range.start.character),
        types.Position(moved.range.end.line + 1, moved.range.end.character),
    )
    current = editor.doc_text(document)
    fix = quick_fix(await actions_for(editor, document, [moved]))
    [finding] = [f for f in engine.check_source(current, path, config_for(path)) if f.code == moved.code]
    expected = engine.fix_group(current, path, config_for(path), finding.group)
    assert await apply(editor, fix) == apply_edits(current, expected.edits)


async def test_workspace_fix_is_offered_as_a_source_action(editor):
    document = editor.open(editor.workspace_root / "action_workspace.py", REFERENCE)
    actions = await actions_for(editor, document, [], only=["source"])
    workspace = [a for a in actions if a.command is not None]
    assert [a.command.command for a in workspace] == ["ssot-ls.fixWorkspace"]
    assert {a.kind for a in actions} == {"source.fixAll.ssot-ls", "source.ssot-ls.fixWorkspace"}


async def test_no_actions_for_unknown_documents(editor):
    assert await actions_for(editor, "file:///nowhere/unknown.py", []) == []


async def test_clients_without_resolve_or_markdown_get_complete_answers(tmp_path):
    def older_client(capabilities: types.ClientCapabilities) -> None:
        capabilities.text_document.code_action.resolve_support = None
        capabilities.text_document.hover.content_format = [types.MarkupKind.PlainText]

    client, _ = await start("visual-studio-code", tmp_path, adjust=older_client)
    try:
        path = tmp_path / "eager.py"
        document = client.open(path, REFERENCE)
        diagnostics = await diagnostics_of(client, document)
        actions = await actions_for(client, document, diagnostics[1:])
        fix = quick_fix(actions)
        assert fix.edit is not None, "no resolve support: the edit comes with the action"
        assert client.apply_like_an_editor(types.ApplyWorkspaceEditParams(edit=fix.edit)).applied
        expected = engine.fix_group(REFERENCE, path, config_for(path), diagnostics[1].data["group"])
        assert client.doc_text(document) == apply_edits(REFERENCE, expected.edits)
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=document), position=diagnostics[0].range.start))
        assert hover.contents.kind == types.MarkupKind.PlainText
        assert hover.contents.value.startswith("SSOT002 (ssot-ls)")
    finally:
        await stop(client)
