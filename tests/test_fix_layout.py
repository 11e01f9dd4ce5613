"""Imports a formatter would accept (issue 8, point 10): after a fix, ruff's I001 (import
order and layout) and E501 (line length) report nothing new. Checked with ruff itself.

A sorted block stays sorted: a new statement goes to its section and place, a new name to its
place in the list, a long statement is wrapped. A block the project does not sort keeps its
order; only the statements we write are wrapped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap

import pytest
from test_fixes import code

RULES = """
[[rules]]
code = "M001"
old = "mock"
new = "unittest.mock"

[[rules]]
code = "O001"
old = "old:f"
new = "new:g"

[[rules]]
code = "L001"
old = "legacy.factory:make"
new = "canonical.websocket.manager.implementation:get_the_websocket_manager_for_this_user"

[[rules]]
code = "P001"
old = "proj.legacy:thing"
new = "proj.core:other"
"""

pytestmark = pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not on PATH")


def ruff_findings(project, text: str) -> list[tuple[str, str]]:
    """(code, text of the flagged line) for I001 and E501, as ruff reports them in this project."""
    path = project.write("module.py", text)
    result = subprocess.run(
        ["ruff", "check", "--no-cache", "--select", "I001,E501", "--output-format", "json", str(path)],
        cwd=project.root, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    lines = text.splitlines()
    return sorted((f["code"], lines[f["location"]["row"] - 1]) for f in json.loads(result.stdout))


def fixed(project, before: str, ruff_toml: str = "") -> str:
    project.use_config(RULES)
    project.package("proj")
    project.write("ruff.toml", textwrap.dedent(ruff_toml))
    return project.fix(before).text


CASES = [
    # (id, before, after) — after is what ruff's isort writes too
    ("new-section-for-stdlib", code("""
        import os
        import sys

        import mock
        import requests

        mock.patch(os, sys, requests)
        """), code("""
        import os
        import sys
        from unittest import mock

        import requests

        mock.patch(os, sys, requests)
        """)),
    ("sorted-place-in-from-list", code("""
        from new import a, z
        from old import f

        f(a, z)
        """), code("""
        from new import a, g, z

        g(a, z)
        """)),
    ("long-statement-wrapped", code("""
        from legacy.factory import make

        make()
        """), code("""
        from canonical.websocket.manager.implementation import (
            get_the_websocket_manager_for_this_user,
        )

        get_the_websocket_manager_for_this_user()
        """)),
    ("first-party-section", code("""
        import json

        import requests

        from proj.legacy import thing

        thing(json, requests)
        """), code("""
        import json

        import requests

        from proj.core import other

        other(json, requests)
        """)),
    ("module-renamed-moves-in-its-block", code("""
        import json

        from aaa import y
        from old import f

        f(json, y)
        """), code("""
        import json

        from aaa import y
        from new import g

        g(json, y)
        """)),
]


@pytest.mark.parametrize(("before", "after"), [pytest.param(b, a, id=i) for i, b, a in CASES])
def test_sorted_blocks_stay_as_ruff_writes_them(project, before, after):
    project.package("proj")  # first-party, as ruff finds it: each module on disk
    project.write("proj/legacy.py")
    project.write("proj/core.py")
    assert ruff_findings(project, before) == []
    result = fixed(project, before)
    assert result == after
    assert ruff_findings(project, result) == []


UNSORTED = code("""
    import sys
    import os
    from legacy.factory import make

    make(sys, os)
    """)


def test_unsorted_block_keeps_its_order_and_wraps_what_we_wrote(project):
    before_findings = ruff_findings(project, UNSORTED)
    assert [c for c, _ in before_findings] == ["I001"]
    result = fixed(project, UNSORTED)
    assert result == code("""
        import sys
        import os
        from canonical.websocket.manager.implementation import (
            get_the_websocket_manager_for_this_user,
        )

        get_the_websocket_manager_for_this_user(sys, os)
        """)
    assert [c for c, _ in ruff_findings(project, result)] == ["I001"]  # nothing new


def test_project_line_length_is_honoured(project):
    before = "from legacy.factory import make\n\nmake()\n"
    result = fixed(project, before, "line-length = 120\n")
    assert result == ("from canonical.websocket.manager.implementation import "
                      "get_the_websocket_manager_for_this_user\n\nget_the_websocket_manager_for_this_user()\n")
    assert ruff_findings(project, result) == []


def test_a_rename_that_would_pass_the_line_length_keeps_the_old_name(project):
    # E501 on a use line we wrote would be new: the alias changes no use line at all.
    long_call = "result = make(" + ", ".join(f"argument_{n}" for n in range(5)) + ")"
    assert len(long_call) <= 88 < len(long_call) + len("get_the_websocket_manager_for_this_user")
    before = f"from legacy.factory import make\n\n{long_call}\n"
    result = fixed(project, before)
    assert result == (
        "from canonical.websocket.manager.implementation import (\n"
        "    get_the_websocket_manager_for_this_user as make,\n)\n\n" + long_call + "\n")
    assert ruff_findings(project, result) == []
    short = fixed(project, "from legacy.factory import make\n\nmake()\n")
    assert short.endswith("\n\nget_the_websocket_manager_for_this_user()\n")


def test_a_name_bound_twice_is_never_reordered(project):
    # Sorting would swap which import of `f` wins: meaning first.
    before = code("""
        from aaa import f
        from old import f

        f()
        """)
    result = fixed(project, before)
    assert result == before.replace("from old import f", "from new import g as f")


def test_comments_in_a_block_are_kept(project):
    before = code("""
        import json  # why json
        from old import f

        f(json)
        """)
    result = fixed(project, before)
    assert result == before.replace("from old import f", "from new import g").replace("f(json)", "g(json)")
