"""Checking many files for `ssot-ls check`: one file at a time (read, cache, analyse, fix,
locate), and worker processes that spread a big run over the cores.

The main process walks the tree and answers what the cache knows (a stat per file); the
files left go, in chunks, to one worker per core as soon as there are enough of them, so
the workers start while the walk goes on. Only outcomes with something in them travel back.

The engine (and LibCST behind it) is imported only where a file needs analysing or fixing:
a run answered from the cache never pays for it.
"""

from __future__ import annotations

import functools
import gc
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ssot_ls import report
from ssot_ls.cache import CacheEntry, ResultCache, content_hash, findings_to_json, settings_hash
from ssot_ls.config import Config, ConfigResolver
from ssot_ls.report import Diagnostic
from ssot_ls.text import LineIndex
from ssot_ls.types import Finding
from ssot_ls.workspace import (
    MARKDOWN_SUFFIXES,
    Document,
    SourceError,
    StaleDocumentError,
    WriteError,
    decode_document,
    is_plain_utf8,
    read_source,
    write_document,
)


@functools.lru_cache(maxsize=8192)
def package_of_folder(folder: str) -> str | None:
    """``packages.package_of_folder``, cached for the run (one run of the CLI sees one tree)
    and built on the parent's answer: one stat per folder, not one per level above it."""
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        return None
    parent = os.path.dirname(folder)
    if parent == folder:
        return None
    above = package_of_folder(parent)
    name = os.path.basename(folder)
    return f"{above}.{name}" if above else name


if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

DEBUG_VARIABLE = "SSOT_LS_DEBUG"

# Files the byte prefilter lets through (the engine must parse them) before worker processes
# pay off. Measured on 2 cores (fork): starting the pool and its first tasks costs ~25 ms of
# CPU and 25-60 ms of wall time; an analysed file costs 1-25 ms (median ~5 ms on Django,
# Twisted, SQLAlchemy), a file the prefilter drops ~0.03 ms, which the main process does
# itself while it walks the tree. From ~16 analysed files (~80 ms) halving the engine's time
# wins more than the pool costs; a small project never starts one.
PARALLEL_MIN_ANALYSES = 16
# Analysed files per task sent to a worker: small enough that the workers finish together,
# big enough that sending costs nothing (~0.1 ms a task).
CHUNK_FILES = 8
MAX_WORKERS = 8


def debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def _engine() -> ModuleType:
    from ssot_ls import engine  # 0.1-0.3 s of imports, paid only when a file needs it

    return engine


@dataclass(frozen=True)
class CheckOptions:
    config_override: Path | None
    fix: bool
    unsafe: bool
    diff: bool
    with_fixes: bool  # output shows fix edits (json, sarif)
    use_cache: bool
    roots: tuple[Path, ...]  # nothing outside them is ever written
    cwd: Path

    @property
    def fixing(self) -> bool:
        return self.fix or self.diff


@dataclass
class FileOutcome:
    path: str  # absolute
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)  # codes fixed (or that would be)
    diff: str = ""
    changed: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    cache_entry: CacheEntry | None = None  # to store for this path

    def has_news(self) -> bool:
        """Anything to report or to cache (a clean file without a cache has nothing)."""
        return bool(self.diagnostics or self.fixed or self.diff or self.changed
                    or self.warnings or self.error or self.cache_entry)


@dataclass
class _Folder:
    """What the files of one folder share."""

    prefix: str  # the folder's absolute path and a separator: prefix + name is a file's
    config: Config
    settings: dict[bool, str] = field(default_factory=dict)  # by "read as Python": settings_hash


class FileChecker:
    """Checks files one at a time for a run; one per process (the main one, each worker).

    Per folder it keeps the absolute path, the config in force and the cache settings, so a
    file costs a few dict lookups, not path normalisation or config resolution."""

    def __init__(self, options: CheckOptions, resolver: ConfigResolver,
                 cache: ResultCache | None = None) -> None:
        self.options = options
        self.resolver = resolver
        self.cache = cache
        self.checked: list[str] = []  # absolute paths, in the main process (prunes the cache)
        self._folders: dict[str, _Folder] = {}

    def locate(self, path: str) -> tuple[_Folder, str]:
        """The folder record of ``path`` (a file, as discovery spells it) and its absolute
        path; its config counts as in force from now on."""
        head, name = os.path.split(path)
        folder = self._folders.get(head)
        if folder is None:
            absolute = os.path.abspath(head)
            folder = self._folders[head] = _Folder(
                absolute if absolute.endswith(os.sep) else absolute + os.sep,
                self.resolver.for_folder(absolute))
        return folder, folder.prefix + name

    def configs(self) -> list[Config]:
        """Every distinct config a checked file used (SARIF's rule table, statistics)."""
        return list({id(f.config): f.config for f in self._folders.values()}.values())

    @staticmethod
    def settings_of(folder: _Folder, absolute: str) -> str:
        # Relative imports resolve against the package: the findings of anything the engine
        # reads as Python (all but Markdown) depend on it.
        python = os.path.splitext(absolute)[1].lower() not in MARKDOWN_SUFFIXES
        settings = folder.settings.get(python)
        if settings is None:
            package = package_of_folder(folder.prefix[:-1] or os.sep) if python else None
            settings = folder.settings[python] = settings_hash(folder.config.fingerprint(), package)
        return settings

    # -- one file

    def check(self, path: str, read: tuple[bytes, os.stat_result] | None = None,
              *, may_match: bool | None = None) -> FileOutcome:
        """Check one file (``path`` as the user sees it); with --fix/--diff also fix it.
        ``read``: its bytes and status when the caller read them already, ``may_match``:
        ``needs_engine`` of those bytes when known. Never raises for a bad file: problems
        become the outcome's warnings or error."""
        folder, absolute = self.locate(path)
        config = folder.config
        outcome = FileOutcome(absolute)
        try:
            raw, status = read or read_source(path)
            findings, document = self._analyse(path, absolute, config, raw, may_match)
            if self.options.use_cache:
                outcome.cache_entry = CacheEntry.for_file(
                    status, content_hash(raw), self.settings_of(folder, absolute),
                    findings_to_json(findings), self.options.with_fixes)
            if findings:
                self._report(document or decode_document(path, raw), absolute, config,
                             findings, outcome)
        except Exception as err:
            self._record_failure(path, outcome, err)
        return outcome

    @staticmethod
    def needs_engine(path: str, config: Config, raw: bytes) -> bool:
        """Whether ``raw`` must be analysed: a rule's needle is in it, or it is not plain
        UTF-8 (then a byte search proves nothing). Otherwise it has no finding."""
        return config.rules.may_match(raw) or not is_plain_utf8(path, raw)

    def from_cache(self, path: str, folder: _Folder, absolute: str) -> FileOutcome | None:
        """As ``check`` when the cache knows this file (``locate`` gave ``folder`` and
        ``absolute``); None when it does not.

        The file is read only when its status differs from the recorded one (then its
        content decides) or when it has findings to show."""
        assert self.cache is not None
        entry = self.cache.entries.get(absolute)
        if entry is None or not entry.serves(self.settings_of(folder, absolute),
                                             self.options.with_fixes):
            return None
        outcome = FileOutcome(absolute)
        raw = None
        try:
            if not entry.status_matches(os.stat(path)):
                raw, status = read_source(path)
                if content_hash(raw) != entry.content:
                    return None
                outcome.cache_entry = entry = entry.restamped(status)
            if not entry.rows:
                return outcome
            findings = entry.findings()
            if findings is None:
                return None
            if raw is None:
                raw, _ = read_source(path)
            self._report(decode_document(path, raw), absolute, folder.config, findings, outcome)
        except (OSError, SourceError):
            return None  # gone or unreadable: a full check reports it
        except Exception as err:
            self._record_failure(path, outcome, err)
        return outcome

    def _analyse(self, path: str, absolute: str, config: Config, raw: bytes,
                 may_match: bool | None = None) -> tuple[list[Finding], Document | None]:
        """The findings of the file's bytes (with their fixes when the output shows them),
        and its decoded text when that was needed."""
        if may_match is None:
            may_match = self.needs_engine(path, config, raw)
        if not may_match:
            # The engine's own prefilter would drop the text: none of the rules' needles is
            # in it. In UTF-8 a byte search says the same, without decoding or a Path.
            return [], None
        document = decode_document(path, raw)
        engine = _engine()
        if self.options.with_fixes:  # one analysis finds them and builds their fixes
            return engine.fixes_for_findings(document.text, Path(absolute), config), document
        return engine.check_source(document.text, Path(absolute), config), document

    def _report(self, document: Document, absolute: str, config: Config,
                findings: list[Finding], outcome: FileOutcome) -> None:
        text, findings = self._apply_fixes(document, absolute, config, findings, outcome)
        outcome.diagnostics = _locate_all(text, absolute, config, findings)

    def _apply_fixes(self, document: Document, absolute: str, config: Config,
                     findings: list[Finding], outcome: FileOutcome) -> tuple[str, list[Finding]]:
        """With --fix/--diff: fix the text (and write it, for --fix); the text and findings
        to report afterwards. Without: the document as it is."""
        options = self.options
        wanted = any(f.applicability is not None and f.applicability.allowed(options.unsafe)
                     for f in findings)
        if not (options.fixing and wanted):
            return document.text, findings
        engine = _engine()
        result = engine.fix_source(document.text, Path(absolute), config, unsafe=options.unsafe)
        if not result.converged:
            outcome.warnings.append(f"{document.path}: fixes did not settle; some findings remain")
        if result.text == document.text:
            return document.text, findings
        if options.diff:
            outcome.diff = report.unified_diff(document.text, result.text,
                                               report.relative_label(Path(absolute), options.cwd))
        else:
            try:
                write_document(document.path, result.text, document, roots=options.roots)
            except (StaleDocumentError, WriteError) as err:
                outcome.warnings.append(str(err))
                return document.text, findings
            outcome.cache_entry = None  # the file's bytes changed: cache them next run
        outcome.changed = True
        remaining = list(result.remaining)
        if options.with_fixes and remaining:
            remaining = engine.fixes_for_findings(result.text, Path(absolute), config)
        outcome.fixed = Counter(f.code for f in findings) - Counter(f.code for f in remaining)
        return result.text, remaining

    @staticmethod
    def _record_failure(path: str, outcome: FileOutcome, err: Exception) -> None:
        if isinstance(err, SourceError):
            outcome.warnings.append(str(err))
            return
        import traceback

        detail = traceback.format_exc() if debugging() else f"{type(err).__name__}: {err}"
        outcome.error = f"{path}: internal error: {detail}"


def _locate_all(text: str, absolute: str, config: Config,
                findings: list[Finding]) -> list[Diagnostic]:
    if not findings:
        return []
    index = LineIndex(text)
    path = Path(absolute)
    diagnostics = []
    for finding in findings:
        rule = config.rules.get(finding.code)
        # The suppression row is the finding's own row: `# ssot: ignore[CODE]` there silences it.
        diagnostics.append(report.locate(finding, index, path, url=rule.doc_url if rule else None))
    return diagnostics


# ---------------------------------------------------------------------------- many files


def check_files(files: Iterable[str], checker: FileChecker,
                on_progress: Callable[[int, int], None] = lambda done, seen: None,
                ) -> Iterator[FileOutcome]:
    """Outcomes with news (``FileOutcome.has_news``) for ``files``, in no particular order;
    ``on_progress(done, seen)`` after each. ``files`` may be a generator (discovery).

    The main process reads each file that the cache does not settle and runs the byte
    prefilter: most files end there. Only files the engine must analyse count towards the
    worker pool, which starts once PARALLEL_MIN_ANALYSES of them are waiting (while
    discovery still runs) and gets them by path; below that the main process analyses them."""
    done = seen = 0
    waiting: list[tuple[str, tuple[bytes, os.stat_result]]] = []  # for the engine, read
    pool: ProcessPoolExecutor | None = None
    pool_tried = False  # one core or no process support: _start_pool says None once
    futures: list[Future[tuple[int, list[FileOutcome]]]] = []
    try:
        for path in files:
            seen += 1
            folder, absolute = checker.locate(path)
            checker.checked.append(absolute)
            outcome = None
            if checker.cache is not None:
                outcome = checker.from_cache(path, folder, absolute)
            if outcome is None:
                try:
                    read = read_source(path)
                except SourceError:
                    outcome = checker.check(path)  # reports why it cannot be read
                else:
                    if checker.needs_engine(path, folder.config, read[0]):
                        waiting.append((path, read))
                    else:
                        outcome = checker.check(path, read, may_match=False)
            if outcome is not None:
                done += 1
                if outcome.has_news():
                    yield outcome
                on_progress(done, seen)
            if not pool_tried and len(waiting) >= PARALLEL_MIN_ANALYSES:
                pool_tried = True
                pool = _start_pool(checker.options)
            if pool is not None and len(waiting) >= CHUNK_FILES:
                futures.append(pool.submit(_check_chunk, [path for path, _ in waiting]))
                waiting = []  # the workers read the files again: no bytes cross processes
        if pool is None:
            for path, read in waiting:
                outcome = checker.check(path, read, may_match=True)
                done += 1
                if outcome.has_news():
                    yield outcome
                on_progress(done, seen)
            return
        if waiting:
            futures.append(pool.submit(_check_chunk, [path for path, _ in waiting]))
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            count, outcomes = future.result()
            done += count
            yield from outcomes
            on_progress(done, seen)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _start_pool(options: CheckOptions) -> ProcessPoolExecutor | None:
    """One worker process per usable core; None when there is one core or no process
    support. Imported here: a run that needs no pool (a warm one) skips ~20 ms of imports."""
    workers = _usable_cores()
    if workers < 2:
        return None
    from concurrent.futures import ProcessPoolExecutor

    try:
        return ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(options,))
    except (OSError, NotImplementedError):
        return None  # no process support here (e.g. no /dev/shm): one process it is


def _usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return min(len(os.sched_getaffinity(0)), MAX_WORKERS)
    except AttributeError:  # not on Linux
        return min(os.cpu_count() or 1, MAX_WORKERS)


# Set in each worker process by _init_worker.
_worker_checker: FileChecker | None = None


def tune_gc() -> None:
    """Fewer garbage collections for a batch run: parsing allocates millions of short-lived
    AST nodes (freed by reference counting, not by the collector), and every 700 of them
    the default threshold scans the young objects again; the modules already imported are
    moved out of the collector's sight. Measured: 9% less wall time on a cold check of
    Django or Twisted. Cycles are still collected, a little later."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _init_worker(options: CheckOptions) -> None:
    global _worker_checker
    _worker_checker = FileChecker(options, ConfigResolver(options.config_override))
    _engine()  # now, while the main process is still walking the tree
    gc.freeze()  # the engine's modules too


def _check_chunk(paths: list[str]) -> tuple[int, list[FileOutcome]]:
    assert _worker_checker is not None
    outcomes = [_worker_checker.check(path) for path in paths]
    return len(paths), [outcome for outcome in outcomes if outcome.has_news()]
