"""Files on disk: which ones to check, reading them faithfully, writing fixes back safely.

Reading keeps the text byte-for-byte recoverable (encoding, BOM, line endings untouched) so a
fix changes nothing but the edited spans. Writing is atomic and refuses to clobber a file that
changed after it was read, or to write anywhere outside the checked roots.
"""

from __future__ import annotations

import codecs
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ssot_ls.config import CONFIG_FILE_NAMES, Config, ConfigResolver
from ssot_ls.ignore import IgnoreChain, ancestor_ignores, relative_to

# Folders nobody wants linted; pruned wherever they appear below a root.
ALWAYS_EXCLUDED = frozenset({
    ".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".tox",
    ".mypy_cache", ".ruff_cache", ".ssot-ls-cache",
})
PYTHON_SUFFIXES = frozenset({".py", ".pyi"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})  # the engine and the server use these
SUPPORTED_SUFFIXES = PYTHON_SUFFIXES | MARKDOWN_SUFFIXES
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
    excluded (as ruff does), and so is a folder named explicitly that a .gitignore above it
    lists (the .gitignore files inside it still apply). Symlinks are followed only when they
    resolve inside one of the given roots. Raises FileNotFoundError for a path that does not
    exist and ConfigError for a broken config.
    """
    return map(Path, discover_paths(paths, resolver))


def discover_paths(paths: Iterable[Path | str], resolver: ConfigResolver) -> Iterator[str]:
    """``discover`` as strings, spelled as ``Path`` would print them (relative when the root
    was): a big tree's files need no Path object each."""
    roots = [str(Path(p)) for p in paths]
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


def _walk(root: str, real_root: str, real_roots: Sequence[str], resolver: ConfigResolver,
          seen: set[str]) -> Iterator[str]:
    """One root's files. Each folder costs one listing: the names in it say whether it has
    ignore files or config files, so nothing is opened or stat'ed that is not there."""
    filters: dict[int, Callable[[str], bool]] = {}  # by id(config): built once per config
    stack: list[tuple[str, str, str, IgnoreChain, Config | None]] = [
        (root, real_root, os.path.abspath(root), ancestor_ignores(real_root), None)]
    while stack:
        folder, real_folder, absolute, ignores, parent_config = stack.pop()
        if real_folder in seen:
            continue  # reached twice through a symlink (or a loop)
        seen.add(real_folder)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_ENTRY_NAME)
        except OSError:
            continue  # unreadable folder: nothing we can check there
        names = {entry.name for entry in entries}
        ignores = ignores.extended(real_folder, names)
        if parent_config is None or not names.isdisjoint(CONFIG_FILE_NAMES):
            config = resolver.for_folder(absolute)
        else:
            config = resolver.inherit(absolute, parent_config)
        included = filters.get(id(config))
        if included is None:
            included = filters[id(config)] = _included_filter(config)
        prefix = "" if folder == "." else folder if folder.endswith(os.sep) else folder + os.sep
        absolute_prefix = absolute if absolute.endswith(os.sep) else absolute + os.sep
        subfolders = []
        for entry in entries:
            name = entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()
            except OSError:
                continue
            if not is_dir and not name.lower().endswith(_SUFFIX_TUPLE):
                continue  # most files of a tree: nothing more to compute for them
            if is_link:
                real_path = os.path.realpath(entry.path)
                if not _inside(real_path, real_roots):
                    continue  # never leave the roots through a link
            else:
                real_path = real_folder + os.sep + name
            if is_dir:
                if name not in ALWAYS_EXCLUDED and not (
                        ignores.files and ignores.ignored(real_path, name, True)):
                    subfolders.append((prefix + name, real_path, absolute_prefix + name,
                                       ignores, config))
                continue
            if (os.path.splitext(name)[1].lower() not in SUPPORTED_SUFFIXES or real_path in seen
                    or (ignores.files and ignores.ignored(real_path, name, False))
                    or not entry.is_file()):
                continue
            if included(real_path):
                seen.add(real_path)
                yield prefix + name
        stack.extend(reversed(subfolders))


_ENTRY_NAME = operator.attrgetter("name")
_SUFFIX_TUPLE = tuple(SUPPORTED_SUFFIXES)  # a cheap first test; splitext has the last word


# An include pattern that only names a suffix ("**/*.py"): a file with that suffix matches
# it in any folder.
_SUFFIX_PATTERN = re.compile(r"\*\*/\*(\.[A-Za-z0-9_]+)")


def _included_filter(config: Config) -> Callable[[str], bool]:
    """The config's include/exclude test for paths that are already real.

    When the config excludes nothing and includes by suffix only (the default), a file with
    one of those suffixes is included without the patterns' regex matches (two per file, a
    third of discovery's time); other files still get the config's full test."""
    test = config.includes_real_path
    suffixes = [_SUFFIX_PATTERN.fullmatch(pattern) for pattern in config.include]
    if config.exclude or not all(suffixes):
        return test
    known = tuple(match.group(1) for match in suffixes if match
                  and (config.markdown or match.group(1) != ".md"))

    def included(real_path: str) -> bool:
        return real_path.endswith(known) or test(real_path)

    return included


def _inside(real_path: str, real_roots: Sequence[str]) -> bool:
    return any(relative_to(real_path, root) is not None for root in real_roots)


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Document:
    path: Path
    text: str
    raw: bytes  # exactly what was on disk; write_document compares against it
    encoding: str  # codec name without the BOM ("utf-8", "latin-1", ...)
    bom: bool
    newline: str  # the first line break in the file ("\n" when there is none)


def read_document(path: Path | str) -> Document:
    """Read a source file without changing a byte of meaning: no newline translation.

    Raises SourceError for files too large, binary (NUL bytes) or undecodable.
    """
    return decode_document(path, read_source_bytes(path))


def read_source_bytes(path: Path | str) -> bytes:
    """The file's bytes; SourceError when it cannot be read or is over MAX_FILE_BYTES."""
    return read_source(path)[0]


def read_source(path: Path | str) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its status taken just before reading them (a result cache
    trusts that status next time); SourceError as read_source_bytes."""
    try:
        with open(path, "rb") as handle:
            status = os.fstat(handle.fileno())
            if status.st_size > MAX_FILE_BYTES:
                raise SourceError(Path(path), _TOO_LARGE)
            raw = handle.read()
    except OSError as err:
        raise SourceError(Path(path), f"cannot read: {err.strerror or err}") from err
    if len(raw) > MAX_FILE_BYTES:  # grew after fstat
        raise SourceError(Path(path), _TOO_LARGE)
    return raw, status


def decode_document(path: Path | str, raw: bytes) -> Document:
    """``raw`` (the bytes of ``path``) as a Document; SourceError for binary/undecodable."""
    path = Path(path)
    if b"\x00" in raw:
        raise SourceError(path, "binary file (contains NUL bytes), skipped")
    bom = raw.startswith(codecs.BOM_UTF8)
    encoding = source_encoding(path, raw)
    body = raw[len(codecs.BOM_UTF8):] if bom else raw
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as err:
        line = body[:err.start].count(b"\n") + 1
        byte = body[err.start:err.start + 1].hex()
        reason = f"not valid {encoding} (byte 0x{byte} on line {line}), skipped"
        raise SourceError(path, reason) from err
    return Document(path, text, raw, encoding, bom, _first_newline(text))


def source_encoding(path: Path | str, raw: bytes) -> str:
    """The codec that reads ``raw``: UTF-8, except a Python file's PEP 263 coding cookie.
    SourceError for a bad cookie."""
    if os.path.splitext(path)[1].lower() not in PYTHON_SUFFIXES:
        return "utf-8"
    # A cookie sits on line 1 or 2 and spells "coding": without it, no tokenizer needed.
    second_break = raw.find(b"\n", raw.find(b"\n") + 1)
    if b"coding" not in (raw if second_break == -1 else raw[:second_break]):
        return "utf-8"
    return _detect_encoding(Path(path), raw)


def is_plain_utf8(path: Path | str, raw: bytes) -> bool:
    """Whether ``raw`` would decode as UTF-8 text without error (no NUL byte, no other
    codec declared): then a byte search finds exactly what a search of the text would."""
    if b"\x00" in raw or source_encoding(path, raw) != "utf-8":
        return False
    if raw.isascii():
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(path: Path, raw: bytes) -> str:
    """PEP 263: BOM or coding cookie, else UTF-8 (what Python itself would use)."""
    try:
        import io
        import tokenize  # only for a file with a coding cookie

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
        import tempfile  # only writing needs it

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
