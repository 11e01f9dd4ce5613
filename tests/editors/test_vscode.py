"""A real VS Code (code-server 4.100.3 = VS Code 1.100.3) with the extension's own .vsix.

The fixtures install what they need (scripts/install-vscode-e2e.sh: code-server, Debian
Chromium, playwright-core; cached, so reruns are fast), build the .vsix with
`npm ci && npm run package`, make a workspace holding the seed's deprecated imports and run
tests/editors/vscode/e2e.mjs in headless Chromium against code-server: once the whole
workflow with the real `ssot-ls server` (diagnostic, quick fix, fix-on-save, workspace fix),
once with no server installed (one error message). The driver records each step in
results.json; the tests below check those steps and the files on disk. Screenshots of a
passing workflow are copied into editors/vscode/ for its README.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.editor

REPO = Path(__file__).resolve().parents[2]
EXTENSION_DIR = REPO / "editors" / "vscode"
EXTENSION_README = EXTENSION_DIR / "README.md"
INSTALL_SCRIPT = REPO / "scripts" / "install-vscode-e2e.sh"
DRIVER = Path(__file__).resolve().parent / "vscode" / "e2e.mjs"
E2E_CACHE = Path(os.environ.get("SSOT_LS_E2E_CACHE", Path.home() / ".cache" / "ssot-ls-e2e"))

DEPRECATED_MODULE = "netra_backend.app.websocket_core.factory"
DEPRECATED_IMPORT = f"from {DEPRECATED_MODULE} import create_websocket_manager"
CANONICAL_IMPORT = (
    "from netra_backend.app.websocket_core.websocket_manager import get_websocket_manager"
)
FIX_ALL_TITLE = "SSOT: Fix all in workspace"

# The seed's pattern: the deprecated factory used inside an async function.
SEED_SOURCE = f'''\
"""Opens the websocket manager for a user's connection."""
{DEPRECATED_IMPORT}


async def connect(user_ctx):
    manager = create_websocket_manager(user_context=user_ctx)
    return manager
'''
FIXED_CALL = "manager = await get_websocket_manager(user_context=user_ctx)"

SEED_MARKDOWN = f"""\
# Connecting

Get a manager:

```python
{DEPRECATED_IMPORT}
```
"""

# Files of the workspace, relative to it. Only the first two are ever opened in the editor.
QUICK_FIX_FILE = "app/handlers.py"
FIX_ON_SAVE_FILE = "app/on_save.py"
UNOPENED_FILE = "app/background.py"
UNOPENED_MARKDOWN = "docs/connecting.md"
AFTER_RESTART_FILE = "app/after_restart.py"  # written once the server has restarted

WAIT_MS = 30_000
DRIVER_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 1500
BUILD_TIMEOUT_S = 600
SCREENSHOTS = ("screenshot-diagnostic.png", "screenshot-quick-fix.png")


def run_checked(command: list[str], *, cwd: Path, timeout: float, env: dict | None = None) -> str:
    """Runs a setup command; fails the test with its output (not a traceback) if it fails."""
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    output = f"$ {' '.join(command)}\n{completed.stdout}\n{completed.stderr}"
    if completed.returncode != 0:
        pytest.fail(f"exit {completed.returncode}\n{output[-6000:]}", pytrace=False)
    return output


def readme_json_block(marker: str) -> dict:
    """The ```jsonc block that follows `<!-- {marker} -->` in the extension README."""
    readme = EXTENSION_README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {re.escape(marker)} -->\s*```jsonc?\n(.*?)```", readme, re.S)
    assert match, f"{EXTENSION_README} has no json block after <!-- {marker} -->"
    return json.loads(match[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def code_server(
    tools: Path, state: Path, vsix: Path, workspace: Path, env: dict[str, str]
) -> Iterator[str]:
    """A code-server with a fresh profile and the .vsix installed; yields the workspace URL.

    It runs in its own session, so the extension host and the ssot-ls server it started are
    stopped with it (by process group, never by name).
    """
    binary = tools / "cs" / "node_modules" / ".bin" / "code-server"
    user_data = state / "user-data"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(
        json.dumps(
            {
                "security.workspace.trust.enabled": False,
                "workbench.startupEditor": "none",
                "telemetry.telemetryLevel": "off",
                "extensions.autoUpdate": False,
                "extensions.autoCheckUpdates": False,
                "update.mode": "none",
                "workbench.tips.enabled": False,
                "chat.disableAIFeatures": True,
                "files.autoSave": "off",
                "window.commandCenter": False,
            }
        ),
        encoding="utf-8",
    )
    profile = ["--user-data-dir", str(user_data), "--extensions-dir", str(state / "extensions")]
    # code-server writes into $XDG_* (else $HOME) even with the directories above.
    env = {
        **env,
        "XDG_CONFIG_HOME": str(state / "xdg-config"),
        "XDG_DATA_HOME": str(state / "xdg-data"),
    }
    run_checked([str(binary), *profile, "--install-extension", str(vsix)], cwd=state, timeout=120, env=env)
    port = free_port()
    log_path = state / "code-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(binary),
                *profile,
                "--bind-addr",
                f"127.0.0.1:{port}",
                "--auth",
                "none",
                "--disable-telemetry",
                "--disable-update-check",
                "--disable-workspace-trust",
                "--disable-getting-started-override",
                "--ignore-last-opened",
            ],
            cwd=state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_until_healthy(port, process, log_path)
        yield f"http://127.0.0.1:{port}/?folder={workspace}"
    finally:
        stop_process_group(process)


def wait_until_healthy(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"code-server exited: {log_path.read_text(errors='replace')}", pytrace=False)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"code-server never answered: {log_path.read_text(errors='replace')}", pytrace=False)


def stop_process_group(process: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue


@dataclass
class Session:
    workspace: Path
    artifacts: Path
    results: dict
    log: str

    def step(self, name: str) -> None:
        """Fail with the driver's own error (and the logs) if a step did not pass."""
        outcome = self.results.get("steps", {}).get(name, "step never ran")
        assert outcome == "ok", f"step {name!r}: {outcome}\n{self.log}\n(artifacts: {self.artifacts})"

    def disk(self, relative: str) -> str:
        return (self.workspace / relative).read_text(encoding="utf-8")


def make_workspace(workspace: Path) -> None:
    for relative in (QUICK_FIX_FILE, FIX_ON_SAVE_FILE, UNOPENED_FILE):
        (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
        (workspace / relative).write_text(SEED_SOURCE, encoding="utf-8")
    (workspace / UNOPENED_MARKDOWN).parent.mkdir(parents=True, exist_ok=True)
    (workspace / UNOPENED_MARKDOWN).write_text(SEED_MARKDOWN, encoding="utf-8")
    # As a user would configure it: this interpreter has ssot_ls; fix-on-save from the README,
    # with unsafe fixes on, since the seed's call sites need an inserted `await`.
    settings = {
        "ssot-ls.interpreter": sys.executable,
        "ssot-ls.unsafeFixes": True,
        **readme_json_block("vscode-fix-on-save"),
    }
    (workspace / ".vscode").mkdir()
    (workspace / ".vscode" / "settings.json").write_text(json.dumps(settings, indent=2))


@pytest.fixture(scope="module")
def e2e_tools() -> Path:
    run_checked(["bash", str(INSTALL_SCRIPT), str(E2E_CACHE)], cwd=REPO, timeout=INSTALL_TIMEOUT_S)
    return E2E_CACHE


@pytest.fixture(scope="module")
def vsix() -> Path:
    run_checked(["npm", "ci", "--no-audit", "--no-fund"], cwd=EXTENSION_DIR, timeout=BUILD_TIMEOUT_S)
    version = json.loads((EXTENSION_DIR / "package.json").read_text(encoding="utf-8"))["version"]
    package = EXTENSION_DIR / f"ssot-ls-{version}.vsix"
    package.unlink(missing_ok=True)
    run_checked(["npm", "run", "package"], cwd=EXTENSION_DIR, timeout=BUILD_TIMEOUT_S)
    assert package.is_file(), f"npm run package did not produce {package}"
    return package


def run_driver(
    tmp: Path, tools: Path, vsix: Path, workspace: Path, spec: dict, env: dict[str, str]
) -> Session:
    """Serves ``workspace`` with code-server (given ``env``) and runs the driver's steps."""
    artifacts = tmp / "artifacts"
    artifacts.mkdir()
    chromium = shutil.which("chromium")
    assert chromium, "the install script should have installed Debian's chromium"
    spec_file = tmp / "spec.json"
    spec_file.write_text(
        json.dumps({"workspace": str(workspace), "chromium": chromium, "timeoutMs": WAIT_MS, **spec}),
        encoding="utf-8",
    )
    with code_server(tools, tmp / "code-server", vsix, workspace, env) as url:
        driver_env = {
            **os.environ,
            "TOOLS": str(tools / "tools"),
            "URL": url,
            "SPEC": str(spec_file),
            "ARTIFACTS": str(artifacts),
        }
        try:
            completed = subprocess.run(
                ["node", str(DRIVER)],
                env=driver_env,
                capture_output=True,
                text=True,
                timeout=DRIVER_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
            )
            log = f"driver exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}"
        except subprocess.TimeoutExpired as timeout:
            log = f"driver killed after {DRIVER_TIMEOUT_S}s\n{timeout.stdout}\n{timeout.stderr}"
    log += "\n--- extension host / ssot-ls output ---\n" + extension_logs(tmp / "code-server")
    results_file = artifacts / "results.json"
    assert results_file.exists(), f"the driver wrote no results\n{log}"
    results = json.loads(results_file.read_text(encoding="utf-8"))
    return Session(workspace=workspace, artifacts=artifacts, results=results, log=log)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, e2e_tools: Path, vsix: Path) -> Session:
    """The whole workflow: diagnostic, quick fix + save, fix-on-save, workspace fix."""
    tmp = tmp_path_factory.mktemp("vscode")
    workspace = tmp / "workspace"
    make_workspace(workspace)
    spec = {
        "steps": [
            "open", "diagnostic", "quickfix", "save", "fixOnSave", "fixWorkspace", "restart",
            "showLogs",
        ],
        "openFile": QUICK_FIX_FILE,
        "diagnosticCode": "SSOT0",
        "quickFix": {"file": QUICK_FIX_FILE, "expect": CANONICAL_IMPORT, "absent": DEPRECATED_MODULE},
        "fixOnSave": {"file": FIX_ON_SAVE_FILE, "expect": CANONICAL_IMPORT, "absent": DEPRECATED_MODULE},
        "fixAllCommandTitle": FIX_ALL_TITLE,
        "unopened": [
            {"file": UNOPENED_FILE, "expect": CANONICAL_IMPORT, "absent": DEPRECATED_MODULE},
            {"file": UNOPENED_MARKDOWN, "expect": CANONICAL_IMPORT, "absent": DEPRECATED_MODULE},
        ],
        "restart": {"file": AFTER_RESTART_FILE, "text": SEED_SOURCE},
        "showLogs": {"expect": "Restarting the server."},
    }
    result = run_driver(tmp, e2e_tools, vsix, workspace, spec, dict(os.environ))
    if all(outcome == "ok" for outcome in result.results["steps"].values()):
        for name in SCREENSHOTS:
            shutil.copyfile(result.artifacts / name, EXTENSION_DIR / name)
    return result


def path_without_ssot_ls(search_path: str) -> str:
    """PATH minus every directory that has an `ssot-ls` (pyenv shims included)."""
    kept = [
        directory
        for directory in search_path.split(os.pathsep)
        if directory and shutil.which("ssot-ls", path=directory) is None
    ]
    return os.pathsep.join(kept)


@pytest.fixture(scope="module")
def missing_server_session(
    tmp_path_factory: pytest.TempPathFactory, e2e_tools: Path, vsix: Path
) -> Session:
    """No server anywhere: no setting, none on PATH, no Python extension."""
    tmp = tmp_path_factory.mktemp("vscode-no-server")
    workspace = tmp / "workspace"
    workspace.mkdir()
    (workspace / "handlers.py").write_text(SEED_SOURCE, encoding="utf-8")
    # VS Code takes the extension host's environment from a login shell, which would put the
    # user's PATH (pyenv shims with ssot-ls) back: an empty HOME makes a user without one.
    home = tmp / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": path_without_ssot_ls(os.environ.get("PATH", "")),
    }
    spec = {
        "steps": ["open", "serverMissing"],
        "openFile": "handlers.py",
        "serverMissing": {"message": "pip install ssot-ls"},
    }
    return run_driver(tmp, e2e_tools, vsix, workspace, spec, env)


def extension_logs(state: Path, limit: int = 6000) -> str:
    """The tail of the ssot-ls output channel and the extension host log of this run."""
    parts = []
    for pattern in ("**/*ssot-ls*.log", "**/exthost.log"):
        for log_file in sorted((state / "user-data" / "logs").glob(pattern)):
            text = log_file.read_text(errors="replace")
            parts.append(f"== {log_file.name}\n{text[-limit:]}")
    return "\n".join(parts) or "(no logs found)"


def test_diagnostic_shows_in_editor_and_problems_panel(session: Session) -> None:
    session.step("open")
    session.step("diagnostic")
    assert any(re.search(r"SSOT0\d\d", row) for row in session.results["problems"]), session.results
    assert any(DEPRECATED_MODULE in row for row in session.results["problems"]), session.results


def test_quick_fix_and_save_write_the_canonical_import(session: Session) -> None:
    session.step("quickfix")
    assert session.results["quickFixMenu"], "Ctrl+. showed no actions"
    assert CANONICAL_IMPORT in session.results["quickFixEditorText"]
    session.step("save")
    on_disk = session.disk(QUICK_FIX_FILE)
    assert CANONICAL_IMPORT in on_disk
    assert DEPRECATED_MODULE not in on_disk


def test_fix_on_save_snippet_from_readme_fixes_the_file(session: Session) -> None:
    session.step("fixOnSave")
    on_disk = session.disk(FIX_ON_SAVE_FILE)
    assert CANONICAL_IMPORT in on_disk
    assert FIXED_CALL in on_disk


def test_fix_all_in_workspace_fixes_unopened_files_on_disk(session: Session) -> None:
    session.step("fixWorkspace")
    python = session.disk(UNOPENED_FILE)
    assert CANONICAL_IMPORT in python
    assert FIXED_CALL in python
    assert DEPRECATED_MODULE not in python
    markdown = session.disk(UNOPENED_MARKDOWN)
    assert f"```python\n{CANONICAL_IMPORT}\n```" in markdown


def test_restart_and_show_logs_commands(session: Session) -> None:
    session.step("restart")
    session.step("showLogs")
    logs = session.results["logsShown"].replace("\n", " ")
    restarting = logs.index("Restarting the server.")
    assert "Server started" in logs[restarting:], "a new server started after the restart"


def test_screenshots_for_the_readme(session: Session) -> None:
    for name in SCREENSHOTS:
        screenshot = session.artifacts / name
        assert screenshot.is_file(), f"the driver took no {name}"
        assert screenshot.read_bytes().startswith(b"\x89PNG")
        assert f"({name})" in EXTENSION_README.read_text(encoding="utf-8"), f"README does not show {name}"


def test_without_a_server_one_message_names_the_install_command(
    missing_server_session: Session,
) -> None:
    missing_server_session.step("open")
    missing_server_session.step("serverMissing")
    notifications = missing_server_session.results["notifications"]
    ours = [text for text in notifications if "pip install ssot-ls" in text]
    assert len(ours) == 1, notifications
    assert "ssot-ls.path" in ours[0] and "ssot-ls.interpreter" in ours[0]
    assert "Error:" not in ours[0] and " at " not in ours[0], "a message, not a stack trace"
    # The status-bar item turns into an error mark that leads to the logs.
    assert "was not found" in missing_server_session.results["statusItem"]


@pytest.mark.parametrize("script", ["compile", "lint", "test"])
def test_extension_scripts_pass(vsix, script):
    """`npm run compile`, `npm run lint` (tsc + eslint) and `npm test` (the extension's unit
    tests) pass on the same `npm ci` install the package was built from."""
    run_checked(["npm", "run", script], cwd=EXTENSION_DIR, timeout=BUILD_TIMEOUT_S)
