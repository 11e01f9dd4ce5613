"""Which paths git (and ruff's walker) would ignore: .gitignore at every level, .ignore,
the repository's .git/info/exclude and the user's global excludes file (core.excludesFile);
and the gitignore-style globs of a config's include/exclude.

Precedence, as git and the ``ignore`` crate: the deepest folder's files decide, and in one
folder .ignore wins over .gitignore; below those come .git/info/exclude, then the global
file. Within one file the last matching pattern decides.

Patterns become regexes here (the shapes pathspec gives them; tests hold the two to the same
answers): importing pathspec costs 40-60 ms (it pulls in asyncio), a third of a warm run.
Asked about a path, trying every pattern costs ~140 µs for a template .gitignore of 85
patterns, most of a big tree's discovery; nearly every path matches none, so ``IgnoreFile``
first asks a cheap question that is true whenever some pattern could match (a set lookup for
literal names, one anchored regex over the basename for name globs, one over the relative
path for the rest) and tries the patterns one by one only then.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

IGNORE_FILE_NAMES = (".gitignore", ".ignore")  # in rising precedence within a folder
_GLOB_CHARS = frozenset("*?[\\")
_ANY_DEPTH = "^(?:.+/)?"  # a pattern without a slash may match at any depth


@dataclass(frozen=True)
class Pattern:
    """One gitignore line: ``ignores`` False for a negation (`!pattern`)."""

    line: str
    regex: re.Pattern[str]
    ignores: bool
    name: str | None  # the pattern is this basename at any depth (no glob): a set lookup
    name_glob: str | None  # the pattern is a glob over the basename: this regex source

    def matches(self, relative: str) -> bool:
        """Whether the "/"-separated ``relative`` path (a folder with a trailing "/") is the
        pattern's, or lies inside a folder that is (as pathspec answers)."""
        return self.regex.match(relative) is not None


def parse_pattern(line: str) -> Pattern | None:
    """The pattern of one gitignore line; None for a blank line, a comment or a malformed
    pattern (git ignores those too)."""
    body = line.rstrip("\n")
    stripped = body.rstrip(" ")
    if stripped != body and stripped.endswith("\\") and not stripped.endswith("\\\\"):
        stripped += " "  # "\ " keeps one trailing space
    body = stripped
    if not body or body.startswith("#"):
        return None
    ignores = not body.startswith("!")
    if not ignores:
        body = body[1:]
    folder_only = body.endswith("/")
    body = body.rstrip("/") if folder_only else body
    anchored = "/" in body
    body = body.lstrip("/")
    if not body:
        return None
    segments = body.split("/")
    regex = _segments_regex(segments, anchored, folder_only)
    if regex is None:
        return None
    name = name_glob = None
    if not anchored and segments[0] != "**":
        if not _GLOB_CHARS.intersection(body):
            name = body
        elif regex.startswith(_ANY_DEPTH):
            name_glob = "^" + regex[len(_ANY_DEPTH):]
    return Pattern(line, re.compile(regex), ignores, name, name_glob)


def _segments_regex(segments: list[str], anchored: bool, folder_only: bool) -> str | None:
    if segments == ["**"]:
        return "."  # everything
    parts = ["^" if anchored else _ANY_DEPTH]
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment == "**":
            if index == 0:
                parts.append("(?:.+/)?")
                continue
            if index == last:
                parts.append("/")  # everything inside the folder before it
                return "".join(parts)
            parts.append("(?:/.+)?")
            continue
        if index > 0 and not (index == 1 and segments[0] == "**"):
            parts.append("/")  # after a leading "**" the prefix ends with one already
        translated = _glob_regex(segment)
        if translated is None:
            return None
        parts.append(translated)
    parts.append("/" if folder_only else "(?:/|$)")
    return "".join(parts)


def _glob_regex(segment: str) -> str | None:
    """One path segment's glob as a regex: `*` and `?` stop at "/", `[...]` (with `!` or `^`
    negating), backslash escapes; None when a class is not closed."""
    if segment == "*":
        return "[^/]+"
    out = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "\\":
            index += 1
            if index == len(segment):
                return None
            out.append(re.escape(segment[index]))
        elif char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = segment.find("]", index + 2 if segment[index + 1:index + 2] in ("!", "^") else index + 1)
            content = segment[index + 1:close] if close != -1 else ""
            if close == -1 or content in ("", "!", "^"):
                return None
            negated = content[0] in "!^"
            content = content[1:] if negated else content
            out.append("[" + ("^" if negated else "") + content.replace("\\", "\\\\") + "]")
            index = close
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


class PatternList:
    """Gitignore-style patterns in order: the last one matching a path decides."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.patterns = [p for p in map(parse_pattern, lines) if p is not None]

    def decides(self, relative: str) -> bool | None:
        """True: matched (ignored, excluded); False: a negation matched last; None: no
        pattern matches. ``relative`` ends with "/" for a folder."""
        for pattern in reversed(self.patterns):
            if pattern.matches(relative):
                return pattern.ignores
        return None

    def matches(self, relative: str) -> bool:
        return bool(self.decides(relative))


class IgnoreFile(PatternList):
    """The patterns of one ignore file, for paths relative to the file's folder."""

    def __init__(self, lines: Iterable[str]) -> None:
        super().__init__(lines)
        self.names = {p.name for p in self.patterns if p.name is not None}
        self._name_glob = _alternation([p.name_glob for p in self.patterns if p.name_glob])
        self._path_glob = _alternation([p.regex.pattern for p in self.patterns
                                        if p.name is None and p.name_glob is None])

    def decides_path(self, relative: str, name: str, is_dir: bool) -> bool | None:
        """``decides`` for a path the walk reached (no folder above it matched), with a
        cheap test first; ``name`` is the path's last part."""
        if is_dir:
            relative += "/"
            name += "/"
        if not ((name.rstrip("/") in self.names)
                or (self._name_glob is not None and self._name_glob.match(name))
                or (self._path_glob is not None and self._path_glob.match(relative))):
            return None
        return self.decides(relative)


def _alternation(sources: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{source})" for source in sources)) if sources else None


def read_ignore_file(path: str) -> IgnoreFile | None:
    """The patterns of ``path``; None when it is missing, unreadable or has no pattern."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    ignore_file = IgnoreFile(lines)
    return ignore_file if ignore_file.patterns else None


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
            decision = ignore_file.decides_path(relative, name, is_dir)
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
            kept = [pattern.line for pattern in ignore_file.patterns
                    if not (pattern.ignores and any(pattern.matches(f) for f in folders))]
            if len(kept) == len(ignore_file.patterns):
                files.append((base, ignore_file))
            elif kept:
                files.append((base, IgnoreFile(kept)))
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
