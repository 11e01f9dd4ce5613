"""Agent supervisor: a relative import of the old factory, and a sync caller."""

from ..websocket_core.factory import create_websocket_manager


async def start(user_ctx):
    return create_websocket_manager(user_context=user_ctx)


def start_blocking(user_ctx):
    # Sync code cannot await the SSOT accessor: ssot-ls reports this, never rewrites it.
    return create_websocket_manager(user_context=user_ctx)
