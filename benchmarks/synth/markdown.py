"""Render one Markdown doc: prose, lists, tables, emoji and code fences of several kinds."""

from __future__ import annotations

import random

from synth.deprecated import markdown_fence
from synth.plan import MarkdownDoc
from synth.vocab import ATTRIBUTES, DICT_KEYS, EMOJI, FACTORY_PROSE, NOUNS, VERBS, sentence
from synth.writer import LineWriter, Marks


class DocRenderer:
    def __init__(self, doc: MarkdownDoc, seed: int) -> None:
        self.doc = doc
        self.rng = random.Random(f"{seed}:{doc.path}")
        self.out = LineWriter()

    def render(self) -> tuple[str, Marks]:
        rng, out = self.rng, self.out
        out.add(f"# {self.doc.title_noun.title()} {rng.choice(VERBS)} guide {rng.choice(EMOJI)}")
        out.add()
        out.add(f"**Generated:** 2025-09-{rng.randint(1, 28):02d}  ")
        out.add(f"**Status:** {rng.choice(('DRAFT', 'READY FOR EXECUTION', 'DONE ✅'))}  ")
        out.add()
        blocks = [self._section for _ in range(max(1, self.doc.target_lines // 25))]
        if self.doc.deprecated_form:
            blocks.insert(rng.randint(0, len(blocks)), self._planted_fence)
        if self.doc.mentions_factory:
            blocks.insert(rng.randint(0, len(blocks)), self._factory_mentions)
        for block in blocks:
            block()
        while len(out.lines) < self.doc.target_lines:
            self._paragraph()
        return out.text(), out.marks

    def _section(self) -> None:
        rng, out = self.rng, self.out
        level = "#" * rng.randint(2, 3)
        out.add(f"{level} {rng.choice(VERBS).title()} the {rng.choice(NOUNS)} {rng.choice(EMOJI)}")
        out.add()
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            if kind < 0.4:
                self._paragraph()
            elif kind < 0.55:
                self._list()
            elif kind < 0.65:
                self._table()
            elif kind < 0.85:
                self._fence(rng.choice(("python", "python", "py", "bash", "json", "yaml", "text", "pycon")))
            else:
                self._list_with_fence()

    def _paragraph(self) -> None:
        rng, out = self.rng, self.out
        words = [sentence(rng) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            words.append(
                f"Use `{rng.choice(VERBS)}_{rng.choice(NOUNS)}()` instead of calling the API directly."
            )
        if rng.random() < 0.2:
            words.append(rng.choice(EMOJI))
        out.add(" ".join(words))
        out.add()

    def _list(self) -> None:
        rng, out = self.rng, self.out
        numbered = rng.random() < 0.3
        for index in range(rng.randint(2, 7)):
            marker = f"{index + 1}." if numbered else rng.choice(("-", "- [ ]", "- [x]"))
            out.add(f"{marker} **{rng.choice(NOUNS).title()}**: {sentence(rng)}")
        out.add()

    def _table(self) -> None:
        rng, out = self.rng, self.out
        out.add("| Category | Count | Files | Priority |")
        out.add("|----------|-------|-------|----------|")
        for _ in range(rng.randint(2, 6)):
            out.add(
                f"| **{rng.choice(NOUNS).title()}** | ~{rng.randint(1, 40)} | "
                f"{rng.choice(NOUNS)} files | **P{rng.randint(0, 3)}** |"
            )
        out.add()

    def _python_lines(self) -> list[str]:
        rng = self.rng
        module = f"netra_backend.app.{rng.choice(('services', 'agents', 'core'))}.{rng.choice(NOUNS)}_service"
        cls = f"{rng.choice(NOUNS).title()}Service"
        lines = [f"from {module} import {cls}", ""]
        if rng.random() < 0.3:
            lines.insert(
                0, "from netra_backend.app.websocket_core.websocket_manager import get_websocket_manager"
            )
        lines.append(f"async def {rng.choice(VERBS)}_{rng.choice(NOUNS)}(user_id: str) -> dict:")
        lines.append(f"    service = {cls}()")
        for _ in range(rng.randint(1, 6)):
            keyword = f'{rng.choice(DICT_KEYS)}="{rng.choice(EMOJI)}"'
            lines.append(f"    {rng.choice(NOUNS)} = await service.{rng.choice(VERBS)}(user_id, {keyword})")
        lines.append(f'    return {{"{rng.choice(DICT_KEYS)}": user_id}}')
        return lines

    def _fence(self, info: str, indent: str = "") -> None:
        rng, out = self.rng, self.out
        fence = "~~~" if rng.random() < 0.1 else "```"
        out.add(f"{indent}{fence}{info}")
        if info in ("python", "py"):
            body = self._python_lines()
        elif info == "pycon":
            body = [
                f">>> from netra_backend.app.core.{rng.choice(NOUNS)}_utils import {rng.choice(VERBS)}_it",
                f">>> {rng.choice(NOUNS)} = {rng.randint(1, 9)}",
                f"{rng.randint(1, 9)}",
            ]
        elif info == "bash":
            body = [
                f"python -m pytest tests/{rng.choice(('unit', 'integration'))}/{rng.choice(NOUNS)} -x",
                f"git grep -n {rng.choice(NOUNS)}_{rng.choice(VERBS)} -- '*.py'",
            ]
        elif info == "json":
            body = [
                "{",
                f'  "{rng.choice(DICT_KEYS)}": "{rng.choice(NOUNS)}",',
                f'  "{rng.choice(ATTRIBUTES)}": {rng.randint(0, 99)}',
                "}",
            ]
        else:
            body = [f"{rng.choice(ATTRIBUTES)}: {rng.choice(NOUNS)}" for _ in range(rng.randint(1, 4))]
        for line in body:
            out.add(f"{indent}{line}" if line else "")
        out.add(f"{indent}{fence}")
        out.add()

    def _list_with_fence(self) -> None:
        out = self.out
        out.add(f"1. {sentence(self.rng)}")
        out.add()
        self._fence("python", indent="   ")

    def _planted_fence(self) -> None:
        info, lines = markdown_fence(self.doc.deprecated_form or "", self.rng.choice(NOUNS))
        self.out.add("#### OLD PATTERN (VIOLATION)")
        self.out.add()
        self.out.add(f"```{info}")
        self.out.add_marked(lines)
        self.out.add("```")
        self.out.add()

    def _factory_mentions(self) -> None:
        out = self.out
        out.add(self.rng.choice(FACTORY_PROSE))
        out.add()
        out.add("```bash")
        out.add('grep -rn "websocket_core.factory" netra_backend/ tests/ | wc -l')
        out.add("```")
        out.add()
