#!/usr/bin/env python3
"""File discovery alone: ssot-ls's walker against `rignore` (the `ignore` crate ruff uses).

    python benchmarks/bench_discovery.py [--runs 7] [--tree DIR ...]

Trees: the real sdists of bench_real.py (downloaded there), a copy of Django's made to look like
a git checkout (a `.git` folder, GitHub's Python .gitignore template of 85 patterns at the
root, a nested .gitignore and .git/info/exclude), and the synthetic tree if it was generated.
Each walker lists the .py/.pyi/.md files with ignore files honoured; figures are CPU time
(process time, so the box's other load counts less), median of the runs, in one process
after a warm-up (the file system's caches are warm for both). rignore is optional
(`pip install rignore`): without it only ssot-ls's figures are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real
from timing import median

from ssot_ls.config import ConfigResolver
from ssot_ls.workspace import SUPPORTED_SUFFIXES, discover_paths

PYTHON_GITIGNORE = Path(__file__).resolve().parent / "data" / "python.gitignore"


def ssot_walk(tree: Path) -> int:
    return sum(1 for _ in discover_paths([tree], ConfigResolver()))


def rignore_walk(tree: Path) -> int:
    import rignore

    suffixes = tuple(SUPPORTED_SUFFIXES)
    return sum(1 for path in rignore.walk(tree, ignore_hidden=False) if path.name.endswith(suffixes))


def git_variant(tree: Path) -> Path:
    """A copy of ``tree`` dressed as a git checkout with a realistic .gitignore (made once)."""
    target = tree.with_name(tree.name + "-git")
    if not (target / ".git").is_dir():
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(tree, target)
        (target / ".git" / "info").mkdir(parents=True)
        (target / ".git" / "info" / "exclude").write_text("secret_*.py\n")
        shutil.copy(PYTHON_GITIGNORE, target / ".gitignore")
        for child in sorted(p for p in target.iterdir() if p.is_dir() and p.name != ".git")[:1]:
            (child / ".gitignore").write_text("*.tmp\n/generated/\n")
    return target


def timed(walk: Callable[[Path], int], tree: Path, runs: int) -> tuple[int, float]:
    walk(tree)  # warm-up: imports, the file system's caches
    times = []
    for _ in range(runs):
        started = time.process_time()
        count = walk(tree)
        times.append(time.process_time() - started)
    return count, median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tree", type=Path, action="append", help="walk this tree too")
    parser.add_argument("--cache", type=Path, default=bench_real.DEFAULT_CACHE)
    args = parser.parse_args(argv)

    trees = [bench_real.ensure_tree(project, args.cache) for project in bench_real.PROJECTS]
    trees.insert(1, git_variant(trees[0]))
    synthetic = Path(__file__).resolve().parent / ".tree"
    trees += [tree for tree in (synthetic,) if (tree / "MANIFEST.json").exists()]
    trees += args.tree or []
    try:
        import rignore  # noqa: F401

        walkers = {"ssot-ls": ssot_walk, "rignore": rignore_walk}
    except ImportError:
        print("rignore is not installed: ssot-ls only")
        walkers = {"ssot-ls": ssot_walk}

    print("| tree | files found | " + " | ".join(f"{name} cpu" for name in walkers)
          + (" | ratio ssot-ls/rignore |" if len(walkers) > 1 else " |"))
    print("| --- | ---: |" + " ---: |" * (len(walkers) + (len(walkers) > 1)))
    for tree in trees:
        results = {name: timed(walk, tree, args.runs) for name, walk in walkers.items()}
        counts = {count for count, _ in results.values()}
        cells = " | ".join(f"{seconds * 1000:.0f} ms" for _, seconds in results.values())
        ratio = (f" | {results['ssot-ls'][1] / results['rignore'][1]:.2f}"
                 if len(walkers) > 1 else "")
        found = "/".join(str(count) for count in sorted(counts))  # two numbers: they disagree
        print(f"| {tree.name} | {found} | {cells}{ratio} |", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HOME", str(Path.home()))
    sys.exit(main())
