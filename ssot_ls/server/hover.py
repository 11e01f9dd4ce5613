"""Hover on a flagged name: the rule, its message and the replacement."""

from __future__ import annotations

from lsprotocol import types

from ssot_ls.rules import Rule
from ssot_ls.server import convert
from ssot_ls.server.diagnostics import findings_for
from ssot_ls.server.server import SsotLanguageServer, guarded
from ssot_ls.types import Finding


def register(server: SsotLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded
    async def hover(ls: SsotLanguageServer, params: types.HoverParams) -> types.Hover | None:
        snapshot = ls.session.snapshot(params.text_document.uri)
        if snapshot is None or snapshot.config is None:
            return None
        offset = convert.to_offset(snapshot.index, params.position, snapshot.unit)
        under = [f for f in await findings_for(ls, snapshot) if f.start <= offset <= f.end]
        if not under:
            return None
        finding = min(under, key=lambda f: f.end - f.start)
        markdown = _markdown_supported(ls)
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText,
                value=_explain(finding, snapshot.config.rules.get(finding.code), markdown),
            ),
            range=convert.to_range(snapshot.index, finding.start, finding.end, snapshot.unit),
        )


def _markdown_supported(ls: SsotLanguageServer) -> bool:
    document = ls.session.capabilities.text_document
    formats = document.hover.content_format if document and document.hover else None
    return formats is None or types.MarkupKind.Markdown in formats


def _explain(finding: Finding, rule: Rule | None, markdown: bool) -> str:
    replacement = rule.new_path if rule is not None else None
    fix = finding.no_fix_reason or (
        f"{finding.applicability.value} fix available" if finding.fixable else "no automatic fix"
    )
    if markdown:
        lines = [f"**{finding.code}** (ssot-ls) — {finding.message}", ""]
        if replacement:
            lines += [f"Replacement: `{replacement}`", ""]
        lines.append(f"Fix: {fix}")
        if rule is not None:
            lines += ["", "```text", rule.describe(), "```"]
            if rule.doc_url:
                lines += ["", f"[Rule documentation]({rule.doc_url})"]
        return "\n".join(lines)
    lines = [f"{finding.code} (ssot-ls): {finding.message}"]
    if replacement:
        lines.append(f"Replacement: {replacement}")
    lines.append(f"Fix: {fix}")
    if rule is not None:
        lines += ["", rule.describe()]
    return "\n".join(lines)
