"""initialize / initialized / shutdown, workspace folders and client settings."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from ssot_ls import __version__
from ssot_ls.server import config_watch, convert, diagnostics, logs
from ssot_ls.server.server import SsotLanguageServer, guarded
from ssot_ls.server.settings import SECTION, Settings

logger = logging.getLogger("ssot_ls.server")

CONFIGURATION_TIMEOUT = 5.0  # seconds; a client that never answers must not stall us


def register(server: SsotLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    @guarded
    def initialize(ls: SsotLanguageServer, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_running_loop()
        encoding = types.PositionEncodingKind(ls.workspace.position_encoding or "utf-16")
        ls.session.initialize(params, encoding)
        logs.connect_client(ls)
        logs.set_level(ls.session.global_settings.logging_level)
        client = params.client_info.name if params.client_info else "unknown client"
        logger.info(
            "ssot-ls %s for %s: encoding %s, %s diagnostics, folders %s",
            __version__, client, encoding.value,
            "pull" if ls.session.pull_diagnostics else "push",
            [str(folder) for folder in ls.session.folders],
        )

    @server.feature(types.INITIALIZED)
    @guarded
    async def initialized(ls: SsotLanguageServer, params: types.InitializedParams) -> None:
        if ls.session.supports("workspace.did_change_configuration.dynamic_registration"):
            await ls.register_capability(
                types.Registration(
                    id="ssot-ls-settings",
                    method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                    register_options=types.DidChangeConfigurationRegistrationOptions(section=SECTION),
                )
            )
        if await refresh_settings(ls):
            await settings_changed(ls)
        await config_watch.register_watchers(ls)

    @server.feature(types.SHUTDOWN)
    @guarded
    def shutdown(ls: SsotLanguageServer, params: None) -> None:
        ls.session.shutdown_requested = True
        diagnostics.cancel_pending(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded
    async def did_change_configuration(
        ls: SsotLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        changed = await refresh_settings(ls)
        if not ls.session.supports("workspace.configuration"):
            # Clients without workspace/configuration push the settings themselves.
            pushed = ls.session.initialization_settings.merged(params.settings)
            changed = pushed != ls.session.global_settings
            ls.session.global_settings = pushed
        if changed:
            await settings_changed(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    @guarded
    async def did_change_workspace_folders(
        ls: SsotLanguageServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        removed = {convert.path_from_uri(folder.uri) for folder in params.event.removed}
        kept = [convert.uri_from_path(f) for f in ls.session.folders if f not in removed]
        ls.session.set_folders([*kept, *(folder.uri for folder in params.event.added)])
        await refresh_settings(ls)
        await settings_changed(ls)


async def refresh_settings(ls: SsotLanguageServer) -> bool:
    """Ask the client for the "ssot-ls" section (global and per folder); True if changed."""
    session = ls.session
    if not session.supports("workspace.configuration"):
        return False
    folders = list(session.folders)
    items = [types.ConfigurationItem(section=SECTION)] + [
        types.ConfigurationItem(scope_uri=convert.uri_from_path(folder), section=SECTION)
        for folder in folders
    ]
    try:
        answer = await asyncio.wait_for(
            ls.workspace_configuration_async(types.ConfigurationParams(items=items)),
            CONFIGURATION_TIMEOUT,
        )
    except Exception as error:  # a timeout or an error answer: keep what we have
        logger.warning("workspace/configuration failed, keeping the current settings: %s", error)
        return False
    answer = list(answer or [])
    before = [session.global_settings, *(session.settings_for(folder) for folder in folders)]
    # A relative `configuration` in the global settings is taken from the first folder.
    first = folders[0] if folders else None
    base: Settings = session.initialization_settings.merged(answer[0] if answer else None, first)
    session.global_settings = base
    session.folder_settings = {
        folder: base.merged(value, folder)
        for folder, value in zip(folders, answer[1:], strict=False)
    }
    logs.set_level(base.logging_level)
    return before != [base, *(session.settings_for(folder) for folder in folders)]


async def settings_changed(ls: SsotLanguageServer) -> None:
    """Settings can change which config applies to what: start over from the files."""
    config_watch.reload(ls)
    await config_watch.register_watchers(ls)
