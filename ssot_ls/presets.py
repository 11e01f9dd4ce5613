"""Built-in rule sets. `netra-websocket` is the seed migration (SEED-remediation-plan.md).

Each rule carries examples (as Fixit rules do): `invalid` snippets it must flag, with the
text `check --fix --unsafe-fixes` must produce, and `valid` look-alikes it must leave alone.
`tests/test_presets.py` runs them all.
"""

from __future__ import annotations

from ssot_ls.rules import Example, Rule
from ssot_ls.types import Severity

FACTORY = "netra_backend.app.websocket_core.factory"
MANAGER = "netra_backend.app.websocket_core.websocket_manager"
CANONICAL = "netra_backend.app.websocket_core.canonical_imports"
CONTEXT = "netra_backend.app.services.user_execution_context"
ORIGIN = "preset netra-websocket"

NETRA_WEBSOCKET: tuple[Rule, ...] = (
    # Seed pattern 1: the factory function became the async SSOT accessor.
    Rule(
        code="SSOT001",
        old_module=FACTORY, old_name="create_websocket_manager",
        new_module=MANAGER, new_name="get_websocket_manager",
        awaitable=True,
        message=(f"`create_websocket_manager` from `{FACTORY}` is deprecated: "
                 f"use `await get_websocket_manager(...)` from `{MANAGER}`"),
        origin=ORIGIN,
        invalid=(
            Example(
                f"from {FACTORY} import create_websocket_manager\n\n"
                "async def handler(user_ctx):\n"
                "    manager = create_websocket_manager(user_context=user_ctx)\n"
                "    return manager\n",
                f"from {MANAGER} import get_websocket_manager\n\n"
                "async def handler(user_ctx):\n"
                "    manager = await get_websocket_manager(user_context=user_ctx)\n"
                "    return manager\n",
            ),
            Example(
                f"from {FACTORY} import create_websocket_manager as make\n\n"
                "async def handler(ctx):\n"
                "    return make(user_context=ctx).send\n",
                f"from {MANAGER} import get_websocket_manager as make\n\n"
                "async def handler(ctx):\n"
                "    return (await make(user_context=ctx)).send\n",
            ),
            # A sync caller cannot await: flagged, left for a person.
            Example(
                f"from {FACTORY} import create_websocket_manager\n\n"
                "def handler(ctx):\n"
                "    return create_websocket_manager(user_context=ctx)\n",
                None,
            ),
        ),
        valid=(
            Example(f"from {MANAGER} import get_websocket_manager\n"),
            Example("# from netra_backend.app.websocket_core.factory import create_websocket_manager\n"),
            Example(f"NOTE = 'see {FACTORY}.create_websocket_manager in the changelog'\n"),
            Example(
                "try:\n"
                f"    from {MANAGER} import get_websocket_manager\n"
                "except ImportError:\n"
                f"    from {FACTORY} import create_websocket_manager as get_websocket_manager\n"
            ),
        ),
    ),
    # Seed pattern 2: the factory class is gone; the SSOT function needs a user context the
    # old constructor never had, so call sites are reported, never rewritten.
    Rule(
        code="SSOT002",
        old_module=FACTORY, old_name="WebSocketManagerFactory",
        new_module=CANONICAL, new_name="create_websocket_manager",
        awaitable=True, calls="report",
        message=(f"`WebSocketManagerFactory` from `{FACTORY}` is deprecated: "
                 f"use `await create_websocket_manager(user_context=...)` from `{CANONICAL}`"),
        origin=ORIGIN,
        invalid=(
            Example(
                f"from {FACTORY} import WebSocketManagerFactory\n",
                f"from {CANONICAL} import create_websocket_manager\n",
            ),
            Example(
                f"from {FACTORY} import WebSocketManagerFactory\n\n"
                "async def setup():\n"
                "    factory = WebSocketManagerFactory()\n",
                None,
            ),
        ),
        valid=(Example(f"from {CANONICAL} import create_websocket_manager\n"),),
    ),
    # Seed pattern 3: constructing the context with a websocket manager breaks; the defensive
    # factory takes a user id instead. We never invent the user id: no `user_id=`, no fix.
    Rule(
        code="SSOT003",
        old_module=CONTEXT, old_name="UserExecutionContext",
        new_module=CONTEXT, new_name="create_defensive_user_execution_context",
        awaitable=True, when_keyword="websocket_manager",
        drop_keywords=("websocket_manager",), require_keywords=("user_id",),
        message=("`UserExecutionContext(websocket_manager=...)` is deprecated: "
                 f"use `await create_defensive_user_execution_context(user_id=...)` from `{CONTEXT}`"),
        origin=ORIGIN,
        invalid=(
            Example(
                f"from {CONTEXT} import UserExecutionContext\n\n"
                "async def make(manager):\n"
                "    return UserExecutionContext(user_id=\"test_user\", websocket_manager=manager)\n",
                f"from {CONTEXT} import create_defensive_user_execution_context\n\n"
                "async def make(manager):\n"
                "    return await create_defensive_user_execution_context(user_id=\"test_user\")\n",
            ),
            Example(
                f"from {CONTEXT} import UserExecutionContext\n\n"
                "async def make(manager):\n"
                "    return UserExecutionContext(websocket_manager=manager)\n",
                None,
            ),
        ),
        valid=(
            Example(
                f"from {CONTEXT} import UserExecutionContext\n\n"
                "ctx = UserExecutionContext(user_id='u1', thread_id='t1')\n"
            ),
        ),
    ),
    # The whole module is removed: anything else imported from it is flagged too.
    Rule(
        code="SSOT004",
        old_module=FACTORY,
        message=(f"`{FACTORY}` is removed: import from `websocket_manager` or `canonical_imports` "
                 "in `netra_backend.app.websocket_core`"),
        severity=Severity.WARNING,
        origin=ORIGIN,
        invalid=(
            Example(f"import {FACTORY} as factory\n\nfactory.helper()\n", None),
            Example(
                f"import {FACTORY} as factory\n\n"
                "async def run(ctx):\n"
                "    return factory.create_websocket_manager(user_context=ctx)\n",
                f"from {MANAGER} import get_websocket_manager\n\n"
                "async def run(ctx):\n"
                "    return await get_websocket_manager(user_context=ctx)\n",
            ),
        ),
        valid=(Example("import netra_backend.app.websocket_core.factory_utils as fu\n"),),
    ),
)

PRESETS: dict[str, tuple[Rule, ...]] = {"netra-websocket": NETRA_WEBSOCKET}
