"""DEPRECATED: the old websocket factory. Kept only until the migration is complete."""


class WebSocketManagerFactory:
    def create(self):
        return object()


def create_websocket_manager(user_context=None):
    return WebSocketManagerFactory().create()
