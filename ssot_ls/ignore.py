"""Which paths git (and ruff's walker) would ignore: .gitignore at every level, .ignore,
the repository's .git/info/exclude and the user's global excludes file (core.excludesFile).

Precedence, as git and the ``ignore`` crate: the deepest folder's files decide, and in one
folder .ignore wins over .gitignore; below those come .git/info/exclude, then the global
file. Within one file the last matching pattern decides.

pathspec compiles each pattern to a regex and, asked about a path, tries every pattern: ~140 µs
a path for a template .gitignore of 85 patterns, most of a big tree's discovery. Nearly every
path matches no pattern at all, so ``IgnoreFile`` first asks a cheap question that is true
whenever some pattern could match (a set lookup for literal names, one anchored regex over the
basename for name globs, one over the relative path for the rest) and asks pathspec only then.
pathspec itself is imported only when an ignore file exists.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

IGNORE_FILE_NAMES = (".gitignore", ".ignore")  # in rising precedence within a folder
_GLOB_CHARS = frozenset("*?[")
# pathspec's prefix for a pattern without a slash: it may match at any depth.
_ANY_DEPTH = "^(?:.+/)?"


class IgnoreFile:
    """The patterns of one ignore file, for paths relative to the file's folder."""

    def __init__(self, spec: pathspec.PathSpec) -> None:
        self.spec = spec
        self.names: set[str] = set()  # literal basenames (`__pycache__`, `build`)
        name_globs: list[str] = []  # regexes over the basename (`*.pyc`)
        path_globs: list[str] = []  # regexes over the relative path (`/site`, `docs/_build/`)
        for pattern in spec.patterns:
            regex = getattr(pattern, "regex", None)
            if pattern.include is None or regex is None:
                continue
            source = regex.pattern.replace("(?P<ps_d>", "(?:")  # one alternation, no group clash
            body = _pattern_body(getattr(pattern, "pattern", None))
            if body is not None and "/" not in body and source.startswith(_ANY_DEPTH):
                if not _GLOB_CHARS.intersection(body):
                    self.names.add(body)
                else:
                    name_globs.append("^" + source[len(_ANY_DEPTH):])
            else:
                path_globs.append(source)
        self._name_glob = _alternation(name_globs)
        self._path_glob = _alternation(path_globs)

    def decides(self, relative: str, name: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a negation; None: no pattern matches.
        ``relative`` is the path from this file's folder ("/"-separated), ``name`` its last part."""
        tail = name + "/" if is_dir else name
        if not (name in self.names
                or (self._name_glob is not None and self._name_glob.match(tail))
                or (self._path_glob is not None and self._path_glob.match(relative + "/" if is_dir
                                                                           else relative))):
            return None
        return self.spec.check_file(relative + "/" if is_dir else relative).include


def _pattern_body(line: object) -> str | None:
    """A pattern line without its `!` and trailing `/`; None when it needs pathspec's full
    treatment (escapes, odd whitespace): such a pattern is tried on the whole path."""
    if not isinstance(line, str):
        return None
    body = line.strip()
    if "\\" in body or body != line.rstrip("\n"):
        return None
    body = body[1:] if body.startswith("!") else body
    body = body[:-1] if body.endswith("/") else body
    return body or None


def _alternation(sources: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{source})" for source in sources)) if sources else None


def read_ignore_file(path: str) -> IgnoreFile | None:
    """The patterns of ``path``; None when it is missing, unreadable or has no pattern."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    import pathspec  # only trees with ignore files pay for it

    return IgnoreFile(pathspec.GitIgnoreSpec.from_lines(lines))


@dataclass(frozen=True)
class IgnoreChain:
    """The ignore files in force for a folder, outermost first, with their base folders
    (real paths)."""

    files: tuple[tuple[str, IgnoreFile], ...] = ()

    def extended(self, real_folder: str, names: frozenset[str] | set[str]) -> IgnoreChain:
        """The chain for ``real_folder``, whose entry names are ``names`` (a folder's listing
        says whether it has ignore files: no failed open per folder)."""
        added = []
        for file_name in IGNORE_FILE_NAMES:
            if file_name in names:
                ignore_file = read_ignore_file(real_folder + os.sep + file_name)
                if ignore_file is not None:
                    added.append((real_folder, ignore_file))
        return IgnoreChain((*self.files, *added)) if added else self

    def ignored(self, real_path: str, name: str, is_dir: bool) -> bool:
        """Whether ``real_path`` (named ``name``) is ignored: the innermost file with an
        opinion (a match or a negation) decides."""
        for base, ignore_file in reversed(self.files):
            relative = relative_to(real_path, base)
            if relative is None:
                continue
            decision = ignore_file.decides(relative, name, is_dir)
            if decision is not None:
                return decision
        return False

    def without_patterns_ignoring(self, real_root: str) -> IgnoreChain:
        """The chain for walking ``real_root`` when it was named explicitly (ruff does the
        same): patterns that ignore the root itself or a folder above it are dropped, so a
        git-ignored folder is still checked when asked for; the other patterns of those
        files (`*.log`, `build/`, ...) still apply inside it, and so do the root's own
        ignore files. A pattern that ignores both the root and, by name, files inside it
        (`tmp*` naming `tmp_data/`) is dropped too: naming the folder wins."""
        files = []
        for base, ignore_file in self.files:
            relative = relative_to(real_root, base)
            if relative is None or relative == ".":
                files.append((base, ignore_file))
                continue
            parts = relative.split("/")
            folders = ["/".join(parts[:depth]) + "/" for depth in range(1, len(parts) + 1)]
            spec = ignore_file.spec
            kept = [pattern for pattern in spec.patterns
                    if not (pattern.include and any(pattern.match_file(f) for f in folders))]
            if len(kept) == len(spec.patterns):
                files.append((base, ignore_file))
            elif any(pattern.include is not None for pattern in kept):
                import pathspec

                files.append((base, IgnoreFile(pathspec.GitIgnoreSpec(kept))))
        return IgnoreChain(tuple(files))


def relative_to(real_path: str, real_base: str) -> str | None:
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


# ---------------------------------------------------------------------------- above the root


def ancestor_ignores(real_root: str) -> IgnoreChain:
    """What applies to a root from outside it. Inside a git repository: the global excludes
    file, the repository's .git/info/exclude and the ignore files of the folders above the
    root up to the repository's top. Outside one: nothing (only files below the root count).
    The root's own ignore files are read by the walk, like any folder's."""
    above: list[str] = []  # the root's ancestors inside the repository, innermost first
    current = real_root
    while not os.path.exists(os.path.join(current, ".git")):
        parent = os.path.dirname(current)
        if parent == current:
            return IgnoreChain()
        current = parent
        above.append(current)
    git_dir = _git_dir(current)
    files: list[tuple[str, IgnoreFile]] = []
    for path in (global_excludes_file(git_dir), os.path.join(git_dir, "info", "exclude")):
        ignore_file = read_ignore_file(path) if path else None
        if ignore_file is not None:
            files.append((current, ignore_file))
    chain = IgnoreChain(tuple(files))
    for folder in reversed(above):
        chain = chain.extended(folder, set(IGNORE_FILE_NAMES))
    return chain.without_patterns_ignoring(real_root)


def _git_dir(top: str) -> str:
    """The repository's git folder: `.git`, or where a `.git` file (worktree, submodule)
    points, then its common folder (a worktree shares info/exclude with its repository)."""
    dot_git = os.path.join(top, ".git")
    if not os.path.isfile(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as handle:
            line = handle.readline().strip()
    except OSError:
        return dot_git
    if not line.startswith("gitdir:"):
        return dot_git
    git_dir = os.path.normpath(os.path.join(top, line[len("gitdir:"):].strip()))
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.readline().strip()))
    except OSError:
        return git_dir


def global_excludes_file(git_dir: str | None = None) -> str | None:
    """git's core.excludesFile: from the repository's config, ~/.gitconfig or
    $XDG_CONFIG_HOME/git/config (that order of precedence), else $XDG_CONFIG_HOME/git/ignore.
    Read from the files, not by running git (a process costs more than the whole walk of a
    small tree)."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    configs = [os.path.join(xdg, "git", "config"), os.path.join(home, ".gitconfig")]
    if git_dir is not None:
        configs.append(os.path.join(git_dir, "config"))
    found = None
    for config in configs:  # later files win, as in git
        value = _core_excludes_file(config)
        if value is not None:
            found = value
    if found is None:
        return os.path.join(xdg, "git", "ignore")
    return os.path.expanduser(found)


_SECTION = re.compile(r"\s*\[\s*([A-Za-z0-9.-]+)(?:\s+\"[^\"]*\")?\s*\]\s*(.*)$")
_EXCLUDES_KEY = re.compile(r"\s*excludesfile\s*=\s*(.*?)\s*$", re.IGNORECASE)


def _core_excludes_file(config: str) -> str | None:
    """The `excludesFile` of `[core]` in one git config file (the last one set wins)."""
    try:
        with open(config, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    section = ""
    value = None
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section = header.group(1).lower()
            line = header.group(2)
        if section != "core":
            continue
        key = _EXCLUDES_KEY.match(line.split("#", 1)[0].split(";", 1)[0])
        if key:
            raw = key.group(1)
            value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    return value
