"""Diagnostics: the fields, push (debounced, latest version only), pull with result ids,
workspace pull and the checkWorkspace command."""

from __future__ import annotations

import asyncio

import pytest
from lsp_support import (
    ASYNC_CALL,
    CLEAN,
    OLD,
    PATCH_TARGET,
    REFERENCE,
    diagnostics_of,
    range_of,
    uri,
    wait_until,
    write_tree,
)
from lsprotocol import types

from ssot_ls.config import ConfigResolver

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_diagnostic_fields(editor):
    path = editor.workspace_root / "diag_fields.py"
    document = editor.open(path, ASYNC_CALL)
    diagnostics = await diagnostics_of(editor, document)
    assert len(diagnostics) == 2  # the import and the call site
    rule = ConfigResolver().for_path(path).rules.get("SSOT001")
    for diagnostic in diagnostics:
        assert diagnostic.code == "SSOT001"
        assert diagnostic.severity == types.DiagnosticSeverity.Warning
        assert diagnostic.source == "ssot-ls"
        assert list(diagnostic.tags) == [types.DiagnosticTag.Deprecated]
        assert diagnostic.code_description.href == rule.doc_url
        assert "get_websocket_manager" in diagnostic.message  # names the replacement
        assert diagnostic.data["group"] and diagnostic.data["version"] == 1
        assert diagnostic.data["applicability"] == "unsafe"
    assert [d.range for d in diagnostics] == [
        range_of(ASYNC_CALL, "create_websocket_manager", editor.encoding, n) for n in (0, 1)
    ]


async def test_only_the_latest_version_is_published(editor):
    # Big enough that analysing it takes longer than the client needs to send a change: every
    # function mentions the old module, so no shortcut skips any of it.
    body = "".join(f"def function_{n}(value):\n    return value + {n}  # not websocket_core.factory\n\n\n"
                   for n in range(1500))
    with_import, clean = REFERENCE + body, CLEAN + body
    document = editor.open(editor.workspace_root / "diag_burst.py", clean)
    await diagnostics_of(editor, document)
    # A burst of keystrokes, without waiting: alternately adding and removing the import.
    changes = 30
    for step in range(changes):
        editor.replace_text(document, with_import if step % 2 == 0 else clean)
    final_version = editor.doc_version(document)
    assert await diagnostics_of(editor, document) == []
    if not editor.pull:
        await asyncio.sleep(0.3)  # anything still in flight would arrive now
        published = [p.version for p in editor.publications[document]]
        assert published == sorted(published), "an older version overwrote a newer one"
        assert published[-1] == final_version
        # Changes that arrive while an analysis is pending are coalesced.
        assert len(published) < changes // 2, f"not debounced: {published}"
    editor.replace_text(document, with_import)
    diagnostics = await diagnostics_of(editor, document)
    assert len(diagnostics) == 2
    assert {d.data["version"] for d in diagnostics} == {final_version + 1}


async def test_pull_result_ids_skip_unchanged_documents(editor):
    document = editor.open(editor.workspace_root / "diag_pull.py", REFERENCE)

    async def pull(previous: str | None):
        return await editor.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=document), previous_result_id=previous,
        ))

    first = await pull(None)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and len(first.items) == 2
    again = await pull(first.result_id)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    editor.replace_text(document, CLEAN)
    changed = await pull(first.result_id)
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport) and not changed.items
    assert changed.result_id != first.result_id


async def test_workspace_pull_covers_closed_files(editor, tmp_path_factory):
    folder = editor.workspace_root / "pulled"
    write_tree(folder, {"closed_a.py": REFERENCE, "closed_b.py": CLEAN, "docs/closed.md": f"""\
        ```python
        from {OLD} import WebSocketManagerFactory
        ```
        """})
    document = editor.open(folder / "open_edited.py", ASYNC_CALL)
    report = await editor.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    by_uri = {item.uri: item for item in report.items}
    assert len(by_uri[uri(folder / "closed_a.py")].items) == 2
    assert by_uri[uri(folder / "closed_a.py")].version is None
    assert not by_uri[uri(folder / "closed_b.py")].items
    assert [d.code for d in by_uri[uri(folder / "docs/closed.md")].items] == ["SSOT002"]
    assert by_uri[document].version == editor.doc_version(document)
    assert len(by_uri[document].items) == 2

    previous = [types.PreviousResultId(uri=item.uri, value=item.result_id) for item in report.items]
    editor.replace_text(document, CLEAN)
    again = await editor.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=previous)
    )
    kinds = {item.uri: item.kind for item in again.items}
    assert kinds[uri(folder / "closed_a.py")] == "unchanged"
    assert kinds[document] == "full"


async def test_closing_a_document_clears_its_diagnostics(editor):
    if editor.pull:
        pytest.skip("pull clients drop a closed document's pulled diagnostics themselves")
    document = editor.open(editor.workspace_root / "diag_close.py", REFERENCE)
    assert await diagnostics_of(editor, document)
    editor.close(document)
    await wait_until(lambda: not editor.publications[document][-1].diagnostics, what="cleared diagnostics")


async def test_check_workspace_publishes_every_file(editor):
    folder = editor.workspace_root / "checked"
    write_tree(folder, {"one.py": ASYNC_CALL, "two.py": CLEAN, "three.py": REFERENCE})
    result = await editor.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ssot-ls.checkWorkspace")
    )
    assert result["files"] >= 3 and result["findings"] >= 4
    one = await wait_until(lambda: editor.publications.get(uri(folder / "one.py")), what="one.py")
    assert [d.code for d in one[-1].diagnostics] == ["SSOT001", "SSOT001"]
    assert one[-1].version is None
    three = editor.publications[uri(folder / "three.py")][-1]
    assert three.diagnostics[1].range == range_of(REFERENCE, PATCH_TARGET, editor.encoding)
    await wait_until(lambda: any("finding" in m.message for m in editor.messages), what="a summary")


async def test_findings_move_with_keystrokes_above_them(editor):
    text = f'"""Module."""\n\nMESSAGE = "hello"\nLIMIT = 1\nfrom {OLD} import WebSocketManagerFactory\n'
    document = editor.open(editor.workspace_root / "diag_moving.py", text)
    assert len(await diagnostics_of(editor, document)) == 1
    # Keystrokes on lines above the finding (which the server may answer without analysing).
    inside = range_of(text, "hello", editor.encoding).end
    editor.edit(document, [types.TextEdit(range=types.Range(inside, inside), new_text=" 🎉 there")])
    after_one = range_of(editor.doc_text(document), "1", editor.encoding).end
    editor.edit(document, [types.TextEdit(range=types.Range(after_one, after_one), new_text="0")])
    [diagnostic] = await diagnostics_of(editor, document)
    current = editor.doc_text(document)
    assert diagnostic.range == range_of(current, "WebSocketManagerFactory", editor.encoding)
    assert diagnostic.data["version"] == editor.doc_version(document) == 3
    hover = await editor.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=document), position=diagnostic.range.start))
    assert hover.range == diagnostic.range
    # The quick fix found through the diagnostic's data fixes the current text.
    [fix] = [a for a in await editor.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=document), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic]),
    )) if a.data and a.data["action"] == "fix"]
    resolved = await editor.code_action_resolve_async(fix)
    assert editor.apply_like_an_editor(types.ApplyWorkspaceEditParams(edit=resolved.edit)).applied
    assert editor.doc_text(document) == current.replace(
        f"from {OLD} import WebSocketManagerFactory",
        "from netra_backend.app.websocket_core.canonical_imports import create_websocket_manager",
    )
