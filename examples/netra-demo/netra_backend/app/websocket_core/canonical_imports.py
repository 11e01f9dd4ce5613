"""SSOT: canonical constructors."""


async def create_websocket_manager(user_context=None):
    return object()
