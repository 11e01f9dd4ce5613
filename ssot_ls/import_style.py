"""The project's import style, read from its config files as ruff reads them.

`read_import_style(folder)` finds the closest `.ruff.toml`, `ruff.toml` or `pyproject.toml` with
`[tool.ruff]` at or above `folder` (following `extend`), and reads `line-length`, `indent-width`,
`target-version` (else `requires-python`), `src` and the `[lint.isort]` options that
`ImportStyle` models (legacy `[isort]` too). Without a ruff config it falls back to
`[tool.black] line-length`, then `[tool.isort]` (`line_length`, `profile = "black"`), then
ruff's defaults. `first_party_roots(path)` answers "is this module first party?" as ruff does:
the full module path under one of the `src` roots (default: the project root and its `src/`),
or the package the file belongs to.

A config file that cannot be read or parsed, or an option of the wrong type, never raises: the
defaults stand in for it. Results are cached per folder; `clear_cache()` forgets them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ssot_ls.import_order import DEFAULT_STYLE, ImportStyle, Section

__all__ = ["FirstPartyModules", "ProjectSettings", "clear_cache", "first_party_roots", "read_import_style",
           "read_project_settings"]

_RUFF_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")
_MAX_EXTEND = 8  # ruff follows `extend` chains; a cycle must not loop forever

# ruff option -> (ImportStyle field, kind)
_ISORT_OPTIONS: dict[str, tuple[str, str]] = {
    "known-first-party": ("known_first_party", "strings"),
    "known-third-party": ("known_third_party", "strings"),
    "known-local-folder": ("known_local_folder", "strings"),
    "extra-standard-library": ("extra_standard_library", "strings"),
    "force-to-top": ("force_to_top", "strings"),
    "force-sort-within-sections": ("force_sort_within_sections", "bool"),
    "order-by-type": ("order_by_type", "bool"),
    "case-sensitive": ("case_sensitive", "bool"),
    "combine-as-imports": ("combine_as_imports", "bool"),
    "force-single-line": ("force_single_line", "bool"),
    "single-line-exclusions": ("single_line_exclusions", "strings"),
    "force-wrap-aliases": ("force_wrap_aliases", "bool"),
    "split-on-trailing-comma": ("split_on_trailing_comma", "bool"),
    "relative-imports-order": ("relative_imports_order", "relative"),
    "lines-after-imports": ("lines_after_imports", "int"),
    "lines-between-types": ("lines_between_types", "int"),
    "from-first": ("from_first", "bool"),
    "length-sort": ("length_sort", "bool"),
    "length-sort-straight": ("length_sort_straight", "bool"),
    "constants": ("constants", "strings"),
    "classes": ("classes", "strings"),
    "variables": ("variables", "strings"),
    "no-lines-before": ("no_lines_before", "sections"),
    "section-order": ("section_order", "section-order"),
    "default-section": ("default_section", "section"),
    "no-sections": ("no_sections", "bool"),
    "detect-same-package": ("detect_same_package", "bool"),
}


@dataclass(frozen=True)
class ProjectSettings:
    """What the project's config says about imports: the style, where its `src` roots are,
    and which file said so (None: no config found, ruff's defaults)."""

    style: ImportStyle = DEFAULT_STYLE
    src: tuple[Path, ...] = ()
    config: Path | None = None


@dataclass(frozen=True)
class FirstPartyModules(Container[str]):
    """First-party modules as ruff 0.17 finds them, asked with full dotted names: `a.b` is first
    party when `ROOT/a/b` is a folder or `ROOT/a/b.py[i]` a file under a `src` root, or when `a`
    is `package` (the top package of the file being checked, with detect-same-package)."""

    src: tuple[Path, ...]
    package: str | None = None
    _known: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __contains__(self, module: object) -> bool:
        if not isinstance(module, str) or not module:
            return False
        if self.package is not None and module.split(".")[0] == self.package:
            return True
        if module not in self._known:
            self._known[module] = self._on_disk(module)
        return self._known[module]

    def _on_disk(self, module: str) -> bool:
        parts = module.split(".")
        if not all(parts):
            return False
        for root in self.src:
            candidate = root.joinpath(*parts)
            try:
                if candidate.is_dir() or any(candidate.with_suffix(s).is_file() for s in (".py", ".pyi")):
                    return True
            except (OSError, ValueError):
                continue
        return False


def read_import_style(folder: Path) -> ImportStyle:
    """The import style that applies to files in `folder` (see the module doc)."""
    return read_project_settings(folder).style


def first_party_roots(path: Path) -> FirstPartyModules:
    """The first-party test for a file (or a folder) of the project, as ruff does it."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    settings = read_project_settings(folder)
    package = _package_root(folder) if settings.style.detect_same_package else None
    return _first_party(settings.src, package)


@lru_cache(maxsize=256)
def _first_party(src: tuple[Path, ...], package: str | None) -> FirstPartyModules:
    return FirstPartyModules(src, package)


def clear_cache() -> None:
    """Forget every folder's settings and first-party lookups (after config or tree changes)."""
    read_project_settings.cache_clear()
    _load.cache_clear()
    _first_party.cache_clear()
    _package_root.cache_clear()


@lru_cache(maxsize=256)
def _package_root(folder: Path) -> str | None:
    """The name of the topmost package holding `folder` (folders with `__init__.py`)."""
    top = None
    current = folder
    try:
        while (current / "__init__.py").is_file():
            top = current
            if current.parent == current:
                break
            current = current.parent
    except OSError:
        return None
    return top.name if top is not None else None


@lru_cache(maxsize=256)
def read_project_settings(folder: Path) -> ProjectSettings:
    """Style, `src` roots and config file for `folder`; never raises on a bad config."""
    folder = Path(folder).absolute()
    try:
        found = _closest_ruff_config(folder)
        if found is not None:
            return _from_ruff(*found)
        return _from_other_tools(folder)
    except (OSError, ValueError, TypeError, tomllib.TOMLDecodeError):
        return ProjectSettings(src=_default_src(folder))


@lru_cache(maxsize=64)
def _load(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None


def _ruff_table(path: Path) -> dict[str, Any] | None:
    document = _load(path)
    if document is None:
        return None
    if path.name != "pyproject.toml":
        return document
    tool = document.get("tool")
    ruff = tool.get("ruff") if isinstance(tool, dict) else None
    return ruff if isinstance(ruff, dict) else None


def _closest_ruff_config(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    for directory in (folder, *folder.parents):
        for name in _RUFF_FILES:
            candidate = directory / name
            if candidate.is_file() and (table := _ruff_table(candidate)) is not None:
                return candidate, table
    return None


def _with_extends(path: Path, table: dict[str, Any]) -> dict[str, Any]:
    """The config with its `extend` chain merged under it (the extending file wins)."""
    chain = [table]
    current, seen = path, {path.resolve()}
    while isinstance(chain[-1].get("extend"), str) and len(chain) < _MAX_EXTEND:
        target = (current.parent / Path(chain[-1]["extend"]).expanduser()).resolve()
        parent = _ruff_table(target) if target not in seen and target.is_file() else None
        if parent is None:
            break
        seen.add(target)
        chain.append(parent)
        current = target
    merged: dict[str, Any] = {}
    for layer in reversed(chain):
        merged = _merge(merged, _lint_isort_layer(layer))
    return merged


def _lint_isort_layer(table: dict[str, Any]) -> dict[str, Any]:
    """One file's table with its isort options under `lint.isort`: ruff takes the legacy
    top-level `isort` table only when the file has no `lint.isort`, and never merges the two."""
    layer = {k: v for k, v in table.items() if k != "isort"}
    lint = dict(_table(table, "lint"))
    if "isort" not in lint and isinstance(table.get("isort"), dict):
        lint["isort"] = table["isort"]
    layer["lint"] = lint
    return layer


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = value
    return result


def _from_ruff(path: Path, table: dict[str, Any]) -> ProjectSettings:
    table = _with_extends(path, table)
    root = path.parent
    isort = _table(_table(table, "lint"), "isort")
    fields: dict[str, Any] = {}
    if _is_int(table.get("line-length")) and 1 <= table["line-length"] <= 320:
        fields["line_length"] = table["line-length"]
    width = table.get("indent-width", table.get("tab-size"))
    if _is_int(width) and 1 <= width <= 255:
        fields["indent_width"] = width
    target = _target_version(table.get("target-version")) or _requires_python(root / "pyproject.toml")
    if target is not None:
        fields["target_version"] = target
    fields.update(_isort_fields(isort))
    return ProjectSettings(style=ImportStyle(**fields), src=_src(table.get("src"), root), config=path)


def _table(table: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = table.get(key)
    return value if isinstance(value, dict) else {}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _isort_fields(isort: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for option, (name, kind) in _ISORT_OPTIONS.items():
        if option in isort:
            value = _convert(isort[option], kind)
            if value is not None:
                fields[name] = value
    return fields


def _convert(value: object, kind: str) -> Any:
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "int":
        return value if _is_int(value) else None
    if kind == "strings":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return frozenset(value) if ok else None  # type: ignore[arg-type]
    if kind == "relative":
        return value if value in ("furthest-to-closest", "closest-to-furthest") else None
    if kind == "section":
        return _section(value)
    sections = [_section(v) for v in value] if isinstance(value, list) else [None]
    if any(s is None for s in sections):
        return None  # user-defined sections are not modelled: keep the defaults
    if kind == "sections":
        return frozenset(sections)
    # Sections left out of `section-order` fall into `default-section`, as in ruff.
    return tuple(dict.fromkeys(sections))


def _section(value: object) -> Section | None:
    try:
        return Section(value)
    except ValueError:
        return None


_PY_VERSION = re.compile(r"py3(\d{1,2})")
_LOWER_BOUND = re.compile(r"(>=|~=|==|>)\s*3\.(\d+)")


def _target_version(value: object) -> tuple[int, int] | None:
    match = _PY_VERSION.fullmatch(value) if isinstance(value, str) else None
    return (3, int(match.group(1))) if match else None


def _requires_python(pyproject: Path) -> tuple[int, int] | None:
    """The lowest Python `requires-python` allows, as ruff infers `target-version`."""
    if not pyproject.is_file():
        return None
    document = _load(pyproject) or {}
    project = document.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(spec, str):
        return None
    minors = [int(m) + (1 if op == ">" else 0) for op, m in _LOWER_BOUND.findall(spec)]
    return (3, min(minors)) if minors else None


def _src(value: object, root: Path) -> tuple[Path, ...]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return _default_src(root)
    roots: list[Path] = []
    for entry in value:
        if any(ch in entry for ch in "*?["):
            roots.extend(sorted(p for p in root.glob(entry) if p.is_dir()))
        else:
            roots.append((root / Path(entry).expanduser()).absolute())
    return tuple(roots)


def _default_src(root: Path) -> tuple[Path, ...]:
    return (root, root / "src")


def _from_other_tools(folder: Path) -> ProjectSettings:
    """No ruff config: black's, then isort's line length, from the closest pyproject.toml that
    has either; the project root is that file's folder, else the repository root."""
    for directory in (folder, *folder.parents):
        pyproject = directory / "pyproject.toml"
        if not pyproject.is_file():
            continue
        tool = (_load(pyproject) or {}).get("tool")
        if not isinstance(tool, dict) or not ({"black", "isort"} & tool.keys()):
            continue
        length = _other_line_length(tool)
        style = ImportStyle(line_length=length) if length else DEFAULT_STYLE
        target = _requires_python(pyproject)
        if target is not None:
            style = ImportStyle(**{**style.__dict__, "target_version": target})
        return ProjectSettings(style=style, src=_default_src(directory), config=pyproject)
    return ProjectSettings(src=_default_src(_repository_root(folder)))


def _other_line_length(tool: Mapping[str, Any]) -> int | None:
    black, isort = _table(tool, "black"), _table(tool, "isort")
    if _is_int(black.get("line-length")) and black["line-length"] > 0:
        return black["line-length"]
    if _is_int(isort.get("line_length")) and isort["line_length"] > 0:
        return isort["line_length"]
    if isort.get("profile") == "black":
        return 88
    return None


def _repository_root(folder: Path) -> Path:
    for directory in (folder, *folder.parents):
        if (directory / ".git").exists():
            return directory
    return folder
