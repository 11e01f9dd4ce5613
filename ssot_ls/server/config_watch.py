"""Live config reload: watched files, config errors shown on the config file.

Clients that can register file watchers dynamically are asked to watch every config file
name; others (e.g. Neovim) are covered by a cheap mtime poll of the config files we know
about, run at most every few seconds when a document is opened, saved or pulled.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from lsprotocol import types

from ssot_ls.config import CONFIG_FILE_NAMES, ConfigError
from ssot_ls.server import convert, diagnostics
from ssot_ls.server.server import SsotLanguageServer, guarded

logger = logging.getLogger("ssot_ls.server")

# ruff's own config files say how fixes lay out imports (line length, isort settings).
STYLE_FILE_NAMES = ("ruff.toml", ".ruff.toml", "pyproject.toml")
WATCH_GLOB = "**/{" + ",".join(dict.fromkeys((*CONFIG_FILE_NAMES, *STYLE_FILE_NAMES))) + "}"
WATCH_REGISTRATION_ID = "ssot-ls-config-files"
POLL_INTERVAL_SECONDS = 1.0


def register(server: SsotLanguageServer) -> None:
    server.session.on_config_error = lambda error: report_error(server, error)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded
    def did_change_watched_files(
        ls: SsotLanguageServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        paths = [convert.path_from_uri(c.uri) for c in params.changes]
        if any(path is not None and path.name in STYLE_FILE_NAMES for path in paths):
            from ssot_ls import import_style

            import_style.clear_cache()
        changed = [convert.path_from_uri(c.uri) for c in params.changes if is_config_uri(ls, c.uri)]
        if changed:
            reload(ls, [path for path in changed if path is not None])


async def register_watchers(ls: SsotLanguageServer) -> None:
    """Ask the client to watch config files (again, when the settings name other ones)."""
    if not ls.session.supports("workspace.did_change_watched_files.dynamic_registration"):
        if not ls.config_poll_state:
            logger.info("the client cannot watch files: polling config files instead")
        ls.config_poll_state = _stat_all(ls.session.known_config_files())
        return
    overrides = _overrides(ls)
    if ls.watching_config_files and overrides == ls.watched_overrides:
        return
    if ls.watching_config_files:
        try:
            await ls.client_unregister_capability_async(types.UnregistrationParams(
                unregisterations=[types.Unregistration(
                    id=WATCH_REGISTRATION_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES)]))
        except Exception as error:
            logger.warning("the client did not unregister the config watcher: %s", error)
    watchers = [types.FileSystemWatcher(glob_pattern=WATCH_GLOB)]
    relative = ls.session.supports("workspace.did_change_watched_files.relative_pattern_support")
    for override in sorted(overrides):
        pattern: types.GlobPattern = (
            types.RelativePattern(base_uri=convert.uri_from_path(override.parent), pattern=override.name)
            if relative else str(override)
        )
        watchers.append(types.FileSystemWatcher(glob_pattern=pattern))
    ls.watched_overrides = overrides
    ls.watching_config_files = await ls.register_capability(
        types.Registration(
            id=WATCH_REGISTRATION_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
    )
    if not ls.watching_config_files:
        ls.config_poll_state = _stat_all(ls.session.known_config_files())


def _overrides(ls: SsotLanguageServer) -> frozenset[Path]:
    """Config files named by the `configuration` setting (global or per folder)."""
    every = (ls.session.global_settings, *ls.session.folder_settings.values())
    return frozenset(s.configuration for s in every if s.configuration is not None)


def is_config_uri(ls: SsotLanguageServer, uri: str) -> bool:
    path = convert.path_from_uri(uri)
    return path is not None and (path.name in CONFIG_FILE_NAMES or path in _overrides(ls))


def has_error(ls: SsotLanguageServer, uri: str) -> bool:
    path = convert.path_from_uri(uri)
    return path is not None and path in ls.session.config_errors


def reload(ls: SsotLanguageServer, changed: list[Path] | None = None) -> None:
    """Re-read every config; report new errors, clear fixed ones, re-check documents."""
    previous = ls.session.reload_configs()
    # Resolving again raises the errors (reported through on_config_error) and records
    # the configs now in use: for changed and previously broken files, and open documents.
    for path in [*(changed or ()), *(p for p in previous if p is not None)]:
        if path.is_file():
            ls.session.config_for(path, ls.session.settings_for(path))
    for uri in ls.session.documents:
        ls.session.snapshot(uri)
    for path in previous:
        if path is not None and path not in ls.session.config_errors:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=convert.uri_from_path(path), diagnostics=[])
            )
            logger.info("%s is valid again", path)
    ls.config_poll_state = _stat_all(ls.session.known_config_files())
    diagnostics.refresh_all(ls)


def report_error(ls: SsotLanguageServer, error: ConfigError) -> None:
    logger.error("config error: %s", error)
    if error.path is not None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=convert.uri_from_path(error.path),
                diagnostics=[convert.config_error_diagnostic(error)],
            )
        )
    if ls.session.has_good_config(error.path):
        consequence = "keeping the last good configuration"
    else:
        consequence = "files under it are not checked until it is fixed"
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Error, message=f"ssot-ls: {error} ({consequence})",
        )
    )


def poll(ls: SsotLanguageServer) -> None:
    """For clients without file watching: reload when a known config file changed."""
    if ls.watching_config_files:
        return
    now = time.monotonic()
    if now - ls.config_polled_at < POLL_INTERVAL_SECONDS:
        return
    ls.config_polled_at = now
    state = _stat_all(ls.session.known_config_files())
    before = ls.config_poll_state
    ls.config_poll_state = state
    # Files seen for the first time are only recorded: they were read when discovered.
    if any(path in before and before[path] != status for path, status in state.items()):
        logger.info("a config file changed: reloading")
        reload(ls)


def _stat_all(paths: set[Path]) -> dict[Path, tuple[int, int] | None]:
    state: dict[Path, tuple[int, int] | None] = {}
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            state[path] = None
        else:
            state[path] = (status.st_mtime_ns, status.st_size)
    return state
