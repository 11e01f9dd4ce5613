"""Every built-in rule's own examples, run as Fixit runs `VALID` / `INVALID`.

A preset rule documents itself with snippets it must flag (and the exact text
`check --fix --unsafe-fixes` must turn them into) and look-alikes it must leave alone.
"""

from __future__ import annotations

import pytest

from ssot_ls.engine import check_source, fix_source
from ssot_ls.presets import PRESETS
from ssot_ls.rules import Example, Rule


def _examples():
    for preset, rules in PRESETS.items():
        for rule in rules:
            for number, example in enumerate(rule.invalid):
                yield pytest.param(rule, example, True, id=f"{preset}-{rule.code}-invalid-{number}")
            for number, example in enumerate(rule.valid):
                yield pytest.param(rule, example, False, id=f"{preset}-{rule.code}-valid-{number}")


@pytest.mark.parametrize(("rule", "example", "flagged"), list(_examples()))
def test_preset_rule_example(rule: Rule, example: Example, flagged: bool, preset_config,
                             tmp_path) -> None:
    # The migration plan writes its imports on one long line: a project that allows them.
    (tmp_path / "ruff.toml").write_text("line-length = 120\n")
    path = tmp_path / "example.py"
    findings = check_source(example.code, path, preset_config)
    if not flagged:
        assert findings == [], [(f.code, example.code[f.start:f.end]) for f in findings]
        return
    assert rule.code in {f.code for f in findings}
    result = fix_source(example.code, path, preset_config, unsafe=True)
    expected = example.fixed if example.fixed is not None else example.code
    assert result.text == expected
    assert result.converged
    if example.fixed is None:
        # Left for a person: every finding of this rule says why there is no fix.
        unfixed = [f for f in findings if f.code == rule.code]
        assert all(not f.fixable and f.no_fix_reason for f in unfixed)


def test_every_preset_rule_carries_examples() -> None:
    for rules in PRESETS.values():
        for rule in rules:
            assert rule.invalid, f"{rule.code} has no invalid example"
            assert rule.valid, f"{rule.code} has no valid example"
