"""Ignore files: our patterns agree with pathspec's, .ignore, the global excludes file,
git worktrees, and discovery reads only the ignore and config files a folder has."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pathspec
import pytest

from ssot_ls import config as config_module
from ssot_ls import ignore
from ssot_ls.config import ConfigResolver
from ssot_ls.ignore import IgnoreFile, PatternList, global_excludes_file, parse_pattern
from ssot_ls.workspace import discover

PATTERNS = [
    "*.pyc", "__pycache__/", "build/", "/dist", "!keep.py", "docs/_build/", "*.py[cod]",
    "gen_*", "!gen_keep.py", "a/**/b.py", "**/c.py", "/top.py", "x?.py", "*~", ".env",
    "sub/", "sub/inner.py", "!sub/", "deep/**", "*.md", "!README.md", "\\#hash.py",
    "trailing.py ", "[ab]*.py", "name", "**/name2/", "z/*.py", "docs/**/_build", "*/b.py",
    "sub/*", "a/*/b/**/c.py", "**/deep/name", "[!a-c]?.py", "a\\*b", "trailing\\ ",
]
PARTS = ["a", "b", "sub", "deep", "build", "dist", "docs", "_build", "name", "name2", "z",
         "x1.py", "keep.py", "gen_x.py", "gen_keep.py", "b.py", "c.py", "top.py", "m.pyc",
         "README.md", "notes.md", "#hash.py", "trailing.py", "bz.py", "plain.py", ".env", "f~"]


def paths(seed: int, count: int) -> list[tuple[str, bool]]:
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        depth = rng.randint(1, 4)
        result.append(("/".join(rng.choice(PARTS) for _ in range(depth)), rng.random() < 0.3))
    return result


@pytest.mark.parametrize("line", PATTERNS)
def test_patterns_become_pathspecs_regexes(line):
    """pathspec is the reference (and a test-only dependency): same regex, same verdict."""
    ours = parse_pattern(line)
    (theirs,) = pathspec.GitIgnoreSpec.from_lines([line]).patterns
    assert ours is not None and theirs.include is not None
    assert ours.regex.pattern == theirs.regex.pattern.replace("(?P<ps_d>/)", "/")
    assert ours.ignores is theirs.include


@pytest.mark.parametrize("line", ["", "   ", "# comment", "/", "[a-", "a[]b", "!"])
def test_blank_comment_and_malformed_lines_are_no_patterns(line):
    assert parse_pattern(line) is None


@pytest.mark.parametrize("seed", range(20))
def test_ignore_file_agrees_with_pathspec_on_walked_paths(seed):
    rng = random.Random(seed)
    lines = rng.sample(PATTERNS, rng.randint(1, len(PATTERNS)))
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    ours = IgnoreFile(lines)
    compared = 0
    for relative, is_dir in paths(seed, 400):
        parts = relative.split("/")
        ancestors = ["/".join(parts[:depth]) + "/" for depth in range(1, len(parts))]
        if any(spec.check_file(folder).include is not None for folder in ancestors):
            # The walk never asks: an ignored folder is pruned, and for a path below a
            # re-included one git (and we) ask the path's own patterns, where pathspec
            # lets the folder's negation speak for everything inside it.
            continue
        compared += 1
        expected = spec.check_file(relative + "/" if is_dir else relative).include
        name = parts[-1]
        assert ours.decides_path(relative, name, is_dir) == expected, (lines, relative, is_dir)
    assert compared > 50


@pytest.mark.parametrize("seed", range(10))
def test_pattern_list_agrees_with_pathspec_on_any_path(seed):
    """Config include/exclude: a path inside a matched folder matches too."""
    rng = random.Random(seed)
    lines = rng.sample(PATTERNS, rng.randint(1, len(PATTERNS)))
    spec = pathspec.PathSpec.from_lines("gitignore", lines)
    ours = PatternList(lines)
    for relative, _ in paths(seed + 100, 300):
        assert ours.matches(relative) == spec.match_file(relative), (lines, relative)


def write(root: Path, relative: str, content: str = "x = 1\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def found(root: Path, *paths: Path) -> list[str]:
    result = discover(list(paths) or [root], ConfigResolver())
    return sorted(p.resolve().relative_to(root.resolve()).as_posix() for p in result)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh home (and XDG config folder) so the machine's own git config plays no part."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


def test_dot_ignore_files_count_and_win_over_gitignore(tmp_path, home):
    root = tmp_path / "repo"
    write(root, ".gitignore", "*.md\nlocal.py\n")
    write(root, ".ignore", "!notes.md\nscratch/\n")
    write(root, "notes.md")
    write(root, "other.md")
    write(root, "local.py")
    write(root, "scratch/s.py")
    write(root, "app.py")
    assert found(root) == ["app.py", "notes.md"]


def test_global_excludes_file_from_gitconfig(tmp_path, home):
    excludes = write(home, "my-ignores", "*_secret.py\n")
    write(home, ".gitconfig", f'[user]\n\tname = x\n[core]\n\texcludesFile = "{excludes}"\n')
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root, "api_secret.py")
    write(root, "app.py")
    assert found(root) == ["app.py"]
    outside = tmp_path / "plain"  # not a repository: git's files do not apply
    write(outside, "api_secret.py")
    assert found(outside) == ["api_secret.py"]


def test_global_excludes_file_defaults_to_xdg_git_ignore(tmp_path, home, monkeypatch):
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    write(xdg, "git/ignore", "scratch_*.py\n")
    assert global_excludes_file() == str(xdg / "git" / "ignore")
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root, "scratch_1.py")
    write(root, "app.py")
    assert found(root) == ["app.py"]


def test_repository_config_overrides_the_global_excludes_file(tmp_path, home):
    write(home, ".gitconfig", "[core]\n  excludesfile = ~/global-ignores\n")
    write(home, "global-ignores", "a.py\n")
    git_dir = tmp_path / "repo" / ".git"
    write(git_dir, "config", "[core]\n\texcludesFile = " + str(tmp_path / "repo-ignores") + "\n")
    write(tmp_path, "repo-ignores", "b.py\n")
    assert global_excludes_file() == str(home / "global-ignores")
    assert global_excludes_file(str(git_dir)) == str(tmp_path / "repo-ignores")


def test_worktree_shares_the_repository_exclude_file(tmp_path, home):
    common = tmp_path / "main" / ".git"
    write(common, "info/exclude", "excluded.py\n")
    worktree_git = common / "worktrees" / "wt"
    write(worktree_git, "commondir", "../..\n")
    root = tmp_path / "wt"
    write(root, ".git", f"gitdir: {worktree_git}\n")
    write(root, "excluded.py")
    write(root, "app.py")
    assert found(root) == ["app.py"]


def test_discovery_reads_only_the_files_a_folder_has(tmp_path, home, monkeypatch):
    """A folder's listing says whether it has ignore or config files: none is opened or
    stat'ed where it is absent, and each folder's config is looked up once."""
    for folder, name in itertools.product(("a", "b", "a/c", "b/d/e"), ("m.py", "n.md")):
        write(tmp_path, f"{folder}/{name}")
    write(tmp_path, "ssot-ls.toml", "")
    write(tmp_path, "b/.gitignore", "n.md\n")
    write(tmp_path, "b/d/ssot-ls.toml", 'exclude = ["**/*.md"]\n')
    opened, probed = [], []
    real_read = ignore.read_ignore_file
    real_config_in = ConfigResolver._config_in

    def counting_read(path):
        opened.append(Path(path).relative_to(tmp_path).as_posix())
        return real_read(path)

    def counting_config_in(folder):
        probed.append(folder)
        return real_config_in(folder)

    monkeypatch.setattr(ignore, "read_ignore_file", counting_read)
    monkeypatch.setattr(config_module.ConfigResolver, "_config_in", staticmethod(counting_config_in))
    assert found(tmp_path) == ["a/c/m.py", "a/c/n.md", "a/m.py", "a/n.md", "b/d/e/m.py",
                               "b/m.py"]
    assert opened == ["b/.gitignore"]
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in probed) == [".", "b/d"]
