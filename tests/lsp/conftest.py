"""Fixtures for the LSP end-to-end tests (see lsp_support.py for the client)."""

from __future__ import annotations

import pytest
import pytest_asyncio
from lsp_support import PRESETS, start, stop


@pytest.fixture(scope="module", params=PRESETS)
def preset(request: pytest.FixtureRequest) -> str:
    """Every test runs once as VS Code and once as Neovim (their real capabilities)."""
    return request.param


@pytest_asyncio.fixture(scope="session", loop_scope="session", params=PRESETS)
async def editor(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One server per preset, shared by every test that only opens its own documents."""
    root = tmp_path_factory.mktemp(f"editor-{request.param}")
    client, _ = await start(request.param, root, initialization_options={"ssot-ls": {"logLevel": "info"}})
    yield client
    await stop(client)
