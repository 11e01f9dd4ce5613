"""A minimal LSP client over stdio (asyncio pipes), enough to time diagnostics as an editor sees them.

It speaks JSON-RPC with Content-Length framing, answers the requests servers send to editors
(configuration, capability registration, progress tokens) so no server blocks on us, and
timestamps every `textDocument/publishDiagnostics` the moment it is read off the pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLIENT_CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "workspace": {"configuration": True, "workspaceFolders": True, "applyEdit": True},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "didSave": True},
        # No `diagnostic` (pull) capability: both servers must push, as to a plain editor.
        "publishDiagnostics": {"versionSupport": True, "tagSupport": {"valueSet": [1, 2]}},
        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}},
    },
    "window": {"workDoneProgress": True},
}


@dataclass(frozen=True)
class PublishedDiagnostics:
    received: float  # time.perf_counter() when the message was read
    version: int | None
    diagnostics: list[dict[str, Any]]


class LspError(RuntimeError):
    pass


class LspClient:
    def __init__(self, process: asyncio.subprocess.Process, name: str) -> None:
        self.process = process
        self.name = name
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._diagnostics: dict[str, asyncio.Queue[PublishedDiagnostics]] = defaultdict(asyncio.Queue)
        self._reader = asyncio.create_task(self._read_loop())
        self._stderr: list[bytes] = []
        self._stderr_reader = asyncio.create_task(self._drain_stderr())
        self.server_capabilities: dict[str, Any] = {}

    @classmethod
    async def start(cls, command: Sequence[str], cwd: Path, name: str) -> LspClient:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,  # whole-document messages are large
        )
        return cls(process, name)

    # -- wire ----------------------------------------------------------------------------------

    async def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await self.process.stdin.drain()

    async def _read_loop(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                length = None
                while True:
                    line = await stdout.readline()
                    if not line:
                        return  # the server exited
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                message = json.loads(await stdout.readexactly(length))
                received = time.perf_counter()
                await self._dispatch(message, received)
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(LspError(f"{self.name} exited: {self.stderr_tail()}"))

    async def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(65536):
            self._stderr.append(chunk)
            del self._stderr[:-50]  # keep the tail only

    def stderr_tail(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")[-2000:]

    async def _dispatch(self, message: dict[str, Any], received: float) -> None:
        if "id" in message and "method" not in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(LspError(f"{self.name}: {message['error']}"))
                else:
                    future.set_result(message.get("result"))
            return
        method = message.get("method")
        params = message.get("params") or {}
        if method == "textDocument/publishDiagnostics":
            self._diagnostics[params["uri"]].put_nowait(
                PublishedDiagnostics(received, params.get("version"), params.get("diagnostics", []))
            )
        elif "id" in message:  # a request from the server: answer as a quiet editor would
            result: Any = None
            if method == "workspace/configuration":
                result = [{} for _ in params.get("items", [])]
            await self._send({"id": message["id"], "result": result})

    # -- API -----------------------------------------------------------------------------------

    async def request(self, method: str, params: Any, timeout: float = 120.0) -> Any:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        await self._send({"id": self._next_id, "method": method, "params": params})
        return await asyncio.wait_for(future, timeout)

    async def notify(self, method: str, params: Any) -> None:
        await self._send({"method": method, "params": params})

    async def initialize(self, root: Path, options: dict[str, Any] | None = None) -> None:
        result = await self.request(
            "initialize",
            {
                "processId": None,
                "clientInfo": {"name": "ssot-ls-bench", "version": "1"},
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": CLIENT_CAPABILITIES,
                "initializationOptions": options or {},
            },
        )
        self.server_capabilities = result.get("capabilities", {})
        await self.notify("initialized", {})

    @property
    def incremental_sync(self) -> bool:
        sync = self.server_capabilities.get("textDocumentSync")
        kind = sync.get("change") if isinstance(sync, dict) else sync
        return kind == 2

    def discard_diagnostics(self, uri: str) -> None:
        queue = self._diagnostics[uri]
        while not queue.empty():
            queue.get_nowait()

    async def diagnostics_for(self, uri: str, version: int, timeout: float) -> PublishedDiagnostics:
        """The first publish for `uri` that belongs to `version` (or carries no version)."""
        queue = self._diagnostics[uri]
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no diagnostics for {uri} v{version} in {timeout}s")
            published = await asyncio.wait_for(queue.get(), remaining)
            if published.version is None or published.version == version:
                return published

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout=10)
            await self.notify("exit", None)
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        self._stderr_reader.cancel()
