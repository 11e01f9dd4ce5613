"""Chat route: pattern 1 (factory function -> async SSOT accessor)."""

from netra_backend.app.services.user_execution_context import UserExecutionContext
from netra_backend.app.websocket_core.factory import create_websocket_manager


async def open_chat(user_ctx: UserExecutionContext):
    manager = create_websocket_manager(user_context=user_ctx)
    await manager.send("hello")  # type: ignore[attr-defined]
    return manager


async def broadcast(user_ctx, message):
    return create_websocket_manager(user_context=user_ctx).broadcast(message)
