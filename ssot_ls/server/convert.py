"""The one place that translates between the engine and LSP.

Offsets (``str`` indices into a document's text) <-> LSP positions in the negotiated
position encoding, engine ``Finding``/``Edit`` <-> ``Diagnostic``/``TextEdit``, and paths <->
URIs. Nothing else in the server does arithmetic on positions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path, uri_scheme

from ssot_ls.config import ConfigError
from ssot_ls.text import LineIndex
from ssot_ls.types import Applicability, Edit, Finding, Severity

SOURCE = "ssot-ls"

# LSP encoding kind -> the unit name ssot_ls.text.LineIndex understands.
_UNITS = {
    types.PositionEncodingKind.Utf8: "utf-8",
    types.PositionEncodingKind.Utf16: "utf-16",
    types.PositionEncodingKind.Utf32: "code-points",
}
# What we pick when the client offers several: UTF-8 is cheapest for us and for the client.
ENCODING_PREFERENCE = (
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf32,
)

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def negotiate_encoding(offered: Sequence[str] | None) -> types.PositionEncodingKind:
    """UTF-16 unless the client offers something we prefer (LSP 3.17 §positionEncoding)."""
    for kind in ENCODING_PREFERENCE:
        if offered and kind in offered:
            return kind
    return types.PositionEncodingKind.Utf16


def units(encoding: types.PositionEncodingKind | str) -> str:
    return _UNITS.get(types.PositionEncodingKind(encoding), "utf-16")


# ---- positions ---------------------------------------------------------------------------


def to_position(index: LineIndex, offset: int, unit: str) -> types.Position:
    line, column = index.position(offset, unit)
    return types.Position(line=line, character=column)


def to_range(index: LineIndex, start: int, end: int, unit: str) -> types.Range:
    return types.Range(start=to_position(index, start, unit), end=to_position(index, end, unit))


def to_offset(index: LineIndex, position: types.Position, unit: str) -> int:
    """Offset of an LSP position; positions past a line's end or the text's end are clamped."""
    return index.offset(position.line, position.character, unit)


def to_offsets(index: LineIndex, range_: types.Range, unit: str) -> tuple[int, int]:
    start = to_offset(index, range_.start, unit)
    end = to_offset(index, range_.end, unit)
    return (start, end) if start <= end else (end, start)


def apply_content_changes(
    text: str, changes: Iterable[types.TextDocumentContentChangeEvent], unit: str
) -> str:
    """The document text after a didChange's content changes, applied in order."""
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = to_offsets(LineIndex(text), change.range, unit)
            text = text[:start] + change.text + text[end:]
        else:
            text = change.text
    return text


# ---- URIs --------------------------------------------------------------------------------


def path_from_uri(uri: str) -> Path | None:
    """The file system path of a ``file:`` URI; None for ``untitled:`` and other schemes."""
    if uri_scheme(uri) != "file":
        return None
    fs_path = to_fs_path(uri)
    return Path(fs_path) if fs_path else None


def uri_from_path(path: Path) -> str:
    uri = from_fs_path(str(path))
    if uri is None:
        raise ValueError(f"cannot make a URI from {path}")
    return uri


# ---- engine -> LSP -----------------------------------------------------------------------


def to_severity(severity: Severity) -> types.DiagnosticSeverity:
    return _SEVERITIES[severity]


def to_diagnostic(
    finding: Finding, index: LineIndex, unit: str, *, version: int | None, url: str | None
) -> types.Diagnostic:
    """A diagnostic whose ``data`` lets a code action find the fix without re-checking."""
    data: dict[str, Any] = {
        "group": finding.group,
        "version": version,
        "code": finding.code,
        "start": finding.start,
        "end": finding.end,
        "applicability": finding.applicability.value if finding.fixable else None,
        "fixTitle": finding.fix_title,
    }
    return types.Diagnostic(
        range=to_range(index, finding.start, finding.end, unit),
        message=finding.message,
        severity=to_severity(finding.severity),
        code=finding.code,
        code_description=types.CodeDescription(href=url) if url else None,
        source=SOURCE,
        tags=[types.DiagnosticTag.Deprecated],
        data=data,
    )


def to_text_edits(index: LineIndex, edits: Iterable[Edit], unit: str) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=to_range(index, edit.start, edit.end, unit), new_text=edit.content)
        for edit in sorted(edits, key=lambda e: (e.start, e.end))
    ]


def config_error_diagnostic(error: ConfigError) -> types.Diagnostic:
    """A diagnostic on the offending line of a config file (the whole file when unknown)."""
    line = max((error.line or 1) - 1, 0)
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=line, character=0),
            end=types.Position(line=line + 1, character=0),
        ),
        message=f"{error.key}: {error.message}" if error.key else error.message,
        severity=types.DiagnosticSeverity.Error,
        code="config",
        source=SOURCE,
    )


def fix_title(finding_title: str | None, code: str, applicability: str | None) -> str:
    """Quick-fix title; unsafe fixes say so, so nobody applies one without noticing."""
    title = finding_title or f"Fix {code}"
    if applicability == Applicability.UNSAFE.value:
        title += " (unsafe)"
    return title


class WorkspaceEditBuilder:
    """Builds ``documentChanges`` (versioned) when the client supports them, else ``changes``.

    Versioned changes let the client refuse an edit computed for an older version; a
    closed document gets version ``None`` (it is applied to the file as it is on disk).
    """

    def __init__(self, document_changes: bool) -> None:
        self._document_changes = document_changes
        self._edits: list[tuple[str, int | None, list[types.TextEdit]]] = []

    def add(self, uri: str, version: int | None, edits: list[types.TextEdit]) -> None:
        if edits:
            self._edits.append((uri, version, edits))

    def __len__(self) -> int:
        return len(self._edits)

    def build(self) -> types.WorkspaceEdit:
        if self._document_changes:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=version
                        ),
                        edits=edits,
                    )
                    for uri, version, edits in self._edits
                ]
            )
        return types.WorkspaceEdit(changes={uri: edits for uri, _, edits in self._edits})
