"""Differential tests against real human migrations (issue 8): see README.md beside this file.

The yardstick's own tests run offline; the per-project tests download two sdists each from PyPI
the first time (cached in $SSOT_LS_REALWORLD_CACHE, default ~/.cache/ssot-ls-realworld) and are
skipped, with the reason, when PyPI cannot be reached and the cache is empty.
"""

from __future__ import annotations

import os
import textwrap
from collections import Counter
from pathlib import Path

import migrate
import pytest
from qualnames import uses_in_source

PROJECTS = migrate.load_projects()


def names(source: str, module: str = "pkg.mod") -> Counter[str]:
    return Counter(use.key for use in uses_in_source(textwrap.dedent(source), module))


# -- the yardstick ------------------------------------------------------------------------------


def test_scopes_parameters_and_class_bodies_shadow_imports() -> None:
    found = names("""
        import mock
        def f(mock):
            return mock.called
        class C:
            mock = 1
            y = mock
            def m(self):
                return mock.Mock(), [mock for mock in range(2)]
    """)
    # The parameter, the class attribute and the comprehension variable are not the module.
    assert found == Counter({"import mock = mock": 1, "mock.Mock": 1, "builtins.range": 1})


def test_import_forms_and_relative_imports() -> None:
    found = names("""
        import a.b
        import os.path as osp
        from . import sibling
        from ..up import thing as t
        from six.moves.urllib.parse import quote as q
        def f():
            global g
            return a.b.c(), osp.join, sibling.x, t.y, q, str
    """, module="pkg.sub.mod")
    assert found["a.b.c"] == found["os.path.join"] == found["pkg.sub.sibling.x"] == 1
    assert found["pkg.up.thing.y"] == found["six.moves.urllib.parse.quote"] == found["builtins.str"] == 1


def test_a_local_named_like_the_new_module_hides_it() -> None:
    # What a fix `six.StringIO` -> `io.StringIO` must not do in a function with a local `io`.
    assert "io.StringIO" not in names("import io\ndef g():\n    io = io.StringIO()\n    return io\n")


def test_dotted_strings_and_fallback_imports() -> None:
    found = names("""
        try:
            from unittest import mock
        except ImportError:
            import mock
        mock.patch("six.moves.urllib.parse:quote")
    """)
    assert found["mock.patch|unittest.mock.patch"] == 1
    assert found["str:six.moves.urllib.parse.quote"] == 1


# -- the comparison -----------------------------------------------------------------------------

RULES = [migrate.Rule("R1", "six.moves.urllib", "urllib"), migrate.Rule("R2", "six.PY2", None)]
OLD_USE = {"six.moves.urllib.parse.quote": 1}
OLD_BINDING = {"import quote = six.moves.urllib.parse.quote": 1}


@pytest.mark.parametrize(
    ("old", "ours", "humans", "verdict"),
    [
        # A submodule dropped by our fix (`from urllib import quote`).
        (OLD_USE, {"urllib.quote": 1}, {"urllib.parse.quote": 1}, migrate.DIFFERS),
        # A use captured by a local (`io = io.StringIO()`): ours has one use fewer than the old.
        (OLD_USE, {}, {"urllib.parse.quote": 1}, migrate.DIFFERS),
        # A module attribute the humans keep and our fix no longer binds.
        (OLD_BINDING, {}, {"import quote = urllib.parse.quote": 1}, migrate.DIFFERS),
        # Left on the old name (the finding says why): unfixed, not wrong.
        (OLD_USE, OLD_USE, {"urllib.parse.quote": 1}, migrate.UNFIXED),
        # A report-only name, which the humans removed with its `if` branch.
        ({"six.PY2": 1}, {"six.PY2": 1}, {}, migrate.UNFIXED),
        # The humans deleted the code that used it.
        (OLD_USE, {"urllib.parse.quote": 1}, {}, migrate.OUTSIDE),
        # The humans wrote new code with the new name.
        (OLD_USE, {"urllib.parse.quote": 1}, {"urllib.parse.quote": 2}, migrate.OUTSIDE),
    ],
)
def test_compare_scope_verdicts(
    old: dict[str, int], ours: dict[str, int], humans: dict[str, int], verdict: str
) -> None:
    tags, _, _ = migrate.compare_scope(Counter(old), Counter(ours), Counter(humans), RULES)
    assert any(tag.startswith(verdict) for tag in tags), tags
    if verdict != migrate.DIFFERS:
        assert not any(tag.startswith(migrate.DIFFERS) for tag in tags), tags


# -- the real projects --------------------------------------------------------------------------


def _engine() -> Path:
    return Path(os.environ.get("SSOT_LS_REALWORLD_ENGINE", migrate.REPO)).resolve()


@pytest.mark.realworld
@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_fixes_mean_what_the_humans_wrote(project: migrate.Project) -> None:
    try:
        result = migrate.run_project(project, migrate.Cli(_engine()))
    except migrate.FetchError as error:
        pytest.skip(f"not in {migrate.cache_dir()} and not downloadable (is PyPI reachable?): {error}")
    # The run must have looked at something, or a broken download would pass silently.
    assert result.findings_before, f"no findings in {project.package} {project.old}: rules or download broken"
    assert any(f.humans_changed for f in result.files)
    report = "\n".join(
        f"{f.path}:\n" + "\n".join(f"    {d.describe()}" for d in f.scopes) for f in result.differing
    )
    if result.differing:
        pytest.fail(f"{len(result.differing)} file(s) differ in meaning:\n{report}", pytrace=False)
    # The lines we wrote pass the project's own import order and line length (ruff I001, E501).
    assert result.new_lint in (0, -1), f"the fix added {result.new_lint} I001/E501 findings"
