"""The workspace fix reads files as bytes and decodes only those a rule can match."""

from __future__ import annotations

from pathlib import Path

from ssot_ls.config import ConfigResolver
from ssot_ls.server import files
from ssot_ls.workspace import Document, SourceError


def test_read_matching_decodes_only_files_with_a_needle(tmp_path: Path) -> None:
    (tmp_path / "ssot-ls.toml").write_text(
        '[[rules]]\ncode = "X001"\nold = "legacy.factory"\nnew = "modern.factory"\n')
    hit = tmp_path / "hit.py"
    hit.write_text("from legacy.factory import make\n")
    miss = tmp_path / "miss.py"
    miss.write_text("import os\n")
    latin = tmp_path / "latin.py"  # another codec: a byte search proves nothing, so decode
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"factory\x00")
    config = ConfigResolver().for_path(hit)
    results = dict(files.read_matching([(p, config) for p in (hit, miss, latin, binary)]))
    assert isinstance(results[hit], Document) and results[hit].text.startswith("from legacy")
    assert results[miss] is None
    assert isinstance(results[latin], Document) and results[latin].text.endswith("'é'\n")
    assert isinstance(results[binary], SourceError)
