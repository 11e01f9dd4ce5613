"""User execution contexts."""


class UserExecutionContext:
    def __init__(self, user_id=None, websocket_manager=None):
        self.user_id = user_id


async def create_defensive_user_execution_context(user_id):
    return UserExecutionContext(user_id=user_id)
