"""The server's only mutable state: open documents, settings, configs, client capabilities.

Handlers take an immutable ``Snapshot`` (text + version + the config and settings that
apply) and do their work on it, so a slow analysis never sees a half-updated document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lsprotocol import types

from ssot_ls import workspace
from ssot_ls.config import CONFIG_FILE_NAMES, Config, ConfigError, ConfigResolver
from ssot_ls.server import convert
from ssot_ls.server.settings import Settings
from ssot_ls.text import LineIndex
from ssot_ls.types import Finding

PYTHON_SUFFIXES = tuple(sorted(workspace.PYTHON_SUFFIXES))
MARKDOWN_SUFFIXES = tuple(sorted(workspace.MARKDOWN_SUFFIXES))
LANGUAGE_SUFFIX = {"python": ".py", "markdown": ".md"}


@dataclass
class OpenDocument:
    uri: str
    language_id: str
    version: int
    text: str


@dataclass(frozen=True)
class Snapshot:
    """A document at one version, with everything needed to check or fix it."""

    uri: str
    version: int | None  # None: read from disk, not open in the editor
    text: str
    path: Path | None  # the file, or None for untitled documents
    analysis_path: Path  # what the engine is told (its suffix picks Python vs Markdown)
    config: Config | None  # None: nothing to check (disabled, excluded, unusable config)
    settings: Settings
    unit: str  # position unit for LSP conversions
    generation: int  # config generation the snapshot was taken under

    @cached_property
    def index(self) -> LineIndex:
        return LineIndex(self.text)

    @cached_property
    def result_id(self) -> str:
        """Identifies the diagnostics this snapshot yields, for pull-diagnostic result ids."""
        digest = hashlib.blake2b(self.text.encode("utf-8", "surrogatepass"), digest_size=8)
        return f"{self.generation}-{int(self.config is not None)}-{digest.hexdigest()}"


@dataclass
class _CachedFindings:
    text: str
    config: Config
    findings: list[Finding]


class Session:
    def __init__(self) -> None:
        self.encoding = types.PositionEncodingKind.Utf16
        self.unit = "utf-16"
        self.capabilities = types.ClientCapabilities()
        self.folders: list[Path] = []
        self.documents: dict[str, OpenDocument] = {}
        self.initialization_settings = Settings()
        self.global_settings = Settings()
        self.folder_settings: dict[Path, Settings] = {}
        # Bumped whenever configs or settings may have changed; part of every result id.
        self.config_generation = 0
        self.config_errors: dict[Path | None, ConfigError] = {}
        # Called once for each config error not reported since the last reload.
        self.on_config_error: Callable[[ConfigError], None] | None = None
        self.shutdown_requested = False
        self._resolvers: dict[Path | None, ConfigResolver] = {}
        self._errors_by_folder: dict[tuple[Path | None, Path], ConfigError] = {}
        # The last config that loaded, by config file and by (override, folder): a broken
        # config file leaves the documents it governs with what applied to them before.
        self._last_good: dict[Path | None, Config] = {}
        self._last_good_for_folder: dict[tuple[Path | None, Path], Config] = {}
        self._findings: dict[str, _CachedFindings] = {}

    # ---- client ------------------------------------------------------------------------

    def initialize(self, params: types.InitializeParams, encoding: types.PositionEncodingKind) -> None:
        self.capabilities = params.capabilities
        self.encoding = encoding
        self.unit = convert.units(encoding)
        folders = [folder.uri for folder in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        elif not folders and params.root_path:
            folders = [convert.uri_from_path(Path(params.root_path))]
        self.set_folders(folders)
        first = self.folders[0] if self.folders else None
        self.initialization_settings = Settings().merged(params.initialization_options, first)
        self.global_settings = self.initialization_settings

    def set_folders(self, uris: Iterable[str]) -> None:
        paths = (convert.path_from_uri(uri) for uri in uris)
        self.folders = [path for path in paths if path is not None]

    def supports(self, dotted: str) -> bool:
        """Whether a client capability like "workspace.configuration" is set and truthy."""
        value: object = self.capabilities
        for name in dotted.split("."):
            value = getattr(value, name, None)
            if value is None:
                return False
        return bool(value)

    @property
    def pull_diagnostics(self) -> bool:
        return self.capabilities.text_document is not None and (
            self.capabilities.text_document.diagnostic is not None
        )

    @property
    def document_changes(self) -> bool:
        return self.supports("workspace.workspace_edit.document_changes")

    # ---- documents ---------------------------------------------------------------------

    def open(self, uri: str, language_id: str, version: int, text: str) -> None:
        self.documents[uri] = OpenDocument(uri, language_id, version, text)

    def change(
        self, uri: str, version: int, changes: Iterable[types.TextDocumentContentChangeEvent]
    ) -> OpenDocument | None:
        document = self.documents.get(uri)
        if document is None:
            return None
        document.text = convert.apply_content_changes(document.text, changes, self.unit)
        document.version = version
        return document

    def close(self, uri: str) -> None:
        self.documents.pop(uri, None)
        self._findings.pop(uri, None)

    def is_current(self, snapshot: Snapshot) -> bool:
        """Whether results for ``snapshot`` still describe the open document."""
        document = self.documents.get(snapshot.uri)
        return document is not None and document.version == snapshot.version and (
            snapshot.generation == self.config_generation
        )

    def snapshot(self, uri: str) -> Snapshot | None:
        document = self.documents.get(uri)
        if document is None:
            return None
        path = convert.path_from_uri(uri)
        analysis_path = self._analysis_path(path, document.language_id)
        if analysis_path is None:
            return None
        return self._snapshot(uri, document.version, document.text, path, analysis_path)

    def snapshot_of_file(self, path: Path, text: str) -> Snapshot | None:
        """A snapshot of a file read from disk (not open in the editor)."""
        if path.suffix.lower() not in PYTHON_SUFFIXES + MARKDOWN_SUFFIXES:
            return None
        return self._snapshot(convert.uri_from_path(path), None, text, path, path)

    def file_config(self, path: Path) -> Config | None:
        """The config a snapshot of the file on disk would carry (None: nothing to check),
        known before reading it: a workspace run skips what no rule applies to unread."""
        if path.suffix.lower() not in PYTHON_SUFFIXES + MARKDOWN_SUFFIXES:
            return None
        return self._active_config(path, path, self.settings_for(path))

    def _snapshot(
        self, uri: str, version: int | None, text: str, path: Path | None, analysis_path: Path
    ) -> Snapshot:
        settings = self.settings_for(path)
        config = self._active_config(path, analysis_path, settings)
        return Snapshot(
            uri, version, text, path, analysis_path, config, settings, self.unit,
            self.config_generation,
        )

    def _analysis_path(self, path: Path | None, language_id: str) -> Path | None:
        known = PYTHON_SUFFIXES + MARKDOWN_SUFFIXES
        if path is not None and path.suffix.lower() in known:
            return path
        suffix = LANGUAGE_SUFFIX.get(language_id)
        if suffix is None:
            return None
        if path is not None:
            return path.with_name(path.name + suffix)
        # Untitled buffers: check them as if they lived at the top of the first folder.
        base = self.folders[0] if self.folders else Path.cwd()
        return base / f"untitled{suffix}"

    def _active_config(self, path: Path | None, analysis_path: Path, settings: Settings) -> Config | None:
        if not settings.enable:
            return None
        config = self.config_for(analysis_path, settings)
        if config is None:
            return None
        is_markdown = analysis_path.suffix.lower() in MARKDOWN_SUFFIXES
        if is_markdown and not (settings.markdown_enable and config.markdown):
            return None
        if path is not None and not config.is_included(analysis_path):
            return None
        return config

    # ---- settings and config -----------------------------------------------------------

    def folder_for(self, path: Path | None) -> Path | None:
        if path is None:
            return None
        containing = [folder for folder in self.folders if path.is_relative_to(folder)]
        return max(containing, key=lambda folder: len(folder.parts), default=None)

    def settings_for(self, path: Path | None) -> Settings:
        folder = self.folder_for(path)
        if folder is None:
            return self.global_settings
        return self.folder_settings.get(folder, self.global_settings)

    def config_for(self, path: Path, settings: Settings) -> Config | None:
        """The config for ``path``; on a config error, the last good one (or None)."""
        override = settings.configuration
        resolver = self._resolvers.get(override)
        if resolver is None:
            resolver = self._resolvers[override] = ConfigResolver(override)
        folder_key = (override, path.parent)
        error = self._errors_by_folder.get(folder_key)
        if error is None:
            try:
                config = resolver.for_path(path)
            except ConfigError as raised:
                error = self._errors_by_folder[folder_key] = raised
                self._record_error(raised)
            else:
                self._last_good[config.source] = config
                self._last_good_for_folder[folder_key] = config
                return config
        return self._last_good_for_folder.get(folder_key) or self._last_good.get(error.path)

    def has_good_config(self, source: Path | None) -> bool:
        """Was the config file ``source`` ever loaded without an error in this session?"""
        return source in self._last_good

    def _record_error(self, error: ConfigError) -> None:
        known = self.config_errors.get(error.path)
        self.config_errors[error.path] = error
        if (known is None or str(known) != str(error)) and self.on_config_error is not None:
            self.on_config_error(error)

    def reload_configs(self) -> dict[Path | None, ConfigError]:
        """Forget every cached config and finding; returns the errors known until now."""
        previous = self.config_errors
        self.config_errors = {}
        self._errors_by_folder.clear()
        for resolver in self._resolvers.values():
            resolver.invalidate()
        self._findings.clear()
        self.config_generation += 1
        return previous

    def known_config_files(self) -> set[Path]:
        """Config files in use or failing, plus every place a new one would take effect for
        an open document: its folder and each parent up to the workspace folder."""
        files = {path for path in self._last_good if path is not None}
        files.update(path for path in self.config_errors if path is not None)
        files.update(override for override in self._resolvers if override is not None)
        folders = set(self.folders)
        for uri in self.documents:
            path = convert.path_from_uri(uri)
            root = self.folder_for(path)
            if path is None or root is None:
                continue
            folders.update(parent for parent in path.parents if parent.is_relative_to(root))
        for folder in folders:
            files.update(folder / name for name in CONFIG_FILE_NAMES)
        return files

    # ---- findings cache ----------------------------------------------------------------

    def cached_findings(self, snapshot: Snapshot) -> list[Finding] | None:
        cached = self._findings.get(snapshot.uri)
        if cached is None or cached.config is not snapshot.config or cached.text != snapshot.text:
            return None
        return cached.findings

    def previous_findings(self, snapshot: Snapshot) -> tuple[str, list[Finding]] | None:
        """The last analysed text of the snapshot's document and its findings, if they were
        computed under the same config (the starting point of the keystroke cheap path)."""
        cached = self._findings.get(snapshot.uri)
        if cached is None or cached.config is not snapshot.config:
            return None
        return cached.text, cached.findings

    def store_findings(self, snapshot: Snapshot, findings: list[Finding]) -> None:
        if snapshot.config is not None and snapshot.version is not None:
            self._findings[snapshot.uri] = _CachedFindings(snapshot.text, snapshot.config, findings)

