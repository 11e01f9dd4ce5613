"""Logging: our records go to the client as window/logMessage, and to stderr."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading

from lsprotocol import types
from pygls.lsp.server import LanguageServer

_MESSAGE_TYPES = (
    (logging.ERROR, types.MessageType.Error),
    (logging.WARNING, types.MessageType.Warning),
    (logging.INFO, types.MessageType.Info),
)

ROOT = logging.getLogger("ssot_ls")


class ClientLogHandler(logging.Handler):
    """Sends records as window/logMessage; safe to use from worker threads."""

    def __init__(self, server: LanguageServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._server = server
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            params = types.LogMessageParams(type=_message_type(record.levelno), message=self.format(record))
            if threading.get_ident() == self._loop_thread:
                self._server.window_log_message(params)
            elif not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._server.window_log_message, params)
        except Exception:
            self.handleError(record)


def _message_type(level: int) -> types.MessageType:
    for threshold, message_type in _MESSAGE_TYPES:
        if level >= threshold:
            return message_type
    return types.MessageType.Log


def configure_stderr(level: int, stderr_level: int = logging.WARNING) -> None:
    """Logs also go to stderr: before a client is connected, and for crashes."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("ssot-ls %(levelname)s %(name)s: %(message)s"))
    ROOT.addHandler(handler)
    ROOT.setLevel(level)
    # pygls logs every message it sends at INFO; only its problems are worth showing.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("pygls").addHandler(handler)
    # The client gets everything at ``level``; stderr only what was asked for on the
    # command line (warnings by default), so editors do not show every line twice.
    handler.setLevel(stderr_level)


def connect_client(server: LanguageServer) -> None:
    if not any(isinstance(handler, ClientLogHandler) for handler in ROOT.handlers):
        ROOT.addHandler(ClientLogHandler(server, asyncio.get_running_loop()))


def set_level(level: int | None) -> None:
    """Log at ``level`` from now on; None keeps the command line's level."""
    if level is not None:
        ROOT.setLevel(level)
