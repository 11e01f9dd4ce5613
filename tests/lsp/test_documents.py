"""Document sync: language ids, incremental changes, position encodings on emoji lines,
untitled documents and changes the server cannot place."""

from __future__ import annotations

import asyncio

import pytest
from lsp_support import (
    MARKDOWN,
    OLD,
    PATCH_TARGET,
    REFERENCE,
    diagnostics_of,
    position_at,
    range_of,
    settle,
    wait_until,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_python_and_markdown_documents_are_checked(editor):
    python = editor.open(editor.workspace_root / "doc_lang.py", REFERENCE)
    markdown = editor.open(editor.workspace_root / "doc_lang.md", MARKDOWN)
    assert {d.code for d in await diagnostics_of(editor, python)} == {"SSOT001", "SSOT002"}
    assert {d.code for d in await diagnostics_of(editor, markdown)} == {"SSOT001", "SSOT002"}


async def test_other_languages_are_ignored(editor):
    text_file = editor.open(editor.workspace_root / "notes.txt", REFERENCE, language_id="plaintext")
    if editor.pull:
        assert await diagnostics_of(editor, text_file) == []
    else:
        await settle(editor)
        await asyncio.sleep(0.2)
        assert all(not p.diagnostics for p in editor.publications.get(text_file, []))


async def test_ranges_on_emoji_lines_use_the_negotiated_encoding(editor):
    python = editor.open(editor.workspace_root / "doc_emoji.py", REFERENCE)
    markdown = editor.open(editor.workspace_root / "doc_emoji.md", MARKDOWN)
    [import_use, patch_target] = sorted(
        await diagnostics_of(editor, python), key=lambda d: (d.range.start.line, d.range.start.character)
    )
    assert import_use.range == range_of(REFERENCE, "WebSocketManagerFactory", editor.encoding)
    assert patch_target.range == range_of(REFERENCE, PATCH_TARGET, editor.encoding)
    # The non-BMP emoji count 2 UTF-16 units or 4 UTF-8 bytes: the columns really differ.
    line = REFERENCE.splitlines()[4]
    before = line[: line.index(PATCH_TARGET)]
    columns = {"utf-16": len(before.encode("utf-16-le")) // 2, "utf-8": len(before.encode("utf-8"))}
    assert patch_target.range.start.character == columns[editor.encoding] != len(before)

    by_code = {d.code: d for d in await diagnostics_of(editor, markdown)}
    assert by_code["SSOT002"].range == range_of(MARKDOWN, "WebSocketManagerFactory", editor.encoding)
    assert by_code["SSOT001"].range == range_of(MARKDOWN, "create_websocket_manager", editor.encoding)


async def test_incremental_changes_on_an_emoji_line(editor):
    start = 'note = "🎉🎉"; x = 1\n'
    document = editor.open(editor.workspace_root / "doc_typing.py", start)
    assert await diagnostics_of(editor, document) == []
    # Type an import after the emoji, in pieces, as an editor sends keystrokes.
    at = position_at(start, start.index("x = 1"), editor.encoding)
    for piece in (f"from {OLD}", " import create_", "websocket_manager; "):
        editor.edit(document, [types.TextEdit(range=types.Range(start=at, end=at), new_text=piece)])
        at = types.Position(line=at.line, character=at.character + len(piece))
    text = editor.doc_text(document)
    assert text == f'note = "🎉🎉"; from {OLD} import create_websocket_manager; x = 1\n'
    [diagnostic] = await diagnostics_of(editor, document)
    assert diagnostic.range == range_of(text, "create_websocket_manager", editor.encoding)
    # Deleting a range that spans the emoji keeps server and client in step.
    emoji_statement = range_of(text, 'note = "🎉🎉"; ', editor.encoding)
    editor.edit(document, [types.TextEdit(range=emoji_statement, new_text="")])
    [diagnostic] = await diagnostics_of(editor, document)
    text = editor.doc_text(document)
    assert diagnostic.range == range_of(text, "create_websocket_manager", editor.encoding)


async def test_untitled_documents_are_checked(editor):
    document = editor.open("untitled:Untitled-1", REFERENCE, language_id="python")
    assert {d.code for d in await diagnostics_of(editor, document)} == {"SSOT001", "SSOT002"}


async def test_change_to_a_document_that_is_not_open_is_ignored(editor):
    editor.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri="file:///nowhere/never_opened.py", version=7),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=REFERENCE)],
    ))
    await settle(editor)
    await wait_until(lambda: any("never_opened" in m.message for m in editor.log_messages),
                     what="a warning about the unopened document")
    # Still serving.
    document = editor.open(editor.workspace_root / "doc_after_unopened.py", REFERENCE)
    assert await diagnostics_of(editor, document)


async def test_out_of_range_positions_are_clamped(editor):
    document = editor.open(editor.workspace_root / "doc_clamp.py", "x = 1\n")
    beyond = types.Position(line=40, character=99)
    editor.edit(document, [types.TextEdit(range=types.Range(start=beyond, end=beyond),
                                          new_text=f"from {OLD} import create_websocket_manager\n")])
    text = editor.doc_text(document)
    assert text.endswith("import create_websocket_manager\n")  # the client clamps the same way
    [diagnostic] = await diagnostics_of(editor, document)
    assert diagnostic.range == range_of(text, "create_websocket_manager", editor.encoding)
