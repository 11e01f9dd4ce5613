"""The ssot-ls language server (pygls 2 + lsprotocol).

``serve(args)`` is what ``ssot-ls server`` runs: stdio by default, ``--tcp HOST:PORT``
for debugging. One module per feature: lifecycle, documents, diagnostics, code_actions,
commands, hover, config_watch; ``session`` holds all mutable state and ``convert`` does
every offset <-> position and engine <-> LSP translation.
"""

from __future__ import annotations

import argparse
import gc
import logging

from ssot_ls.server.settings import LOG_LEVELS

__all__ = ["serve"]


def serve(args: argparse.Namespace) -> int:
    """Run the server until the client says exit; returns the process exit code."""
    # Importing pygls and lsprotocol makes ~50,000 long-lived objects; the collector would scan
    # them again and again while they load (~70 ms of a ~350 ms start). Collect nothing until
    # they are in, then freeze them: later collections (mid-keystroke) never scan them.
    gc.disable()
    try:
        from ssot_ls.server import logs
        from ssot_ls.server.server import create_server

        level_name = getattr(args, "log_level", None)
        level = LOG_LEVELS.get((level_name or "info").lower(), logging.INFO)
        logs.configure_stderr(level, stderr_level=level if level_name else logging.WARNING)
        server = create_server()
    finally:
        gc.freeze()
        gc.enable()
    tcp = getattr(args, "tcp", None)
    if tcp:  # checked by the CLI: HOST:PORT
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host, int(port))
    else:
        server.start_io()
    # LSP: exit code 0 only when `shutdown` came before `exit`.
    return 0 if server.session.shutdown_requested else 1
