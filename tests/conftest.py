"""Engine fixtures: a throw-away project folder to check and fix sources in.

`project` writes files (and package folders with `__init__.py`, so relative imports resolve)
under `tmp_path`, and runs the engine on them with the built-in preset — or with the
`ssot-ls.toml` a test wrote, loaded through `ConfigResolver` as the front ends do.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from pathlib import Path

import pytest

from ssot_ls.config import Config, ConfigResolver, default_config
from ssot_ls.engine import FixResult, check_source, fix_source
from ssot_ls.types import Finding


class Project:
    """A folder under `tmp_path` with the engine's entry points bound to it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._config: Config = default_config(root)

    @property
    def config(self) -> Config:
        return self._config

    def write(self, relative: str, text: str = "") -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        # surrogatepass: hostile inputs (lone surrogates) must reach the engine, not fail here.
        path.write_text(text, encoding="utf-8", errors="surrogatepass", newline="")
        return path

    def package(self, dotted: str) -> Path:
        """Create the folders of package `a.b.c`, each with an `__init__.py`; return the last."""
        folder = self.root
        for part in dotted.split("."):
            folder = folder / part
            folder.mkdir(exist_ok=True)
            (folder / "__init__.py").touch()
        return folder

    def use_config(self, toml: str, name: str = "ssot-ls.toml") -> Config:
        """Write a config file at the root and load it the way the CLI and server do."""
        self.write(name, textwrap.dedent(toml))
        self._config = ConfigResolver().for_path(self.root / "module.py")
        return self._config

    def check(self, text: str, relative: str = "module.py") -> list[Finding]:
        path = self.write(relative, text)
        return check_source(text, path, self._config)

    def fix(self, text: str, relative: str = "module.py", *, unsafe: bool = True,
            codes: Collection[str] | None = None) -> FixResult:
        path = self.write(relative, text)
        return fix_source(text, path, self._config, unsafe=unsafe, codes=codes)

    def path(self, relative: str) -> Path:
        return self.root / relative


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def preset_config(tmp_path: Path) -> Config:
    """The config that applies when no config file exists: the `netra-websocket` preset."""
    return default_config(tmp_path)
