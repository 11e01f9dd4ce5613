"""`ssot-ls check` imports only what the run needs (issue 9: a one-file project in well
under 100 ms; `python -X importtime` is the tool to see where start-up goes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NOT_FOR_A_CLEAN_FILE = ("difflib", "libcst", "markdown_it", "pathspec", "lsprotocol", "pygls",
                        "ssot_ls.engine", "ssot_ls.analysis", "tokenize", "tempfile",
                        "concurrent.futures.process", "json")

PROBE = """
import argparse, dataclasses, sys  # the interpreter and these bring some in (inspect: tokenize)
before = set(sys.modules)
from ssot_ls.cli import main
code = main(sys.argv[1:])
heavy = sorted(name for name in {names!r} if name in sys.modules and name not in before)
print(code, ",".join(heavy))
"""


def probe(project: Path, *args: str) -> tuple[int, list[str]]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(names=NOT_FOR_A_CLEAN_FILE), "check", *args],
        cwd=project, capture_output=True, text=True, check=True,
    )
    code, _, names = completed.stdout.strip().splitlines()[-1].partition(" ")
    return int(code), [name for name in names.split(",") if name]


def test_a_clean_file_needs_no_engine_nor_heavy_modules(tmp_path):
    (tmp_path / "app.py").write_text("import os\n")
    (tmp_path / ".gitignore").write_text("build/\n*.pyc\n")
    assert probe(tmp_path, "--no-cache", "app.py") == (0, [])


def test_the_cache_brings_only_json(tmp_path):
    (tmp_path / "app.py").write_text("import os\n")
    assert probe(tmp_path, ".") == (0, ["json"])
