"""Unit tests: pattern 2 (factory class), mock.patch targets, a compatibility fallback."""

from unittest import mock

from netra_backend.app.websocket_core.factory import WebSocketManagerFactory

try:
    from netra_backend.app.websocket_core.websocket_manager import get_websocket_manager
except ImportError:  # older deployments: a fallback after the canonical import, not a violation
    from netra_backend.app.websocket_core.factory import (
        create_websocket_manager as get_websocket_manager,
    )

# Mentioning netra_backend.app.websocket_core.factory in a comment or a message is fine.
HISTORY = "netra_backend.app.websocket_core.factory was removed in issue #1128"


async def test_factory_builds_a_manager():
    factory = WebSocketManagerFactory()
    assert factory.create() is not None


@mock.patch("netra_backend.app.websocket_core.factory.create_websocket_manager")
async def test_manager_is_patched(patched):
    assert await get_websocket_manager() is not None
