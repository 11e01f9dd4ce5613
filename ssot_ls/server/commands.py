"""Workspace commands: ``ssot-ls.fixWorkspace`` and ``ssot-ls.checkWorkspace``.

Fixing sends ONE workspace/applyEdit for every file of every workspace folder: open
documents are fixed from their in-memory text and carry their version, closed files are
read from disk and carry ``version: null`` — so the editor refuses an edit computed for a
text that changed meanwhile. Progress is reported with $/progress; cancelling it (or the
request) changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

from ssot_ls import engine
from ssot_ls.engine import FixResult
from ssot_ls.server import convert, diagnostics, files
from ssot_ls.server.progress import WorkDone
from ssot_ls.server.server import SsotLanguageServer, guarded
from ssot_ls.server.session import Snapshot
from ssot_ls.types import Applicability, Finding
from ssot_ls.workspace import Document, SourceError

logger = logging.getLogger("ssot_ls.server")

FIX_WORKSPACE = "ssot-ls.fixWorkspace"
CHECK_WORKSPACE = "ssot-ls.checkWorkspace"


def register(server: SsotLanguageServer) -> None:
    @server.command(FIX_WORKSPACE)
    @guarded
    async def fix_workspace(ls: SsotLanguageServer, *arguments: Any) -> dict[str, Any]:
        """Arguments (optional): ``{"unsafe": true}`` to apply unsafe fixes too."""
        options = arguments[0] if arguments and isinstance(arguments[0], dict) else {}
        unsafe = options.get("unsafe")
        return await WorkspaceFix(ls, unsafe if isinstance(unsafe, bool) else None).run()

    @server.command(CHECK_WORKSPACE)
    @guarded
    async def check_workspace(ls: SsotLanguageServer, *arguments: Any) -> dict[str, Any]:
        return await check_all(ls)


# ---- fix ---------------------------------------------------------------------------------


@dataclass
class _Planned:
    snapshot: Snapshot
    result: FixResult
    disk: Document | None  # what was read, for closed files


# Progress reports at most this often (or every tenth of the work): a batch of files the
# prefilter drops takes ~1 ms, and a report per batch would be a message per millisecond.
PROGRESS_INTERVAL = 0.1


class WorkspaceFix:
    """Streams the workspace through the engine in batches: a file is read as bytes and
    dropped unread-as-text when no rule's needle is in it; of the rest only the files that
    change are kept (their text, edits and what was read), for the rest only counts. So the
    memory held is that of the changed files, not of the workspace."""

    def __init__(self, ls: SsotLanguageServer, unsafe: bool | None) -> None:
        self._ls = ls
        self._unsafe = unsafe  # None: each folder's `unsafeFixes` setting
        self._progress = WorkDone(ls, "ssot-ls: fix workspace")
        self._skipped: list[str] = []
        self._left: Counter[str] = Counter()  # why findings are left, in unchanged files

    async def run(self) -> dict[str, Any]:
        await self._progress.begin("Finding files…")
        try:
            paths = await files.discover_files(self._ls)
            planned: dict[Path, _Planned] = {}
            reported_at, reported_share = 0.0, 0.0
            for start in range(0, len(paths), files.BATCH_SIZE):
                if self._progress.cancelled:
                    return self._cancelled()
                batch = paths[start:start + files.BATCH_SIZE]
                planned.update(await self._plan(batch))
                done = min(start + files.BATCH_SIZE, len(paths))
                now, share = time.monotonic(), done / len(paths)
                if now - reported_at >= PROGRESS_INTERVAL or share - reported_share >= 0.1:
                    reported_at, reported_share = now, share
                    self._progress.report(done, len(paths))
            if self._progress.cancelled:
                return self._cancelled()
            stale = await self._stale(planned)
            for path in stale:
                del planned[path]
            planned.update(await self._plan(stale))
            return await self._apply(list(planned.values()), len(paths))
        except asyncio.CancelledError:
            self._progress.end("Cancelled: nothing was changed")
            raise
        except BaseException:
            self._progress.end("Failed")
            raise

    async def _plan(self, paths: list[Path]) -> dict[Path, _Planned]:
        """Fix ``paths`` from the text the editor has (open) or the disk has (closed); the
        plans of the files that change."""
        session = self._ls.session
        open_uris = files.open_documents_by_path(self._ls)
        closed = []
        for path in paths:
            if path not in open_uris:
                config = session.file_config(path)
                if config is not None:
                    closed.append((path, config))
        read = dict(await files.read_matching_batch(closed))
        jobs: list[tuple[Path, Snapshot, Document | None]] = []
        for path in paths:
            disk = None
            if path in open_uris:
                snapshot = session.snapshot(open_uris[path])
            else:
                document = read.get(path)
                if document is None:
                    continue  # excluded, or no rule can match: nothing to fix or to count
                if isinstance(document, SourceError):
                    self._skipped.append(str(document))
                    continue
                disk = document
                snapshot = session.snapshot_of_file(path, document.text)
            if snapshot is not None and snapshot.config is not None:
                jobs.append((path, snapshot, disk))
        results = await self._ls.run_analysis(self._fix_all, [job[1] for job in jobs])
        planned = {}
        for (path, snapshot, disk), result in zip(jobs, results, strict=True):
            if isinstance(result, Exception):
                self._skipped.append(f"{path}: {result}")
            elif result.edits:
                planned[path] = _Planned(snapshot, result, disk)
            else:
                self._left.update(_why_left(f) for f in result.remaining)
        return planned

    def _fix_all(self, snapshots: list[Snapshot]) -> list[FixResult | Exception]:
        results: list[FixResult | Exception] = []
        for snapshot in snapshots:
            unsafe = snapshot.settings.unsafe_fixes if self._unsafe is None else self._unsafe
            try:
                assert snapshot.config is not None
                results.append(engine.fix_source(
                    snapshot.text, snapshot.analysis_path, snapshot.config, unsafe=unsafe
                ))
            except Exception as error:  # one bad file must not stop the workspace fix
                logger.exception("fixing %s failed", snapshot.analysis_path)
                results.append(error)
        return results

    async def _stale(self, planned: dict[Path, _Planned]) -> list[Path]:
        """Files to fix again because they changed while we worked (opened, edited, saved)."""
        open_uris = files.open_documents_by_path(self._ls)
        stale = []
        on_disk = []
        for path, plan in planned.items():
            uri = open_uris.get(path)
            if uri is not None:
                if plan.snapshot.version != self._ls.session.documents[uri].version:
                    stale.append(path)
            elif plan.disk is None:
                stale.append(path)  # was open, is closed now: fix what is on disk
            else:
                on_disk.append(path)
        for path, document in await files.read_batch(on_disk):
            if isinstance(document, SourceError) or document.raw != planned[path].disk.raw:
                stale.append(path)
        return stale

    async def _apply(self, changed: list[_Planned], total: int) -> dict[str, Any]:
        builder = convert.WorkspaceEditBuilder(self._ls.session.document_changes)
        for plan in changed:
            snapshot = plan.snapshot
            builder.add(snapshot.uri, snapshot.version,
                        convert.to_text_edits(snapshot.index, plan.result.edits, snapshot.unit))
        reasons = self._left + Counter(_why_left(f) for plan in changed for f in plan.result.remaining)
        summary: dict[str, Any] = {
            "applied": False, "cancelled": False,
            "filesChanged": len(changed),
            "fixesApplied": sum(plan.result.fixed for plan in changed),
            "findingsLeft": sum(reasons.values()),
            "reasons": dict(reasons),
            "filesSkipped": self._skipped,
        }
        if changed:
            self._progress.report(total, total)
            response = await self._ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=builder.build(), label="ssot-ls: fix workspace")
            )
            summary["applied"] = bool(response and response.applied)
            if not summary["applied"]:
                reason = getattr(response, "failure_reason", None) or "no reason given"
                message = f"ssot-ls: the editor did not apply the workspace fix ({reason})"
                self._ls.window_show_message(
                    types.ShowMessageParams(type=types.MessageType.Error, message=message)
                )
                self._progress.end("Not applied")
                return summary
        message = _summary_message(summary)
        self._ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))
        self._progress.end(message)
        return summary

    def _cancelled(self) -> dict[str, Any]:
        message = "ssot-ls: workspace fix cancelled, nothing was changed"
        self._ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))
        self._progress.end("Cancelled: nothing was changed")
        return {"applied": False, "cancelled": True, "filesChanged": 0, "fixesApplied": 0,
                "findingsLeft": None, "reasons": {}, "filesSkipped": self._skipped}


def _why_left(finding: Finding) -> str:
    if finding.no_fix_reason:
        return finding.no_fix_reason
    if finding.applicability is Applicability.UNSAFE:
        return "unsafe fix: apply it as a quick fix, or enable unsafeFixes"
    return "no automatic fix"


def _summary_message(summary: dict[str, Any]) -> str:
    files_changed, fixes = summary["filesChanged"], summary["fixesApplied"]
    message = (
        f"ssot-ls: fixed {fixes} finding{_s(fixes)} in {files_changed} file{_s(files_changed)}"
        if files_changed else "ssot-ls: nothing to fix"
    )
    left = summary["findingsLeft"]
    if left:
        reasons = Counter(summary["reasons"]).most_common(3)
        message += f"; {left} left (" + "; ".join(f"{n} x {why}" for why, n in reasons) + ")"
    if summary["filesSkipped"]:
        message += f"; {len(summary['filesSkipped'])} file(s) skipped (see the log)"
        for skipped in summary["filesSkipped"]:
            logger.warning("skipped %s", skipped)
    return message


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# ---- check -------------------------------------------------------------------------------


async def check_all(ls: SsotLanguageServer) -> dict[str, Any]:
    """Publish diagnostics for every file of the workspace (open ones at their version)."""
    progress = WorkDone(ls, "ssot-ls: check workspace")
    await progress.begin("Finding files…")
    paths = await files.discover_files(ls)
    checked = with_findings = total_findings = 0
    try:
        async for snapshot in files.workspace_snapshots(ls, paths):
            if progress.cancelled:
                progress.end("Cancelled")
                return {"cancelled": True, "files": checked, "filesWithFindings": with_findings,
                        "findings": total_findings}
            findings = await diagnostics.findings_for(ls, snapshot)
            checked += 1
            with_findings += bool(findings)
            total_findings += len(findings)
            is_open = snapshot.version is not None
            if not (is_open and ls.session.pull_diagnostics):
                diagnostics.publish(ls, snapshot, findings)
            if checked % files.BATCH_SIZE == 0:
                progress.report(checked, len(paths))
    except BaseException:
        progress.end("Failed")
        raise
    message = (f"ssot-ls: {total_findings} finding{_s(total_findings)} in {with_findings} of "
               f"{checked} file{_s(checked)}")
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))
    progress.end(message)
    return {"cancelled": False, "files": checked, "filesWithFindings": with_findings,
            "findings": total_findings}
