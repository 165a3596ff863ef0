"""The ``unchecked`` list and ``related`` locations in JSON and text output (DESIGN.md's contract)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kmslint.engine.rules import load_rules
from kmslint.findings import Finding, ScanResult
from kmslint.focus import Focus
from kmslint.model.resources import Unchecked
from kmslint.model.values import Location
from kmslint.report import json_report, text

FINDING = Finding(Location("main.tf", 4, 3), "KMS002", "error", "window 3 days", rule_name="deletion-window", resource="aws_kms_key.k")
ITEM = Unchecked(Location("main.tf", 12, 1), 'module "kms" comes from a registry; run terraform init to check it')


def test_json_always_has_unchecked_and_related() -> None:
    doc = json.loads(json_report.render(ScanResult(findings=(FINDING,)), load_rules()))
    assert doc["unchecked"] == []
    assert doc["findings"][0]["related"] == []
    result = ScanResult(findings=(replace(FINDING, related=(Location("variables.tf", 2, 3),)),), unchecked=(ITEM,))
    doc = json.loads(json_report.render(result, load_rules()))
    assert doc["unchecked"] == [{"path": "main.tf", "line": 12, "reason": ITEM.reason}]
    assert doc["findings"][0]["related"] == [{"path": "variables.tf", "line": 2}]


def test_text_summary_counts_unchecked_and_show_unknown_lists_them() -> None:
    result = ScanResult(findings=(FINDING,), unchecked=(ITEM,), files_scanned=2)
    out = text.render(result, load_rules())
    assert out.splitlines()[-1].endswith("1 not checked (run with --show-unknown)")
    assert ITEM.reason not in out
    shown = text.render(result, load_rules(), show_unknown=True)
    assert f"main.tf:12:1: [not checked] {ITEM.reason}" in shown.splitlines()
    assert "not checked" not in text.render(ScanResult(findings=(FINDING,)), load_rules())


def test_focus_keeps_a_finding_whose_deciding_value_is_in_a_changed_file() -> None:
    from_var = replace(FINDING, related=(Location("variables.tf", 2, 3),))
    other = replace(FINDING, location=Location("main.tf", 9, 3))
    focus = Focus((), frozenset({"variables.tf"}))
    narrowed = focus.narrow(ScanResult(findings=(from_var, other), unchecked=(ITEM,)))
    assert narrowed.findings == (from_var,)
    assert narrowed.unchecked == ()


def test_a_rule_an_unknown_value_decides_is_listed_as_unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DESIGN.md: ``unchecked`` lists a value that decides a rule and stays unknown, not only with --show-unknown."""
    import io
    from pathlib import Path

    from kmslint.cli import main

    monkeypatch.chdir(Path(__file__).resolve().parent.parent / "fixtures" / "terraform")
    out = io.StringIO()
    assert main(["scan", "unknown", "--format", "json"], stdout=out, stderr=io.StringIO()) == 0
    reasons = {(u["line"], u["reason"].split(" could not be decided")[0]) for u in json.loads(out.getvalue())["unchecked"]}
    assert {(20, "KMS003"), (22, "KMS002"), (24, "KMS001")} <= reasons
    window = next(u for u in json.loads(out.getvalue())["unchecked"] if u["line"] == 22)
    assert "var.window has no default" in window["reason"] and "--var-file" in window["reason"]
    text = io.StringIO()
    main(["scan", "unknown"], stdout=text, stderr=io.StringIO())
    assert "4 undecided (run with --show-unknown)" in text.getvalue().splitlines()[-1]
    assert "not checked" not in text.getvalue()  # counted once, as undecided
