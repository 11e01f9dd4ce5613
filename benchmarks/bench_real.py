#!/usr/bin/env python3
"""Time `ssot-ls check` against `ruff check --select TID251` on real projects' sdists.

    python benchmarks/bench_real.py [--runs 5] [--only Django] [--cache DIR]

Downloads each project's sdist from PyPI once (`pip download --no-deps --no-binary :all:`),
unpacks it under ~/.cache/ssot-ls-bench (never into the repository), and writes next to the
tree a rule on a module the project really imports: `ssot-ls.toml` moves it (so findings have
fixes) and `ruff-bench.toml` bans it in TID251. Then, from the tree's root, alternating who
goes first each round:

- cold: `check . --no-cache` (text output) of both tools;
- warm: the same with each tool's cache, after one untimed run fills it;
- json: `check . --no-cache --output-format json` of both (ssot-ls computes every fix).

Prints each run, the medians, the ratios ssot-ls/ruff and ssot-ls json/text, and a Markdown
table for benchmarks/README.md. Goals (issue 9): median cold ratio over the trees <= 1.0,
warm <= 1.5, ssot-ls json <= 1.3x its text output.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import (
    TimedRun,
    format_duration,
    machine_summary,
    median,
    run_timed,
    script_path,
    tool_version,
)

DEFAULT_CACHE = Path(os.environ.get("SSOT_LS_BENCH_CACHE", Path.home() / ".cache" / "ssot-ls-bench"))
SUFFIXES = (".py", ".pyi", ".md")


@dataclass(frozen=True)
class Project:
    name: str  # as on PyPI
    version: str
    module: str  # imported by the project; the rule moves it to `<module>_v2`

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


# Sizes of the sdists (.py files): Django ~2,800, Twisted ~1,100, SQLAlchemy ~690. The module
# of each is one the project imports in 5-15% of its files: a real migration's worth of hits.
PROJECTS = (
    Project("Django", "5.1.4", "django.utils.functional"),
    Project("Twisted", "24.11.0", "twisted.python.compat"),
    Project("SQLAlchemy", "2.0.36", "sqlalchemy.testing.fixtures"),
)

SSOT_CONFIG = """\
# Written by benchmarks/bench_real.py.
[[rules]]
code = "BENCH001"
old = "{module}"
new = "{module}_v2"
"""

RUFF_CONFIG = """\
# Written by benchmarks/bench_real.py: the same module banned in TID251.
[lint]
select = ["TID251"]

[lint.flake8-tidy-imports.banned-api]
"{module}".msg = "moved to {module}_v2"
"""


# -- trees -----------------------------------------------------------------------------------


def ensure_tree(project: Project, cache: Path) -> Path:
    """The unpacked sdist with both configs written; downloaded and unpacked once."""
    trees = cache / "trees"
    marker = trees / f"{project.name}-{project.version}.path"
    if marker.exists() and Path(marker.read_text()).is_dir():
        tree = Path(marker.read_text())
    else:
        archive = _download(project, cache / "sdists")
        tree = _unpack(archive, trees)
        marker.write_text(str(tree))
    (tree / "ssot-ls.toml").write_text(SSOT_CONFIG.format(module=project.module))
    (tree / "ruff-bench.toml").write_text(RUFF_CONFIG.format(module=project.module))
    return tree


def _download(project: Project, sdists: Path) -> Path:
    sdists.mkdir(parents=True, exist_ok=True)
    prefix = f"{project.name}-{project.version}".lower()
    for existing in sdists.iterdir():
        if existing.name.lower().startswith(prefix) and existing.name.endswith(".tar.gz"):
            return existing
    print(f"downloading {project.requirement} ...", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", "--dest", str(sdists), project.requirement],
                   check=True)
    return _download(project, sdists)


def _unpack(archive: Path, trees: Path) -> Path:
    """Unpack into a staging folder renamed into place: an interrupted run leaves no half tree."""
    trees.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=trees, prefix=".staging-"))
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    (top,) = staging.iterdir()
    target = trees / top.name
    if target.exists():
        shutil.rmtree(target)
    top.rename(target)
    staging.rmdir()
    return target


def count_files(tree: Path) -> dict[str, int]:
    counts = dict.fromkeys(SUFFIXES, 0)
    total = 0
    for _, _, names in os.walk(tree):
        total += len(names)
        for name in names:
            suffix = os.path.splitext(name)[1]
            if suffix in counts:
                counts[suffix] += 1
    return {**counts, "all": total}


# -- running ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    label: str
    cached: bool
    json: bool


MODES = (Mode("cold", False, False), Mode("warm", True, False), Mode("json", False, True))


def ssot_command(base: Sequence[str], mode: Mode) -> list[str]:
    return [*base, "check", ".", "--exit-zero", *(() if mode.cached else ("--no-cache",)),
            *(("--output-format", "json") if mode.json else ())]


def ruff_command(base: Sequence[str], mode: Mode) -> list[str]:
    return [*base, "check", ".", "--config", "ruff-bench.toml", "--select", "TID251",
            "--exit-zero", *(() if mode.cached else ("--no-cache",)),
            *(("--output-format", "json") if mode.json else ())]


def run(command: list[str], tree: Path) -> TimedRun:
    result = run_timed(command, cwd=tree)
    if result.returncode != 0:
        sys.stderr.write(result.stderr.decode(errors="replace")[-4000:])
        raise SystemExit(f"exit {result.returncode}: {' '.join(command)} (in {tree})")
    return result


@dataclass
class TreeResult:
    project: Project
    counts: dict[str, int]
    walls: dict[tuple[str, str], list[float]]  # (tool, mode) -> seconds
    findings: dict[str, int]  # tool -> JSON records

    def median(self, tool: str, mode: str) -> float:
        return median(self.walls[(tool, mode)])


def bench_tree(project: Project, tree: Path, runs: int, ssot: Sequence[str],
               ruff: Sequence[str]) -> TreeResult:
    commands = {(tool, mode.label): build(base, mode)
                for tool, base, build in (("ssot-ls", ssot, ssot_command),
                                          ("ruff", ruff, ruff_command))
                for mode in MODES}
    for mode in MODES:
        if mode.cached:  # fill both caches, untimed
            for tool in ("ssot-ls", "ruff"):
                run(commands[(tool, mode.label)], tree)
    walls: dict[tuple[str, str], list[float]] = {key: [] for key in commands}
    findings: dict[str, int] = {}
    for round_index in range(runs):
        order = ("ssot-ls", "ruff") if round_index % 2 == 0 else ("ruff", "ssot-ls")
        cells = []
        for mode in MODES:
            for tool in order:
                result = run(commands[(tool, mode.label)], tree)
                walls[(tool, mode.label)].append(result.wall)
                if mode.json:
                    findings[tool] = len(json.loads(result.stdout or b"[]"))
                cells.append(f"{mode.label} {tool} {format_duration(result.wall)}")
        print(f"  run {round_index + 1}/{runs}: " + ", ".join(cells), flush=True)
    return TreeResult(project, count_files(tree), walls, findings)


# -- reporting -------------------------------------------------------------------------------


def print_table(results: list[TreeResult]) -> None:
    print("\n| project (module) | .py / .md / all files | findings ssot-ls / ruff "
          "| cold ssot-ls / ruff | ratio | warm ssot-ls / ruff | ratio "
          "| json ssot-ls / ruff | ratio | ssot-ls json/text |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        cells = []
        for mode in ("cold", "warm", "json"):
            ssot, ruff = result.median("ssot-ls", mode), result.median("ruff", mode)
            cells.append(f"{format_duration(ssot)} / {format_duration(ruff)} | {ssot / ruff:.2f}")
        json_text = result.median("ssot-ls", "json") / result.median("ssot-ls", "cold")
        counts = result.counts
        print(f"| {result.project.requirement} (`{result.project.module}`) "
              f"| {counts['.py']:,} / {counts['.md']:,} / {counts['all']:,} "
              f"| {result.findings.get('ssot-ls', 0)} / {result.findings.get('ruff', 0)} "
              f"| {' | '.join(cells)} | {json_text:.2f} |")


def print_goals(results: list[TreeResult]) -> None:
    def ratios(mode: str) -> list[float]:
        return [r.median("ssot-ls", mode) / r.median("ruff", mode) for r in results]

    cold, warm = median(ratios("cold")), median(ratios("warm"))
    json_text = median([r.median("ssot-ls", "json") / r.median("ssot-ls", "cold") for r in results])
    print("\ngoals (median over the trees):")
    for label, value, goal in (("cold ssot-ls/ruff", cold, 1.0), ("warm ssot-ls/ruff", warm, 1.5),
                               ("ssot-ls json/text", json_text, 1.3)):
        verdict = "met" if value <= goal else "NOT met"
        print(f"  {label:20} {value:5.2f}  (goal <= {goal}: {verdict})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and mode")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="benchmark only this project (repeatable)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where sdists and trees are kept (default ~/.cache/ssot-ls-bench)")
    parser.add_argument("--ssot", default=script_path("ssot-ls"), help="command that runs ssot-ls")
    parser.add_argument("--ruff", default=script_path("ruff"), help="command that runs ruff")
    args = parser.parse_args(argv)

    ssot, ruff = args.ssot.split(), args.ruff.split()
    print(f"ssot-ls: {tool_version([*ssot, '--version'])}; ruff: {tool_version([*ruff, '--version'])}")
    print(machine_summary())
    wanted = {name.lower() for name in args.only or ()}
    results = []
    for project in PROJECTS:
        if wanted and project.name.lower() not in wanted:
            continue
        tree = ensure_tree(project, args.cache)
        print(f"\n{project.requirement} in {tree}, rule on {project.module}:", flush=True)
        results.append(bench_tree(project, tree, args.runs, ssot, ruff))
    if results:
        print_table(results)
        print_goals(results)
    print(f"\n{machine_summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
