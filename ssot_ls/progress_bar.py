"""The `\\r`-redrawn progress line of `ssot-ls check` on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

PROGRESS_DELAY_SECONDS = 1.0


class Progress:
    """Counter on stderr, only on a TTY and only once a run lasts > 1 s. The total may
    grow while files are still being discovered."""

    def __init__(self, total: int = 0, stream: TextIO = sys.stderr) -> None:
        self.total = total
        self.stream = stream
        self.enabled = stream.isatty()
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def update(self, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        if total is not None:
            self.total = total
        now = time.monotonic()
        if not self.total or now - self.started < PROGRESS_DELAY_SECONDS:
            return
        if now - self.last_draw < 0.1 and done < self.total:
            return
        self.last_draw = now
        self.drawn = True
        width = 30
        filled = width * done // self.total
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\rChecking [{bar}] {done}/{self.total} files")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()
