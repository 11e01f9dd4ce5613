"""Workspace-wide fix-all (`ssot-ls.fixWorkspace`) on 200+ files, some open with unsaved
edits: one workspace/applyEdit, $/progress, cancellation, a summary; every file checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_support import (
    ASYNC_CALL,
    CLEAN,
    MARKDOWN,
    OLD,
    REFERENCE,
    TWO_IMPORTS,
    EditorClient,
    start,
    stop,
    uri,
    wait_until,
    write_tree,
)
from lsprotocol import types

from ssot_ls import engine
from ssot_ls.config import ConfigResolver

pytestmark = pytest.mark.asyncio(loop_scope="module")

SYNC_CALLER = f'''\
from {OLD} import create_websocket_manager


def sync_caller(ctx):
    return create_websocket_manager(user_context=ctx)
'''
TEMPLATES = [REFERENCE, TWO_IMPORTS, ASYNC_CALL, CLEAN, SYNC_CALLER]
UNSAVED_PREFIX = f"from {OLD} import WebSocketManagerFactory  # typed, not saved 🎉\n"


def make_workspace(root: Path) -> dict[str, str]:
    files = {f"pkg{n // 25}/module_{n}.py": TEMPLATES[n % len(TEMPLATES)] for n in range(200)}
    files.update({f"docs/guide_{n}.md": MARKDOWN for n in range(12)})
    files["ignored/generated.py"] = REFERENCE  # .gitignore'd
    files[".gitignore"] = "ignored/\n"
    write_tree(root, files)
    # A symlink to a folder outside the workspace is not followed.
    outside = root.parent / f"{root.name}-outside"
    write_tree(outside, {"elsewhere.py": REFERENCE})
    os.symlink(outside, root / "linked", target_is_directory=True)
    return files


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fixer(preset, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"fix-{preset}")
    files = make_workspace(root)
    client, _ = await start(preset, root)
    # Some documents are open with unsaved edits: those are fixed in the editor, not on disk.
    opened = {}
    for relative in ("pkg0/module_0.py", "pkg0/module_1.py", "pkg1/module_27.py", "pkg3/module_83.py",
                     "docs/guide_3.md"):
        text = UNSAVED_PREFIX + files[relative] if relative.endswith(".py") else files[relative] + "\n🎉\n"
        opened[relative] = client.open(root / relative, text)
    client.on_disk = {relative: (root / relative).read_text() for relative in files}  # type: ignore[attr-defined]
    client.opened = opened  # type: ignore[attr-defined]
    yield client
    await stop(client)


async def run_fix(client: EditorClient) -> dict:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ssot-ls.fixWorkspace")
    )


def progress_of(client: EditorClient) -> list:
    runs = [r for r in client.progress_reports.values() if r and r[0].title.endswith("fix workspace")]
    return runs[-1]


async def test_cancelling_changes_nothing(fixer):
    def cancel_on_first_report(params: types.ProgressParams) -> None:
        if isinstance(params.value, dict) and params.value.get("kind") == "report":
            fixer.on_progress = None
            fixer.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=params.token))

    fixer.on_progress = cancel_on_first_report
    result = await run_fix(fixer)
    assert result["cancelled"] is True and result["applied"] is False
    assert fixer.applied == []
    root = fixer.workspace_root
    for relative, text in fixer.on_disk.items():
        assert (root / relative).read_text() == text
    reports = progress_of(fixer)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd) and "Cancelled" in reports[-1].message
    await wait_until(lambda: any("cancelled" in m.message for m in fixer.messages), what="a cancel message")


async def test_fix_workspace_fixes_every_file(fixer):
    root = fixer.workspace_root
    config = ConfigResolver().for_path(root / "pkg0" / "module_0.py")
    expected_by_text: dict[str, engine.FixResult] = {}

    def expected(path: Path, text: str) -> engine.FixResult:
        if text not in expected_by_text:
            expected_by_text[text] = engine.fix_source(text, path, config)
        return expected_by_text[text]

    originals = {relative: fixer.doc_text(document) for relative, document in fixer.opened.items()}
    result = await run_fix(fixer)

    # One workspace edit, versioned where the client supports it.
    [params] = fixer.applied
    if fixer.preset == "visual-studio-code":
        versions = {c.text_document.uri: c.text_document.version for c in params.edit.document_changes}
        for document in fixer.opened.values():
            if document in versions:
                assert versions[document] == 1  # the version the fix was computed for
        assert versions[uri(root / "pkg0" / "module_5.py")] is None  # closed: from disk
    else:
        assert params.edit.changes and not params.edit.document_changes

    fixed = left = changed = 0
    for relative, on_disk in fixer.on_disk.items():
        path = root / relative
        if relative.startswith("ignored/") or relative == ".gitignore":
            assert path.read_text() == on_disk, f"{relative} must not be touched"
            continue
        if relative in fixer.opened:
            want = expected(path, originals[relative])
            assert fixer.doc_text(fixer.opened[relative]) == want.text, relative
            assert path.read_text() == on_disk, f"{relative} is open: the disk is not written"
            changed += want.text != originals[relative]
        else:
            want = expected(path, on_disk)
            assert path.read_text() == want.text, relative
            changed += want.text != on_disk
        fixed += want.fixed if want.edits else 0
        left += len(want.remaining)
    assert (root / "linked" / "elsewhere.py").read_text() == REFERENCE  # symlink not followed

    assert result["applied"] is True and result["cancelled"] is False
    assert result["filesChanged"] == changed > 80
    assert result["fixesApplied"] == fixed
    assert result["findingsLeft"] == left > 0
    assert any("async" in reason for reason in result["reasons"])  # the sync callers, and why

    reports = progress_of(fixer)
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    middle = [r for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert len(middle) >= 5
    percentages = [r.percentage for r in middle]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    total = len(fixer.on_disk) - 2  # everything but .gitignore and the ignored file
    assert middle[-1].message == f"{total}/{total} files"
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    summary = await wait_until(lambda: [m for m in fixer.messages if "fixed" in m.message], what="summary")
    assert f"fixed {fixed} findings in {changed} files" in summary[-1].message
    assert f"{left} left" in summary[-1].message

    # Running it again finds nothing left to fix.
    again = await run_fix(fixer)
    assert again["filesChanged"] == 0 and len(fixer.applied) == 1
