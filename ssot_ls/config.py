"""Configuration: find, read and validate `[tool.ssot-ls]` / `ssot-ls.toml` / `.ssot-ls.toml`.

Config is data only: we read TOML, never import or run anything from the workspace.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssot_ls.ignore import PatternList
from ssot_ls.presets import PRESETS
from ssot_ls.rules import Rule, RuleSet
from ssot_ls.types import Applicability, Severity

CONFIG_FILE_NAMES = ("ssot-ls.toml", ".ssot-ls.toml", "pyproject.toml")
DEFAULT_INCLUDE = ("**/*.py", "**/*.pyi", "**/*.md")
DEFAULT_PRESETS = ("netra-websocket",)

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = re.compile(rf"{_IDENTIFIER}(\.{_IDENTIFIER})*")
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*[0-9]")
_TOP_KEYS = {"presets", "include", "exclude", "extend-exclude", "markdown", "rules"}
_RULE_KEYS = {
    "code", "old", "new", "await", "message", "severity", "calls", "when-keyword",
    "rename-keywords", "drop-keywords", "require-keywords", "fix", "strings", "url", "removed",
}


class ConfigError(Exception):
    """A config file we refuse to guess about; names the file, the line and the key."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.key = key

    def __str__(self) -> str:
        where = str(self.path) if self.path else "config"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass(frozen=True)
class Config:
    root: Path
    source: Path | None
    rules: RuleSet
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    markdown: bool = True
    _real_root: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_real_root", os.path.realpath(self.root))

    # Compiled on first use: discovery's fast path never needs them.
    @functools.cached_property
    def _include_spec(self) -> PatternList:
        return PatternList(self.include)

    @functools.cached_property
    def _exclude_spec(self) -> PatternList:
        return PatternList(self.exclude)

    def is_included(self, path: Path | str) -> bool:
        return self.includes_real_path(os.path.realpath(path))

    def includes_real_path(self, real_path: str) -> bool:
        """`is_included` for a path that is already real (discovery resolves each file once)."""
        prefix = self._real_root.rstrip(os.sep) + os.sep
        if real_path.startswith(prefix):
            relative = real_path[len(prefix):].replace(os.sep, "/")
        else:
            relative = os.path.basename(real_path)
        if self._exclude_spec.matches(relative):
            return False
        if not self.markdown and real_path.lower().endswith(".md"):
            return False
        return self._include_spec.matches(relative)

    def fingerprint(self) -> str:
        return f"{self.rules.fingerprint()}|{self.include}|{self.exclude}|{self.markdown}"


def default_config(root: Path) -> Config:
    """What applies with no config file at all: the seed's migration preset."""
    rules: list[Rule] = []
    for name in DEFAULT_PRESETS:
        rules.extend(PRESETS[name])
    return Config(root=root, source=None, rules=RuleSet(tuple(rules)))


class _KeyLocator:
    """Finds the line of a key in the raw TOML text (tomllib does not keep positions)."""

    def __init__(self, text: str, prefix: str) -> None:
        self.lines = text.splitlines()
        self.prefix = prefix  # "tool.ssot-ls." in pyproject.toml, "" in ssot-ls.toml

    def _tables(self) -> list[tuple[str, int]]:
        tables = []
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            match = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if match:
                tables.append((match.group(1).replace('"', "").replace(" ", ""), number))
        return tables

    def section_line(self, rule_index: int | None = None) -> int | None:
        target = self.prefix + "rules" if rule_index is not None else self.prefix.rstrip(".")
        seen = -1
        for name, number in self._tables():
            if name == target:
                seen += 1
                if rule_index is None or seen == rule_index:
                    return number
        return None

    def key_line(self, key: str, rule_index: int | None = None) -> int | None:
        start = self.section_line(rule_index) or 0
        if rule_index is None and not self.prefix:
            start = 0
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for number in range(start + 1 if start else 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start + 1 and start and re.match(r"^\s*\[", line):
                break
            if pattern.match(line):
                return number
        # Inline tables: `rules = [{code = ...}]` — fall back to the first mention.
        for number, line in enumerate(self.lines, 1):
            if re.search(rf"\b{re.escape(key)}\s*=", line):
                return number
        return start or None


def load_config_file(path: Path) -> Config | None:
    """Read one config file; None when it is a pyproject.toml without `[tool.ssot-ls]`."""
    try:
        raw_text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read config: {err}", path) from err
    import tomllib  # a tree without config files never needs it

    try:
        document = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"line (\d+)", str(err))
        # "at end of document": the last non-blank line is the best line to name.
        line = int(match.group(1)) if match else len(raw_text.rstrip().splitlines()) or 1
        raise ConfigError(f"invalid TOML: {err}", path, line) from err
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError("expected a table", path, _KeyLocator(raw_text, "").key_line("tool"), "tool")
        section = tool.get("ssot-ls")
        if section is None:
            return None
        prefix = "tool.ssot-ls."
    else:
        section = document
        prefix = ""
    locate = _KeyLocator(raw_text, prefix)
    return _parse_section(section, path, locate)


def _fail(message: str, path: Path, locate: _KeyLocator, key: str,
          rule_index: int | None = None) -> ConfigError:
    shown = f"rules[{rule_index}].{key}" if rule_index is not None else key
    return ConfigError(message, path, locate.key_line(key, rule_index), shown)


def _string_list(value: Any, key: str, path: Path, locate: _KeyLocator,
                 rule_index: int | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail("expected a list of strings", path, locate, key, rule_index)
    return tuple(value)


def _parse_section(section: dict[str, Any], path: Path, locate: _KeyLocator) -> Config:
    if not isinstance(section, dict):
        raise ConfigError("expected a table", path, locate.section_line(), "tool.ssot-ls")
    for key in section:
        if key not in _TOP_KEYS:
            raise _fail(f"unknown key (expected one of: {', '.join(sorted(_TOP_KEYS))})", path, locate, key)
    rules: list[Rule] = []
    for name in _string_list(section.get("presets", []), "presets", path, locate):
        if name not in PRESETS:
            known = ", ".join(sorted(PRESETS))
            raise _fail(f"unknown preset {name!r} (known: {known})", path, locate, "presets")
        rules.extend(PRESETS[name])
    raw_rules = section.get("rules", [])
    if not isinstance(raw_rules, list):
        raise _fail("expected an array of tables ([[rules]])", path, locate, "rules")
    seen = {rule.code: rule.origin for rule in rules}
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(raw, index, path, locate)
        if rule.code in seen:
            raise _fail(f"duplicate rule code {rule.code!r} (also defined in {seen[rule.code]})",
                        path, locate, "code", index)
        seen[rule.code] = rule.origin
        rules.append(rule)
    _check_rules_converge(rules, [r.code for r in rules[len(rules) - len(raw_rules):]], path, locate)
    include = _string_list(section.get("include", list(DEFAULT_INCLUDE)), "include", path, locate)
    exclude = _string_list(section.get("exclude", []), "exclude", path, locate)
    exclude += _string_list(section.get("extend-exclude", []), "extend-exclude", path, locate)
    markdown = section.get("markdown", True)
    if not isinstance(markdown, bool):
        raise _fail("expected true or false", path, locate, "markdown")
    return Config(root=path.parent, source=path, rules=RuleSet(tuple(rules)),
                  include=include, exclude=exclude, markdown=markdown)


def _check_rules_converge(rules: list[Rule], own: list[str], path: Path, locate: _KeyLocator) -> None:
    """Rules whose fixes would never end: one that maps into itself (`a` -> `a.b` makes
    `a.b.b`, then `a.b.b.b`...) or rules that map into each other."""
    ruleset = RuleSet(tuple(rules))
    for index, code in enumerate(own):
        rule = ruleset.get(code)
        assert rule is not None
        if rule.new_path is None:
            continue
        old, new = rule.old_path, rule.new_path
        if new == old:
            raise _fail(f"new is the same as old ({old!r}): nothing would change", path, locate,
                        "new", index)
        if new.startswith(old + "."):
            raise _fail(f"new ({new!r}) is inside old ({old!r}): each fix would move it again "
                        f"({new}.{new[len(old) + 1:]}...)", path, locate, "new", index)
        current, chain = new, [code]
        for _ in range(len(rules)):
            next_rule, mapped = ruleset.map_dotted(current)
            if next_rule is None or mapped is None:
                break
            chain.append(next_rule.code)
            if mapped == old or mapped.startswith(old + "."):
                raise _fail(f"rules {' -> '.join(chain)} map {old!r} back onto itself: "
                            "fixing would never end", path, locate, "new", index)
            current = mapped


def _split_path(value: Any, key: str, path: Path, locate: _KeyLocator,
                index: int) -> tuple[str, str | None]:
    if not isinstance(value, str):
        raise _fail("expected a string \"module\" or \"module:name\"", path, locate, key, index)
    module, _, name = value.partition(":")
    if not _DOTTED.fullmatch(module) or (name and not re.fullmatch(_IDENTIFIER, name)) or value.endswith(":"):
        raise _fail(f"malformed path {value!r}: expected \"pkg.module\" or \"pkg.module:name\"",
                    path, locate, key, index)
    return module, name or None


def _parse_rule(raw: Any, index: int, path: Path, locate: _KeyLocator) -> Rule:
    if not isinstance(raw, dict):
        line = locate.section_line(index) or locate.key_line("rules")
        raise ConfigError("each rule must be a table", path, line, f"rules[{index}]")

    def fail(message: str, key: str) -> ConfigError:
        return _fail(message, path, locate, key, index)

    for key in raw:
        if key not in _RULE_KEYS:
            raise fail(f"unknown key (expected one of: {', '.join(sorted(_RULE_KEYS))})", key)
    for required in ("code", "old"):
        if required not in raw:
            raise ConfigError(f"missing required key {required!r}", path,
                              locate.section_line(index), f"rules[{index}].{required}")
    code = raw["code"]
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise fail("expected a code like \"SSOT101\" (letters, then digits)", "code")
    old_module, old_name = _split_path(raw["old"], "old", path, locate, index)
    new_module = new_name = None
    if "new" in raw:
        new_module, new_name = _split_path(raw["new"], "new", path, locate, index)
        if old_name is None and new_name is not None:
            raise fail("a whole-module rule (old without \":name\") needs a module as new", "new")

    def flag(key: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise fail("expected true or false", key)
        return value

    def text(key: str, choices: Iterable[str] | None = None) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise fail("expected a string", key)
        if choices is not None and value not in choices:
            raise fail(f"expected one of: {', '.join(choices)}", key)
        return value

    def keywords(key: str) -> tuple[str, ...]:
        values = _string_list(raw.get(key, []), key, path, locate, index)
        for value in values:
            if not re.fullmatch(_IDENTIFIER, value):
                raise fail(f"{value!r} is not a keyword argument name", key)
        return values

    renames = raw.get("rename-keywords", {})
    if not isinstance(renames, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and re.fullmatch(_IDENTIFIER, k)
        and re.fullmatch(_IDENTIFIER, v) for k, v in renames.items()
    ):
        raise fail("expected a table of keyword renames, e.g. {old_kw = \"new_kw\"}", "rename-keywords")
    awaitable = flag("await", False)
    when_keyword = text("when-keyword")
    if when_keyword is not None and not re.fullmatch(_IDENTIFIER, when_keyword):
        raise fail(f"{when_keyword!r} is not a keyword argument name", "when-keyword")
    if when_keyword is not None and old_name is None:
        raise fail("when-keyword needs old = \"module:name\" (a callable)", "when-keyword")
    has_call_keys = awaitable or renames or raw.get("drop-keywords") or raw.get("require-keywords")
    if has_call_keys and old_name is None:
        raise fail("call keys (await, *-keywords) need old = \"module:name\"", "old")
    severity = text("severity", [s.value for s in Severity]) or "warning"
    fix = text("fix", ["safe", "unsafe", "none"])
    line = locate.section_line(index)
    return Rule(
        code=code, old_module=old_module, old_name=old_name, new_module=new_module,
        new_name=new_name, awaitable=awaitable, message=text("message"),
        severity=Severity(severity), calls=text("calls", ["rewrite", "report"]) or "rewrite",
        when_keyword=when_keyword, rename_keywords=dict(renames),
        drop_keywords=keywords("drop-keywords"), require_keywords=keywords("require-keywords"),
        fix=(Applicability.DISPLAY_ONLY if fix == "none" else Applicability(fix)) if fix else None,
        strings=flag("strings", True), url=text("url"), removed=flag("removed", False),
        origin=f"{path}:{line}" if line else str(path),
    )


class ConfigResolver:
    """Finds the config that applies to a path: `--config` override, else the closest file.

    Results are cached by absolute folder string, so once a folder is known, a file in it
    costs one dict lookup: no Path objects, no stat (checking a big tree asks per file)."""

    def __init__(self, override: Path | None = None) -> None:
        self.override = override
        self._by_folder: dict[str, Config] = {}
        self._override_config: Config | None = None

    def invalidate(self) -> None:
        self._by_folder.clear()
        self._override_config = None

    def for_path(self, path: Path | str) -> Config:
        """The config of a file, or of a folder (a folder's own config file counts)."""
        if self.override is not None:
            return self._override()
        absolute = os.path.abspath(path)
        config = self._by_folder.get(absolute)  # a folder asked about before
        if config is not None:
            return config
        return self.for_folder(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))

    def for_file(self, path: Path | str) -> Config:
        """``for_path`` for a path the caller knows is a file: skips the is-it-a-folder stat."""
        if self.override is not None:
            return self._override()
        return self.for_folder(os.path.dirname(os.path.abspath(path)))

    def inherit(self, folder: str, parent_config: Config) -> Config:
        """Record that ``folder`` (absolute, normalised) has no config file of its own, so its
        parent's applies: discovery saw the folder's listing and needs no stat to know."""
        if self.override is not None:
            return self._override()
        return self._by_folder.setdefault(folder, parent_config)

    def for_folder(self, folder: str) -> Config:
        """The config of ``folder``, an absolute, normalised path (as os.path.abspath gives)."""
        if self.override is not None:
            return self._override()
        config = self._by_folder.get(folder)
        if config is not None:
            return config
        visited: list[str] = []
        current = folder
        while True:
            cached = self._by_folder.get(current)
            if cached is not None:
                config = cached
                break
            visited.append(current)
            config = self._config_in(current)
            if config is not None:
                break
            parent = os.path.dirname(current)
            if parent == current:
                config = default_config(Path(folder))
                break
            current = parent
        for seen in visited:
            self._by_folder[seen] = config
        return config

    def _override(self) -> Config:
        assert self.override is not None
        if self._override_config is None:
            loaded = load_config_file(self.override)
            if loaded is None:
                raise ConfigError("no [tool.ssot-ls] section", self.override)
            self._override_config = loaded
        return self._override_config

    @staticmethod
    def _config_in(folder: str) -> Config | None:
        for name in CONFIG_FILE_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                loaded = load_config_file(Path(candidate))
                if loaded is not None:
                    return loaded
        return None
