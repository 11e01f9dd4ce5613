"""Hover, and the server's behaviour with requests it cannot serve: it answers them with
an error or an empty result, and keeps serving."""

from __future__ import annotations

import json

import pytest
from lsp_support import (
    ASYNC_CALL,
    PATCH_TARGET,
    REFERENCE,
    diagnostics_of,
    position_at,
    range_of,
    uri,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def hover(editor, document: str, position: types.Position) -> types.Hover | None:
    return await editor.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=document), position=position)
    )


async def test_hover_on_a_flagged_name_explains_the_rule(editor):
    document = editor.open(editor.workspace_root / "hover.py", REFERENCE)
    await diagnostics_of(editor, document)
    inside = position_at(REFERENCE, REFERENCE.index(PATCH_TARGET) + 10, editor.encoding)
    result = await hover(editor, document, inside)
    assert result.range == range_of(REFERENCE, PATCH_TARGET, editor.encoding)
    assert result.contents.kind == types.MarkupKind.Markdown
    text = result.contents.value
    assert "**SSOT001**" in text
    assert "Replacement: `netra_backend.app.websocket_core.websocket_manager.get_websocket_manager`" in text
    assert "safe fix" in text
    assert "docs" in text.lower()


async def test_hover_elsewhere_is_empty(editor):
    document = editor.open(editor.workspace_root / "hover_empty.py", REFERENCE)
    assert await hover(editor, document, types.Position(line=0, character=2)) is None
    assert await hover(editor, "file:///nowhere/unknown.py", types.Position(0, 0)) is None
    assert await hover(editor, document, types.Position(line=500, character=500)) is None


async def test_a_failing_request_gets_an_error_and_the_server_keeps_serving(editor):
    document = editor.open(editor.workspace_root / "robust_resolve.py", ASYNC_CALL)
    with pytest.raises(JsonRpcException):
        await editor.code_action_resolve_async(types.CodeAction(title="bogus", data=["not", "a", "dict"]))
    with pytest.raises(JsonRpcException):
        await editor.code_action_resolve_async(
            types.CodeAction(title="bogus", data={"uri": document, "action": "explode"})
        )
    with pytest.raises(JsonRpcException):
        await editor.protocol.send_request_async("ssot-ls/noSuchMethod", {})
    # Not even valid LSP (a negative line), sent as raw bytes past the client's validation.
    body = json.dumps({"jsonrpc": "2.0", "id": "raw-1", "method": "textDocument/hover", "params": {
        "textDocument": {"uri": document}, "position": {"line": -1, "character": 0}}}).encode()
    editor._server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    with pytest.raises(JsonRpcException):
        await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="ssot-ls.nope"))
    # Still serving.
    after = editor.open(editor.workspace_root / "robust_after.py", ASYNC_CALL)
    assert len(await diagnostics_of(editor, after)) == 2


async def test_unknown_and_deleted_files(editor):
    report = await editor.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri="file:///nowhere/missing.py")))
    assert not report.items
    # A file deleted on disk while open is still checked from the editor's text...
    path = editor.workspace_root / "robust_deleted.py"
    path.write_text(ASYNC_CALL)
    document = editor.open(path, ASYNC_CALL)
    path.unlink()
    assert len(await diagnostics_of(editor, document)) == 2
    # ...and once closed, asking for its diagnostics is not an error.
    editor.close(document)
    report = await editor.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path))))
    assert not report.items
    # Closing a document that was never opened is ignored.
    editor.close("file:///nowhere/never_opened.py")
    last = editor.open(editor.workspace_root / "robust_last.py", ASYNC_CALL)
    assert len(await diagnostics_of(editor, last)) == 2
