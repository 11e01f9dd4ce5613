"""The planted uses of the deprecated module, in the forms the seed's remediation plan lists.

Every snippet line carries a role so the writer can record, in the tree's manifest, exactly
which lines a linter is expected to flag ("import", "use", "string") and which it must not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DEPRECATED_MODULE = "netra_backend.app.websocket_core.factory"
OLD_FUNCTION = "create_websocket_manager"
OLD_CLASS = "WebSocketManagerFactory"
NEW_FUNCTION_MODULE = "netra_backend.app.websocket_core.websocket_manager"
NEW_FUNCTION = "get_websocket_manager"

# A line of generated code and what it is, for the manifest: None = ordinary code.
Line = tuple[str, str | None]


@dataclass(frozen=True)
class PlantedSnippet:
    form: str
    imports: tuple[Line, ...]  # module-level import lines (empty for local imports)
    block: tuple[Line, ...]  # a top-level function using the imported names
    # What a correct linter reports. ssot-ls treats a compat fallback after the canonical
    # import as not a use (DESIGN.md); ruff's TID251 flags every import. None = optional.
    expected_ssot: bool | None = True
    expected_ruff: bool = True


def relative_module_path(from_package: str, target_module: str) -> str | None:
    """`..websocket_core.factory` for code in `netra_backend.app.services`, None if unrelated."""
    package_parts = from_package.split(".")
    target_parts = target_module.split(".")
    if package_parts[0] != target_parts[0]:
        return None
    common = 0
    while (
        common < min(len(package_parts), len(target_parts) - 1)
        and package_parts[common] == target_parts[common]
    ):
        common += 1
    dots = len(package_parts) - common + 1
    if dots > 3:  # nobody writes `from ....x import y`
        return None
    return "." * dots + ".".join(target_parts[common:])


def _async_use(call: str, noun: str) -> tuple[Line, ...]:
    return (
        (f"async def open_{noun}_channel(user_context: UserExecutionContext) -> None:", None),
        ('    """Open the realtime channel for this user and announce readiness."""', None),
        (f"    manager = {call}(user_context=user_context)", "use"),
        (f'    await manager.send_to_user(user_context.user_id, {{"type": "{noun}_ready"}})', None),
        ('    logger.info("channel ready for %s", user_context.user_id)', None),
    )


def _class_use(class_expr: str, noun: str) -> tuple[Line, ...]:
    return (
        (f"def build_{noun}_manager(user_context: UserExecutionContext):", None),
        ('    """Legacy construction path kept for the admin tools."""', None),
        (f"    factory = {class_expr}()", "use"),
        ("    return factory.create_manager(user_context)", None),
    )


def _from_import(names: str) -> Line:
    return (f"from {DEPRECATED_MODULE} import {names}", "import")


def python_snippet(form: str, package: str, noun: str) -> PlantedSnippet:
    """Render one planted form for a module in `package`."""
    relative = relative_module_path(package, DEPRECATED_MODULE)
    if form == "from_function":
        return PlantedSnippet(form, (_from_import(OLD_FUNCTION),), _async_use(OLD_FUNCTION, noun))
    if form == "from_function_sync_caller":
        block = (
            (f"def open_{noun}_channel_blocking(user_context: UserExecutionContext):", None),
            ('    """Called from a thread pool; cannot await."""', None),
            (f"    return {OLD_FUNCTION}(user_context=user_context)", "use"),
        )
        return PlantedSnippet(form, (_from_import(OLD_FUNCTION),), block)
    if form == "from_class":
        return PlantedSnippet(form, (_from_import(OLD_CLASS),), _class_use(OLD_CLASS, noun))
    if form == "module_alias":
        return PlantedSnippet(
            form,
            ((f"import {DEPRECATED_MODULE} as factory", "import"),),
            _async_use(f"factory.{OLD_FUNCTION}", noun),
        )
    if form == "plain_module":
        return PlantedSnippet(
            form,
            ((f"import {DEPRECATED_MODULE}", "import"),),
            _class_use(f"{DEPRECATED_MODULE}.{OLD_CLASS}", noun),
        )
    if form == "parenthesized_both":
        imports = (
            (f"from {DEPRECATED_MODULE} import (", "import"),
            (f"    {OLD_CLASS},", "import"),
            (f"    {OLD_FUNCTION},", "import"),
            (")", "import"),
        )
        return PlantedSnippet(form, imports, _async_use(OLD_FUNCTION, noun) + _class_use(OLD_CLASS, noun))
    if form == "from_package":
        return PlantedSnippet(
            form,
            (("from netra_backend.app.websocket_core import factory", "import"),),
            _async_use(f"factory.{OLD_FUNCTION}", noun),
        )
    if form == "relative" and relative is not None:
        if relative == ".factory" and len(noun) % 2:
            line = ("from . import factory", "import")
            return PlantedSnippet(form, (line,), _class_use(f"factory.{OLD_CLASS}", noun))
        return PlantedSnippet(
            form,
            ((f"from {relative} import {OLD_FUNCTION}", "import"),),
            _async_use(OLD_FUNCTION, noun),
        )
    if form == "local_import":
        block = (
            (f"async def reconnect_{noun}(user_context: UserExecutionContext) -> None:", None),
            (f"    from {DEPRECATED_MODULE} import {OLD_FUNCTION}", "import"),
            ("", None),
            (f"    manager = {OLD_FUNCTION}(user_context=user_context)", "use"),
            ("    await manager.reconnect()", None),
        )
        return PlantedSnippet(form, (), block)
    if form == "compat_fallback":
        block = (
            (f"async def resolve_{noun}_manager(user_context: UserExecutionContext):", None),
            ("    try:", None),
            (f"        from {NEW_FUNCTION_MODULE} import {NEW_FUNCTION}", None),
            ("    except ImportError:  # older deployments still ship the factory", None),
            (f"        from {DEPRECATED_MODULE} import {OLD_FUNCTION} as {NEW_FUNCTION}", "fallback"),
            (f"    return await {NEW_FUNCTION}(user_context=user_context)", None),
        )
        return PlantedSnippet(form, (), block, expected_ssot=False)
    if form == "mock_patch":
        block = (
            (f'@patch("{DEPRECATED_MODULE}.{OLD_FUNCTION}")', "string"),
            (f"def test_{noun}_channel_uses_manager(mock_create):", None),
            ("    mock_create.return_value = MagicMock()", None),
            ("    assert mock_create.call_count == 0", None),
        )
        return PlantedSnippet(form, (), block, expected_ssot=None, expected_ruff=False)
    # A relative form was asked for where none exists: fall back to the seed's first form.
    return python_snippet("from_function", package, noun)


def choose_python_form(rng: random.Random, package: str, is_test: bool) -> str:
    """Weighted like the seed: mostly the three forms it lists, a tail of harder ones."""
    forms = (
        ["from_function"] * 4
        + ["from_class"] * 3
        + ["module_alias"] * 3
        + [
            "plain_module",
            "parenthesized_both",
            "from_package",
            "local_import",
            "compat_fallback",
            "from_function_sync_caller",
        ]
    )
    if relative_module_path(package, DEPRECATED_MODULE) is not None:
        forms += ["relative"] * 3
    if is_test:
        forms += ["mock_patch"] * 2
    return rng.choice(forms)


def markdown_fence(form: str, noun: str) -> tuple[str, tuple[Line, ...]]:
    """A deprecated-import code fence for a doc: (info string, body lines)."""
    if form == "pycon":
        return "pycon", (
            (f">>> from {DEPRECATED_MODULE} import {OLD_FUNCTION}", "import"),
            (f">>> manager = {OLD_FUNCTION}(user_context=ctx)", "use"),
            (">>> manager.is_active", None),
            ("True", None),
        )
    if form == "broken":  # an excerpt that does not parse on its own
        return "python", (
            (f"from {DEPRECATED_MODULE} import {OLD_CLASS}", "import"),
            ("", None),
            (f"class {noun.title()}Handler(", None),
            (f"    factory = {OLD_CLASS}()", "use"),
        )
    if form == "module_alias":
        return "py", (
            (f"import {DEPRECATED_MODULE} as factory", "import"),
            ("", None),
            (f"manager = factory.{OLD_FUNCTION}(user_context=user_ctx)", "use"),
        )
    if form == "from_class":
        return "python", (
            ("# OLD PATTERN (VIOLATION):", None),
            (f"from {DEPRECATED_MODULE} import {OLD_CLASS}", "import"),
            (f"factory = {OLD_CLASS}()", "use"),
        )
    return "python", (
        ("# OLD PATTERN (VIOLATION):", None),
        (f"from {DEPRECATED_MODULE} import {OLD_FUNCTION}", "import"),
        (f"manager = {OLD_FUNCTION}(user_context=user_ctx)", "use"),
    )


MARKDOWN_FORMS = ("from_function", "from_function", "from_class", "module_alias", "pycon", "broken")
