"""Text document sync: didOpen / didChange / didSave / didClose."""

from __future__ import annotations

import logging

from lsprotocol import types

from ssot_ls.server import config_watch, diagnostics
from ssot_ls.server.server import SsotLanguageServer, guarded

logger = logging.getLogger("ssot_ls.server")


def register(server: SsotLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded
    def did_open(ls: SsotLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        ls.session.open(document.uri, document.language_id, document.version, document.text)
        config_watch.poll(ls)
        diagnostics.schedule(ls, document.uri, debounce=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded
    def did_change(ls: SsotLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.session.change(uri, params.text_document.version, params.content_changes)
        if document is None:
            logger.warning("didChange for %s, which is not open: ignored", uri)
            return
        diagnostics.schedule(ls, uri, debounce=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    @guarded
    def did_save(ls: SsotLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        if config_watch.is_config_uri(ls, params.text_document.uri):
            config_watch.reload(ls)
            return
        config_watch.poll(ls)
        # The text is unchanged since the last didChange: this costs a cache lookup.
        diagnostics.schedule(ls, params.text_document.uri, debounce=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded
    def did_close(ls: SsotLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.session.close(params.text_document.uri)
        diagnostics.clear(ls, params.text_document.uri)
