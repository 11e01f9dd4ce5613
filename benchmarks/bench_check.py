#!/usr/bin/env python3
"""Time `ssot-ls check` against `ruff check` (TID251 banned-api) on the generated tree.

    python benchmarks/bench_check.py [--runs 5] [--tree DIR] [--no-warm]

Generates the tree if missing (cached in benchmarks/.tree/), then alternates cold runs
(`--no-cache`) of both tools, then warm runs with each tool's cache, and prints each run, the
medians, the ratio ssot-ls/ruff, and what each tool found compared with the planted uses
listed in the tree's MANIFEST.json. Goal: ratio <= 1.0.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_tree
from timing import (
    TimedRun,
    format_duration,
    machine_summary,
    median,
    run_timed,
    script_path,
    tool_version,
)

DEFAULT_TREE = Path(__file__).resolve().parent / ".tree"
COMMON_FLAGS = ("--exit-zero", "--output-format", "json")

Location = tuple[str, int]  # (path relative to the tree, 1-based row)


@dataclass(frozen=True)
class Tool:
    name: str
    command: tuple[str, ...]

    def check_command(self, cached: bool) -> list[str]:
        return [*self.command, "check", ".", *(() if cached else ("--no-cache",)), *COMMON_FLAGS]


@dataclass(frozen=True)
class Findings:
    total: int
    by_code: Counter[str]
    lines: frozenset[Location]

    @classmethod
    def parse(cls, stdout: bytes, tree: Path) -> Findings:
        records = json.loads(stdout or b"[]")
        real_tree = os.path.realpath(tree)
        lines = set()
        for record in records:
            relative = os.path.relpath(os.path.realpath(record["filename"]), real_tree)
            lines.add((relative.replace(os.sep, "/"), record["location"]["row"]))
        return cls(len(records), Counter(record["code"] for record in records), frozenset(lines))

    def in_suffix(self, suffix: str) -> frozenset[Location]:
        return frozenset(line for line in self.lines if line[0].endswith(suffix))


# -- running ---------------------------------------------------------------------------------


def ensure_tree(tree: Path, py_files: int, md_files: int, seed: int) -> dict:
    if not gen_tree.is_current(tree, py_files, md_files, seed):
        print(f"generating {tree} (--py {py_files} --md {md_files} --seed {seed}) ...", flush=True)
        gen_tree.generate(tree, py_files, md_files, seed)
    manifest = json.loads((tree / "MANIFEST.json").read_text(encoding="utf-8"))
    print(
        f"tree {tree}: {manifest['python_files']:,} .py files ({manifest['python_lines']:,} lines), "
        f"{manifest['markdown_files']:,} .md files ({manifest['markdown_lines']:,} lines)"
    )
    return manifest


def run_tool(tool: Tool, tree: Path, cached: bool) -> TimedRun:
    result = run_timed(tool.check_command(cached), cwd=tree)
    if result.returncode != 0:
        sys.stderr.write(result.stderr.decode(errors="replace")[-4000:])
        raise SystemExit(f"{tool.name} exited {result.returncode}: {shlex.join(tool.check_command(cached))}")
    return result


def alternate(
    tools: list[Tool], tree: Path, runs: int, cached: bool, label: str
) -> dict[str, list[TimedRun]]:
    """Run the tools in turn, swapping who goes first each round (so drift hits both)."""
    results: dict[str, list[TimedRun]] = {tool.name: [] for tool in tools}
    for round_index in range(runs):
        order = tools if round_index % 2 == 0 else list(reversed(tools))
        cells = []
        for tool in order:
            result = run_tool(tool, tree, cached)
            results[tool.name].append(result)
            cells.append(f"{tool.name} {format_duration(result.wall)} (cpu {format_duration(result.cpu)})")
        print(f"  {label} run {round_index + 1}/{runs}: " + "   ".join(cells), flush=True)
    return results


# -- comparing findings with the manifest ----------------------------------------------------


def planted_statements(manifest: dict, suffix: str, role: str) -> list[tuple[str, frozenset[int], dict]]:
    """Planted statements of one role, consecutive marked lines grouped (a parenthesized import)."""
    statements = []
    for entry in manifest["planted"]:
        if not entry["path"].endswith(suffix):
            continue
        rows = sorted(row for row, line_role in entry["marks"] if line_role == role)
        group: list[int] = []
        for row in rows:
            if group and row != group[-1] + 1:
                statements.append((entry["path"], frozenset(group), entry))
                group = []
            group.append(row)
        if group:
            statements.append((entry["path"], frozenset(group), entry))
    return statements


def found(statements: Iterable[tuple[str, frozenset[int], dict]], lines: frozenset[Location]) -> int:
    return sum(1 for path, rows, _ in statements if any((path, row) in lines for row in rows))


def planted_roles(manifest: dict) -> dict[Location, str]:
    return {(entry["path"], row): role for entry in manifest["planted"] for row, role in entry["marks"]}


def describe_lines(lines: frozenset[Location], roles: dict[Location, str]) -> str:
    """`5 (import 3, use 2)`: a count of flagged lines by their planted role."""
    by_role = Counter(roles.get(line, "not planted") for line in lines)
    return f"{len(lines)} ({', '.join(f'{role} {count}' for role, count in sorted(by_role.items()))})"


def report_findings(manifest: dict, results: dict[str, Findings]) -> None:
    ssot, ruff = results["ssot-ls"], results["ruff"]
    print("\nfindings (cold runs; identical across runs):")
    for name, findings in results.items():
        codes = ", ".join(f"{code} {count}" for code, count in sorted(findings.by_code.items()))
        print(
            f"  {name:8} {findings.total:5} findings on {len(findings.in_suffix('.py')):4} .py lines "
            f"and {len(findings.in_suffix('.md')):4} .md lines   [{codes}]"
        )

    imports_py = planted_statements(manifest, ".py", "import")
    imports_md = planted_statements(manifest, ".md", "import")
    uses_py = planted_statements(manifest, ".py", "use")
    fallbacks = planted_statements(manifest, ".py", "fallback")
    strings = planted_statements(manifest, ".py", "string")
    rows = [
        ("deprecated imports in .py (both should flag)", imports_py, True, True),
        ("uses of imported names in .py (call sites, attributes)", uses_py, None, None),
        ("compat fallbacks under `except ImportError` (ssot-ls: not a use)", fallbacks, False, True),
        ('mock.patch("...factory...") strings (ssot-ls: optional)', strings, None, False),
        ("deprecated imports in Markdown fences (ruff cannot see them)", imports_md, True, False),
    ]
    print(f"\n  {'planted in the tree':66} {'count':>5} {'ssot-ls':>8} {'ruff':>6}")
    for label, statements, _, _ in rows:
        by_ssot, by_ruff = found(statements, ssot.lines), found(statements, ruff.lines)
        print(f"  {label:66} {len(statements):5} {by_ssot:8} {by_ruff:6}")

    if ruff.total and not ssot.total:
        print(
            "  WARNING: ssot-ls reported nothing while ruff did: it probably skipped the tree "
            "(a .gitignore above it, e.g. the repo's `benchmarks/.tree/` entry?). Its timings "
            "are meaningless; try --tree with a folder outside the repository."
        )
    roles = planted_roles(manifest)
    for name, findings in results.items():
        stray = sorted(findings.lines - roles.keys())
        print(
            f"  {name}: {len(stray)} flagged lines that are not planted uses (harmless 'factory' "
            f"mentions, other modules)" + (f", e.g. {stray[:3]}" if stray else "")
        )

    ssot_py, ruff_py = ssot.in_suffix(".py"), ruff.in_suffix(".py")
    print(f"  .py lines flagged by both: {describe_lines(ssot_py & ruff_py, roles)}")
    print(f"  .py lines flagged only by ssot-ls: {describe_lines(ssot_py - ruff_py, roles)}")
    print(f"  .py lines flagged only by ruff: {describe_lines(ruff_py - ssot_py, roles)}")


# -- main ------------------------------------------------------------------------------------


def summarize(label: str, results: dict[str, list[TimedRun]]) -> None:
    ssot_median = median([run.wall for run in results["ssot-ls"]])
    ruff_median = median([run.wall for run in results["ruff"]])
    ssot_cpu = median([run.cpu for run in results["ssot-ls"]])
    ruff_cpu = median([run.cpu for run in results["ruff"]])
    print(
        f"  {label:5} median: ssot-ls {format_duration(ssot_median)} (cpu {format_duration(ssot_cpu)}), "
        f"ruff {format_duration(ruff_median)} (cpu {format_duration(ruff_cpu)}), "
        f"ratio ssot-ls/ruff {ssot_median / ruff_median:.2f} (cpu {ssot_cpu / ruff_cpu:.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and mode")
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--py", type=int, default=10_000)
    parser.add_argument("--md", type=int, default=4_500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-warm", action="store_true", help="skip the runs with caches")
    parser.add_argument("--ssot", default=script_path("ssot-ls"), help="command that runs ssot-ls")
    parser.add_argument("--ruff", default=script_path("ruff"), help="command that runs ruff")
    args = parser.parse_args(argv)

    tree = args.tree.resolve()
    manifest = ensure_tree(tree, args.py, args.md, args.seed)
    tools = [Tool("ssot-ls", tuple(shlex.split(args.ssot))), Tool("ruff", tuple(shlex.split(args.ruff)))]
    for tool in tools:
        print(f"{tool.name}: {tool_version([*tool.command, '--version'])}")
    print(machine_summary())

    print(f"\ncold (--no-cache), {args.runs} runs each, alternating:")
    cold = alternate(tools, tree, args.runs, cached=False, label="cold")
    findings = {name: Findings.parse(runs[0].stdout, tree) for name, runs in cold.items()}
    for name, runs in cold.items():
        if any(Findings.parse(run.stdout, tree).lines != findings[name].lines for run in runs[1:]):
            print(f"  warning: {name} reported different findings across runs")

    warm = None
    if not args.no_warm:
        print(f"\nwarm (cache filled by one untimed run each), {args.runs} runs each, alternating:")
        for tool in tools:
            run_tool(tool, tree, cached=True)
        warm = alternate(tools, tree, args.runs, cached=True, label="warm")

    print("\nsummary:")
    summarize("cold", cold)
    if warm is not None:
        summarize("warm", warm)
    report_findings(manifest, findings)
    print(f"\n{machine_summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
