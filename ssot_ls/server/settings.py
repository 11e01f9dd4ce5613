"""Client settings: the "ssot-ls" section from initializationOptions and workspace/configuration."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

SECTION = "ssot-ls"

LOG_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}


@dataclass(frozen=True)
class Settings:
    enable: bool = True
    # Config file that overrides discovery (like `--config`); relative paths are resolved
    # against the workspace folder.
    configuration: Path | None = None
    markdown_enable: bool = True
    log_level: str | None = None  # None: the `--log-level` given on the command line
    # Whether file-wide and workspace fixes also apply unsafe fixes (e.g. inserting
    # `await`), like ruff's `--unsafe-fixes`. Single quick fixes are always offered.
    unsafe_fixes: bool = False

    def merged(self, data: Any, folder: Path | None = None) -> Settings:
        """These settings with the keys present in ``data`` applied on top.

        Accepts the section itself (`{"enable": ...}`), a wrapper (`{"ssot-ls": {...}}`, or
        ruff-style `{"settings": {...}}`) and dotted keys (`{"markdown.enable": false}`).
        Values of the wrong type are ignored rather than failing the whole section.
        """
        section = _unwrap(data)
        if not section:
            return self
        changes: dict[str, Any] = {}
        enable = section.get("enable")
        if isinstance(enable, bool):
            changes["enable"] = enable
        if "configuration" in section:
            changes["configuration"] = _config_path(section["configuration"], folder)
        markdown = section.get("markdown")
        markdown_enable = (
            markdown.get("enable") if isinstance(markdown, Mapping) else section.get("markdown.enable")
        )
        if isinstance(markdown_enable, bool):
            changes["markdown_enable"] = markdown_enable
        unsafe = section.get("unsafeFixes")
        if isinstance(unsafe, bool):
            changes["unsafe_fixes"] = unsafe
        level = section.get("logLevel")
        if isinstance(level, str) and level.lower() in LOG_LEVELS:
            changes["log_level"] = level.lower()
        return replace(self, **changes)

    @property
    def logging_level(self) -> int | None:
        return LOG_LEVELS[self.log_level] if self.log_level else None


def _unwrap(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        return {}
    for wrapper in (SECTION, "settings"):
        inner = data.get(wrapper)
        if isinstance(inner, Mapping):
            return inner
    return data


def _config_path(value: Any, folder: Path | None) -> Path | None:
    if not isinstance(value, str) or not value.strip():
        return None
    path = Path(value.strip()).expanduser()
    if not path.is_absolute() and folder is not None:
        path = folder / path
    return path
