"""The LibCST-free rewrites of one-line imports give what the LibCST ones give, and decline
(None) every statement they cannot rewrite exactly."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ssot_ls import cst_rewrites, import_text


@dataclass
class Name:
    name: str
    asname: str | None = None


@pytest.mark.parametrize(("function", "text", "args"), [
    ("set_from_module", "from a.b import c", ("z.b",)),
    ("set_from_module", "from a.b import c as d, e", ("z.b", {0: ("c2", "d"), 1: ("e", None)})),
    ("set_from_module", "from . import c", ("pkg", {0: ("c", None)})),
    ("set_from_module", "from a import *", ("z",)),
    ("remove_aliases", "from a import b, c as d, e", ({1},)),
    ("rewrite_plain_import", "import os, a.b as m, sys", ({1: ("z.b", "m")}, set())),
    ("rewrite_plain_import", "import os, a.b as m, sys", ({}, {1})),
    ("rewrite_plain_import", "import mock", ({0: ("z", "mock")}, set())),
    ("append_names", "from a import b", ([Name("c"), Name("d", "e")],)),
    ("append_names", "from a import b, c", ([Name("c")],)),
])
def test_same_as_libcst(function, text, args):
    ours = getattr(import_text, function)(text, *args)
    assert ours is not None
    assert ours == getattr(cst_rewrites, function)(text, *args)


@pytest.mark.parametrize("text", [
    "from a import (b, c)",
    "from a import b  # why",
    "from a import b, \\\n    c",
    "from a import b; import c",
    "from a import (\n    b,\n)",
])
def test_declines_what_it_cannot_keep(text):
    assert import_text.remove_aliases(text, {0}) is None
    assert import_text.set_from_module(text, "z") is None
