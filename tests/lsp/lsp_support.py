"""Support for the LSP end-to-end tests: a recording client that behaves like an editor.

The client keeps its own copy of every document it opened, applies ``workspace/applyEdit``
the way an editor does (checking versions, sending didChange for open documents, writing
closed files), and converts positions with its own code — independent of the server's
``convert`` module, so an encoding bug on one side cannot hide one on the other.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER_COMMAND = [sys.executable, "-m", "ssot_ls", "server"]
PRESETS = ("visual-studio-code", "neovim")
TIMEOUT = 15.0

OLD = "netra_backend.app.websocket_core.factory"
NEW_MANAGER = "netra_backend.app.websocket_core.websocket_manager"


# ---- positions, computed independently of the server -------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end-before-line-break) of every line, as LSP counts lines."""
    spans, start = [], 0
    for match in _LINE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def offset_at(text: str, position: types.Position, encoding: str) -> int:
    lines = _lines(text)
    if position.line >= len(lines):
        return len(text)
    start, end = lines[position.line]
    units = 0
    for index in range(start, end):
        if units >= position.character:
            return index
        units += _units(text[index], encoding)
    return end


def position_at(text: str, offset: int, encoding: str) -> types.Position:
    lines = _lines(text)
    for line, (start, end) in enumerate(lines):
        if offset <= end or line == len(lines) - 1:
            return types.Position(line=line, character=_units(text[start:offset], encoding))
    raise AssertionError("unreachable")


def range_of(text: str, needle: str, encoding: str, occurrence: int = 0) -> types.Range:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return types.Range(
        start=position_at(text, start, encoding), end=position_at(text, start + len(needle), encoding)
    )


def apply_text_edits(text: str, edits: Iterable[types.TextEdit], encoding: str) -> str:
    """Apply edits whose ranges all refer to ``text`` (LSP semantics)."""
    spans = sorted(
        (offset_at(text, e.range.start, encoding), offset_at(text, e.range.end, encoding), e.new_text)
        for e in edits
    )
    for (_, end, _), (start, _, _) in itertools.pairwise(spans):
        assert end <= start, "overlapping text edits"
    for start, end, new_text in reversed(spans):
        text = text[:start] + new_text + text[end:]
    return text


def uri(path: Path) -> str:
    return from_fs_path(str(path))


def path_of(document_uri: str) -> Path:
    return Path(to_fs_path(document_uri))


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Create ``files`` (relative path -> dedented text) under ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(textwrap.dedent(text).encode("utf-8"))
    return root


# ---- the client --------------------------------------------------------------------------


class EditorClient(LanguageClient):
    """pytest-lsp's client plus what an editor does with documents and workspace edits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.encoding = "utf-16"
        self.preset = ""
        self.workspace_root = Path()
        self.documents: dict[str, tuple[int, str]] = {}  # uri -> (version, text)
        self.publications: dict[str, list[types.PublishDiagnosticsParams]] = {}
        self.applied: list[types.ApplyWorkspaceEditParams] = []
        self.registrations: list[types.Registration] = []
        self.apply_result: Callable[[types.ApplyWorkspaceEditParams], types.ApplyWorkspaceEditResult]
        self.apply_result = self.apply_like_an_editor
        self.on_progress: Callable[[types.ProgressParams], None] | None = None
        self.configuration_requests = 0

    @property
    def pull(self) -> bool:
        capabilities = self.capabilities
        return bool(capabilities and capabilities.text_document and capabilities.text_document.diagnostic)

    # -- documents

    def open(self, path: Path | str, text: str, language_id: str | None = None) -> str:
        document_uri = path if isinstance(path, str) else uri(path)
        if language_id is None:
            language_id = "markdown" if document_uri.endswith(".md") else "python"
        self.documents[document_uri] = (1, text)
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=document_uri, language_id=language_id, version=1, text=text
                )
            )
        )
        return document_uri

    def edit(self, document_uri: str, edits: list[types.TextEdit]) -> int:
        """Apply edits to an open document and tell the server, incrementally."""
        version, text = self.documents[document_uri]
        new_text = apply_text_edits(text, edits, self.encoding)
        # Later edits first: each change's range stays valid for the text it is applied to.
        ordered = sorted(
            edits, key=lambda e: offset_at(text, e.range.start, self.encoding), reverse=True
        )
        version += 1
        self.documents[document_uri] = (version, new_text)
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=document_uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered
                ],
            )
        )
        return version

    def replace_text(self, document_uri: str, new_text: str) -> int:
        _version, text = self.documents[document_uri]
        whole = types.Range(start=types.Position(0, 0), end=position_at(text, len(text), self.encoding))
        return self.edit(document_uri, [types.TextEdit(range=whole, new_text=new_text)])

    def close(self, document_uri: str) -> None:
        self.documents.pop(document_uri, None)
        self.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=document_uri))
        )

    def doc_text(self, document_uri: str) -> str:
        return self.documents[document_uri][1]

    def doc_version(self, document_uri: str) -> int:
        return self.documents[document_uri][0]

    # -- workspace edits

    def apply_like_an_editor(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        """Check every version first, then apply all edits (transactional, like VS Code)."""
        edit = params.edit
        per_document: list[tuple[str, int | None, list[types.TextEdit]]] = []
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit), "only text edits are expected"
            per_document.append((change.text_document.uri, change.text_document.version, list(change.edits)))
        for document_uri, edits in (edit.changes or {}).items():
            per_document.append((document_uri, None, list(edits)))
        for document_uri, version, _ in per_document:
            if version is not None and self.documents.get(document_uri, (None,))[0] != version:
                return types.ApplyWorkspaceEditResult(applied=False, failure_reason=f"{document_uri} changed")
        for document_uri, _, edits in per_document:
            if document_uri in self.documents:
                self.edit(document_uri, edits)
            else:
                path = path_of(document_uri)
                text = path.read_bytes().decode("utf-8")
                path.write_bytes(apply_text_edits(text, edits, self.encoding).encode("utf-8"))
        return types.ApplyWorkspaceEditResult(applied=True)


def _apply_edit(
    client: EditorClient, params: types.ApplyWorkspaceEditParams
) -> types.ApplyWorkspaceEditResult:
    client.applied.append(params)
    return client.apply_result(params)


def _register_capability(client: EditorClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def _unregister_capability(client: EditorClient, params: types.UnregistrationParams) -> None:
    gone = {item.id for item in params.unregisterations}
    client.registrations = [r for r in client.registrations if r.id not in gone]


def _publish_diagnostics(client: EditorClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.publications.setdefault(params.uri, []).append(params)


def _configuration(client: EditorClient, params: types.ConfigurationParams) -> list[Any]:
    client.configuration_requests += 1
    return DEFAULT_CLIENT_FEATURES[types.WORKSPACE_CONFIGURATION](client, params)


def _progress(client: EditorClient, params: types.ProgressParams) -> None:
    DEFAULT_CLIENT_FEATURES[types.PROGRESS](client, params)
    if client.on_progress is not None:
        client.on_progress(params)


def _converter():
    """lsprotocol's converter, but telling a CodeAction that carries a Command apart from a
    bare Command (lsprotocol 2025.0 decodes any object with a "command" key as Command)."""
    converter = default_converter()

    def command_or_action(value: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(types.Command | types.CodeAction, command_or_action)
    return converter


def make_client() -> EditorClient:
    client = EditorClient(converter_factory=_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features.update({
        types.WORKSPACE_APPLY_EDIT: _apply_edit,
        types.CLIENT_REGISTER_CAPABILITY: _register_capability,
        types.CLIENT_UNREGISTER_CAPABILITY: _unregister_capability,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _publish_diagnostics,
        types.PROGRESS: _progress,
        types.WORKSPACE_CONFIGURATION: _configuration,
    })
    register_lsp_features(client, features)
    return client


async def start(
    preset: str, root: Path | list[Path], *, initialization_options: Any = None,
    configuration: dict[str, Any] | None = None,
    adjust: Callable[[types.ClientCapabilities], None] | None = None,
) -> tuple[EditorClient, types.InitializeResult]:
    """Start a server and initialize it as the given editor preset would (``adjust`` may
    change the preset's capabilities first)."""
    from pytest_lsp import ClientServerConfig, client_capabilities

    roots = root if isinstance(root, list) else [root]
    config = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client)
    client: EditorClient = await config.start()  # type: ignore[assignment]
    client.preset = preset
    client.workspace_root = roots[0]
    if configuration is not None:
        client.set_configuration(configuration, section="ssot-ls")
    capabilities = client_capabilities(preset)
    if adjust is not None:
        adjust(capabilities)
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=uri(roots[0]),
            workspace_folders=[types.WorkspaceFolder(uri=uri(r), name=r.name) for r in roots],
            initialization_options=initialization_options,
            client_info=types.ClientInfo(name=f"pytest-lsp as {preset}"),
        )
    )
    client.encoding = str(result.capabilities.position_encoding or "utf-16")
    return client, result


async def change_settings(
    client: EditorClient, settings: dict[str, Any], scope_uri: str | None = None
) -> None:
    """Change the "ssot-ls" settings and wait until the server has read them."""
    client.set_configuration(settings, section="ssot-ls", scope_uri=scope_uri)
    asked = client.configuration_requests
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_until(lambda: client.configuration_requests > asked, what="workspace/configuration")


async def stop(client: EditorClient) -> None:
    await client.shutdown_session()
    await client.stop()


# ---- waiting -----------------------------------------------------------------------------


async def wait_until(predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition") -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def diagnostics_of(client: EditorClient, document_uri: str) -> list[types.Diagnostic]:
    """The diagnostics for the document's current version: pulled, or waited for."""
    if client.pull:
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=document_uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    version = client.doc_version(document_uri) if document_uri in client.documents else None

    def published() -> list[types.PublishDiagnosticsParams]:
        return [p for p in client.publications.get(document_uri, []) if p.version == version]

    matching = await wait_until(published, what=f"diagnostics of {document_uri} v{version}")
    return list(matching[-1].diagnostics)


async def settle(client: EditorClient) -> None:
    """Make sure every notification sent so far was handled: a request round trip."""
    await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri="untitled:settle"),
            position=types.Position(0, 0),
        )
    )


# ---- sample documents (the seed's patterns) ----------------------------------------------

# The await insertion makes this an unsafe fix.
ASYNC_CALL = f'''\
from {OLD} import create_websocket_manager


async def handler(ctx):
    return create_websocket_manager(user_context=ctx)
'''

# Two safe fixes (an unused import, a mock.patch target); emoji before the second.
REFERENCE = f'''\
from unittest import mock

from {OLD} import WebSocketManagerFactory

PATCH = {{"🎉 ws 😀": mock.patch("{OLD}.create_websocket_manager")}}
'''
PATCH_TARGET = f"{OLD}.create_websocket_manager"

# Two separate (safe) imports of the same name: "Fix all SSOT001 in this file" fixes both.
TWO_IMPORTS = f'''\
def first():
    from {OLD} import create_websocket_manager  # noqa: F401


def second():
    from {OLD} import create_websocket_manager as make  # 🚀 noqa: F401
'''

MARKDOWN = f'''\
# Migrating 🎉

- Step one 🎉🎉:

  ```python
  s = "😀"; from {OLD} import WebSocketManagerFactory
  ```

```pycon
>>> from {OLD} import create_websocket_manager
```
'''

CLEAN = '''\
import os

print("🎉", os.sep)
'''
