#!/usr/bin/env python3
"""Time diagnostics latency of `ssot-ls server` against `ruff server`, as an editor sees it.

    python benchmarks/bench_server.py [--runs 30]

Both servers run side by side over stdio (a plain JSON-RPC client, no editor) on a workspace
holding a generated ~3,000-line Python module with the seed's deprecated imports, and a
ruff.toml (TID251 banned-api for the same module and names) + ssot-ls.toml next to it. Each
run opens a fresh copy of the file and measures, from the moment the notification is
written to the moment the matching `textDocument/publishDiagnostics` is read:

  didOpen               the whole file is new to the server
  didChange keystroke   one character typed inside a string in a function body
  didChange import      `, WebSocketManagerFactory` added to a deprecated `from` import

Runs alternate which server goes first. The first run of each server is a warm-up (its
didOpen is shown as "first didOpen"), not counted. Prints median and p95 and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsp_client import LspClient
from synth.deprecated import DEPRECATED_MODULE, OLD_CLASS, OLD_FUNCTION
from synth.plan import PythonModule
from synth.pycode import ModuleRenderer
from synth.tree import RUFF_CONFIG, SSOT_CONFIG
from timing import (
    benchmark_environment,
    format_duration,
    machine_summary,
    median,
    percentile,
    script_path,
    tool_version,
)

TARGET_LINES = 3_000
EVENTS = ("didOpen", "didChange keystroke", "didChange import")
DIAGNOSTICS_TIMEOUT = 60.0


@dataclass(frozen=True)
class TextChange:
    """Insert `text` at (line, character); character counted in UTF-16 code units."""

    line: int  # 0-based
    character: int
    text: str

    def apply(self, document: str) -> str:
        lines = document.split("\n")
        line = lines[self.line]
        column = _column_of_utf16(line, self.character)
        lines[self.line] = line[:column] + self.text + line[column:]
        return "\n".join(lines)


@dataclass
class Samples:
    first_open: float = 0.0
    startup: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {event: [] for event in EVENTS})
    diagnostic_counts: dict[str, set[int]] = field(default_factory=lambda: {event: set() for event in EVENTS})


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _column_of_utf16(line: str, units: int) -> int:
    column, seen = 0, 0
    while seen < units:
        seen += _utf16_length(line[column])
        column += 1
    return column


def build_target_file(seed: int) -> str:
    """A ~3,000-line service module importing the deprecated module in the seed's three forms."""
    module = PythonModule(
        path="netra_backend/app/services/bench_target.py",
        dotted="netra_backend.app.services.bench_target",
        package="netra_backend.app.services",
        is_init=False,
        is_test=False,
        target_lines=TARGET_LINES,
        classes=("SessionService", "SessionRepository", "SessionPolicy", "SessionState"),
        functions=("get_session", "create_session", "refresh_session", "close_user_sessions"),
        imports=(
            ("netra_backend.app.core.config", ("get_settings",)),
            ("netra_backend.app.db.session_repository", ("SessionRecord", "load_sessions")),
            ("netra_backend.app.websocket_core.websocket_manager", ("WebSocketConnection",)),
        ),
        deprecated_forms=("from_function", "from_class", "module_alias"),
        mentions_factory=True,
    )
    text, _ = ModuleRenderer(module, seed).render()
    return text


def keystroke_change(text: str) -> TextChange:
    """Type one letter into a log message inside a function body, past the middle of the file."""
    lines = text.split("\n")
    for number in range(len(lines) // 2, len(lines)):
        marker = 'logger.info("'
        if marker in lines[number]:
            return TextChange(
                number, _utf16_length(lines[number][: lines[number].index(marker) + len(marker)]), "x"
            )
    raise ValueError("no logger.info line in the second half of the target file")


def import_change(text: str) -> TextChange:
    """Add a name to the `from ...factory import create_websocket_manager` line."""
    wanted = f"from {DEPRECATED_MODULE} import {OLD_FUNCTION}"
    for number, line in enumerate(text.split("\n")):
        if line == wanted:
            return TextChange(number, _utf16_length(line), f", {OLD_CLASS}")
    raise ValueError("the target file has no deprecated from-import")


def change_params(client: LspClient, uri: str, version: int, change: TextChange, new_text: str) -> dict:
    if client.incremental_sync:
        position = {"line": change.line, "character": change.character}
        content = {"range": {"start": position, "end": position}, "text": change.text}
    else:
        content = {"text": new_text}
    return {"textDocument": {"uri": uri, "version": version}, "contentChanges": [content]}


async def one_run(client: LspClient, path: Path, text: str, samples: Samples | None) -> float:
    """Open, change twice, close; record latencies in `samples`. Returns the didOpen latency."""
    uri = path.as_uri()
    client.discard_diagnostics(uri)
    steps: list[tuple[str, str, dict]] = [
        (
            "didOpen",
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
    ]
    current = text
    for version, change in ((2, keystroke_change(text)), (3, import_change(text))):
        current = change.apply(current)
        event = "didChange keystroke" if version == 2 else "didChange import"
        steps.append((event, "textDocument/didChange", change_params(client, uri, version, change, current)))

    open_latency = 0.0
    for version, (event, method, params) in enumerate(steps, start=1):
        sent = time.perf_counter()
        await client.notify(method, params)
        published = await client.diagnostics_for(uri, version, DIAGNOSTICS_TIMEOUT)
        latency = published.received - sent
        if version == 1:
            open_latency = latency
        if samples is not None:
            samples.latencies[event].append(latency)
            samples.diagnostic_counts[event].add(len(published.diagnostics))
    await client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return open_latency


def print_table(results: dict[str, Samples]) -> None:
    names = list(results)
    header = f"  {'':22}" + "".join(f"{name + ' median':>16}{name + ' p95':>14}" for name in names)
    if len(names) == 2:
        header += f"{'ratio median':>15}{'ratio p95':>12}"
    print(header)
    rows = [(event, {name: results[name].latencies[event] for name in names}) for event in EVENTS]
    for event, by_name in rows:
        cells = "".join(
            f"{format_duration(median(values)):>16}{format_duration(percentile(values, 0.95)):>14}"
            for values in by_name.values()
        )
        if len(names) == 2:
            first, second = (by_name[name] for name in names)
            cells += f"{median(first) / median(second):>15.2f}"
            cells += f"{percentile(first, 0.95) / percentile(second, 0.95):>12.2f}"
        print(f"  {event:22}{cells}")
    for label, attribute in (("first didOpen", "first_open"), ("spawn+initialize", "startup")):
        values = {name: getattr(results[name], attribute) for name in names}
        cells = "".join(f"{format_duration(value):>16}{'':>14}" for value in values.values())
        if len(names) == 2:
            first, second = values.values()
            cells += f"{first / second:>15.2f}"
        print(f"  {label:22}{cells}")
    for name in names:
        counts = "; ".join(f"{event}: {sorted(results[name].diagnostic_counts[event])}" for event in EVENTS)
        print(f"  {name} diagnostics per publish: {counts}")


async def benchmark(servers: dict[str, list[str]], runs: int, seed: int) -> dict[str, Samples]:
    text = build_target_file(seed)
    print(f"target file: {text.count(chr(10)):,} lines, {len(text):,} characters")
    with tempfile.TemporaryDirectory(prefix="ssot-bench-server-") as folder:
        workspace = Path(folder).resolve()
        (workspace / "ruff.toml").write_text(RUFF_CONFIG, encoding="utf-8")
        (workspace / "ssot-ls.toml").write_text(SSOT_CONFIG, encoding="utf-8")
        package = workspace / "netra_backend" / "app" / "services"
        package.mkdir(parents=True)
        for directory in (package, package.parent, package.parent.parent):
            (directory / "__init__.py").write_text("", encoding="utf-8")
        paths = []
        for index in range(runs + 1):
            path = package / f"bench_target_{index:03d}.py"
            path.write_text(text, encoding="utf-8")
            paths.append(path)

        results = {name: Samples() for name in servers}
        clients: dict[str, LspClient] = {}
        try:
            for name, command in servers.items():
                started = time.perf_counter()
                clients[name] = await LspClient.start(command, workspace, name)
                await clients[name].initialize(workspace)
                results[name].startup = time.perf_counter() - started
            for index, path in enumerate(paths):
                order = list(servers) if index % 2 == 0 else list(reversed(servers))
                for name in order:
                    warm_up = index == 0
                    latency = await one_run(clients[name], path, text, None if warm_up else results[name])
                    if warm_up:
                        results[name].first_open = latency
                if index % 10 == 0:
                    print(f"  run {index}/{runs} done", flush=True)
        finally:
            for client in clients.values():
                await client.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ssot", default=f"{script_path('ssot-ls')} server",
                        help="command that starts the ssot-ls server")
    parser.add_argument("--ruff", default=f"{script_path('ruff')} server",
                        help="command that starts the ruff server")
    args = parser.parse_args(argv)
    environment = benchmark_environment()  # the servers inherit it
    os.environ.clear()
    os.environ.update(environment)

    servers = {"ssot-ls": shlex.split(args.ssot), "ruff": shlex.split(args.ruff)}
    for name, command in servers.items():
        print(f"{name}: {tool_version([*command[:-1], '--version'])}  ({shlex.join(command)})")
    print(machine_summary())
    results = asyncio.run(benchmark(servers, args.runs, args.seed))
    print(f"\nlatency from notification sent to publishDiagnostics read, {args.runs} runs:")
    print_table(results)
    print(f"\n{machine_summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
