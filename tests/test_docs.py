"""Rule pages are generated from the rule data and committed; this fails when they are stale."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kmslint.docs import main, render_rule_markdown, render_rule_text, severity_label, stale_pages, write_pages
from kmslint.engine.rules import Rule, load_rules

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


@pytest.fixture(scope="module")
def rules() -> tuple[Rule, ...]:
    return load_rules()


def test_committed_rule_pages_are_up_to_date(rules: tuple[Rule, ...]) -> None:
    stale = stale_pages(DOCS, rules)
    assert stale == [], f"docs/rules is stale ({', '.join(stale)}): run `python -m kmslint.docs docs/rules`"


def test_every_rule_has_a_page_with_its_why_and_fix(rules: tuple[Rule, ...]) -> None:
    for rule in rules:
        page = render_rule_markdown(rule)
        assert page.startswith(f"# {rule.id} {rule.name}\n")
        assert "## Why" in page and "## How to fix" in page
        assert f"kmslint:ignore {rule.id} -- " in page
        for url in rule.references:
            assert f"<{url}>" in page


def test_remediation_code_becomes_a_fenced_block(rules: tuple[Rule, ...]) -> None:
    kms001 = next(r for r in rules if r.id == "KMS001")
    page = render_rule_markdown(kms001)
    assert "```\nstatement {\n" in page


def test_parameters_are_documented_with_range_and_default(rules: tuple[Rule, ...]) -> None:
    kms002 = next(r for r in rules if r.id == "KMS002")
    assert "| `min_days` | integer | 7 | 7-30 |" in render_rule_markdown(kms002)
    assert "min_days (integer, default 7, allowed 7-30)" in render_rule_text(kms002)


def test_text_form_has_no_markdown_headings(rules: tuple[Rule, ...]) -> None:
    for rule in rules:
        text = render_rule_text(rule)
        assert text.startswith(f"{rule.id} {rule.name}: {rule.title}\n")
        assert "## " not in text and "Why:" in text and "How to fix:" in text


@pytest.mark.parametrize("score,label", [("9.0", "critical"), ("8.9", "high"), ("7.0", "high"), ("6.9", "medium"), ("4.0", "medium"), ("3.9", "low"), ("0.0", "low")])
def test_severity_labels_follow_github(score: str, label: str) -> None:
    assert severity_label(score) == label


def test_write_then_check_round_trip_and_stale_detection(tmp_path: Path, rules: tuple[Rule, ...]) -> None:
    out = tmp_path / "rules"
    assert len(write_pages(out, rules)) == len(rules) + 1  # one page per rule and the index
    assert stale_pages(out, rules) == []
    changed = [replace(rules[0], title=rules[0].title + " (edited)"), *rules[1:]]
    assert stale_pages(out, changed) == [f"{rules[0].id}.md", "README.md"]
    (out / "KMS999.md").write_text("an old rule")
    assert "KMS999.md" in stale_pages(out, rules)
    write_pages(out, rules)
    assert not (out / "KMS999.md").exists()


def test_check_mode_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rules"
    assert main([str(out), "--check"]) == 1
    assert main([str(out)]) == 0
    assert main([str(out), "--check"]) == 0
    assert "updated:" in capsys.readouterr().out
