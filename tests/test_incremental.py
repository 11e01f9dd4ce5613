"""The keystroke fast path must agree with the full analysis whenever it answers."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ssot_ls.config import default_config
from ssot_ls.engine import check_source
from ssot_ls.incremental import reuse_findings

F = "netra_backend.app.websocket_core.factory"
SOURCE = f'''"""Chat handlers."""
import os
from {F} import create_websocket_manager, WebSocketManagerFactory as Factory


def helper(value):
    total = value + 1
    return os.path.join("a", str(total))


async def handler(ctx):
    manager = create_websocket_manager(user_context=ctx)
    return manager


def sync_handler(ctx):
    return create_websocket_manager(user_context=ctx)


class Service:
    def run(self, items):
        result = [item * 2 for item in items]
        return result
'''
PATH = Path("/tmp/ssot-incremental/handlers.py")
CONFIG = default_config(PATH.parent)
OLD_FINDINGS = check_source(SOURCE, PATH, CONFIG)


def edited(position: int, removed: int, inserted: str) -> str:
    return SOURCE[:position] + inserted + SOURCE[position + removed:]


def test_typing_in_a_function_body_reuses_shifted_findings():
    at = SOURCE.index("total = value + 1") + len("total")
    new_text = edited(at, 0, "_sum")
    reused = reuse_findings(SOURCE, OLD_FINDINGS, new_text, CONFIG.rules)
    assert reused is not None
    assert reused == check_source(new_text, PATH, CONFIG)


def test_typing_below_every_finding_keeps_them_as_they_are():
    at = SOURCE.index("result = [") + len("result")
    new_text = edited(at, 0, "s")
    reused = reuse_findings(SOURCE, OLD_FINDINGS, new_text, CONFIG.rules)
    assert reused == OLD_FINDINGS
    assert reused == check_source(new_text, PATH, CONFIG)


def test_edits_that_may_matter_fall_back_to_the_full_analysis():
    cases = [
        edited(SOURCE.index("import os"), 0, "#"),  # a comment
        edited(SOURCE.index("async def handler"), len("async "), ""),  # no longer async
        edited(SOURCE.index("return manager"), 0, "x = create_websocket_manager\n    "),
        edited(SOURCE.index('"a"'), 0, '"'),  # a quote
        edited(SOURCE.index("def helper"), 0, "    "),  # indentation
    ]
    for new_text in cases:
        assert reuse_findings(SOURCE, OLD_FINDINGS, new_text, CONFIG.rules) is None


@settings(max_examples=150, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=len(SOURCE)),
    removed=st.integers(min_value=0, max_value=6),
    inserted=st.text(alphabet="abcxyz_09 .,=+-*()\"'#:\n", max_size=6),
)
def test_whenever_the_fast_path_answers_it_matches_the_full_analysis(position, removed, inserted):
    new_text = edited(position, removed, inserted)
    try:
        ast.parse(new_text)
    except SyntaxError:
        return  # the fast path may keep fixability of code that just stopped parsing
    reused = reuse_findings(SOURCE, OLD_FINDINGS, new_text, CONFIG.rules)
    if reused is not None:
        assert reused == check_source(new_text, PATH, CONFIG)
