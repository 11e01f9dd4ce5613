"""`ssot-ls` on the command line: `check`, `rules`, `server` (ruff's conventions).

Exit codes: 0 clean, 1 findings (with `--diff`: something would change), 2 error (bad config,
missing path, internal error). Errors are one line on stderr; set SSOT_LS_DEBUG=1 for the
traceback. `check` never imports pygls: the server is imported only by `server`.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ssot_ls import __version__, engine, report
from ssot_ls.config import Config, ConfigError, ConfigResolver
from ssot_ls.report import Diagnostic
from ssot_ls.rules import Rule
from ssot_ls.text import LineIndex
from ssot_ls.types import Finding
from ssot_ls.workspace import (
    CACHE_DIR_NAME,
    SUPPORTED_SUFFIXES,
    CacheEntry,
    Document,
    ResultCache,
    SourceError,
    StaleDocumentError,
    WriteError,
    cache_key,
    decode_document,
    discover,
    engine_stamp,
    findings_to_json,
    read_source_bytes,
    write_document,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
OUTPUT_FORMATS = ("text", "concise", "json", "github", "sarif")
DEBUG_VARIABLE = "SSOT_LS_DEBUG"

# Files to analyse (cache misses) before worker processes pay off. Measured on 2 cores:
# starting the pool costs ~20 ms; a file costs ~0.06 ms when the byte prefilter drops it and
# ~3 ms on average in the benchmark tree (a third of its files mention "factory" and get
# parsed). At 50 files the worst case (nothing parsed) loses ~20 ms; a parsed tree gains.
PARALLEL_MIN_FILES = 50
PROGRESS_DELAY_SECONDS = 1.0


class UsageError(Exception):
    """A mistake on the command line or in the environment: message to stderr, exit 2."""


# ---------------------------------------------------------------------------- arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssot-ls",
        description="Keep Python code and Markdown docs on single-source-of-truth import paths.",
    )
    parser.add_argument("--version", action="version", version=f"ssot-ls {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check", help="report (and fix) deprecated imports",
        description="Report deprecated imports; exit 0 clean, 1 findings, 2 error.",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="files or folders to check (default: the current folder)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply (or count as fixable) fixes that may change behaviour")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff, write nothing (even with --fix); "
                            "exit 1 if any")
    check.add_argument("--output-format", choices=OUTPUT_FORMATS, default="text",
                       help="text (default), concise (finding lines only), json (ruff's shape), "
                            "github (workflow annotations), sarif (2.1.0)")
    check.add_argument("--config", type=Path, metavar="FILE",
                       help="use this config file (ssot-ls.toml or pyproject.toml) for every file")
    check.add_argument("--no-cache", action="store_true",
                       help="ignore and do not write the result cache")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when findings remain")
    check.add_argument("--statistics", action="store_true",
                       help="print a count per rule code instead")
    check.add_argument("--quiet", "-q", action="store_true",
                       help="print findings only, no summary")
    check.add_argument("--show-fixes", action="store_true",
                       help="list what --fix fixed; without --fix, show each finding's fix")

    rules = commands.add_parser("rules", help="list the rules in force, or explain one")
    rules.add_argument("code", nargs="?", help="a rule code, e.g. SSOT001")
    rules.add_argument("--output-format", choices=("text", "json"), default="text")
    rules.add_argument("--config", type=Path, metavar="FILE", help="config file to read rules from")

    server = commands.add_parser("server", help="run the language server (stdio by default)")
    server.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    server.add_argument("--log-level", default="warning",
                        choices=("debug", "info", "warning", "error"), help="server log level")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "rules":
            return run_rules(args)
        if args.command == "server":
            return run_server(args)
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    except (UsageError, ConfigError, FileNotFoundError) as err:
        _error(str(err))
        return EXIT_ERROR
    except BrokenPipeError:
        # `ssot-ls check | head`: the reader is gone. Point stdout at /dev/null so the final
        # flush at exit does not complain, and stop quietly (as Python's docs recommend).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        _error(f"internal error: {type(err).__name__}: {err}")
        return EXIT_ERROR


def _debug() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def _error(message: str) -> None:
    if _debug() and sys.exc_info()[0] is not None:
        traceback.print_exc()
    print(f"error: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------- check, per file


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
    path: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: Counter[str] = field(default_factory=Counter)  # codes fixed (or that would be)
    diff: str = ""
    changed: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    cache_entry: tuple[str, CacheEntry] | None = None  # (absolute path, entry) to store


def check_file(path: Path, config: Config, options: CheckOptions) -> FileOutcome:
    """Check one file; with options.fix/diff also fix it. Never raises for a bad file."""
    outcome = _check_file(path, config, options, None, analyse=True)
    assert outcome is not None
    return outcome


def check_file_from_cache(path: Path, config: Config, options: CheckOptions,
                          cache: ResultCache) -> FileOutcome | None:
    """As check_file when the cache knows this file's content; None when it does not."""
    return _check_file(path, config, options, cache, analyse=False)


def _check_file(path: Path, config: Config, options: CheckOptions, cache: ResultCache | None,
                *, analyse: bool) -> FileOutcome | None:
    absolute = Path(os.path.abspath(path))
    outcome = FileOutcome(absolute)
    try:
        raw = read_source_bytes(path)
        key = _cache_key(raw, absolute, config) if options.use_cache else None
        findings = None
        if cache is not None and key is not None:
            findings = cache.lookup(str(absolute), key, with_fixes=options.with_fixes)
        if findings is None and not analyse:
            return None
        if findings == []:
            return outcome  # known clean: nothing to decode, fix or show
        document = decode_document(Path(path), raw)
        if findings is None:
            findings = _analyse(document.text, absolute, config, options)
            if key is not None:
                entry = CacheEntry(key, findings_to_json(findings), options.with_fixes)
                outcome.cache_entry = (str(absolute), entry)
        text, findings = _apply_fixes(document, absolute, config, findings, options, outcome)
        outcome.diagnostics = _locate_all(text, absolute, config, findings)
    except SourceError as err:
        outcome.warnings.append(str(err))
    except Exception as err:
        detail = traceback.format_exc() if _debug() else f"{type(err).__name__}: {err}"
        outcome.error = f"{path}: internal error: {detail}"
    return outcome


@functools.lru_cache(maxsize=64)
def _config_fingerprint(config: Config) -> str:
    return config.fingerprint()


@functools.lru_cache(maxsize=4096)
def _package_of_folder(folder: str) -> str | None:
    return engine.package_of(Path(folder, "module.py"))  # any module of that folder


def _cache_key(raw: bytes, absolute: Path, config: Config) -> str:
    # Relative imports resolve against the package, so a Python file's findings depend on it.
    package = _package_of_folder(os.path.dirname(absolute)) if engine.is_python(absolute) else None
    return cache_key(raw, _config_fingerprint(config), package)


def _apply_fixes(document: Document, absolute: Path, config: Config, findings: list[Finding],
                 options: CheckOptions, outcome: FileOutcome) -> tuple[str, list[Finding]]:
    """With --fix/--diff: fix the text (and write it, for --fix); the text and findings
    to report afterwards. Without: the document as it is."""
    wanted = any(f.applicability is not None and f.applicability.allowed(options.unsafe)
                 for f in findings)
    if not (options.fixing and wanted):
        return document.text, findings
    result = engine.fix_source(document.text, absolute, config, unsafe=options.unsafe)
    if not result.converged:
        outcome.warnings.append(f"{document.path}: fixes did not settle; some findings remain")
    if result.text == document.text:
        return document.text, findings
    if options.diff:
        outcome.diff = report.unified_diff(document.text, result.text,
                                           report.relative_label(absolute, options.cwd))
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
        remaining = engine.fixes_for_findings(result.text, absolute, config, remaining)
    outcome.fixed = Counter(f.code for f in findings) - Counter(f.code for f in remaining)
    return result.text, remaining


def _analyse(text: str, absolute: Path, config: Config, options: CheckOptions) -> list[Finding]:
    """The findings of ``text``, with their fixes when the output shows them."""
    findings = engine.check_source(text, absolute, config)
    if options.with_fixes and findings:
        findings = engine.fixes_for_findings(text, absolute, config, findings)
    return findings


def _locate_all(text: str, absolute: Path, config: Config,
                findings: list[Finding]) -> list[Diagnostic]:
    if not findings:
        return []
    index = LineIndex(text)
    diagnostics = []
    for finding in findings:
        rule = config.rules.get(finding.code)
        # The suppression row is the finding's own row: `# ssot: ignore[CODE]` there silences it.
        diagnostics.append(report.locate(finding, index, absolute,
                                         url=rule.doc_url if rule else None))
    return diagnostics


# ---------------------------------------------------------------------------- check, many files

class FolderConfigs:
    """``resolver.for_path`` memoised per folder string: the resolver builds Path objects
    and stats on every call, which cost more than a cached check on large trees."""

    def __init__(self, resolver: ConfigResolver) -> None:
        self.resolver = resolver
        self._by_folder: dict[str, Config] = {}

    def __call__(self, path: Path) -> Config:
        folder = os.path.dirname(os.path.abspath(path))
        config = self._by_folder.get(folder)
        if config is None:
            config = self._by_folder[folder] = self.resolver.for_path(Path(folder))
        return config

    def configs(self) -> list[Config]:
        """Every distinct config looked up so far."""
        return list({id(config): config for config in self._by_folder.values()}.values())


# Set in each worker process by _init_worker: one resolver per process, cached per folder.
_worker_configs: FolderConfigs | None = None
_worker_options: CheckOptions | None = None


def _init_worker(options: CheckOptions) -> None:
    global _worker_configs, _worker_options
    _worker_configs = FolderConfigs(ConfigResolver(options.config_override))
    _worker_options = options


def _check_chunk(paths: list[Path]) -> list[FileOutcome]:
    assert _worker_configs is not None and _worker_options is not None
    config_for, options = _worker_configs, _worker_options
    return [check_file(path, config_for(path), options) for path in paths]


def check_files(files: Sequence[Path], config_for: FolderConfigs, options: CheckOptions,
                cache: ResultCache | None = None,
                on_progress: Callable[[int], None] = lambda done: None) -> Iterator[FileOutcome]:
    """Outcomes for ``files`` (in no particular order).

    Files the cache answers are done here (reading and hashing is cheap); the rest are
    analysed in this process when few, or by one worker process per core when there are
    at least PARALLEL_MIN_FILES of them."""
    done = 0
    pending: list[Path] = []
    for path in files:
        outcome = None
        if cache is not None and cache.entries and os.path.abspath(path) in cache.entries:
            outcome = check_file_from_cache(path, config_for(path), options, cache)
        if outcome is None:
            pending.append(path)
            continue
        done += 1
        yield outcome
        on_progress(done)
    workers = _usable_cores()
    pool = None
    if len(pending) >= PARALLEL_MIN_FILES and workers >= 2:
        try:
            pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(options,))
        except (OSError, NotImplementedError):
            pool = None  # no process support here (e.g. no /dev/shm): one process it is
    if pool is None:
        for path in pending:
            yield check_file(path, config_for(path), options)
            done += 1
            on_progress(done)
        return
    # Many small chunks: workers stay busy even when a few files are slow to parse.
    size = max(16, min(256, len(pending) // (workers * 8)))
    chunks = [pending[i:i + size] for i in range(0, len(pending), size)]
    with pool:
        for future in as_completed([pool.submit(_check_chunk, chunk) for chunk in chunks]):
            outcomes = future.result()
            done += len(outcomes)
            yield from outcomes
            on_progress(done)


def _usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return min(len(os.sched_getaffinity(0)), 8)
    except AttributeError:  # not on Linux
        return min(os.cpu_count() or 1, 8)


class Progress:
    """`\\r`-redrawn counter on stderr, only on a TTY and only once a run lasts > 1 s."""

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total > 0 and stream.isatty()
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.started < PROGRESS_DELAY_SECONDS:
            return
        if now - self.last_draw < 0.1 and done < self.total:
            return
        self.last_draw = now
        self.drawn = True
        width = 30
        filled = width * done // self.total
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\rChecking [{bar}] {done}/{self.total} files")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()


# ---------------------------------------------------------------------------- check, command


def _options_from(args: argparse.Namespace, paths: Sequence[Path]) -> CheckOptions:
    return CheckOptions(
        config_override=args.config.absolute() if args.config else None,
        fix=args.fix, unsafe=args.unsafe_fixes, diff=args.diff,
        with_fixes=args.output_format in ("json", "sarif"),
        use_cache=not args.no_cache,
        roots=tuple(Path(os.path.abspath(p)) for p in paths),
        cwd=Path.cwd(),
    )


def _resolver_for(config: Path | None) -> ConfigResolver:
    if config is not None and not config.is_file():
        raise UsageError(f"{config}: config file not found")
    return ConfigResolver(config.absolute() if config else None)


def _discover_files(paths: Sequence[Path], resolver: ConfigResolver) -> list[Path]:
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
        if os.path.isfile(path) and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            _warn(f"{path}: not a Python or Markdown file, skipped")
    return [path for path in discover(paths, resolver)
            if path.suffix.lower() in SUPPORTED_SUFFIXES]


def run_check(args: argparse.Namespace) -> int:
    paths = args.paths or [Path(".")]
    resolver = _resolver_for(args.config)
    files = _discover_files(paths, resolver)
    options = _options_from(args, paths)
    cache = None if args.no_cache else _load_cache(paths, resolver)
    config_for = FolderConfigs(resolver)
    progress = Progress(len(files))
    outcomes: list[FileOutcome] = []
    try:
        outcomes.extend(check_files(files, config_for, options, cache, progress.update))
    finally:
        progress.close()
    outcomes.sort(key=lambda outcome: str(outcome.path))
    if cache is not None:
        updates = [o.cache_entry for o in outcomes if o.cache_entry is not None]
        cache.save(updates, [str(o.path) for o in outcomes], options.roots)

    for outcome in outcomes:
        for message in outcome.warnings:
            _warn(message)
        if outcome.error:
            print(f"error: {outcome.error}", file=sys.stderr)
    diagnostics = sorted((d for o in outcomes for d in o.diagnostics), key=report.sort_key)
    rules = _rules_in_force(config_for, paths[0])
    _print_results(args, options, outcomes, diagnostics, rules)

    if any(outcome.error for outcome in outcomes):
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if args.diff:
        return EXIT_FINDINGS if any(outcome.changed for outcome in outcomes) else EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics else EXIT_CLEAN


def _load_cache(paths: Sequence[Path], resolver: ConfigResolver) -> ResultCache:
    """The cache lives at the project root: the folder of the config that applies to the
    first path, or the working directory when only the built-in preset applies."""
    config = resolver.for_path(Path(os.path.abspath(paths[0])))
    root = config.root if config.source is not None else Path.cwd()
    return ResultCache.load(Path(os.path.abspath(root)) / CACHE_DIR_NAME, engine_stamp())


def _rules_in_force(config_for: FolderConfigs, first_path: Path) -> list[Rule]:
    """Rules of every config that applied (for SARIF's rule table and statistics); with no
    file checked, those of the first path's config."""
    configs = config_for.configs() or [config_for.resolver.for_path(first_path.absolute())]
    return [rule for config in configs for rule in config.rules]


def _print_results(args: argparse.Namespace, options: CheckOptions, outcomes: list[FileOutcome],
                   diagnostics: list[Diagnostic], rules: list[Rule]) -> None:
    out = sys.stdout
    fixed_total = sum(sum(o.fixed.values()) for o in outcomes)
    if args.diff:
        out.write("".join(o.diff for o in outcomes if o.diff))
        if not args.quiet:
            sys.stderr.write(report.diff_summary(diagnostics, fixed=fixed_total,
                                                 unsafe=options.unsafe))
        return
    if args.statistics:
        summaries = {rule.code: rule.message_text() for rule in rules}
        rows = report.statistics(diagnostics, summaries, unsafe=options.unsafe)
        if args.output_format == "json":
            out.write(report.format_statistics_json(rows))
        else:
            out.write(report.format_statistics(rows))
        return
    fmt = args.output_format
    if fmt == "json":
        out.write(report.format_json(diagnostics))
    elif fmt == "sarif":
        out.write(report.format_sarif(diagnostics, rules))
    elif fmt == "github":
        out.write(report.format_github(diagnostics, options.cwd))
    else:
        show_titles = args.show_fixes and not args.fix
        out.write(report.format_text(diagnostics, options.cwd, unsafe=options.unsafe,
                                     show_fix_titles=show_titles))
        if args.show_fixes and args.fix:
            titles = {rule.code: rule.message_text() for rule in rules}
            fixed = {o.path: o.fixed for o in outcomes if o.fixed}
            out.write(report.fixed_listing(fixed, titles, options.cwd))
        if fmt == "text" and not args.quiet:
            out.write(report.summary(diagnostics, fixed=fixed_total, fixing=args.fix,
                                     unsafe=options.unsafe))


# ---------------------------------------------------------------------------- rules


def run_rules(args: argparse.Namespace) -> int:
    resolver = _resolver_for(args.config)
    config = resolver.for_path(Path.cwd())
    rules = list(config.rules)
    if args.code is not None:
        rule = config.rules.get(args.code)
        if rule is None:
            known = ", ".join(r.code for r in rules) or "none"
            raise UsageError(f"unknown rule {args.code!r} (rules in force: {known})")
        rules = [rule]
    if args.output_format == "json":
        print(json.dumps([_rule_json(rule) for rule in rules], indent=2, ensure_ascii=False))
    elif args.code is not None:
        print(rules[0].describe())
    else:
        print(_rules_table(rules, config))
    return EXIT_CLEAN


def _rule_json(rule: Rule) -> dict:
    applicability = rule.fix_applicability()
    return {
        "code": rule.code,
        "old": rule.old_path,
        "new": rule.new_path,
        "await": rule.awaitable,
        "severity": rule.severity.value,
        "message": rule.message_text(),
        "fix": applicability.value if applicability else None,
        "fix_doc": rule.fix_applicability_doc(),
        "url": rule.doc_url,
        "explanation": rule.describe(),
    }


def _rules_table(rules: Sequence[Rule], config: Config) -> str:
    if not rules:
        return "No rules in force."
    code_width = max(len(rule.code) for rule in rules)
    lines = []
    for rule in rules:
        applicability = rule.fix_applicability()
        fix = f"{applicability.value} fix" if applicability else "no fix"
        target = rule.new_path or "(report only)"
        if rule.awaitable and rule.new_path:
            target = f"await {target}(...)"
        lines.append(f"{rule.code:<{code_width}}  {rule.severity.value:<11}  {fix:<17}  "
                     f"{rule.old_path} -> {target}")
    source = config.source if config.source else "the built-in preset (no config file found)"
    lines.append("")
    lines.append(f"{len(rules)} rules from {source}. `ssot-ls rules CODE` explains one.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- server


def run_server(args: argparse.Namespace) -> int:
    args.host = args.port = None
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--tcp expects HOST:PORT, got {args.tcp!r}")
        args.host, args.port = host, int(port)
    from ssot_ls.server import serve  # pygls is imported only for the server

    result = serve(args)
    return result if isinstance(result, int) else EXIT_CLEAN
