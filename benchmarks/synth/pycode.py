"""Render one Python module of the synthetic tree: realistic, always valid syntax.

A module is a docstring, imports (stdlib, third party, other generated modules), constants,
then classes and functions until the planned size is reached. The code is plausible rather
than runnable: linters parse it, nobody imports it.
"""

from __future__ import annotations

import random

from synth.deprecated import PlantedSnippet, python_snippet
from synth.plan import PythonModule
from synth.vocab import (
    ATTRIBUTES,
    DICT_KEYS,
    NOUNS,
    STDLIB_IMPORTS,
    THIRD_PARTY_IMPORTS,
    TYPES,
    VERBS,
    sentence,
)
from synth.writer import LineWriter, Marks


def _isort_key(line: str) -> tuple[bool, str]:
    """isort's default order: plain imports first, then from-imports."""
    return line.startswith("from "), line


class ModuleRenderer:
    def __init__(self, module: PythonModule, seed: int) -> None:
        self.module = module
        # Seeded by path: files render independently (in any order, in parallel), same bytes.
        self.rng = random.Random(f"{seed}:{module.path}")
        self.out = LineWriter()
        self.imported_names = [name for _, names in module.imports for name in names]
        self.snippets: list[PlantedSnippet] = [
            python_snippet(form, module.package, self.rng.choice(NOUNS)) for form in module.deprecated_forms
        ]

    # -- top level -------------------------------------------------------------------------

    def render(self) -> tuple[str, Marks]:
        if self.module.is_init:
            self._render_init()
            return self.out.text(), self.out.marks
        self._render_header()
        blocks = [self._class_block(name) for name in self.module.classes]
        blocks += [self._function_block(name, indent=0) for name in self.module.functions]
        self.rng.shuffle(blocks)
        for snippet in self.snippets:
            blocks.insert(
                self.rng.randint(0, len(blocks)), lambda snippet=snippet: self._planted_block(snippet)
            )
        for block in blocks:
            block()
        while len(self.out.lines) < self.module.target_lines:
            self._padding_block()()
        if not self.module.is_test and self.rng.random() < 0.05:
            self.out.add()
            self.out.add()
            self.out.add('if __name__ == "__main__":')
            self.out.add(f"asyncio.run({self.rng.choice(self.module.functions)}())", 1)
        return self.out.text(), self.out.marks

    def _render_init(self) -> None:
        out, rng = self.out, self.rng
        out.add(f'"""{self.module.dotted.rsplit(".", 1)[-1].replace("_", " ").title()} package."""')
        if self.module.target_lines > 3:
            out.add()
            out.add("__all__: list[str] = [")
            for _ in range(self.module.target_lines - 3):
                out.add(f'"{rng.choice(VERBS)}_{rng.choice(NOUNS)}",', 1)
            out.add("]")

    def _render_header(self) -> None:
        out, rng, module = self.out, self.rng, self.module
        out.add(f'"""{sentence(rng)}')
        out.add()
        for _ in range(rng.randint(1, 4)):
            out.add(sentence(rng))
        if module.mentions_factory and rng.random() < 0.5:
            out.add("Replaces the helpers of the old websocket_core.factory module.")
        out.add('"""')
        out.add()
        out.add("from __future__ import annotations")
        out.add()
        stdlib = {"import asyncio", "import logging", "import os", "from typing import Any, Optional"}
        stdlib.update(rng.sample(STDLIB_IMPORTS, rng.randint(2, 6)))
        if module.is_test:
            stdlib.add("from unittest.mock import MagicMock, patch")
        for line in sorted(stdlib, key=_isort_key):
            out.add(line)
        out.add()
        if module.is_test:
            out.add("import pytest")
        for line in sorted(rng.sample(THIRD_PARTY_IMPORTS, rng.randint(0, 2)), key=_isort_key):
            out.add(line)
        out.add()
        for other, names in module.imports:
            if len(", ".join(names)) + len(other) > 80:
                out.add(f"from {other} import (")
                for name in names:
                    out.add(f"{name},", 1)
                out.add(")")
            else:
                out.add(f"from {other} import {', '.join(names)}")
        if module.mentions_factory:
            out.add("from netra_backend.app.db.factory import create_session_factory")
        if self.snippets:
            out.add("from netra_backend.app.services.user_execution_context import UserExecutionContext")
        for snippet in self.snippets:
            out.add_marked(snippet.imports)
        out.add()
        out.add("logger = logging.getLogger(__name__)")
        out.add()
        for _ in range(rng.randint(2, 6)):
            out.add(self._constant())
        if module.mentions_factory:
            out.add("# The factory pattern below keeps per-user state isolated (see issue #1128).")
            out.add("_session_factory = create_session_factory()")

    def _constant(self) -> str:
        rng = self.rng
        name = f"{rng.choice(NOUNS)}_{rng.choice(ATTRIBUTES)}".upper()
        value = rng.choice(
            (
                str(rng.randint(1, 500)),
                f"{rng.uniform(0.1, 60):.1f}",
                f'"{rng.choice(NOUNS)}-{rng.choice(VERBS)}"',
                f'os.environ.get("{name}", "")',
                f'frozenset({{"{rng.choice(DICT_KEYS)}", "{rng.choice(DICT_KEYS)}"}})',
            )
        )
        return f"{name} = {value}"

    def _planted_block(self, snippet: PlantedSnippet) -> None:
        self.out.add()
        self.out.add()
        self.out.add_marked(snippet.block)

    def _padding_block(self):
        rng = self.rng
        if self.module.is_test:
            return lambda: self._test_block()
        kind = rng.random()
        if kind < 0.45:
            name = f"_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{rng.choice(ATTRIBUTES)}"
            return lambda: self._function_block(name, indent=0)()
        if kind < 0.6:
            return lambda: self._dataclass(f"_{rng.choice(NOUNS).title()}{rng.choice(ATTRIBUTES).title()}")
        if kind < 0.68:
            return lambda: self._enum(f"{rng.choice(NOUNS).title()}{rng.randint(1, 99)}Kind")
        return self._class_block(f"_{rng.choice(NOUNS).title()}{rng.choice(VERBS).title()}er")

    # -- classes -----------------------------------------------------------------------------

    def _class_block(self, name: str):
        kind = self.rng.random()
        if kind < 0.2:
            return lambda: self._dataclass(name)
        if kind < 0.3:
            return lambda: self._pydantic_model(name)
        if kind < 0.37:
            return lambda: self._exception(name)
        return lambda: self._service_class(name)

    def _class_header(self, line: str) -> None:
        self.out.add()
        self.out.add()
        if self.rng.random() < 0.1:
            self.out.add(f"# {sentence(self.rng)}")
        self.out.add(line)
        self.out.add(f'"""{sentence(self.rng)}"""', 1)
        self.out.add()

    def _dataclass(self, name: str) -> None:
        rng = self.rng
        self.out.add()
        self.out.add()
        self.out.add("@dataclass(frozen=True)" if rng.random() < 0.3 else "@dataclass")
        self.out.add(f"class {name}:")
        self.out.add(f'"""{sentence(rng)}"""', 1)
        self.out.add()
        for attribute in dict.fromkeys(rng.choice(ATTRIBUTES) for _ in range(rng.randint(2, 9))):
            # `default_factory` is the commonest harmless "factory" in real code: keep it, rarely.
            default = rng.choices(
                ("", " = None", " = 0", ' = ""', " = field(default_factory=dict)"), (40, 30, 14, 14, 2)
            )[0]
            self.out.add(f"{attribute}: {rng.choice(TYPES)}{default}", 1)

    def _pydantic_model(self, name: str) -> None:
        rng = self.rng
        self._class_header(f"class {name}(BaseModel):")
        for attribute in dict.fromkeys(rng.choice(ATTRIBUTES) for _ in range(rng.randint(2, 8))):
            description = sentence(rng)[:60].replace('"', "'")
            self.out.add(
                f'{attribute}: {rng.choice(TYPES)} = Field(default=None, description="{description}")', 1
            )

    def _enum(self, name: str) -> None:
        self._class_header(f"class {name}(str, Enum):")
        for member in dict.fromkeys(self.rng.choice(DICT_KEYS) for _ in range(self.rng.randint(2, 7))):
            self.out.add(f'{member.upper()} = "{member}"', 1)

    def _exception(self, name: str) -> None:
        base = self.rng.choice(("RuntimeError", "ValueError", "Exception", "LookupError"))
        self._class_header(f"class {name}({base}):")
        keyword = self.rng.choice([key for key in DICT_KEYS if key != "message"])
        self.out.add(f"def __init__(self, message: str, *, {keyword}: str | None = None) -> None:", 1)
        self.out.add("super().__init__(message)", 2)
        self.out.add("self.detail = message", 2)

    def _service_class(self, name: str) -> None:
        rng = self.rng
        bases = rng.choice(("", "", "", "(object)"))
        self._class_header(f"class {name}{bases}:")
        attributes = list(dict.fromkeys(rng.choice(NOUNS) for _ in range(rng.randint(2, 5))))
        params = ", ".join(f"{attribute}: Any = None" for attribute in attributes)
        self.out.add(f"def __init__(self, {params}) -> None:", 1)
        for attribute in attributes:
            self.out.add(f"self._{attribute} = {attribute}", 2)
        self.out.add("self._lock = asyncio.Lock()", 2)
        for _ in range(rng.randint(2, 8)):
            method = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
            self._function_block(method, indent=1, is_method=True)()

    # -- functions ---------------------------------------------------------------------------

    def _function_block(self, name: str, indent: int, is_method: bool = False):
        def render() -> None:
            rng, out = self.rng, self.out
            is_async = rng.random() < 0.45
            out.add()
            if indent == 0:
                out.add()
            decorator = rng.random()
            if is_method and decorator < 0.08:
                out.add("@property", indent)
            elif indent == 0 and decorator < 0.05:
                out.add("@lru_cache(maxsize=256)", indent)
            params = [f"{rng.choice(NOUNS)}_{rng.choice(ATTRIBUTES)}" for _ in range(rng.randint(0, 4))]
            params = list(dict.fromkeys(params))
            typed = [f"{param}: {rng.choice(TYPES)}" for param in params]
            if is_method:
                typed.insert(0, "self")
            returns = rng.choice(("None", "dict[str, Any]", "bool", "Optional[str]", "list[Any]", "int"))
            prefix = "async def" if is_async else "def"
            signature = f"{prefix} {name}({', '.join(typed)}) -> {returns}:"
            if len(signature) + 4 * indent > 96:
                out.add(f"{prefix} {name}(", indent)
                for item in typed:
                    out.add(f"{item},", indent + 1)
                out.add(f") -> {returns}:", indent)
            else:
                out.add(signature, indent)
            self._docstring(indent + 1, params)
            local_names = params or [f"{rng.choice(NOUNS)}_id"]
            if not params:
                out.add(f"{local_names[0]} = str(uuid.uuid4())", indent + 1)
            for _ in range(rng.randint(2, 7)):
                self._statement(indent + 1, is_async, local_names)
            out.add(f"return {self._return_value(returns, local_names)}", indent + 1)

        return render

    def _docstring(self, indent: int, params: list[str]) -> None:
        rng, out = self.rng, self.out
        if rng.random() < 0.5 or not params:
            out.add(f'"""{sentence(rng)}"""', indent)
            return
        out.add(f'"""{sentence(rng)}', indent)
        out.add()
        out.add("Args:", indent)
        for param in params:
            out.add(f"{param}: the {param.replace('_', ' ')} to {rng.choice(VERBS)}.", indent + 1)
        out.add()
        out.add("Returns:", indent)
        out.add(f"The {rng.choice(NOUNS)} after {rng.choice(VERBS)}ing it.", indent + 1)
        out.add('"""', indent)

    def _return_value(self, returns: str, local_names: list[str]) -> str:
        rng = self.rng
        if returns == "None":
            return "None"
        if returns == "bool":
            return f"{rng.choice(local_names)} is not None"
        if returns == "int":
            return f"len({rng.choice(local_names)} or ())"
        if returns.startswith("dict"):
            return f'{{"{rng.choice(DICT_KEYS)}": {rng.choice(local_names)}, "status": "ok"}}'
        if returns.startswith("list"):
            return f"[{', '.join(local_names[:3])}]"
        return f"str({rng.choice(local_names)})"

    def _new_name(self, local_names: list[str]) -> str:
        name = f"{self.rng.choice(NOUNS)}_{self.rng.choice(ATTRIBUTES)}"
        local_names.append(name)
        return name

    def _call_expression(self, local_names: list[str]) -> str:
        rng = self.rng
        argument = rng.choice(local_names)
        if self.imported_names and rng.random() < 0.4:
            return f"{rng.choice(self.imported_names)}({argument})"
        keyword = f"{rng.choice(DICT_KEYS)}={rng.randint(0, 9)}"
        return f"_{rng.choice(VERBS)}_{rng.choice(NOUNS)}({argument}, {keyword})"

    def _statement(self, indent: int, is_async: bool, local_names: list[str]) -> None:
        rng, out = self.rng, self.out
        pick = rng.randrange(13)
        some = rng.choice(local_names)
        if pick == 0:
            out.add(f'{self._new_name(local_names)} = {some}.get("{rng.choice(DICT_KEYS)}", None)', indent)
        elif pick == 1:
            out.add(f'logger.info("{rng.choice(VERBS)} {rng.choice(NOUNS)} %s", {some})', indent)
        elif pick == 2:
            out.add(f"if not {some}:", indent)
            out.add(f'raise ValueError(f"{rng.choice(NOUNS)} is required (got {{{some}!r}})")', indent + 1)
        elif pick == 3:
            collected = self._new_name(local_names)
            attribute = rng.choice(ATTRIBUTES)
            out.add(f"{collected} = []", indent)
            out.add(f"for item in {some} or ():", indent)
            out.add(f'if getattr(item, "{attribute}", None) is None:', indent + 1)
            out.add("continue", indent + 2)
            out.add(f"{collected}.append(item.{attribute})", indent + 1)
        elif pick == 4:
            target = self._new_name(local_names)
            out.add("try:", indent)
            call = self._call_expression(local_names)
            out.add(f"{target} = {'await ' if is_async else ''}{call}", indent + 1)
            out.add("except (KeyError, ValueError) as exc:", indent)
            out.add(
                f'logger.warning("failed to {rng.choice(VERBS)} {rng.choice(NOUNS)}: %s", exc)', indent + 1
            )
            out.add(f"{target} = None", indent + 1)
        elif pick == 5:
            out.add(f"{self._new_name(local_names)} = {{", indent)
            for key in dict.fromkeys(rng.choice(DICT_KEYS) for _ in range(rng.randint(2, 6))):
                out.add(f'"{key}": {rng.choice(local_names)},', indent + 1)
            out.add("}", indent)
        elif pick == 6:
            attribute, condition = rng.choice(ATTRIBUTES), rng.choice(ATTRIBUTES)
            out.add(
                f"{self._new_name(local_names)} = [x.{attribute} for x in {some} if x.{condition}]",
                indent,
            )
        elif pick == 7 and is_async:
            out.add(f"{self._new_name(local_names)} = await {self._call_expression(local_names)}", indent)
        elif pick == 7:
            out.add(f"{self._new_name(local_names)} = {self._call_expression(local_names)}", indent)
        elif pick == 8:
            out.add(f"# {sentence(rng)}", indent)
            other = rng.choice(local_names)
            out.add(
                f'{self._new_name(local_names)} = f"{rng.choice(NOUNS)}:{{{some}}}:{{{other}}}"',
                indent,
            )
        elif pick == 9:
            out.add(
                f"{self._new_name(local_names)} = {some} if {some} is not None else {rng.randint(0, 100)}",
                indent,
            )
        elif pick == 10:
            out.add("attempt = 0", indent)
            out.add(f"while attempt < {rng.randint(2, 5)}:", indent)
            out.add("attempt += 1", indent + 1)
            out.add(f"if {some}:", indent + 1)
            out.add("break", indent + 2)
            if is_async:
                out.add(f"await asyncio.sleep({rng.choice(('0.1', '0.5', '2 ** attempt'))})", indent + 1)
            else:
                out.add(f"time.sleep({rng.choice(('0.1', '0.5'))})", indent + 1)
        elif pick == 11 and is_async:
            out.add("async with self._lock:" if indent > 1 else "async with asyncio.timeout(30):", indent)
            out.add(f"{self._new_name(local_names)} = await {self._call_expression(local_names)}", indent + 1)
        else:
            key = rng.choice(DICT_KEYS)
            out.add(
                f'{self._new_name(local_names)} = json.dumps({{"{key}": {some}}}, default=str)',
                indent,
            )

    # -- tests -------------------------------------------------------------------------------

    def _test_block(self) -> None:
        rng, out = self.rng, self.out
        name = f"test_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{rng.choice(ATTRIBUTES)}"
        is_async = rng.random() < 0.4
        out.add()
        out.add()
        if is_async:
            out.add("@pytest.mark.asyncio")
        elif rng.random() < 0.3:
            values = ", ".join(str(rng.randint(0, 9)) for _ in range(rng.randint(2, 4)))
            out.add(f'@pytest.mark.parametrize("{rng.choice(ATTRIBUTES)}", [{values}])')
        out.add(f"{'async def' if is_async else 'def'} {name}() -> None:")
        out.add(f'"""{sentence(rng)}"""', 1)
        local_names = [self._new_name([])]
        out.add(f"{local_names[0]} = MagicMock()", 1)
        for _ in range(rng.randint(1, 5)):
            self._statement(1, is_async, local_names)
        for _ in range(rng.randint(1, 3)):
            out.add(f"assert {rng.choice(local_names)} is not None", 1)
