"""Files on disk: which ones to check, reading them faithfully, writing fixes back safely.

Reading keeps the text byte-for-byte recoverable (encoding, BOM, line endings untouched) so a
fix changes nothing but the edited spans. Writing is atomic and refuses to clobber a file that
changed after it was read, or to write anywhere outside the checked roots.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import os
import stat
import tempfile
import tokenize
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from ssot_ls.config import Config, ConfigResolver
from ssot_ls.types import Applicability, Edit, Finding, FindingKind, Fix, Severity

# Folders nobody wants linted; pruned wherever they appear below a root.
ALWAYS_EXCLUDED = frozenset({
    ".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".tox",
    ".mypy_cache", ".ruff_cache", ".ssot-ls-cache",
})
SUPPORTED_SUFFIXES = frozenset({".py", ".pyi", ".md", ".markdown"})
PYTHON_SUFFIXES = frozenset({".py", ".pyi"})
MAX_FILE_BYTES = 10 * 1024 * 1024
_TOO_LARGE = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, skipped"


class SourceError(Exception):
    """A file we cannot check or write; ``reason`` is meant for the user."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StaleDocumentError(SourceError):
    """The file's bytes changed between reading and writing: someone else edited it."""


class WriteError(SourceError):
    """The file could not be written (read-only, outside the roots, not encodable)."""


# ---------------------------------------------------------------------------- discovery


def discover(paths: Iterable[Path], resolver: ConfigResolver) -> Iterator[Path]:
    """Files to check under ``paths``, each once, in a stable order.

    Directories are walked honouring every level of .gitignore, the always-excluded folders
    and each file's config include/exclude. A file named explicitly is checked even when
    excluded (as ruff does). Symlinks are followed only when they resolve inside one of the
    given roots. Raises FileNotFoundError for a path that does not exist and ConfigError for
    a broken config.
    """
    roots = [Path(p) for p in paths]
    real_roots = tuple(os.path.realpath(root) for root in roots)
    seen: set[str] = set()
    for root, real_root in zip(roots, real_roots, strict=True):
        if not os.path.lexists(root):
            raise FileNotFoundError(f"{root}: no such file or directory")
        if os.path.isdir(root):
            yield from _walk(root, real_root, real_roots, resolver, seen)
        elif real_root not in seen:
            seen.add(real_root)
            yield root


def _walk(root: Path, real_root: str, real_roots: Sequence[str], resolver: ConfigResolver,
          seen: set[str]) -> Iterator[Path]:
    stack = [(str(root), real_root, _ancestor_ignores(real_root))]
    while stack:
        folder, real_folder, ignores = stack.pop()
        if real_folder in seen:
            continue  # reached twice through a symlink (or a loop)
        seen.add(real_folder)
        ignores = ignores.extended(real_folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable folder: nothing we can check there
        included = _included_filter(resolver.for_path(Path(folder)))
        subfolders = []
        for entry in entries:
            real_path = real_folder + os.sep + entry.name
            try:
                if entry.is_symlink():
                    real_path = os.path.realpath(entry.path)
                    if not _inside(real_path, real_roots):
                        continue  # never leave the roots through a link
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if entry.name not in ALWAYS_EXCLUDED and not ignores.ignored(real_path, True):
                    subfolders.append((entry.path, real_path, ignores))
                continue
            suffix = os.path.splitext(entry.name)[1].lower()
            if (suffix not in SUPPORTED_SUFFIXES or real_path in seen
                    or ignores.ignored(real_path, False) or not entry.is_file()):
                continue
            if included(real_path):
                seen.add(real_path)
                yield Path(entry.path)
        stack.extend(reversed(subfolders))


def _included_filter(config: Config) -> Callable[[str], bool]:
    """The config's include/exclude test for paths that are already real."""
    return config.includes_real_path


def _inside(real_path: str, real_roots: Sequence[str]) -> bool:
    return any(_relative(real_path, root) is not None for root in real_roots)


def _relative(real_path: str, real_base: str) -> str | None:
    """``real_path`` relative to ``real_base`` with "/" separators; None when outside it.

    Both are already real paths, so plain string work replaces os.path.relpath (which
    normalises both sides again and was a third of discovery time)."""
    if real_path == real_base:
        return "."
    prefix = real_base if real_base.endswith(os.sep) else real_base + os.sep
    if not real_path.startswith(prefix):
        return None
    relative = real_path[len(prefix):]
    return relative if os.sep == "/" else relative.replace(os.sep, "/")


@dataclass(frozen=True)
class _IgnoreChain:
    """The .gitignore specs in force for a folder, outermost first, with their base folders."""

    specs: tuple[tuple[str, pathspec.PathSpec], ...] = ()

    def extended(self, real_folder: str) -> _IgnoreChain:
        spec = _read_ignore_file(os.path.join(real_folder, ".gitignore"))
        return self if spec is None else _IgnoreChain((*self.specs, (real_folder, spec)))

    def without_patterns_ignoring(self, real_root: str) -> _IgnoreChain:
        """The chain for walking ``real_root`` when it was named explicitly (ruff does the
        same): patterns that ignore the root itself or a folder above it are dropped, so a
        git-ignored folder is still checked when asked for; the other patterns of those
        files (`*.log`, `build/`, ...) still apply inside it, and so do the root's own
        .gitignore files. A pattern that ignores both the root and, by name, files inside
        it (`tmp*` naming `tmp_data/`) is dropped too: naming the folder wins."""
        specs = []
        for base, spec in self.specs:
            relative = _relative(real_root, base)
            if relative is None or relative == ".":
                specs.append((base, spec))
                continue
            parts = relative.split("/")
            folders = ["/".join(parts[:depth]) + "/" for depth in range(1, len(parts) + 1)]
            kept = [pattern for pattern in spec.patterns
                    if not (pattern.include and any(pattern.match_file(f) for f in folders))]
            if len(kept) == len(spec.patterns):
                specs.append((base, spec))
            elif any(pattern.include is not None for pattern in kept):
                specs.append((base, pathspec.GitIgnoreSpec(kept)))
        return _IgnoreChain(tuple(specs))

    def ignored(self, real_path: str, is_dir: bool) -> bool:
        # As git does: the deepest .gitignore with an opinion (match or negation) decides.
        for base, spec in reversed(self.specs):
            relative = _relative(real_path, base)
            if relative is None:
                continue
            result = spec.check_file(relative + "/" if is_dir else relative)
            if result.include is not None:
                return bool(result.include)
        return False


def _read_ignore_file(path: str) -> pathspec.PathSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def _ancestor_ignores(real_root: str) -> _IgnoreChain:
    """What applies to a root from outside it: its repository's .git/info/exclude and the
    .gitignore files above it, up to the repository's top (none outside a repository).
    The root's own .gitignore is read by the walk, like any folder's."""
    above: list[str] = []  # the root's ancestors inside the repository, innermost first
    current = real_root
    while not os.path.exists(os.path.join(current, ".git")):
        parent = os.path.dirname(current)
        if parent == current:
            return _IgnoreChain()  # not in a repository: only .gitignore files below the root
        current = parent
        above.append(current)
    chain = _IgnoreChain()
    exclude_spec = _read_ignore_file(os.path.join(current, ".git", "info", "exclude"))
    if exclude_spec is not None:
        chain = _IgnoreChain(((current, exclude_spec),))
    for folder in reversed(above):
        chain = chain.extended(folder)
    return chain.without_patterns_ignoring(real_root)


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Document:
    path: Path
    text: str
    raw: bytes  # exactly what was on disk; write_document compares against it
    encoding: str  # codec name without the BOM ("utf-8", "latin-1", ...)
    bom: bool
    newline: str  # the first line break in the file ("\n" when there is none)


def read_document(path: Path) -> Document:
    """Read a source file without changing a byte of meaning: no newline translation.

    Raises SourceError for files too large, binary (NUL bytes) or undecodable.
    """
    path = path if isinstance(path, Path) else Path(path)
    return decode_document(path, read_source_bytes(path))


def read_source_bytes(path: Path) -> bytes:
    """The file's bytes; SourceError when it cannot be read or is over MAX_FILE_BYTES."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                raise SourceError(Path(path), _TOO_LARGE)
            raw = handle.read()
    except OSError as err:
        raise SourceError(Path(path), f"cannot read: {err.strerror or err}") from err
    if len(raw) > MAX_FILE_BYTES:  # grew after fstat
        raise SourceError(Path(path), _TOO_LARGE)
    return raw


def decode_document(path: Path, raw: bytes) -> Document:
    """``raw`` (the bytes of ``path``) as a Document; SourceError for binary/undecodable."""
    if b"\x00" in raw:
        raise SourceError(path, "binary file (contains NUL bytes), skipped")
    bom = raw.startswith(codecs.BOM_UTF8)
    encoding = "utf-8"
    if path.suffix.lower() in PYTHON_SUFFIXES:
        encoding = _detect_encoding(path, raw)
    body = raw[len(codecs.BOM_UTF8):] if bom else raw
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as err:
        line = body[:err.start].count(b"\n") + 1
        byte = body[err.start:err.start + 1].hex()
        reason = f"not valid {encoding} (byte 0x{byte} on line {line}), skipped"
        raise SourceError(path, reason) from err
    return Document(path, text, raw, encoding, bom, _first_newline(text))


def _detect_encoding(path: Path, raw: bytes) -> str:
    """PEP 263: BOM or coding cookie, else UTF-8 (what Python itself would use)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as err:
        raise SourceError(path, f"bad encoding declaration: {err.msg}, skipped") from err
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _first_newline(text: str) -> str:
    index = text.find("\n")
    # Look for "\r" only before the first "\n": no second scan of the whole text.
    carriage = text.find("\r", 0, index + 1) if index != -1 else text.find("\r")
    if carriage == -1:
        return "\n"
    return "\r\n" if text.startswith("\r\n", carriage) else "\r"


# ---------------------------------------------------------------------------- writing


def write_document(path: Path, text: str, original: Document, *,
                   roots: Iterable[Path] | None = None) -> None:
    """Atomically replace the file's content with ``text``, as ``original`` was encoded.

    The file keeps its mode, BOM and encoding; a symlink keeps pointing at its target, which
    is what gets written. Raises StaleDocumentError when the bytes on disk are no longer
    ``original.raw``, WriteError when the file or folder is read-only, the text cannot be
    encoded, or the target lies outside ``roots`` (when given).
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    if roots is not None and not _inside(str(target), [os.path.realpath(r) for r in roots]):
        raise WriteError(path, "outside the checked paths, not written")
    try:
        data = (codecs.BOM_UTF8 if original.bom else b"") + text.encode(original.encoding)
    except UnicodeEncodeError as err:
        raise WriteError(path, f"the fixed text cannot be encoded as {original.encoding}") from err
    try:
        status = os.stat(target)
    except FileNotFoundError as err:
        raise StaleDocumentError(path, "deleted since it was read, not written") from err
    _check_writable(path, target, status)
    temp_name = _write_temp(path, target, data, status)
    try:
        if _current_bytes(target) != original.raw:
            raise StaleDocumentError(path, "changed on disk since it was read, not written")
        os.replace(temp_name, target)
    except OSError as err:
        raise WriteError(path, f"cannot write: {err.strerror or err}") from err
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def _check_writable(path: Path, target: Path, status: os.stat_result) -> None:
    # Mode bits as well as access(): root may write anything, but a file someone made
    # read-only (chmod a-w) is a request not to touch it.
    if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise WriteError(path, "file is read-only, not written")
    folder = target.parent
    if not os.stat(folder).st_mode & 0o222 or not os.access(folder, os.W_OK | os.X_OK):
        raise WriteError(path, "folder is read-only, not written")


def _write_temp(path: Path, target: Path, data: bytes, status: os.stat_result) -> str:
    """Write ``data`` to a temp file beside ``target`` (same file system: rename is atomic)."""
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".ssot-ls.tmp",
                                             dir=target.parent)
    except OSError as err:
        raise WriteError(path, f"cannot write: {err.strerror or err}") from err
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, stat.S_IMODE(status.st_mode))
        if os.geteuid() == 0:  # only root can hand the file back to its owner
            os.chown(temp_name, status.st_uid, status.st_gid)
    except OSError as err:
        os.unlink(temp_name)
        raise WriteError(path, f"cannot write: {err.strerror or err}") from err
    return temp_name


def _current_bytes(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except OSError:
        return None


# ---------------------------------------------------------------------------- result cache

CACHE_DIR_NAME = ".ssot-ls-cache"
_CACHE_FILE = "results.json"
# One row per finding; plain JSON, never pickle: the cache sits inside the checked project,
# and reading it must not be a way to run code.
_FINDING_FIELDS = ("code", "message", "severity", "start", "end", "kind", "applicability",
                   "no_fix_reason", "fix_title", "group", "fix")


def engine_stamp() -> str:
    """ssot-ls's version plus the size and mtime of its sources: an edited (editable-install)
    engine invalidates the cache just like a release does."""
    import ssot_ls

    package = Path(ssot_ls.__file__).parent
    digest = hashlib.blake2b(ssot_ls.__version__.encode(), digest_size=16)
    for source in sorted(package.rglob("*.py")):
        status = source.stat()
        digest.update(f"{source.relative_to(package)}:{status.st_size}:{status.st_mtime_ns}".encode())
    return digest.hexdigest()


def cache_key(raw: bytes, config_fingerprint: str, package: str | None) -> str:
    """What a file's findings depend on: its bytes, the rules, and (for relative imports)
    the package it sits in."""
    # sha1 is not for security here, and twice as fast as blake2b on 200 MB of sources.
    content = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    settings = hashlib.blake2b(f"{config_fingerprint}|{package}".encode(), digest_size=8)
    return f"{content}-{settings.hexdigest()}"


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


@dataclass(frozen=True)
class CacheEntry:
    key: str  # cache_key of the file's content and settings
    rows: list[list]  # findings_to_json
    with_fixes: bool  # the rows carry each finding's fix (computed for JSON/SARIF output)

    def as_json(self) -> list:
        return [self.key, self.rows, self.with_fixes]


class ResultCache:
    """Findings per file, keyed by ``cache_key``, in ``.ssot-ls-cache/`` at the project root.

    ``entries`` maps an absolute path to its CacheEntry. A missing, foreign or corrupt cache
    is an empty one.
    """

    def __init__(self, directory: Path, stamp: str,
                 entries: dict[str, CacheEntry] | None = None) -> None:
        self.directory = directory
        self.stamp = stamp
        self.entries = entries or {}

    @classmethod
    def load(cls, directory: Path, stamp: str) -> ResultCache:
        try:
            data = json.loads((directory / _CACHE_FILE).read_text(encoding="utf-8"))
            if data.get("stamp") == stamp and isinstance(data.get("files"), dict):
                entries = {path: CacheEntry(key, rows, bool(with_fixes))
                           for path, (key, rows, with_fixes) in data["files"].items()}
                return cls(directory, stamp, entries)
        except (OSError, ValueError, TypeError, AttributeError):
            pass
        return cls(directory, stamp)

    def lookup(self, path: str, key: str, *, with_fixes: bool = False) -> list[Finding] | None:
        """The findings stored for this content (with their fixes, when asked), or None."""
        entry = self.entries.get(path)
        if entry is None or entry.key != key or (with_fixes and not entry.with_fixes):
            return None
        try:
            return findings_from_json(entry.rows)
        except (ValueError, TypeError, KeyError):
            return None

    def save(self, updates: Iterable[tuple[str, CacheEntry]], checked: Iterable[str],
             roots: Iterable[Path]) -> None:
        """Merge this run's results and write the cache atomically; silently gives up when
        the folder is not writable (a cache is never worth an error).

        Entries under ``roots`` that this run did not check are dropped: those files were
        deleted or are now excluded."""
        absolute_roots = [os.path.abspath(root) for root in roots]
        seen = set(checked)
        entries = {path: entry for path, entry in self.entries.items()
                   if path in seen or not _inside(path, absolute_roots)}
        entries.update(updates)
        if entries == self.entries:
            return
        files = {path: entry.as_json() for path, entry in entries.items()}
        payload = json.dumps({"stamp": self.stamp, "files": files}, separators=(",", ":"))
        try:
            self.directory.mkdir(exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by ssot-ls: a cache, never commit it.\n*\n")
            handle, temp_name = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as temp:
                temp.write(payload)
            os.replace(temp_name, self.directory / _CACHE_FILE)
        except OSError:
            os.unlink(temp_name)
            return
        self.entries = entries
