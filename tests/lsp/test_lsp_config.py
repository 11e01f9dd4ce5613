"""Configuration: the same config files as the CLI, reloaded live; config errors shown on
the config file while the last good config stays in force; client settings from
initializationOptions and workspace/configuration; one config per workspace folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_support import (
    MARKDOWN,
    OLD,
    EditorClient,
    change_settings,
    diagnostics_of,
    start,
    stop,
    uri,
    wait_until,
    write_tree,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEAM_SOURCE = f"import custom.legacy\nfrom {OLD} import create_websocket_manager  # noqa: F401\n"
TEAM_CONFIG = '[[rules]]\ncode = "TEAM001"\nold = "custom.legacy"\nnew = "custom.modern"\n'
BAD_CONFIG = '[[rules]]\ncode = "TEAM001"\nold = "custom.legacy"\nbogus = 1\n'


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def configured(preset, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"config-{preset}")
    write_tree(root, {"live/app.py": TEAM_SOURCE, "guide.md": MARKDOWN,
                      "configs/team.toml": TEAM_CONFIG.replace("TEAM001", "TEAM002")})
    client, _ = await start(preset, root)
    yield client
    await stop(client)


async def codes(client: EditorClient, document: str) -> set[str]:
    return {str(d.code) for d in await diagnostics_of(client, document)}


async def codes_become(client: EditorClient, document: str, expected: set[str]) -> None:
    """Push clients get re-published diagnostics; pull clients pull again."""
    async def current() -> set[str]:
        if client.pull:
            return await codes(client, document)
        published = client.publications.get(document, [])
        return {str(d.code) for d in published[-1].diagnostics} if published else set()

    for _ in range(300):
        if await current() == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{document}: expected {expected}, got {await current()}")


async def write_config(client: EditorClient, path: Path, text: str, document: str) -> None:
    """Change a config file; the server learns about it as it would with this client."""
    change = types.FileChangeType.Changed if path.exists() else types.FileChangeType.Created
    path.write_text(text)
    if client.preset == "visual-studio-code":
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(path), type=change)]))
    else:
        # Neovim cannot watch files: the server polls config files (at most once a second)
        # when a document is opened, saved or pulled.
        await asyncio.sleep(1.05)
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=document)))


async def test_config_files_are_watched_where_the_client_can(configured):
    def watchers() -> list[types.Registration]:
        return [r for r in configured.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]

    if configured.preset == "visual-studio-code":
        [registration] = await wait_until(watchers, what="a file watcher registration")
        patterns = [w["globPattern"] for w in registration.register_options["watchers"]]
        assert patterns == ["**/{ssot-ls.toml,.ssot-ls.toml,pyproject.toml,ruff.toml,.ruff.toml}"]
    else:
        await asyncio.sleep(0.5)
        assert watchers() == []  # Neovim 0.11 declares no dynamic registration for it


async def test_a_new_config_file_applies_live(configured):
    root = configured.workspace_root
    document = configured.open(root / "live" / "app.py", TEAM_SOURCE)
    assert await codes(configured, document) == {"SSOT001"}  # the built-in preset
    await write_config(configured, root / "live" / "ssot-ls.toml", TEAM_CONFIG, document)
    await codes_become(configured, document, {"TEAM001"})


async def test_a_broken_config_is_reported_and_the_last_good_one_kept(configured):
    root = configured.workspace_root
    config_file = root / "live" / "ssot-ls.toml"
    document = uri(root / "live" / "app.py")
    await write_config(configured, config_file, BAD_CONFIG, document)
    published = await wait_until(lambda: configured.publications.get(uri(config_file)),
                                 what="a diagnostic on the config file")
    [error] = published[-1].diagnostics
    assert error.range.start.line == 3  # `bogus = 1` is on line 4
    assert "bogus" in error.message and error.severity == types.DiagnosticSeverity.Error
    await wait_until(lambda: any("bogus" in m.message and m.type == types.MessageType.Error
                                 for m in configured.messages), what="an error message")
    # The server keeps serving with the last good config.
    configured.replace_text(document, TEAM_SOURCE + "import custom.legacy as again\n")
    assert await codes(configured, document) == {"TEAM001"}
    # Fixing the file clears its diagnostic.
    fixed = TEAM_CONFIG.replace("custom.modern", "custom.newer")
    await write_config(configured, config_file, fixed, document)
    await wait_until(lambda: not configured.publications[uri(config_file)][-1].diagnostics,
                     what="the config diagnostic cleared")


async def test_settings_from_workspace_configuration(configured):
    root = configured.workspace_root
    python = uri(root / "live" / "app.py")
    markdown = configured.open(root / "guide.md", MARKDOWN)  # no config file: the preset
    await codes_become(configured, markdown, {"SSOT001", "SSOT002"})

    async def settings(value: dict) -> None:
        await change_settings(configured, value)

    await settings({"markdown": {"enable": False}})
    await codes_become(configured, markdown, set())
    await codes_become(configured, python, {"TEAM001"})
    await settings({"enable": False})
    await codes_become(configured, python, set())
    # A config file named in the settings overrides discovery (relative to the folder).
    await settings({"configuration": "configs/team.toml"})
    await codes_become(configured, python, {"TEAM002"})
    if configured.preset == "visual-studio-code":
        # The named config file is watched too (the registration is replaced).
        def watched() -> list[str]:
            return [w["globPattern"] for r in configured.registrations
                    if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                    for w in r.register_options["watchers"]]

        await wait_until(lambda: str(root / "configs" / "team.toml") in watched(), what="a watcher")
        assert len(watched()) == 2
    await settings({})
    await codes_become(configured, python, {"TEAM001"})
    await codes_become(configured, markdown, {"SSOT001", "SSOT002"})


async def test_each_workspace_folder_has_its_own_config(configured, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    write_tree(first, {"ssot-ls.toml": TEAM_CONFIG, "app.py": TEAM_SOURCE})
    write_tree(second, {"ssot-ls.toml": TEAM_CONFIG.replace("TEAM001", "OTHER1"), "app.py": TEAM_SOURCE})
    asked = configured.configuration_requests
    configured.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=uri(f), name=f.name) for f in (first, second)], removed=[])))
    # The server asks for the settings of each folder.
    await wait_until(lambda: configured.configuration_requests > asked, what="workspace/configuration")
    one = configured.open(first / "app.py", TEAM_SOURCE)
    two = configured.open(second / "app.py", TEAM_SOURCE)
    assert await codes(configured, one) == {"TEAM001"}
    assert await codes(configured, two) == {"OTHER1"}
    # Settings scoped to one folder.
    await change_settings(configured, {"enable": False}, scope_uri=uri(second))
    await codes_become(configured, two, set())
    await codes_become(configured, one, {"TEAM001"})
