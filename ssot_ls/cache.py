"""The result cache of `ssot-ls check`: each file's findings, in `.ssot-ls-cache/results.json`.

An entry is valid for a file's content (a hash of its bytes) under given settings (the
config's rules and, for Python, the package the file sits in); the whole cache is valid for
one engine (``engine_stamp``). Like ruff, a warm run does not read a file whose status
(mtime, size) is the one recorded with its entry: it takes the recorded findings. The
trade-off is ruff's too: an edit that keeps the size and puts the old mtime back (a tool
restoring timestamps, `touch -r`) is not seen until the file's status changes again. One
case is closed: a file read within ``RACY_SECONDS`` of its last change may still be changing
in the same clock tick, so its status is not recorded and the next run compares contents.

Plain JSON, never pickle: the cache sits inside the checked project, and reading it must not
be a way to run code. A missing, foreign, truncated or otherwise corrupt file is an empty
cache; writes are atomic (temp file, then rename).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from ssot_ls.types import Applicability, Edit, Finding, FindingKind, Fix, Severity

CACHE_DIR_NAME = ".ssot-ls-cache"
CACHE_FILE_NAME = "results.json"
FORMAT = 2  # bump when the layout of an entry changes
# Files whose mtime is this close to the moment they were read are "racy": a write in the
# same tick of a coarse file-system clock would leave the status unchanged.
RACY_SECONDS = 2
_FINDING_FIELDS = ("code", "message", "severity", "start", "end", "kind", "applicability",
                   "no_fix_reason", "fix_title", "group", "fix")


def engine_stamp() -> str:
    """ssot-ls's version plus the size and mtime of its sources: an edited (editable-install)
    engine invalidates the cache just like a release does."""
    import ssot_ls

    package = os.path.dirname(ssot_ls.__file__)
    digest = hashlib.blake2b(f"{ssot_ls.__version__}|{FORMAT}".encode(), digest_size=16)
    sources: list[tuple[str, int, int]] = []
    folders = [""]
    while folders:  # scandir, not os.walk + relpath: this runs at every start (~1 ms saved)
        relative = folders.pop()
        with os.scandir(os.path.join(package, relative)) as entries:
            for entry in entries:
                name = relative + entry.name
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        folders.append(name + "/")
                elif entry.name.endswith(".py"):
                    status = entry.stat()
                    sources.append((name, status.st_size, status.st_mtime_ns))
    for name, size, mtime in sorted(sources):
        digest.update(f"{name}:{size}:{mtime}".encode())
    return digest.hexdigest()


def content_hash(raw: bytes) -> str:
    # sha1 is not for security here, and twice as fast as blake2b on 200 MB of sources.
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


def settings_hash(config_fingerprint: str, package: str | None) -> str:
    """What a file's findings depend on besides its bytes: the rules, and (for relative
    imports) the package it sits in."""
    return hashlib.blake2b(f"{config_fingerprint}|{package}".encode(), digest_size=8).hexdigest()


def findings_to_json(findings: Iterable[Finding]) -> list[list]:
    rows = []
    for finding in findings:
        fix = finding.fix
        rows.append([
            finding.code, finding.message, finding.severity.value, finding.start, finding.end,
            finding.kind.value, finding.applicability.value if finding.applicability else None,
            finding.no_fix_reason, finding.fix_title, finding.group,
            None if fix is None else [fix.applicability.value, fix.message,
                                      [[edit.start, edit.end, edit.content] for edit in fix.edits]],
        ])
    return rows


def findings_from_json(rows: list[list]) -> list[Finding]:
    findings = []
    for row in rows:
        values = dict(zip(_FINDING_FIELDS, row, strict=True))
        values["severity"] = Severity(values["severity"])
        values["kind"] = FindingKind(values["kind"])
        if values["applicability"] is not None:
            values["applicability"] = Applicability(values["applicability"])
        if values["fix"] is not None:
            applicability, message, edits = values["fix"]
            values["fix"] = Fix(Applicability(applicability), message,
                                tuple(Edit(start, end, content) for start, end, content in edits))
        findings.append(Finding(**values))
    return findings


class CacheEntry(NamedTuple):
    """One file's findings and what they are valid for. A tuple: a warm run loads one per
    file of the tree, and a tuple is built several times faster than a frozen dataclass."""

    content: str  # content_hash of the file's bytes
    settings: str  # settings_hash of the config and package it was checked with
    mtime_ns: int | None  # the file's status when read; None: racy, compare contents
    size: int
    rows: list[list]  # findings_to_json
    with_fixes: bool  # the rows carry each finding's fix (computed for JSON/SARIF output)

    @classmethod
    def for_file(cls, status: os.stat_result, content: str, settings: str, rows: list[list],
                 with_fixes: bool, now_ns: int | None = None) -> CacheEntry:
        """The entry for a file read with ``status``: its mtime is kept unless racy."""
        now_ns = time.time_ns() if now_ns is None else now_ns
        racy = status.st_mtime_ns >= now_ns - RACY_SECONDS * 1_000_000_000
        # A clean file has no fixes to compute: its entry serves JSON output too.
        return cls(content, settings, None if racy else status.st_mtime_ns, status.st_size,
                   rows, with_fixes or not rows)

    def status_matches(self, status: os.stat_result) -> bool:
        return self.mtime_ns == status.st_mtime_ns and self.size == status.st_size

    def serves(self, settings: str, with_fixes: bool) -> bool:
        """Whether the rows answer a check under ``settings`` (with fixes, when asked)."""
        return self.settings == settings and (self.with_fixes or not with_fixes)

    def restamped(self, status: os.stat_result, now_ns: int | None = None) -> CacheEntry:
        """This entry for the same content found with a new status (a touched file)."""
        return CacheEntry.for_file(status, self.content, self.settings, self.rows,
                                   self.with_fixes, now_ns)

    def findings(self) -> list[Finding] | None:
        """The stored findings; None when the rows do not parse (a tampered cache)."""
        try:
            return findings_from_json(self.rows)
        except (ValueError, TypeError, KeyError):
            return None

    def as_json(self) -> list:
        return list(self)

    @classmethod
    def from_json(cls, value: object) -> CacheEntry:
        """ValueError unless ``value`` is what ``as_json`` writes."""
        if type(value) is not list or len(value) != len(cls._fields):
            raise ValueError("not a cache entry")
        entry = cls._make(value)
        if not (type(entry.content) is str and type(entry.settings) is str
                and (entry.mtime_ns is None or type(entry.mtime_ns) is int)
                and type(entry.size) is int and type(entry.rows) is list
                and type(entry.with_fixes) is bool):
            raise ValueError("not a cache entry")
        return entry


class ResultCache:
    """Entries per absolute file path, in ``directory`` (``.ssot-ls-cache/`` at the project
    root), for one ``stamp`` (``engine_stamp()``)."""

    def __init__(self, directory: Path, stamp: str,
                 entries: dict[str, CacheEntry] | None = None) -> None:
        self.directory = directory
        self.stamp = stamp
        self.entries = entries or {}

    @classmethod
    def load(cls, directory: Path, stamp: str) -> ResultCache:
        try:
            import json  # a --no-cache run never needs it

            data = json.loads((directory / CACHE_FILE_NAME).read_bytes())
            if data.get("stamp") == stamp and isinstance(data.get("files"), dict):
                entries = {path: CacheEntry.from_json(value)
                           for path, value in data["files"].items()}
                return cls(directory, stamp, entries)
        except (OSError, ValueError, TypeError, AttributeError, RecursionError):
            pass  # unreadable, truncated, foreign: start afresh
        return cls(directory, stamp)

    def save(self, updates: Iterable[tuple[str, CacheEntry]], checked: Iterable[str],
             roots: Iterable[Path]) -> None:
        """Merge this run's entries and write the cache atomically; silently gives up when
        the folder is not writable (a cache is never worth an error).

        Entries under ``roots`` that this run did not check are dropped: those files were
        deleted or are now excluded."""
        absolute_roots = [os.path.abspath(root) for root in roots]
        seen = set(checked)
        entries = {path: entry for path, entry in self.entries.items()
                   if path in seen or not _inside(path, absolute_roots)}
        changed = len(entries) != len(self.entries)
        for path, entry in updates:
            changed = changed or entries.get(path) != entry
            entries[path] = entry
        if not changed:
            return
        files = {path: entry.as_json() for path, entry in entries.items()}
        import json

        payload = json.dumps({"stamp": self.stamp, "files": files}, separators=(",", ":"))
        if _write_atomically(self.directory, payload):
            self.entries = entries


def _write_atomically(directory: Path, payload: str) -> bool:
    try:
        directory.mkdir(exist_ok=True)
        ignore = directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by ssot-ls: a cache, never commit it.\n*\n")
        import tempfile  # only a run that changed something writes

        handle, temp_name = tempfile.mkstemp(dir=directory, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temp:
            temp.write(payload)
        os.replace(temp_name, directory / CACHE_FILE_NAME)
    except OSError:
        os.unlink(temp_name)
        return False
    return True


def _inside(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
