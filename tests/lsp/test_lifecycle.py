"""Transport and lifecycle: initialize result, logging, shutdown/exit codes, --tcp."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess

from lsp_support import (
    ASYNC_CALL,
    CLEAN,
    SERVER_COMMAND,
    change_settings,
    diagnostics_of,
    start,
    stop,
    wait_until,
)
from lsprotocol import types


async def test_initialize_and_log_messages(preset, tmp_path):
    client, result = await start(preset, tmp_path, initialization_options={"ssot-ls": {"logLevel": "debug"}})
    try:
        capabilities = result.capabilities
        assert result.server_info.name == "ssot-ls"
        sync = capabilities.text_document_sync
        assert sync.change == types.TextDocumentSyncKind.Incremental and sync.open_close
        # UTF-8 when offered (Neovim), else the LSP default UTF-16 (VS Code 1.65).
        expected = "utf-8" if preset == "neovim" else "utf-16"
        assert capabilities.position_encoding == expected
        assert set(capabilities.code_action_provider.code_action_kinds) >= {
            "quickfix", "source.fixAll.ssot-ls"
        }
        assert capabilities.code_action_provider.resolve_provider is True
        assert set(capabilities.execute_command_provider.commands) == {
            "ssot-ls.fixWorkspace", "ssot-ls.checkWorkspace"
        }
        assert capabilities.hover_provider
        # Pull diagnostics only where the client declares support (Neovim 0.11 does).
        assert (capabilities.diagnostic_provider is not None) == client.pull
        if client.pull:
            assert capabilities.diagnostic_provider.workspace_diagnostics

        # Logs go to the client (window/logMessage) at the level from initializationOptions.
        await wait_until(lambda: any(m.message.startswith("ssot-ls ") for m in client.log_messages),
                         what="the startup log message")
        document = client.open(tmp_path / "a.py", ASYNC_CALL)
        assert await diagnostics_of(client, document)
        await wait_until(
            lambda: any(m.type == types.MessageType.Log and "checked" in m.message
                        for m in client.log_messages),
            what="a debug log message",
        )
        # A keystroke that cannot change the findings is answered without analysing.
        client.replace_text(document, ASYNC_CALL + "LIMIT = 1\n")
        assert len(await diagnostics_of(client, document)) == 2
        client.replace_text(document, ASYNC_CALL + "LIMIT = 10\n")
        assert len(await diagnostics_of(client, document)) == 2
        await wait_until(lambda: any("reused" in m.message and "version 3" in m.message
                                     for m in client.log_messages), what="the cheap path's log")
        assert not any("checked" in m.message and "version 3" in m.message for m in client.log_messages)
        # Raising the level via workspace/configuration silences everything but errors.
        await change_settings(client, {"logLevel": "error"})
        count = len(client.log_messages)
        client.replace_text(document, CLEAN)
        assert await diagnostics_of(client, document) == []
        assert all(m.type == types.MessageType.Error for m in client.log_messages[count:])
    finally:
        await stop(client)


async def _exit_code(tmp_path, shutdown_first: bool) -> int:
    client, _ = await start("neovim", tmp_path)
    if shutdown_first:
        await client.shutdown_async(None)
    client.exit(None)
    server = client._server
    code = await asyncio.wait_for(server.wait(), 10)
    await client.stop()
    return code


async def test_exit_after_shutdown_is_clean(tmp_path):
    assert await _exit_code(tmp_path, shutdown_first=True) == 0


async def test_exit_without_shutdown_is_an_error(tmp_path):
    assert await _exit_code(tmp_path, shutdown_first=False) == 1


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read_message(stream) -> dict:
    length = None
    while True:
        line = stream.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    assert length is not None, "no Content-Length header"
    return json.loads(stream.read(length))


def _read_response(stream, request_id: int) -> dict:
    while True:
        message = _read_message(stream)
        if message.get("id") == request_id and "method" not in message:
            return message


def test_tcp_transport(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([*SERVER_COMMAND, "--tcp", f"127.0.0.1:{port}"], stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(server.stderr.read().decode()) from None
                asyncio.run(asyncio.sleep(0.05))
        else:
            raise AssertionError("the server never listened")
        with connection, connection.makefile("rb") as stream:
            connection.sendall(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}}))
            initialized = _read_response(stream, 1)
            assert initialized["result"]["serverInfo"]["name"] == "ssot-ls"
            connection.sendall(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
            connection.sendall(_frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
            assert _read_response(stream, 2)["result"] is None
            connection.sendall(_frame({"jsonrpc": "2.0", "method": "exit"}))
        assert server.wait(timeout=10) == 0
    finally:
        if server.poll() is None:
            server.kill()
        server.stderr.close()
