"""Diagnostics: pushed for open documents (debounced, latest version only) or pulled.

Push: every didOpen/didChange/didSave schedules one analysis per document; a change that
arrives while an analysis is pending or running replaces it after a short debounce, and
results are published only if they are for the document's current version. Pull:
``textDocument/diagnostic`` and ``workspace/diagnostic`` answer with result ids, so a
document whose text and config did not change is not analysed again.
"""

from __future__ import annotations

import asyncio
import logging
import time

from lsprotocol import types

from ssot_ls import engine
from ssot_ls.incremental import reuse_findings
from ssot_ls.server import config_watch, convert, files
from ssot_ls.server.server import SsotLanguageServer, guarded
from ssot_ls.server.session import MARKDOWN_SUFFIXES, Snapshot
from ssot_ls.types import Finding

logger = logging.getLogger("ssot_ls.server")

DEBOUNCE_SECONDS = 0.1
IDENTIFIER = "ssot-ls"


def register(server: SsotLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier=IDENTIFIER, inter_file_dependencies=False, workspace_diagnostics=True
        ),
    )
    @guarded
    async def document_diagnostic(
        ls: SsotLanguageServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        config_watch.poll(ls)
        uri = params.text_document.uri
        snapshot = ls.session.snapshot(uri) or await files.disk_snapshot(ls, uri)
        if snapshot is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        if params.previous_result_id == snapshot.result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=snapshot.result_id)
        items = to_diagnostics(snapshot, await findings_for(ls, snapshot))
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=snapshot.result_id)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    @guarded
    async def workspace_diagnostic(
        ls: SsotLanguageServer, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        config_watch.poll(ls)
        previous = {item.uri: item.value for item in params.previous_result_ids}
        reports: list[types.WorkspaceDocumentDiagnosticReport] = []
        async for snapshot in files.workspace_snapshots(ls):
            if previous.get(snapshot.uri) == snapshot.result_id:
                reports.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=snapshot.uri, version=snapshot.version, result_id=snapshot.result_id
                    )
                )
                continue
            items = to_diagnostics(snapshot, await findings_for(ls, snapshot))
            reports.append(
                types.WorkspaceFullDocumentDiagnosticReport(
                    uri=snapshot.uri, version=snapshot.version, items=items,
                    result_id=snapshot.result_id,
                )
            )
        return types.WorkspaceDiagnosticReport(items=reports)


# ---- analysis ----------------------------------------------------------------------------


async def findings_for(ls: SsotLanguageServer, snapshot: Snapshot) -> list[Finding]:
    """The snapshot's findings: from the cache when its text was analysed before, moved
    along when the edit since cannot change them, else from a full analysis."""
    if snapshot.config is None:
        return []
    cached = ls.session.cached_findings(snapshot)
    if cached is not None:
        return cached
    reused = _reuse_previous(ls, snapshot)
    if reused is not None:
        ls.session.store_findings(snapshot, reused)
        return reused
    started = time.perf_counter()
    findings: list[Finding] = await ls.run_analysis(
        engine.check_source, snapshot.text, snapshot.analysis_path, snapshot.config
    )
    logger.debug(
        "checked %s (version %s): %d findings in %.1f ms", snapshot.uri, snapshot.version,
        len(findings), (time.perf_counter() - started) * 1000,
    )
    ls.session.store_findings(snapshot, findings)
    return findings


def _reuse_previous(ls: SsotLanguageServer, snapshot: Snapshot) -> list[Finding] | None:
    """The keystroke cheap path (the engine decides what cannot change the findings)."""
    previous = ls.session.previous_findings(snapshot)
    if previous is None or snapshot.config is None:
        return None
    old_text, old_findings = previous
    is_markdown = snapshot.analysis_path.suffix.lower() in MARKDOWN_SUFFIXES
    reused = reuse_findings(old_text, old_findings, snapshot.text, snapshot.config.rules, is_markdown)
    if reused is not None:
        logger.debug("reused %d findings for %s (version %s)", len(reused), snapshot.uri, snapshot.version)
    return reused


def to_diagnostics(snapshot: Snapshot, findings: list[Finding]) -> list[types.Diagnostic]:
    rules = snapshot.config.rules if snapshot.config is not None else None
    diagnostics = []
    for finding in findings:
        rule = rules.get(finding.code) if rules is not None else None
        diagnostics.append(
            convert.to_diagnostic(
                finding, snapshot.index, snapshot.unit, version=snapshot.version,
                url=rule.doc_url if rule is not None else None,
            )
        )
    return diagnostics


# ---- push --------------------------------------------------------------------------------


def schedule(ls: SsotLanguageServer, uri: str, *, debounce: bool) -> None:
    """(Re)compute and publish diagnostics for an open document (push mode only).

    The first change after a quiet period is analysed at once (keystroke latency matters);
    changes arriving while that is still pending are coalesced: each one restarts a short
    timer, and only the last version is analysed.
    """
    if ls.session.pull_diagnostics:
        return
    pending = ls.diagnostic_tasks
    previous = pending.pop(uri, None)
    busy = previous is not None and not previous.done()
    if previous is not None:
        previous.cancel()
    delay = DEBOUNCE_SECONDS if debounce and busy else 0.0
    task = asyncio.get_running_loop().create_task(_publish_after(ls, uri, delay))
    pending[uri] = task
    task.add_done_callback(lambda done: _forget(pending, uri, done))


def _forget(pending: dict[str, asyncio.Task[None]], uri: str, task: asyncio.Task[None]) -> None:
    if pending.get(uri) is task:
        del pending[uri]
    if not task.cancelled() and task.exception() is not None:
        logger.error("diagnostics for %s failed: %s", uri, task.exception())


async def _publish_after(ls: SsotLanguageServer, uri: str, delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    snapshot = ls.session.snapshot(uri)
    if snapshot is None:
        return
    findings = await findings_for(ls, snapshot)
    # A newer version (or config) arrived while we worked: its own run will publish.
    if not ls.session.is_current(snapshot):
        return
    publish(ls, snapshot, findings)


def publish(ls: SsotLanguageServer, snapshot: Snapshot, findings: list[Finding]) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=snapshot.uri, diagnostics=to_diagnostics(snapshot, findings), version=snapshot.version
        )
    )


def clear(ls: SsotLanguageServer, uri: str) -> None:
    task = ls.diagnostic_tasks.pop(uri, None)
    if task is not None:
        task.cancel()
    if not ls.session.pull_diagnostics and not config_watch.has_error(ls, uri):
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def refresh_all(ls: SsotLanguageServer) -> None:
    """Configs or settings changed: every open document's diagnostics may be stale."""
    if ls.session.pull_diagnostics:
        if ls.session.supports("workspace.diagnostics.refresh_support"):
            ls.workspace_diagnostic_refresh(None)
        return
    for uri in list(ls.session.documents):
        schedule(ls, uri, debounce=False)


def cancel_pending(ls: SsotLanguageServer) -> None:
    for task in list(ls.diagnostic_tasks.values()):
        task.cancel()
    ls.diagnostic_tasks.clear()
