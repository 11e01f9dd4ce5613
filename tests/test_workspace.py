"""Discovery, faithful reading and safe writing of files, and the result cache."""

from __future__ import annotations

import codecs
import json
import os
import stat
from pathlib import Path

import pytest

from ssot_ls import batch, engine, packages, workspace
from ssot_ls.cache import (
    CacheEntry,
    ResultCache,
    content_hash,
    findings_from_json,
    findings_to_json,
    settings_hash,
)
from ssot_ls.config import ConfigResolver
from ssot_ls.types import Applicability, Edit, Finding, FindingKind, Fix, Severity
from ssot_ls.workspace import (
    SourceError,
    StaleDocumentError,
    WriteError,
    discover,
    read_document,
    write_document,
)


def write(root: Path, relative: str, content: str | bytes = "x = 1\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def found(root: Path, *paths: Path) -> list[str]:
    """Discovered files, relative to ``root``, as posix strings."""
    result = discover(list(paths) or [root], ConfigResolver())
    return sorted(p.resolve().relative_to(root.resolve()).as_posix() for p in result)


# ---------------------------------------------------------------------------- discovery


def test_discovers_python_and_markdown_only(tmp_path):
    for name in ("a.py", "b.pyi", "docs/c.md", "d.txt", "e.js", "pkg/f.py", "g.markdown"):
        write(tmp_path, name)
    assert found(tmp_path) == ["a.py", "b.pyi", "docs/c.md", "pkg/f.py"]


def test_always_excluded_folders_are_pruned(tmp_path):
    for folder in sorted(workspace.ALWAYS_EXCLUDED):
        write(tmp_path, f"{folder}/skipped.py")
        write(tmp_path, f"src/{folder}/nested_skipped.py")
    write(tmp_path, "src/kept.py")
    assert found(tmp_path) == ["src/kept.py"]


def test_gitignore_at_every_level_with_negation(tmp_path):
    write(tmp_path, ".gitignore", "generated/\n*.md\n")
    write(tmp_path, "generated/gen.py")
    write(tmp_path, "docs/notes.md")
    write(tmp_path, "docs/.gitignore", "!keep.md\nlocal.py\n")
    write(tmp_path, "docs/keep.md")
    write(tmp_path, "docs/local.py")
    write(tmp_path, "local.py")  # the nested .gitignore does not reach up here
    write(tmp_path, "src/app.py")
    assert found(tmp_path) == ["docs/keep.md", "local.py", "src/app.py"]


def test_gitignore_above_the_root_counts_inside_a_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "ignored_*.py\n")
    write(tmp_path, ".git/info/exclude", "secret.py\n")
    write(tmp_path, "sub/ignored_x.py")
    write(tmp_path, "sub/secret.py")
    write(tmp_path, "sub/kept.py")
    assert found(tmp_path, tmp_path / "sub") == ["sub/kept.py"]


def test_named_folder_is_checked_even_when_a_parent_gitignore_ignores_it(tmp_path):
    """As ruff: `ssot-ls check benchmarks/.tree` checks the tree the repo's .gitignore
    lists; the other patterns from above, and the folder's own .gitignore, still apply."""
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "benchmarks/.tree/\n*.log.py\n")
    write(tmp_path, ".git/info/exclude", "benchmarks/\n")
    write(tmp_path, "benchmarks/.tree/app/service.py")
    write(tmp_path, "benchmarks/.tree/app/debug.log.py")  # still ignored by `*.log.py`
    write(tmp_path, "benchmarks/.tree/.gitignore", "generated/\n")
    write(tmp_path, "benchmarks/.tree/generated/gen.py")  # ignored by the tree's own file
    write(tmp_path, "benchmarks/bench.py")
    assert found(tmp_path) == []  # from the top, the ignored folders stay ignored
    assert found(tmp_path, tmp_path / "benchmarks" / ".tree") == [
        "benchmarks/.tree/app/service.py"]
    assert found(tmp_path, tmp_path / "benchmarks" / ".tree" / "app") == [
        "benchmarks/.tree/app/service.py"]  # below the ignored folder too
    assert found(tmp_path, tmp_path / "benchmarks") == [
        "benchmarks/bench.py"]  # .tree/ is ignored inside the named folder


def test_gitignore_above_the_root_ignored_outside_a_repository(tmp_path):
    write(tmp_path, ".gitignore", "ignored_*.py\n")
    write(tmp_path, "sub/ignored_x.py")
    assert found(tmp_path, tmp_path / "sub") == ["sub/ignored_x.py"]


def test_config_include_and_exclude(tmp_path):
    write(tmp_path, "ssot-ls.toml", 'exclude = ["generated/**", "legacy_*.py"]\nmarkdown = false\n')
    write(tmp_path, "generated/x.py")
    write(tmp_path, "legacy_api.py")
    write(tmp_path, "README.md")
    write(tmp_path, "app.py")
    assert found(tmp_path) == ["app.py"]


def test_nested_config_applies_to_its_folder(tmp_path):
    write(tmp_path, "ssot-ls.toml", 'exclude = ["*.pyi"]\n')
    write(tmp_path, "sub/ssot-ls.toml", 'include = ["**/*.pyi"]\n')
    write(tmp_path, "top.py")
    write(tmp_path, "top.pyi")
    write(tmp_path, "sub/inner.py")
    write(tmp_path, "sub/inner.pyi")
    assert found(tmp_path) == ["sub/inner.pyi", "top.py"]


def test_explicit_file_is_checked_even_when_excluded(tmp_path):
    write(tmp_path, ".gitignore", "generated/\n")
    explicit = write(tmp_path, "generated/gen.py")
    write(tmp_path, "generated/other.py")
    assert found(tmp_path, explicit) == ["generated/gen.py"]


def test_each_file_once_even_when_named_twice(tmp_path):
    app = write(tmp_path, "app.py")
    assert found(tmp_path, tmp_path, app, tmp_path / ".") == ["app.py"]


def test_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(discover([tmp_path / "nope"], ConfigResolver()))


def test_symlinks_out_of_the_root_are_not_followed(tmp_path):
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    write(outside, "secret.py")
    write(root, "app.py")
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    (root / "linked_file.py").symlink_to(outside / "secret.py")
    names = sorted(p.name for p in discover([root], ConfigResolver()))
    assert names == ["app.py"]


def test_symlinks_inside_the_root_give_no_duplicates_and_no_loops(tmp_path):
    write(tmp_path, "pkg/mod.py")
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "alias.py").symlink_to(tmp_path / "pkg" / "mod.py")
    discovered = list(discover([tmp_path], ConfigResolver()))
    assert len(discovered) == 1
    assert discovered[0].resolve() == (tmp_path / "pkg" / "mod.py").resolve()


def test_symlink_into_another_given_root_is_followed(tmp_path):
    root = tmp_path / "root"
    other = tmp_path / "other"
    write(other, "shared.py")
    write(root, "app.py")
    (root / "shared_link.py").symlink_to(other / "shared.py")
    names = sorted(p.name for p in discover([root, other], ConfigResolver()))
    assert names == ["app.py", "shared_link.py"]  # checked once, under the first name met


@pytest.mark.parametrize("config_text", [
    'include = ["src/**/*.py", "**/*.md"]\nexclude = ["src/gen/**", "**/skip_*.py"]\n',
    "",  # the defaults: suffix patterns only, the fast path
    "markdown = false\n",
    'include = ["**/*.py", "**/*.markdown"]\n',
    'exclude = ["**/skip_*.py"]\n',
])
def test_included_filter_agrees_with_config(tmp_path, config_text):
    write(tmp_path, "ssot-ls.toml", config_text)
    config = ConfigResolver().for_path(tmp_path / "x.py")
    included = workspace._included_filter(config)
    candidates = ["src/a.py", "src/gen/b.py", "src/c/skip_d.py", "top.py", "docs/e.md",
                  "src/deep/er/f.py", "README.md", "src/g.pyi", "UPPER.MD", "notes.markdown",
                  "dir.py/inner.md", ".py"]
    for relative in candidates:
        path = write(tmp_path, relative)
        assert included(os.path.realpath(path)) == config.is_included(path), relative


def test_config_resolver_caches_by_folder_string(tmp_path, monkeypatch):
    write(tmp_path, "ssot-ls.toml", 'exclude = ["gen/**"]\n')
    write(tmp_path, "sub/ssot-ls.toml", "markdown = false\n")
    resolver = ConfigResolver()
    top, sub = resolver.for_path(tmp_path), resolver.for_path(tmp_path / "sub")
    assert (top.exclude, sub.markdown) == (("gen/**",), False)
    assert resolver.for_file(tmp_path / "a.py") is top
    assert resolver.for_path(write(tmp_path, "sub/deep/b.py")) is sub
    monkeypatch.chdir(tmp_path)
    assert resolver.for_file("sub/deep/c.py") is sub  # relative spellings share the entry

    def no_disk(*args):
        raise AssertionError("a known folder needs no file-system call")

    for name in ("isdir", "isfile", "exists"):
        monkeypatch.setattr(os.path, name, no_disk)
    for index in range(100):
        assert resolver.for_file(tmp_path / "sub" / "deep" / f"m{index}.py") is sub
    resolver.invalidate()
    monkeypatch.undo()
    assert resolver.for_file(tmp_path / "a.py") is not top  # read again after invalidate()


# ---------------------------------------------------------------------------- reading


def test_read_keeps_crlf_and_reports_newline(tmp_path):
    path = write(tmp_path, "a.py", b"import os\r\nx = 1\r\n")
    document = read_document(path)
    assert document.text == "import os\r\nx = 1\r\n"
    assert document.newline == "\r\n"
    assert (document.bom, document.encoding) == (False, "utf-8")


@pytest.mark.parametrize(("raw", "newline"), [
    (b"a\nb\r\n", "\n"), (b"a\r\nb\n", "\r\n"), (b"a\rb\n", "\r"), (b"no newline", "\n"),
])
def test_first_newline_wins(tmp_path, raw, newline):
    assert read_document(write(tmp_path, "a.md", raw)).newline == newline


def test_read_strips_bom_from_text_but_remembers_it(tmp_path):
    path = write(tmp_path, "a.py", codecs.BOM_UTF8 + "x = '✅'\n".encode())
    document = read_document(path)
    assert document.text == "x = '✅'\n"
    assert document.bom
    assert document.encoding == "utf-8"


def test_read_honours_the_coding_cookie(tmp_path):
    raw = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    document = read_document(write(tmp_path, "a.py", raw))
    assert "café" in document.text
    assert document.encoding == "iso-8859-1"


def test_markdown_has_no_cookie(tmp_path):
    raw = "<!-- coding: latin-1 -->\ncafé\n".encode()
    assert read_document(write(tmp_path, "a.md", raw)).encoding == "utf-8"


def test_binary_file_is_a_source_error(tmp_path):
    path = write(tmp_path, "blob.py", b"x = 1\x00\x01\x02")
    with pytest.raises(SourceError, match="binary"):
        read_document(path)


def test_invalid_utf8_names_the_line(tmp_path):
    path = write(tmp_path, "bad.md", b"ok\nalso ok\n\xff\xfe broken\n")
    with pytest.raises(SourceError, match=r"not valid utf-8 \(byte 0xff on line 3\)"):
        read_document(path)


def test_unknown_cookie_is_a_source_error(tmp_path):
    path = write(tmp_path, "a.py", b"# coding: no-such-codec\nx = 1\n")
    with pytest.raises(SourceError, match="encoding"):
        read_document(path)


def test_huge_file_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "big.py", "x = 1\n" * 50)
    with pytest.raises(SourceError, match="larger than"):
        read_document(path)


# ---------------------------------------------------------------------------- writing


def test_write_round_trip_keeps_bom_crlf_mode(tmp_path):
    raw = codecs.BOM_UTF8 + b"import old\r\nx = '\xe2\x9c\x85'\r\n"
    path = write(tmp_path, "a.py", raw)
    path.chmod(0o640)
    document = read_document(path)
    write_document(path, document.text.replace("old", "new"), document)
    assert path.read_bytes() == codecs.BOM_UTF8 + b"import new\r\nx = '\xe2\x9c\x85'\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]  # no temp file left behind


def test_write_keeps_the_cookie_encoding(tmp_path):
    raw = "# coding: latin-1\nimport old  # café\n".encode("latin-1")
    path = write(tmp_path, "a.py", raw)
    document = read_document(path)
    write_document(path, document.text.replace("old", "new"), document)
    assert path.read_bytes() == "# coding: latin-1\nimport new  # café\n".encode("latin-1")


def test_text_that_cannot_be_encoded_is_refused(tmp_path):
    path = write(tmp_path, "a.py", b"# coding: latin-1\nx = 1\n")
    document = read_document(path)
    with pytest.raises(WriteError, match="cannot be encoded"):
        write_document(path, document.text + "y = '🚀'\n", document)
    assert path.read_bytes() == b"# coding: latin-1\nx = 1\n"


def test_file_changed_since_read_is_not_written(tmp_path):
    path = write(tmp_path, "a.py", "import old\n")
    document = read_document(path)
    path.write_text("import old\nsomeone = 'else'\n")
    with pytest.raises(StaleDocumentError, match="changed on disk"):
        write_document(path, "import new\n", document)
    assert path.read_text() == "import old\nsomeone = 'else'\n"


def test_file_changed_while_the_temp_file_is_written(tmp_path, monkeypatch):
    """The last comparison happens after the temp file is ready, just before the rename."""
    path = write(tmp_path, "a.py", "import old\n")
    document = read_document(path)
    real_write_temp = workspace._write_temp

    def write_temp_then_edit(*args):
        temp = real_write_temp(*args)
        path.write_text("edited meanwhile\n")
        return temp

    monkeypatch.setattr(workspace, "_write_temp", write_temp_then_edit)
    with pytest.raises(StaleDocumentError):
        write_document(path, "import new\n", document)
    assert path.read_text() == "edited meanwhile\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_deleted_file_is_not_recreated(tmp_path):
    path = write(tmp_path, "a.py", "import old\n")
    document = read_document(path)
    path.unlink()
    with pytest.raises(StaleDocumentError, match="deleted"):
        write_document(path, "import new\n", document)
    assert not path.exists()


def test_read_only_file_is_refused(tmp_path):
    path = write(tmp_path, "a.py", "import old\n")
    document = read_document(path)
    path.chmod(0o444)
    with pytest.raises(WriteError, match="read-only"):
        write_document(path, "import new\n", document)
    assert path.read_text() == "import old\n"


def test_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "locked"
    path = write(folder, "a.py", "import old\n")
    document = read_document(path)
    folder.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="read-only"):
            write_document(path, "import new\n", document)
    finally:
        folder.chmod(0o755)
    assert path.read_text() == "import old\n"


def test_nothing_is_written_outside_the_roots(tmp_path):
    path = write(tmp_path, "outside/a.py", "import old\n")
    document = read_document(path)
    with pytest.raises(WriteError, match="outside"):
        write_document(path, "import new\n", document, roots=[tmp_path / "root"])
    assert path.read_text() == "import old\n"


def test_symlink_is_kept_and_its_target_written(tmp_path):
    target = write(tmp_path, "real.py", "import old\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    document = read_document(link)
    write_document(link, "import new\n", document, roots=[tmp_path])
    assert link.is_symlink()
    assert target.read_text() == "import new\n"


# ---------------------------------------------------------------------------- result cache


def sample_findings() -> list[Finding]:
    fix = Fix(Applicability.SAFE, "Use `new.x`", (Edit(5, 17, "new.x"), Edit(20, 20, "await ")))
    return [
        Finding("SSOT001", "use the new one", Severity.WARNING, 5, 17, FindingKind.IMPORT,
                Applicability.SAFE, None, "Use `new.x`", "0|a", fix),
        Finding("SSOT002", "report only", Severity.ERROR, 30, 40, FindingKind.REFERENCE,
                None, "no replacement configured", None, None),
    ]


def old_status(path: Path) -> os.stat_result:
    """``path``'s status after setting its mtime an hour back (not racy: trusted)."""
    hour_ago = os.stat(path).st_mtime_ns - 3600 * 10**9
    os.utime(path, ns=(hour_ago, hour_ago))
    return os.stat(path)


def entry_for(path: Path, rows: list[list], with_fixes: bool = False) -> CacheEntry:
    return CacheEntry.for_file(os.stat(path), content_hash(path.read_bytes()), "settings",
                               rows, with_fixes)


def test_findings_survive_json():
    findings = sample_findings()
    restored = findings_from_json(json.loads(json.dumps(findings_to_json(findings))))
    assert restored == findings
    assert [f.fix for f in restored] == [f.fix for f in findings]  # not part of ==


def test_settings_and_content_hashes():
    assert content_hash(b"import x\n") == content_hash(b"import x\n")
    assert content_hash(b"import x\n") != content_hash(b"import y\n")
    base = settings_hash("rules-a", "pkg")
    assert base == settings_hash("rules-a", "pkg")
    assert base != settings_hash("rules-b", "pkg")
    assert base != settings_hash("rules-a", "pkg.sub")
    assert base != settings_hash("rules-a", None)


def test_cache_round_trip_and_stamp(tmp_path):
    directory = tmp_path / ".ssot-ls-cache"
    cache = ResultCache.load(directory, "stamp-1")
    a, b = write(tmp_path, "a.py"), write(tmp_path, "b.py", "y = 2\n")
    old_status(a)
    entries = {str(a): entry_for(a, findings_to_json(sample_findings()), True),
               str(b): entry_for(b, [])}
    cache.save(entries.items(), entries, [tmp_path])
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    reloaded = ResultCache.load(directory, "stamp-1")
    assert reloaded.entries == entries
    assert reloaded.entries[str(a)].findings() == sample_findings()
    assert reloaded.entries[str(a)].findings()[0].fix == sample_findings()[0].fix
    assert reloaded.entries[str(a)].serves("settings", with_fixes=True)
    assert not reloaded.entries[str(a)].serves("other settings", with_fixes=False)
    assert reloaded.entries[str(b)].serves("settings", with_fixes=True)  # clean: no fixes to have
    assert ResultCache.load(directory, "stamp-2").entries == {}


def test_entry_trusts_an_old_status_not_a_racy_one(tmp_path):
    path = write(tmp_path, "a.py")
    racy = entry_for(path, [])  # just written: a same-tick edit would keep this status
    assert racy.mtime_ns is None and not racy.status_matches(os.stat(path))
    status = old_status(path)
    trusted = entry_for(path, [])
    assert trusted.mtime_ns == status.st_mtime_ns and trusted.status_matches(status)
    os.utime(path)  # touched: a new mtime
    assert not trusted.status_matches(os.stat(path))
    write(tmp_path, "a.py", "x = 22\n")
    os.utime(path, ns=(status.st_mtime_ns, status.st_mtime_ns))
    assert not trusted.status_matches(os.stat(path))  # the size differs


@pytest.mark.parametrize("garbage", [
    "{not json", "[]", '{"stamp": "s", "files": {"a": [1]}}',
    '{"stamp": "s", "files": {"a": ["c", "s", 1, 2, [], true, "extra"]}}',
    '{"stamp": "s", "files": {"a": ["c", "s", "mtime", 2, [], true]}}',
    '{"stamp": "s", "files": {"a": ["c", "s", 1, 2, [], true]}, "x": ' + "[" * 100_000,
])
def test_corrupt_cache_is_an_empty_cache(tmp_path, garbage):
    directory = tmp_path / ".ssot-ls-cache"
    directory.mkdir()
    (directory / "results.json").write_text(garbage)
    assert ResultCache.load(directory, "s").entries == {}


def test_truncated_cache_is_ignored_and_rewritten(tmp_path):
    directory = tmp_path / ".ssot-ls-cache"
    path = write(tmp_path, "a.py")
    ResultCache.load(directory, "s").save([(str(path), entry_for(path, []))], [str(path)],
                                          [tmp_path])
    cache_file = directory / "results.json"
    whole = cache_file.read_bytes()
    cache_file.write_bytes(whole[: len(whole) // 2])  # a crash mid-write (without our rename)
    cache = ResultCache.load(directory, "s")
    assert cache.entries == {}
    cache.save([(str(path), entry_for(path, []))], [str(path)], [tmp_path])
    assert cache_file.read_bytes() == whole
    assert [p.name for p in directory.iterdir() if p.suffix == ".tmp"] == []


def test_cache_drops_files_no_longer_seen_under_the_roots(tmp_path):
    directory = tmp_path / ".ssot-ls-cache"
    cache = ResultCache.load(directory, "s")
    inside, gone, elsewhere = (str(tmp_path / "src" / n) for n in ("a.py", "b.py", "c.py"))
    entry = CacheEntry("c", "s", 1, 2, [], False)
    cache.save([(p, entry) for p in (inside, gone, elsewhere)], [inside, gone, elsewhere],
               [tmp_path / "src"])
    cache = ResultCache.load(directory, "s")
    cache.save([], [inside], [tmp_path / "src" / "a.py"])  # a run over a.py alone
    assert set(ResultCache.load(directory, "s").entries) == {inside, gone, elsewhere}
    cache.save([], [inside], [tmp_path / "src"])  # a run over all of src/: b and c are gone
    assert set(ResultCache.load(directory, "s").entries) == {inside}


def test_unchanged_cache_is_not_rewritten(tmp_path):
    directory = tmp_path / ".ssot-ls-cache"
    path = str(tmp_path / "a.py")
    entry = CacheEntry("c", "s", 1, 2, [], False)
    ResultCache.load(directory, "s").save([(path, entry)], [path], [tmp_path])
    cache_file = directory / "results.json"
    cache_file.write_text(cache_file.read_text() + " ")  # a mark a rewrite would drop
    ResultCache.load(directory, "s").save([(path, entry)], [path], [tmp_path])
    assert cache_file.read_text().endswith(" ")


def test_unwritable_cache_folder_is_not_an_error(tmp_path):
    (tmp_path / "file").write_text("")
    cache = ResultCache.load(tmp_path / "file" / "cache", "s")  # parent is a file
    cache.save([("a", CacheEntry("c", "s", 1, 2, [], False))], ["a"], [tmp_path])


# ---------------------------------------------------------------------------- packages


@pytest.mark.parametrize("layout", [
    ["top.py"],
    ["pkg/__init__.py", "pkg/mod.py"],
    ["pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py"],
    ["pkg/sub/__init__.py", "pkg/sub/mod.py"],  # pkg/ itself is not a package
    ["pkg/__init__.py", "pkg/plain/mod.py"],  # plain/ breaks the chain
])
def test_package_of_folder_agrees_with_the_engine(tmp_path, layout):
    for relative in layout:
        write(tmp_path, relative)
    module = tmp_path / layout[-1]
    expected = engine.package_of(module)
    assert packages.package_of_folder(str(module.parent)) == expected
    batch.package_of_folder.cache_clear()
    assert batch.package_of_folder(str(module.parent)) == expected
