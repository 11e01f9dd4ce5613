"""Integration tests: the module-alias form and pattern 3 (user execution context)."""

import importlib

import netra_backend.app.websocket_core.factory as factory
from netra_backend.app.services.user_execution_context import UserExecutionContext


async def test_manager_from_module_alias(user_ctx):
    manager = factory.create_websocket_manager(user_context=user_ctx)
    assert manager is not None


async def test_context_with_manager(manager):
    context = UserExecutionContext(user_id="test_user", websocket_manager=manager)
    assert context.user_id == "test_user"


async def test_context_without_user_id(manager):
    # No user id to carry over: ssot-ls never invents one, so this stays a manual fix.
    context = UserExecutionContext(websocket_manager=manager)
    assert context is not None


def test_dynamic_import():
    module = importlib.import_module("netra_backend.app.websocket_core.factory")
    assert module is not None
