"""Server-initiated work-done progress ($/progress), with client cancellation."""

from __future__ import annotations

import logging
import uuid

from lsprotocol import types

from ssot_ls.server.server import SsotLanguageServer

logger = logging.getLogger("ssot_ls.server")


class WorkDone:
    """One progress bar: ``begin``, any number of ``report``s, then ``end``.

    Clients that cannot show progress get none; ``cancelled`` then stays False.
    """

    def __init__(self, ls: SsotLanguageServer, title: str) -> None:
        self._ls = ls
        self._title = title
        self._token: str | None = None

    async def begin(self, message: str) -> None:
        if not self._ls.session.supports("window.work_done_progress"):
            return
        token = f"ssot-ls/{uuid.uuid4()}"
        try:
            await self._ls.work_done_progress.create_async(token)
        except Exception as error:  # the client refused: carry on without a progress bar
            logger.info("no progress bar: %s", error)
            return
        self._token = token
        self._ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=self._title, cancellable=True, message=message, percentage=0
            ),
        )

    def report(self, done: int, total: int, noun: str = "files") -> None:
        if self._token is None:
            return
        percentage = 100 if total == 0 else min(100, done * 100 // total)
        self._ls.work_done_progress.report(
            self._token,
            types.WorkDoneProgressReport(message=f"{done}/{total} {noun}", percentage=percentage),
        )

    def end(self, message: str) -> None:
        if self._token is None:
            return
        self._ls.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message=message))
        self._ls.work_done_progress.tokens.pop(self._token, None)
        self._token = None

    @property
    def cancelled(self) -> bool:
        """Whether the user pressed cancel (window/workDoneProgress/cancel)."""
        if self._token is None:
            return False
        future = self._ls.work_done_progress.tokens.get(self._token)
        return future is not None and future.cancelled()
