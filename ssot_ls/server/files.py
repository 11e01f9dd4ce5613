"""Files of the workspace folders, open or not: discovery and reading, off the event loop.

Open documents always come from the session (the editor's unsaved text and version);
everything else is read from disk with ``version=None``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from ssot_ls.config import Config, ConfigError, ConfigResolver
from ssot_ls.server import convert
from ssot_ls.server.server import SsotLanguageServer
from ssot_ls.server.session import Snapshot
from ssot_ls.workspace import (
    Document,
    SourceError,
    decode_document,
    discover,
    is_plain_utf8,
    read_document,
    read_source_bytes,
)

logger = logging.getLogger("ssot_ls.server")

BATCH_SIZE = 25


async def discover_files(ls: SsotLanguageServer) -> list[Path]:
    """Every file to check in the enabled workspace folders (include/exclude, .gitignore).

    A folder with a broken config is skipped (its error is reported on the config file).
    """
    roots = [
        (folder, ls.session.settings_for(folder).configuration)
        for folder in ls.session.folders
        if ls.session.settings_for(folder).enable
    ]
    found = await asyncio.get_running_loop().run_in_executor(None, _discover, roots)
    # Open documents not (yet) on disk, e.g. new unsaved files, are part of the workspace too.
    known = set(found)
    for path in open_documents_by_path(ls):
        in_folder = any(path.is_relative_to(folder) for folder, _ in roots)
        if in_folder and path not in known and not path.exists():
            found.append(path)
    return found


def _discover(roots: Iterable[tuple[Path, Path | None]]) -> list[Path]:
    seen: set[str] = set()
    found: list[Path] = []
    for folder, override in roots:
        # A private resolver: this runs in a worker thread, the session's stay on the loop.
        resolver = ConfigResolver(override)
        try:
            for path in discover([folder], resolver):
                real = os.path.realpath(path)
                if real not in seen:
                    seen.add(real)
                    found.append(path)
        except (ConfigError, OSError) as error:
            logger.warning("skipping workspace folder %s: %s", folder, error)
    return found


def read_files(paths: Iterable[Path]) -> list[tuple[Path, Document | SourceError]]:
    """Read each file; a failure (deleted, binary, undecodable) is returned, not raised."""
    results: list[tuple[Path, Document | SourceError]] = []
    for path in paths:
        try:
            results.append((path, read_document(path)))
        except SourceError as error:
            results.append((path, error))
        except OSError as error:
            results.append((path, SourceError(path, str(error))))
    return results


def read_matching(jobs: Iterable[tuple[Path, Config]]) -> list[tuple[Path, Document | SourceError | None]]:
    """``read_files`` for files whose config is known, with None for a file no rule of it can
    match: the byte prefilter decides before decoding, so a workspace run decodes (and keeps)
    only the few files that matter."""
    results: list[tuple[Path, Document | SourceError | None]] = []
    for path, config in jobs:
        try:
            raw = read_source_bytes(path)
            if not config.rules.may_match(raw) and is_plain_utf8(path, raw):
                results.append((path, None))
            else:
                results.append((path, decode_document(path, raw)))
        except SourceError as error:
            results.append((path, error))
        except OSError as error:
            results.append((path, SourceError(path, str(error))))
    return results


async def read_matching_batch(
    jobs: list[tuple[Path, Config]],
) -> list[tuple[Path, Document | SourceError | None]]:
    return await asyncio.get_running_loop().run_in_executor(None, read_matching, jobs)


async def read_batch(paths: list[Path]) -> list[tuple[Path, Document | SourceError]]:
    return await asyncio.get_running_loop().run_in_executor(None, read_files, paths)


def open_documents_by_path(ls: SsotLanguageServer) -> dict[Path, str]:
    """Path -> URI of every open file: URIs from clients may quote characters differently."""
    by_path = {}
    for uri in ls.session.documents:
        path = convert.path_from_uri(uri)
        if path is not None:
            by_path[path] = uri
    return by_path


async def disk_snapshot(ls: SsotLanguageServer, uri: str) -> Snapshot | None:
    """A snapshot of a file that is not open, read from disk (None if it can't be read)."""
    path = convert.path_from_uri(uri)
    if path is None or not path.is_file():
        return None
    [(_, document)] = await read_batch([path])
    if isinstance(document, SourceError):
        logger.info("cannot check %s: %s", path, document)
        return None
    return ls.session.snapshot_of_file(path, document.text)


async def workspace_snapshots(
    ls: SsotLanguageServer, paths: list[Path] | None = None
) -> AsyncIterator[Snapshot]:
    """Snapshots of every workspace file (or of ``paths``); open documents as the editor
    has them."""
    if paths is None:
        paths = await discover_files(ls)
    open_uris = open_documents_by_path(ls)
    for start in range(0, len(paths), BATCH_SIZE):
        batch = paths[start:start + BATCH_SIZE]
        closed = [path for path in batch if path not in open_uris]
        documents = dict(await read_batch(closed))
        for path in batch:
            if path in open_uris:
                snapshot = ls.session.snapshot(open_uris[path])
            else:
                document = documents[path]
                if isinstance(document, SourceError):
                    logger.info("skipping %s", document)
                    continue
                snapshot = ls.session.snapshot_of_file(path, document.text)
            if snapshot is not None:
                yield snapshot
