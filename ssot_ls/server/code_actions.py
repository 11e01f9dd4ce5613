"""Code actions: a quick fix and a suppression per diagnostic, "fix all CODE in this
file", ``source.fixAll.ssot-ls`` and the workspace fix. Edits are computed in
``codeAction/resolve``, only for the action the user picks (eagerly for clients that
cannot resolve)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ssot_ls import engine
from ssot_ls.server import commands, convert
from ssot_ls.server.diagnostics import findings_for
from ssot_ls.server.server import SsotLanguageServer, guarded
from ssot_ls.server.session import Snapshot
from ssot_ls.types import Applicability, Edit, Finding

FIX_ALL_KIND = "source.fixAll.ssot-ls"
FIX_WORKSPACE_KIND = "source.ssot-ls.fixWorkspace"
QUICKFIX = types.CodeActionKind.QuickFix.value

# What an action's ``data["action"]`` asks resolve to compute.
FIX_ONE, FIX_CODE, FIX_ALL, SUPPRESS = "fix", "fixCode", "fixAll", "suppress"


def register(server: SsotLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[QUICKFIX, FIX_ALL_KIND, FIX_WORKSPACE_KIND], resolve_provider=True
        ),
    )
    @guarded
    async def code_action(
        ls: SsotLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        snapshot = ls.session.snapshot(params.text_document.uri)
        if snapshot is None or snapshot.config is None:
            return None
        only = params.context.only
        ours = [d for d in params.context.diagnostics if _is_ours(d)]
        actions: list[types.CodeAction] = []
        needs_findings = (ours and _wanted(QUICKFIX, only)) or _wanted(FIX_ALL_KIND, only)
        findings = await findings_for(ls, snapshot) if needs_findings else []
        if _wanted(QUICKFIX, only):
            actions += [action for d in ours for action in _diagnostic_actions(snapshot, d, findings)]
            actions += _fix_code_actions(snapshot, ours, findings)
        applicable = [f for f in findings if _applies(f, snapshot)]
        if _wanted(FIX_ALL_KIND, only) and (applicable or only is not None):
            actions.append(_action("Fix all ssot-ls findings in this file", FIX_ALL_KIND,
                                   snapshot, FIX_ALL))
        if only is not None and _wanted(FIX_WORKSPACE_KIND, only):
            actions.append(types.CodeAction(
                title="Fix all ssot-ls findings in the workspace",
                kind=FIX_WORKSPACE_KIND,
                command=types.Command("Fix all ssot-ls findings in the workspace",
                                      commands.FIX_WORKSPACE),
            ))
        if not ls.session.supports("text_document.code_action.resolve_support"):
            for action in actions:
                if action.data is not None:
                    await _resolve(ls, action)
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    @guarded
    async def resolve_code_action(ls: SsotLanguageServer, action: types.CodeAction) -> types.CodeAction:
        return await _resolve(ls, action)


def _is_ours(diagnostic: types.Diagnostic) -> bool:
    return diagnostic.source == convert.SOURCE and isinstance(diagnostic.data, dict)


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for "source" includes "source.fixAll.ssot-ls"."""
    if only is None:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in map(str, only))


def _action(
    title: str, kind: str, snapshot: Snapshot, action: str, *,
    diagnostics: list[types.Diagnostic] | None = None, preferred: bool | None = None,
    **data: Any,
) -> types.CodeAction:
    return types.CodeAction(
        title=title, kind=kind, diagnostics=diagnostics, is_preferred=preferred,
        data={"uri": snapshot.uri, "version": snapshot.version, "action": action, **data},
    )


def _diagnostic_actions(
    snapshot: Snapshot, diagnostic: types.Diagnostic, findings: list[Finding]
) -> list[types.CodeAction]:
    data = diagnostic.data
    code = str(diagnostic.code)
    where = _range_data(diagnostic.range)
    actions = []
    applicability, group, title = data.get("applicability"), data.get("group"), data.get("fixTitle")
    if data.get("version") != snapshot.version:
        # The document changed since this diagnostic was computed; the editor has moved its
        # range along with the text, so it locates the finding in the current text.
        current = _finding_at(snapshot, findings, code, where)
        if current is None:
            return []
        group, title = current.group, current.fix_title
        applicability = current.applicability.value if current.fixable else None
    if applicability in (Applicability.SAFE.value, Applicability.UNSAFE.value) and group:
        actions.append(_action(
            convert.fix_title(title, code, applicability), QUICKFIX, snapshot,
            FIX_ONE, diagnostics=[diagnostic],
            preferred=applicability == Applicability.SAFE.value, group=group, code=code, range=where,
        ))
    actions.append(_action(
        f"Suppress {code} here (ssot: ignore[{code}])", QUICKFIX, snapshot, SUPPRESS,
        diagnostics=[diagnostic], code=code, range=where,
    ))
    return actions


def _finding_at(snapshot: Snapshot, findings: list[Finding], code: str, where: Any) -> Finding | None:
    """The finding of ``code`` overlapping the range ``[line, column, line, column]``."""
    try:
        start_line, start_column, end_line, end_column = (int(n) for n in where)
    except (TypeError, ValueError) as error:
        raise JsonRpcInvalidParams(message="code action data without a valid range") from error
    start, end = convert.to_offsets(
        snapshot.index,
        types.Range(types.Position(start_line, start_column), types.Position(end_line, end_column)),
        snapshot.unit,
    )
    matches = [f for f in findings if f.code == code and f.start <= end and start <= f.end]
    return min(matches, key=lambda f: abs(f.start - start), default=None)


def _fix_code_actions(
    snapshot: Snapshot, diagnostics: list[types.Diagnostic], findings: list[Finding]
) -> list[types.CodeAction]:
    """"Fix all CODE in this file", when more than one place would be fixed."""
    actions = []
    for code in dict.fromkeys(str(d.code) for d in diagnostics):
        groups = {f.group for f in findings if f.code == code and _applies(f, snapshot)}
        if len(groups) > 1:
            actions.append(_action(f"Fix all {code} in this file", QUICKFIX, snapshot, FIX_CODE,
                                   code=code))
    return actions


def _applies(finding: Finding, snapshot: Snapshot) -> bool:
    """Whether file-wide fixes would fix ``finding`` under the snapshot's settings."""
    applicability = finding.applicability
    return applicability is not None and applicability.allowed(snapshot.settings.unsafe_fixes)


def _range_data(range_: types.Range) -> list[int]:
    return [range_.start.line, range_.start.character, range_.end.line, range_.end.character]


async def _resolve(ls: SsotLanguageServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data
    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        raise JsonRpcInvalidParams(message="code action data without a document uri")
    kind = data.get("action")
    if kind not in (FIX_ONE, FIX_CODE, FIX_ALL, SUPPRESS):
        raise JsonRpcInvalidParams(message=f"unknown code action {kind!r}")
    snapshot = ls.session.snapshot(data["uri"])
    if snapshot is None or snapshot.config is None:
        return action  # closed or disabled meanwhile: nothing to apply
    if kind == SUPPRESS:
        edits = await _suppression_edits(ls, snapshot, data)
    else:
        if kind == FIX_ONE and data.get("version") != snapshot.version:
            # Edited between listing and picking: find the same finding in the new text.
            findings = await findings_for(ls, snapshot)
            current = _finding_at(snapshot, findings, str(data.get("code")), data.get("range"))
            if current is None:
                return action
            data = {**data, "group": current.group}
        edits = await ls.run_analysis(_fix_edits, snapshot, data)
    if edits:
        builder = convert.WorkspaceEditBuilder(ls.session.document_changes)
        text_edits = convert.to_text_edits(snapshot.index, edits, snapshot.unit)
        builder.add(snapshot.uri, snapshot.version, text_edits)
        action.edit = builder.build()
    return action


def _fix_edits(snapshot: Snapshot, data: dict[str, Any]) -> list[Edit]:
    """Edits against the snapshot's text (which may be newer than the diagnostic)."""
    text, path, config = snapshot.text, snapshot.analysis_path, snapshot.config
    assert config is not None
    if data["action"] == FIX_ONE:
        fix = engine.fix_group(text, path, config, str(data.get("group")))
        return list(fix.edits) if fix is not None else []
    codes = [str(data["code"])] if data["action"] == FIX_CODE else None
    unsafe = snapshot.settings.unsafe_fixes
    return engine.fix_source(text, path, config, unsafe=unsafe, codes=codes).edits


async def _suppression_edits(ls: SsotLanguageServer, snapshot: Snapshot, data: dict[str, Any]) -> list[Edit]:
    findings = await findings_for(ls, snapshot)
    finding = _finding_at(snapshot, findings, str(data.get("code")), data.get("range"))
    if finding is None:
        return []
    edit = engine.suppression_edit(snapshot.text, snapshot.analysis_path, finding)
    return [edit] if edit is not None else []
