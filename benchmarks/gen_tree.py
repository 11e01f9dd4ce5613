#!/usr/bin/env python3
"""Generate the deterministic benchmark tree: Python packages, Markdown docs, linter configs.

    python benchmarks/gen_tree.py OUT [--py 10000] [--md 4500] [--seed 1] [--jobs N] [--verify]

Same arguments, same bytes. ~1% of the files use the deprecated websocket factory module in
the seed's forms; ~6% mention "factory" harmlessly. `OUT/MANIFEST.json` lists every planted
line. `--verify` compiles every generated .py file (the generator must only emit valid code).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth.plan import plan_tree
from synth.tree import GENERATOR_VERSION, read_manifest, write_tree


def generate(out: Path, py_files: int, md_files: int, seed: int, jobs: int | None = None) -> dict:
    """Generate the tree into `out`; return its manifest."""
    plan = plan_tree(py_files, md_files, seed)
    arguments = {"py": py_files, "md": md_files, "seed": seed}
    return write_tree(out, plan, arguments, jobs or os.cpu_count() or 1)


def is_current(out: Path, py_files: int, md_files: int, seed: int) -> bool:
    """True if `out` holds a tree generated with these arguments by this generator version."""
    manifest = read_manifest(out)
    wanted = {"py": py_files, "md": md_files, "seed": seed, "version": GENERATOR_VERSION}
    return manifest is not None and manifest.get("generator") == wanted


def verify_python(out: Path) -> int:
    """Compile every .py file; return the number that fail (and print them)."""
    failures = 0
    for path in sorted(out.rglob("*.py")):
        try:
            compile(path.read_text(encoding="utf-8"), str(path), "exec", dont_inherit=True)
        except SyntaxError as error:
            failures += 1
            print(f"{path}:{error.lineno}: {error.msg}", file=sys.stderr)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--py", type=int, default=10_000, help="Python files, __init__.py included")
    parser.add_argument("--md", type=int, default=4_500, help="Markdown files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--verify", action="store_true", help="compile every generated .py file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    manifest = generate(args.out, args.py, args.md, args.seed, args.jobs)
    planted = manifest["planted"]
    print(
        f"{args.out}: {manifest['python_files']} .py files ({manifest['python_lines']:,} lines), "
        f"{manifest['markdown_files']} .md files ({manifest['markdown_lines']:,} lines); "
        f"{sum(p['path'].endswith('.py') for p in planted)} .py and "
        f"{sum(p['path'].endswith('.md') for p in planted)} .md files with deprecated uses, "
        f"{manifest['factory_mentions']} harmless 'factory' mentions; the substring 'factory' is in "
        f"{manifest['python_files_containing_factory']} .py and "
        f"{manifest['markdown_files_containing_factory']} .md files "
        f"[{time.perf_counter() - started:.1f}s]"
    )
    if args.verify:
        failures = verify_python(args.out)
        print(f"verify: {failures} .py files do not compile")
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
