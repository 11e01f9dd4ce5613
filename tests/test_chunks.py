"""Parsing only the interesting top-level statements must find exactly what a full parse finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ssot_ls.analysis as analysis
from ssot_ls.config import default_config
from ssot_ls.engine import check_source, fix_source

F = "netra_backend.app.websocket_core.factory"
BLOCKS = [
    f"from {F} import create_websocket_manager\n",
    f"import {F} as factory\n",
    "import os\n",
    '"""A module docstring.\n\nProse at column 0 that looks like code:\n'
    'from the old days\ndef not_code\n"""\n',
    "async def handler(ctx):\n    return create_websocket_manager(user_context=ctx)\n",
    "def sync(ctx):\n    return factory.create_websocket_manager(user_context=ctx)\n",
    "@decorator\n\n@other(\n    1,\n)\ndef decorated():\n    return create_websocket_manager\n",
    'TEMPLATE = """\ndef fake():\n    create_websocket_manager()\n"""\n',
    "VALUES = [\n    1,\nimport_like,\n]\n",
    "class Service:\n    async def run(self):\n        return create_websocket_manager()\n",
    "if True:\n    x = 1\nelse:\n    x = 2\n",
    "try:\n    from x import y\nexcept ImportError:\n    y = None\n",
    f"PATCH = '{F}.create_websocket_manager'\n",
    "def filler(a, b):\n" + "".join(f"    a = a + {i}\n" for i in range(30)) + "    return a\n",
    "result = call(\n    arg,\n)\n",
    "x = 1 + \\\n    2\n",
]
CONFIG = default_config(Path("/tmp"))
PATH = Path("/tmp/ssot-chunks/module.py")


def full_and_partial(text: str):
    partial = check_source(text, PATH, CONFIG)
    saved = analysis.MIN_LINES
    analysis.MIN_LINES = 10**9
    try:
        full = check_source(text, PATH, CONFIG)
    finally:
        analysis.MIN_LINES = saved
    return partial, full


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(BLOCKS), min_size=20, max_size=60))
def test_partial_parse_finds_what_the_full_parse_finds(blocks):
    text = "\n".join(blocks * 4 + [BLOCKS[13]] * 15)
    assert text.count("\n") >= analysis.MIN_LINES  # big enough for the partial parse
    partial, full = full_and_partial(text)
    assert partial == full


@pytest.mark.parametrize("broken", ["def broken(:\n    pass\n", "x = (\n"])
def test_a_syntax_error_next_to_a_use_falls_back_to_the_full_story(broken):
    text = "\n".join(BLOCKS * 30) + "\nasync def late():\n    create_websocket_manager()\n" + broken
    partial, full = full_and_partial(text)
    assert partial == full


def test_big_file_is_fixed_like_a_small_one():
    filler = BLOCKS[13] + "\n"
    text = "".join(BLOCKS[i] + "\n" for i in (0, 2, 4, 9)) + filler * 15
    assert text.count("\n") >= analysis.MIN_LINES
    fixed = fix_source(text, PATH, CONFIG, unsafe=True)
    assert "factory" not in fixed.text
    assert fixed.text.count("await get_websocket_manager(") == 2
