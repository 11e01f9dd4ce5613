"""`ssot-ls` on the command line: `check`, `rules`, `server` (ruff's conventions).

Exit codes: 0 clean, 1 findings (with `--diff`: something would change), 2 error (bad config,
missing path, internal error). Errors are one line on stderr; set SSOT_LS_DEBUG=1 for the
traceback. `check` never imports pygls: the server is imported only by `server`.

This module parses arguments, runs the commands and prints; checking the files is
`ssot_ls.batch`, the result cache `ssot_ls.cache` (it trusts an unchanged mtime and size, as
ruff's does), the progress line `ssot_ls.progress_bar`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ssot_ls import __version__, report
from ssot_ls.batch import CheckOptions, FileChecker, FileOutcome, check_files, debugging, tune_gc
from ssot_ls.cache import CACHE_DIR_NAME, ResultCache, engine_stamp
from ssot_ls.config import Config, ConfigError, ConfigResolver
from ssot_ls.progress_bar import Progress
from ssot_ls.report import Diagnostic
from ssot_ls.rules import Rule
from ssot_ls.workspace import SUPPORTED_SUFFIXES, discover_paths

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
OUTPUT_FORMATS = ("text", "concise", "json", "github", "sarif")

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
                       help="ignore and do not write the result cache (which, like ruff's, "
                            "takes an unchanged mtime and size for unchanged content)")
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


def _error(message: str) -> None:
    if debugging() and sys.exc_info()[0] is not None:
        import traceback

        traceback.print_exc()
    print(f"error: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


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


def _discover_files(paths: Sequence[Path], resolver: ConfigResolver) -> Iterator[str]:
    """The files to check, as discovery finds them. Every path is validated first, so a
    missing one stops the run before anything is checked; a file named explicitly that is
    not Python or Markdown is skipped with a warning."""
    roots = []
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
        if os.path.isfile(path) and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            _warn(f"{path}: not a Python or Markdown file, skipped")
        else:
            roots.append(path)
    return discover_paths(roots, resolver)


def run_check(args: argparse.Namespace) -> int:
    tune_gc()
    paths = args.paths or [Path(".")]
    resolver = _resolver_for(args.config)
    files = _discover_files(paths, resolver)
    options = _options_from(args, paths)
    cache = None if args.no_cache else _load_cache(paths, resolver)
    checker = FileChecker(options, resolver, cache)
    progress = Progress()
    outcomes: list[FileOutcome] = []
    try:
        outcomes.extend(check_files(files, checker, progress.update))
    finally:
        progress.close()
    outcomes.sort(key=lambda outcome: outcome.path)
    if cache is not None:
        updates = [(o.path, o.cache_entry) for o in outcomes if o.cache_entry is not None]
        cache.save(updates, checker.checked, options.roots)

    for outcome in outcomes:
        for message in outcome.warnings:
            _warn(message)
        if outcome.error:
            print(f"error: {outcome.error}", file=sys.stderr)
    diagnostics = sorted((d for o in outcomes for d in o.diagnostics), key=report.sort_key)
    rules = _rules_in_force(checker, paths[0])
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
    config = resolver.for_path(paths[0])
    root = config.root if config.source is not None else Path.cwd()
    return ResultCache.load(Path(os.path.abspath(root)) / CACHE_DIR_NAME, engine_stamp())


def _rules_in_force(checker: FileChecker, first_path: Path) -> list[Rule]:
    """Rules of every config that applied (for SARIF's rule table and statistics); with no
    file checked, those of the first path's config."""
    configs = checker.configs() or [checker.resolver.for_path(first_path)]
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
            fixed = {Path(o.path): o.fixed for o in outcomes if o.fixed}
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
        import json

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
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--tcp expects HOST:PORT, got {args.tcp!r}")
    from ssot_ls.server import serve  # pygls is imported only for the server

    result = serve(args)
    return result if isinstance(result, int) else EXIT_CLEAN
