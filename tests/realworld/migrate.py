"""Differential test against real human migrations (issue 8).

For each project of projects.toml: download the old and new sdists from PyPI (cached outside
git), run the real CLI — `python -m ssot_ls check OLD --fix --unsafe-fixes` — on a copy of the
old release with the project's rules, and compare the result with the humans' new release by
meaning: per file and per scope, the multiset of qualified names that the uses of imported
names resolve to (qualnames.py), restricted to names under a rule's old or new path. The new
release is the truth; nothing is mapped through the rules. README.md explains the method.

    python tests/realworld/migrate.py [--project NAME] [--engine DIR] [--verbose]

--engine DIR puts DIR first on PYTHONPATH for the CLI runs (default: this checkout), so the same
figures can be taken for another checkout's engine. The sdists are cached in
$SSOT_LS_REALWORLD_CACHE (default ~/.cache/ssot-ls-realworld).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qualnames import Use, analyse_file, under, uses_in_file

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROJECTS_FILE = HERE / "projects.toml"


class FetchError(RuntimeError):
    """An sdist is neither cached nor downloadable (no registry, or pip refused)."""


# -- projects -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    code: str
    old: str  # dotted: "a.b" or "a.b.name"
    new: str | None  # dotted, or None for a report-only rule


@dataclass
class Project:
    name: str
    package: str
    old: str
    new: str
    why: str
    notes: str
    config: str
    renamed: dict[str, str] = field(default_factory=dict)
    accept: list[dict[str, str]] = field(default_factory=list)

    @property
    def rules(self) -> list[Rule]:
        rules = []
        for rule in tomllib.loads(self.config).get("rules", []):
            old_module, _, old_name = rule["old"].partition(":")
            new = rule.get("new")
            if new is not None:
                new_module, colon, new_name = new.partition(":")
                # `new = "module"` on a `module:name` rule keeps the name (README, rule keys).
                new_name = new_name if colon else old_name
                new = f"{new_module}.{new_name}" if new_name else new_module
            rules.append(Rule(rule["code"], f"{old_module}.{old_name}" if old_name else old_module, new))
        return rules

    @property
    def exclude(self) -> list[str]:
        return list(tomllib.loads(self.config).get("exclude", []))


def load_projects(path: Path = PROJECTS_FILE) -> list[Project]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Project(**entry) for entry in data["project"]]


# -- sdists -------------------------------------------------------------------------------------


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "ssot-ls-realworld"
    return Path(os.environ.get("SSOT_LS_REALWORLD_CACHE", default)).expanduser()


def fetch(package: str, version: str, cache: Path | None = None) -> Path:
    """The unpacked sdist of package==version, downloaded (once) with pip."""
    cache = cache or cache_dir()
    unpacked = cache / "src" / f"{package}-{version}"
    if unpacked.is_dir():
        return unpacked
    download = cache / "sdists" / f"{package}-{version}"
    archives = sorted(download.glob("*")) if download.is_dir() else []
    if not archives:
        download.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                   "--disable-pip-version-check", "-q", f"{package}=={version}", "-d", str(download)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        archives = sorted(download.glob("*"))
        if done.returncode != 0 or not archives:
            raise FetchError(f"pip download {package}=={version} failed: {done.stderr.strip()[-500:]}")
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".unpack-"))
    try:
        _unpack(archives[0], staging)
        tops = list(staging.iterdir())
        root = tops[0] if len(tops) == 1 and tops[0].is_dir() else staging
        unpacked.parent.mkdir(parents=True, exist_ok=True)
        root.rename(unpacked)  # atomic: a half-unpacked tree is never taken for a cached one
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return unpacked


def _unpack(archive: Path, into: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(into)
    else:
        with tarfile.open(archive) as tarred:
            tarred.extractall(into, filter="data")


# -- running the CLI ----------------------------------------------------------------------------


@dataclass
class Cli:
    """`python -m ssot_ls` with `engine` first on PYTHONPATH.

    Run from `engine` too: `python -m` puts the working folder before PYTHONPATH, so from any
    other checkout that checkout's ssot_ls would run instead.
    """

    engine: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PYTHONPATH=str(self.engine))
        done = subprocess.run([sys.executable, "-m", "ssot_ls", *args], capture_output=True, text=True,
                              env=env, cwd=self.engine, timeout=600)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"ssot-ls {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return done

    def findings(self, tree: Path, config: Path) -> list[dict]:
        done = self.run("check", str(tree), "--config", str(config), "--no-cache", "--output-format", "json")
        return json.loads(done.stdout)

    def where(self) -> str:
        env = dict(os.environ, PYTHONPATH=str(self.engine))
        code = "import ssot_ls, pathlib; print(pathlib.Path(ssot_ls.__file__).parent.parent)"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                              cwd=self.engine, check=True).stdout.strip()


# -- comparison ---------------------------------------------------------------------------------

DIFFERS = "differs in meaning"
UNFIXED = "left unfixed"
MISSED = "missed (no finding)"
OUTSIDE = "human change outside the rules"
EQUAL = "equal in meaning"
NOTE = "note"  # worth reading, no effect on the status


@dataclass
class ScopeDiff:
    scope: str
    tags: set[str]
    ours: Counter[str]  # relevant names only in our fixed file (beyond the humans')
    humans: Counter[str]  # relevant names only in the humans' file

    def describe(self) -> str:
        def show(counter: Counter[str]) -> str:
            return ", ".join(f"{name} x{n}" if n > 1 else name for name, n in sorted(counter.items())) or "-"

        tags = "; ".join(sorted(self.tags))
        return f"[{self.scope or '<module>'}] {tags}: ours {show(self.ours)} | humans {show(self.humans)}"


@dataclass
class FileResult:
    path: str
    status: str
    had_findings: bool
    humans_changed: bool
    we_fixed: bool
    scopes: list[ScopeDiff] = field(default_factory=list)
    note: str = ""


@dataclass
class ProjectResult:
    project: Project
    files: list[FileResult]
    findings_before: list[dict]
    findings_after: list[dict]
    fix_output: str
    seconds: float
    new_lint: int = 0  # I001/E501 findings the fix added (-1: ruff not available)

    def count(self, predicate) -> int:
        return sum(1 for f in self.files if predicate(f))

    @property
    def differing(self) -> list[FileResult]:
        return [f for f in self.files if f.status == DIFFERS]

    def figures(self) -> dict[str, int]:
        def status(name: str):
            return lambda f: f.status == name

        return {
            "files w/ findings": len({f["filename"] for f in self.findings_before}),
            "humans changed": self.count(lambda f: f.humans_changed),
            "we fixed": self.count(lambda f: f.we_fixed),
            "equal": self.count(status(EQUAL)),
            "DIFFER": self.count(status(DIFFERS)),
            "unfixed": self.count(status(UNFIXED)),
            "missed": self.count(status(MISSED)),
            "outside rules": self.count(status(OUTSIDE)),
            "removed": self.count(lambda f: f.status.startswith("removed")),
            "findings": len(self.findings_before),
            "fixed": len(self.findings_before) - len(self.findings_after),
            "left": len(self.findings_after),
            "new I001/E501": self.new_lint,
        }

    def reasons(self) -> Counter[str]:
        """Why each finding left after --fix --unsafe-fixes has no fix."""
        reasons: Counter[str] = Counter()
        for finding in self.findings_after:
            _, dash, reason = finding["message"].partition(" — ")
            rule = next((r for r in self.project.rules if r.code == finding["code"]), None)
            if dash:
                reasons[f"{finding['code']}: {reason}"] += 1
            elif rule is not None and rule.new is None:
                reasons[f"{finding['code']}: report-only rule (no `new`)"] += 1
            else:
                reasons[f"{finding['code']}: no fix, no reason given"] += 1
        return reasons


def _relevant(uses: Iterable[Use], prefixes: list[str]) -> dict[str, Counter[str]]:
    per_scope: dict[str, Counter[str]] = {}
    for use in uses:
        if under(use.qname, prefixes):
            per_scope.setdefault(use.scope, Counter())[use.key] += 1
    return per_scope


def rule_for(qname: str, rules: list[Rule]) -> Rule | None:
    """The most specific rule whose old path holds `qname` (as the engine picks them)."""
    matching = [r for r in rules if under(qname, [r.old])]
    return max(matching, key=lambda r: len(r.old), default=None)


def _target(key: str) -> str:
    """The qualified name inside a comparison key (`str:q`, `import NAME = q`, or `q`)."""
    return key.rpartition(" = ")[2] if key.startswith("import ") else key.removeprefix("str:")


def _bound_name(key: str) -> str | None:
    return key.removeprefix("import ").partition(" = ")[0] if key.startswith("import ") else None


def compare_scope(
    c_f: Counter[str], c_a: Counter[str], c_b: Counter[str], rules: list[Rule],
) -> tuple[set[str], Counter[str], Counter[str]]:
    """Tags saying why ours (c_a) and the humans' (c_b) differ in one scope, given the old (c_f).

    Ours is blamed only for what our fix produced: a name left under an old path is "unfixed";
    a name we left exactly as it was but the humans changed is theirs; a use our fix lost or
    gained (use counts are kept by any correct fix) or a name we produced where the humans
    have another one "differs in meaning".
    """
    old_prefixes = [r.old for r in rules]
    ours_extra, humans_extra = c_a - c_b, c_b - c_a
    tags: set[str] = set()
    pending: Counter[str] = Counter()
    # The humans' counterparts of the names we left unfixed: the rules only attribute them
    # here (so that they are not paired with a name we did rewrite), they judge nothing.
    counterparts: Counter[str] = Counter()
    for key, n in ours_extra.items():
        target = _target(key)
        if under(target, old_prefixes):
            rule = rule_for(target.split("|")[0], rules)
            tags.add(f"{UNFIXED}: report-only rule" if rule is None or rule.new is None else UNFIXED)
            if rule is not None and rule.new and _bound_name(key) is None and "|" not in key:
                counterparts[rule.new + key.removeprefix("str:")[len(rule.old):]] += n
        elif c_a[key] <= c_f[key]:
            tags.add(f"{OUTSIDE}: humans changed a name we left as it was")
        else:
            pending[key] = n

    def uses(counter: Counter[str]) -> int:
        return sum(n for key, n in counter.items() if _bound_name(key) is None)

    lost = uses(c_f) - uses(c_a)
    if lost:
        tags.add(f"{DIFFERS}: {abs(lost)} use(s) {'lost' if lost > 0 else 'gained'} by our fix")
    # A module or class attribute the old code bound by import and the humans still bind, but
    # our fix no longer binds (renamed or dropped): code elsewhere may read it.
    old_names = {_bound_name(k) for k in c_f} - {None}
    our_names = {_bound_name(k) for k in c_a} - {None}
    dropped = {name for k in humans_extra if (name := _bound_name(k)) in old_names and name not in our_names}
    if dropped:
        tags.add(f"{DIFFERS}: our fix no longer binds {', '.join(sorted(dropped))} (the humans' file does)")
    # Like is paired with like: a use we produced against a use of the humans', a binding
    # against a binding.
    unexplained = humans_extra - counterparts
    for kind, is_binding in (("uses", False), ("bindings", True)):
        ours_kind = +Counter({k: n for k, n in pending.items() if (_bound_name(k) is not None) == is_binding})
        humans_kind = +Counter({k: n for k, n in unexplained.items()
                                if (_bound_name(k) is not None) == is_binding})
        if ours_kind and humans_kind:
            tags.add(f"{DIFFERS}: we resolve {kind} to names the humans do not")
        elif ours_kind and is_binding:
            added = sorted(name for k in ours_kind if (name := _bound_name(k) or "") not in old_names)
            if added:
                # A name our import adds (`from io import StringIO`, `from builtins import str`)
                # and the humans' file lacks: the uses decide the meaning, worth only a note.
                tags.add(f"{NOTE}: our fix binds new name(s) {', '.join(added)}")
            if len(added) < len(ours_kind):
                tags.add(f"{OUTSIDE}: humans removed imports we rewrote")
        elif ours_kind:
            tags.add(f"{OUTSIDE}: humans removed uses we rewrote")
    fresh = sorted(name for k in unexplained if (name := _bound_name(k)) and name not in old_names)
    if fresh:
        # The humans' own import style (`from io import StringIO` where we wrote `import io`).
        tags.add(f"{NOTE}: the humans bind new name(s) {', '.join(fresh)}")
    other = +Counter({k: n for k, n in unexplained.items() if _bound_name(k) not in fresh})
    if other and not {t for t in tags if not t.startswith(NOTE)}:
        tags.add(f"{OUTSIDE}: humans added uses")
    return tags, ours_extra, humans_extra


def compare_file(
    before: Path, ours: Path, humans: Path | None, rules: list[Rule], codes_flagged: set[str],
) -> tuple[str, list[ScopeDiff], bool]:
    """(status, per-scope differences, humans changed) of one file: ours vs the humans'."""
    old_prefixes = [r.old for r in rules]
    prefixes = old_prefixes + [r.new for r in rules if r.new]
    try:
        f_uses = uses_in_file(before)
        compile(before.read_bytes(), str(before), "exec", dont_inherit=True)
    except SyntaxError:
        return "skipped: the old file does not compile on this Python", [], False
    try:
        a_uses = uses_in_file(ours)
        # compile(), not only parse: `await` outside a coroutine parses but does not compile.
        compile(ours.read_bytes(), str(ours), "exec", dont_inherit=True)
    except SyntaxError as error:
        return DIFFERS, [ScopeDiff("", {f"{DIFFERS}: our output does not compile: {error}"}, Counter(),
                                   Counter())], False
    n_old = sum(1 for u in f_uses if under(u.qname, old_prefixes))
    if humans is None:
        return "removed: file deleted by the humans", [], n_old > 0
    b_uses, human_scope_keys = analyse_file(humans)
    humans_changed = sum(1 for u in b_uses if under(u.qname, old_prefixes)) < n_old
    f_scopes, a_scopes, b_scopes = (_relevant(u, prefixes) for u in (f_uses, a_uses, b_uses))
    # A use left on an old name is "unfixed" when its rule still has a finding in the file
    # (the engine flags a report-only name at its import, not at each use), else "missed".
    codes_left = {rule.code for u in a_uses if under(u.qname, old_prefixes)
                  if (rule := rule_for(u.alternatives[0], rules)) is not None}
    diffs: list[ScopeDiff] = []
    for scope in sorted(set(f_scopes) | set(a_scopes) | set(b_scopes)):
        c_f, c_a, c_b = (s.get(scope, Counter()) for s in (f_scopes, a_scopes, b_scopes))
        if c_a == c_b:
            continue
        if scope not in human_scope_keys:
            tags = {f"{OUTSIDE}: scope removed by the humans"}
            diffs.append(ScopeDiff(scope, tags, c_a - c_b, c_b - c_a))
            continue
        diffs.append(ScopeDiff(scope, *compare_scope(c_f, c_a, c_b, rules)))
    status = EQUAL
    for tag in (tag for d in diffs for tag in d.tags):
        if tag.startswith(NOTE):
            continue
        if tag.startswith(DIFFERS):
            status = DIFFERS
        elif tag.startswith(UNFIXED) and status != DIFFERS:
            status = MISSED if codes_left - codes_flagged else UNFIXED
        elif status == EQUAL:
            status = OUTSIDE
    return status, diffs, humans_changed


def _excluded(relative: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)


def run_project(project: Project, cli: Cli, cache: Path | None = None) -> ProjectResult:
    started = time.monotonic()
    old_src = fetch(project.package, project.old, cache)
    new_src = fetch(project.package, project.new, cache)
    rules = project.rules
    old_prefixes = [r.old for r in rules]
    with tempfile.TemporaryDirectory(prefix=f"realworld-{project.name}-") as work:
        tree = Path(work) / "old"
        shutil.copytree(old_src, tree, symlinks=True)
        config = tree / "ssot-ls.toml"
        config.write_text(project.config, encoding="utf-8")
        before = cli.findings(tree, config)
        lint_before = ruff_layout_findings(tree)
        fixed = cli.run("check", str(tree), "--config", str(config), "--no-cache", "--fix", "--unsafe-fixes")
        after = cli.findings(tree, config)
        # After the migration the modules moved to exist: ruff decides first-party on disk.
        created = [tree / new for old, new in project.renamed.items()
                   if (tree / old).is_file() and not (tree / new).exists()]
        for old, new in project.renamed.items():
            if tree / new in created:
                shutil.copyfile(tree / old, tree / new)
        lint_after = ruff_layout_findings(tree, skip=created)
        new_lint = sum(max(0, n - lint_before.get(key, 0)) for key, n in lint_after.items()) \
            if lint_before is not None and lint_after is not None else -1

        def rel(filename: str) -> str:
            return Path(filename).resolve().relative_to(tree.resolve()).as_posix()

        flagged_files = {rel(f["filename"]) for f in before}
        codes_after: dict[str, set[str]] = {}
        for finding in after:
            codes_after.setdefault(rel(finding["filename"]), set()).add(finding["code"])
        # Files to compare: those we flagged, and those the yardstick sees old names in (a
        # detection gap shows up as "missed").
        candidates = set(p for p in flagged_files if p.endswith(".py"))
        for path in old_src.rglob("*.py"):
            relative = path.relative_to(old_src).as_posix()
            if _excluded(relative, project.exclude) or relative in candidates:
                continue
            try:
                if any(under(u.qname, old_prefixes) for u in uses_in_file(path)):
                    candidates.add(relative)
            except SyntaxError:
                continue
        files = []
        for relative in sorted(candidates):
            original = old_src / relative
            ours = tree / relative
            humans = new_src / project.renamed.get(relative, relative)
            status, diffs, changed = compare_file(
                original, ours, humans if humans.is_file() else None, rules, codes_after.get(relative, set())
            )
            note = ""
            for accepted in project.accept:
                if accepted["path"] == relative and status == DIFFERS:
                    status, note = OUTSIDE, f"accepted: {accepted['reason']}"
            files.append(FileResult(
                relative, status, relative in flagged_files, changed,
                ours.read_bytes() != original.read_bytes(), diffs, note,
            ))
        return ProjectResult(project, files, before, after, fixed.stdout + fixed.stderr,
                             time.monotonic() - started, new_lint)


def ruff_layout_findings(tree: Path, skip: Iterable[Path] = ()) -> Counter[tuple[str, str]] | None:
    """(file, code) -> how many I001/E501 ruff reports, with the project's own ruff settings
    (its line length): after --fix there must be none that were not there before."""
    if shutil.which("ruff") is None:
        return None
    done = subprocess.run(["ruff", "check", "--no-cache", "--select", "I001,E501", "--exit-zero",
                           "--output-format", "json", "."], cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        return None
    skipped = {path.resolve() for path in skip}
    return Counter((f["filename"], f["code"]) for f in json.loads(done.stdout or "[]")
                   if Path(f["filename"]).resolve() not in skipped)


# -- report -------------------------------------------------------------------------------------


def print_table(results: list[ProjectResult]) -> None:
    if not results:
        return
    columns = list(results[0].figures())
    width = max(len(r.project.name) for r in results)
    print(f"{'project':<{width}}  " + "  ".join(columns))
    for result in results:
        figures = result.figures()
        print(f"{result.project.name:<{width}}  "
              + "  ".join(f"{figures[c]:>{len(c)}}" for c in columns))


def print_details(result: ProjectResult, verbose: bool) -> None:
    project = result.project
    print(f"\n== {project.name} {project.old} -> {project.new} ({result.seconds:.1f} s)")
    for file in result.files:
        if file.status == EQUAL and not verbose:
            continue
        flags = "".join(
            flag if on else "-"
            for flag, on in (("F", file.had_findings), ("H", file.humans_changed), ("X", file.we_fixed))
        )
        print(f"  {flags} {file.path}: {file.status}{' (' + file.note + ')' if file.note else ''}")
        for diff in file.scopes:
            print(f"        {diff.describe()}")
    reasons = result.reasons()
    if reasons:
        print("  findings left after --fix --unsafe-fixes:")
        for reason, n in reasons.most_common():
            print(f"    {n:>4}  {reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", action="append", help="only this project (repeatable)")
    parser.add_argument("--engine", type=Path, default=REPO, help="checkout whose ssot_ls runs (PYTHONPATH)")
    parser.add_argument("--verbose", "-v", action="store_true", help="also list files equal in meaning")
    args = parser.parse_args(argv)
    projects = load_projects()
    if args.project:
        unknown = set(args.project) - {p.name for p in projects}
        if unknown:
            parser.error(f"unknown project(s): {', '.join(sorted(unknown))}")
        projects = [p for p in projects if p.name in args.project]
    cli = Cli(args.engine.resolve())
    print(f"engine: {cli.where()}   cache: {cache_dir()}")
    results = [run_project(project, cli) for project in projects]
    for result in results:
        print_details(result, args.verbose)
    print()
    print_table(results)
    print("\nflags: F = findings in the old file, H = humans changed its ruled names, X = our fix changed it")
    return 1 if any(r.differing for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
