"""The pygls server object: protocol tweaks, the shared executor and handler guarding."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from ssot_ls import __version__
from ssot_ls.server import convert
from ssot_ls.server.session import Session

logger = logging.getLogger("ssot_ls.server")

Handler = TypeVar("Handler", bound=Callable[..., Any])


class SsotProtocol(LanguageServerProtocol):
    """pygls' protocol with two changes.

    - Position encoding: pygls takes the client's first choice; we prefer UTF-8 whenever the
      client offers it, else UTF-16 (the LSP default).
    - Text documents live only in our ``Session`` (one copy, one place converting
      positions), so pygls' own document store is bypassed.
    """

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(
        self, params: types.InitializeParams
    ) -> Generator[Any, Any, types.InitializeResult]:
        general = params.capabilities.general
        offered = general.position_encodings if general is not None else None
        chosen = convert.negotiate_encoding(offered)
        if general is not None and offered:
            # pygls honours the client's order; put our choice first so it is picked.
            general.position_encodings = [chosen, *(kind for kind in offered if kind != chosen)]
        result = yield from super().lsp_initialize(params)
        server: SsotLanguageServer = self._server  # type: ignore[assignment]
        if not server.session.pull_diagnostics:
            # Push-only clients: advertising pull too would make some show everything twice.
            result.capabilities.diagnostic_provider = None
        return result

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        yield from self._user_notification(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        yield from self._user_notification(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        yield from self._user_notification(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_notification(self, method: str, params: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None


class SsotLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ssot-ls", __version__, protocol_cls=SsotProtocol)
        self.session = Session()
        # One worker: analyses queue up instead of fighting over the GIL, and results for
        # a document come back in the order they were asked for.
        self.analysis_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssot-analysis")
        self.loop: asyncio.AbstractEventLoop | None = None
        # The pending push-diagnostics run of each open document (see diagnostics.schedule).
        self.diagnostic_tasks: dict[str, asyncio.Task[None]] = {}
        # Config file watching (see config_watch): by the client, or by polling mtimes.
        self.watching_config_files = False
        self.watched_overrides: frozenset[Path] = frozenset()
        self.config_polled_at = 0.0
        self.config_poll_state: dict[Path, tuple[int, int] | None] = {}

    async def run_analysis(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run engine work off the event loop, so the server keeps reading messages."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.analysis_pool, functools.partial(function, *args, **kwargs)
        )

    async def register_capability(self, registration: types.Registration) -> bool:
        """client/registerCapability; a client that refuses is logged, not fatal."""
        try:
            await self.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as error:
            logger.warning("the client did not register %s: %s", registration.method, error)
            return False
        return True

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would pop up a message for every failed notification; a log line is enough,
        # and requests already answer with an error response.
        logger.error("%s: %s", getattr(source, "__name__", source), error)

    def shutdown(self) -> None:
        self.analysis_pool.shutdown(wait=False, cancel_futures=True)
        super().shutdown()


def guarded(handler: Handler) -> Handler:
    """Log a handler's unexpected exception with its traceback, then let pygls answer it.

    Requests get a JSON-RPC error response; notifications are only logged. Either way the
    server keeps serving.
    """
    name = handler.__name__

    if asyncio.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await handler(*args, **kwargs)
            except (asyncio.CancelledError, JsonRpcException):
                raise
            except Exception as error:
                logger.exception("%s failed", name)
                raise JsonRpcInternalError(message=f"ssot-ls: {name} failed: {error}") from error

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except JsonRpcException:
            raise
        except Exception as error:
            logger.exception("%s failed", name)
            raise JsonRpcInternalError(message=f"ssot-ls: {name} failed: {error}") from error

    return wrapper  # type: ignore[return-value]


def create_server() -> SsotLanguageServer:
    """A server with every feature registered."""
    from ssot_ls.server import (
        code_actions,
        commands,
        config_watch,
        diagnostics,
        documents,
        hover,
        lifecycle,
    )

    server = SsotLanguageServer()
    for feature in (lifecycle, documents, diagnostics, code_actions, commands, hover, config_watch):
        feature.register(server)
    return server
