#!/usr/bin/env python3
"""The language server's start and its workspace fix, as an editor sees them.

    python benchmarks/bench_server_fix.py [--runs 5] [--fix-runs 3] [--tree DIR] [--unsafe]
                                          [--ssot "ssot-ls server"] [--ruff "ruff server"]

- start: spawn to the `initialize` result, median of --runs (ruff's server alongside for
  scale), and the share of it that is importing Python modules (`-X importtime` of the same
  imports, in a separate process);
- workspace fix: on the generated tree (benchmarks/gen_tree.py, 10,000 .py + 4,500 .md
  files, cached in benchmarks/.tree), `workspace/executeCommand ssot-ls.fixWorkspace` to its
  result, with the client answering `workspace/applyEdit` as applied (it counts the files and
  edits but writes nothing, so every run sees the same tree); the server's peak RSS is
  `VmHWM` of /proc/<pid>/status after the command, and $/progress reports are counted.

Goals (issue 9): workspace fix under 5 s with progress, peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_tree
from lsp_client import LspClient
from timing import benchmark_environment, format_duration, machine_summary, median, script_path

DEFAULT_TREE = Path(__file__).resolve().parent / ".tree"


class FixClient(LspClient):
    """Answers workspace/applyEdit as applied and counts what it was sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files_edited = 0
        self.text_edits = 0
        self.progress_reports = 0

    async def _dispatch(self, message: dict[str, Any], received: float) -> None:
        method = message.get("method")
        if method == "workspace/applyEdit" and "id" in message:
            edit = message["params"]["edit"]
            changes = edit.get("documentChanges") or []
            self.files_edited += len(changes) or len(edit.get("changes") or {})
            self.text_edits += sum(len(change.get("edits", [])) for change in changes)
            self.text_edits += sum(len(edits) for edits in (edit.get("changes") or {}).values())
            await self._send({"id": message["id"], "result": {"applied": True}})
            return
        if method == "$/progress":
            self.progress_reports += 1
        await super()._dispatch(message, received)


def peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


async def time_start(command: list[str], cwd: Path, name: str) -> float:
    started = time.perf_counter()
    client = await LspClient.start(command, cwd, name)
    try:
        await client.initialize(cwd)
        return time.perf_counter() - started
    finally:
        await client.close()


async def fix_workspace(command: list[str], tree: Path, unsafe: bool) -> dict[str, Any]:
    started = time.perf_counter()
    client = await FixClient.start(command, tree, "ssot-ls")
    try:
        await client.initialize(tree)
        ready = time.perf_counter()
        result = await client.request("workspace/executeCommand",
                                      {"command": "ssot-ls.fixWorkspace",
                                       "arguments": [{"unsafe": True}] if unsafe else []},
                                      timeout=600)
        done = time.perf_counter()
        return {"start": ready - started, "fix": done - ready, "result": result,
                "files": client.files_edited, "edits": client.text_edits,
                "progress": client.progress_reports,
                "rss": peak_rss_mb(client.process.pid)}
    finally:
        await client.close()


def import_share(command: list[str]) -> float | None:
    """Seconds the server's imports take, from `-X importtime` (None: not a Python command)."""
    python = command[0]
    if "python" not in Path(python).name:
        python = sys.executable
    code = "import ssot_ls.server.server as s; s.create_server()"
    completed = subprocess.run([python, "-X", "importtime", "-c", code], capture_output=True,
                               text=True, env=benchmark_environment(), check=False)
    total = 0
    for line in completed.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() and parts[2].startswith(" ") \
                and not parts[2].startswith("  "):
            try:
                total += int(parts[1])
            except ValueError:
                continue
    return total / 1e6 if total else None


async def main_async(args: argparse.Namespace) -> int:
    ssot, ruff = shlex.split(args.ssot), shlex.split(args.ruff)
    environment = benchmark_environment()  # the servers inherit it
    os.environ.clear()
    os.environ.update(environment)
    workspace = Path(args.workspace).resolve()
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "app.py").write_text("import os\n")
    print(machine_summary())
    print(f"\nstart (spawn to initialize result), {args.runs} runs, alternating:")
    starts: dict[str, list[float]] = {"ssot-ls": [], "ruff": []}
    for index in range(args.runs):
        order = [("ssot-ls", ssot), ("ruff", ruff)]
        for name, command in order if index % 2 == 0 else reversed(order):
            starts[name].append(await time_start(command, workspace, name))
    for name, values in starts.items():
        print(f"  {name:8} median {format_duration(median(values))}  "
              f"(min {format_duration(min(values))}, max {format_duration(max(values))})")
    imports = import_share(ssot)
    if imports is not None:
        print(f"  ssot-ls imports (-X importtime, top-level modules): {format_duration(imports)}")

    if args.fix_runs:
        tree = args.tree.resolve()
        if not gen_tree.is_current(tree, 10_000, 4_500, 1):
            print(f"\ngenerating {tree} ...", flush=True)
            gen_tree.generate(tree, 10_000, 4_500, 1)
        kind = "unsafe fixes too" if args.unsafe else "safe fixes"
        print(f"\nworkspace fix ({kind}) on {tree}, {args.fix_runs} runs:")
        runs = []
        for index in range(args.fix_runs):
            run = await fix_workspace(ssot, tree, args.unsafe)
            runs.append(run)
            result = run["result"] or {}
            print(f"  run {index + 1}: fix {format_duration(run['fix'])}, files edited "
                  f"{run['files']} ({run['edits']} edits; server says filesChanged "
                  f"{result.get('filesChanged')}, fixesApplied {result.get('fixesApplied')}, "
                  f"findingsLeft {result.get('findingsLeft')}), $/progress {run['progress']}, "
                  f"peak RSS {run['rss']:.0f} MB", flush=True)
        fix_median = median([run["fix"] for run in runs])
        rss_max = max(run["rss"] or 0 for run in runs)
        print(f"\n  median fix {format_duration(fix_median)} (goal < 5 s: "
              f"{'met' if fix_median < 5 else 'NOT met'}); peak RSS {rss_max:.0f} MB (goal < 300 MB: "
              f"{'met' if rss_max < 300 else 'NOT met'})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="server starts per server")
    parser.add_argument("--fix-runs", type=int, default=3, help="workspace fixes (0: none)")
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--unsafe", action="store_true",
                        help="apply unsafe fixes too (the tree's await rewrites): more files edited")
    parser.add_argument("--workspace", default="/tmp/ssot-ls-bench-start",
                        help="folder with one file, for the start figures")
    parser.add_argument("--ssot", default=f"{script_path('ssot-ls')} server")
    parser.add_argument("--ruff", default=f"{script_path('ruff')} server")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
