"""Baselines match findings by content, not line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmslint.baseline import BaselineError, load_baseline, mark_known, split_by_baseline, write_baseline
from kmslint.findings import Finding, Suppression
from kmslint.model.values import Location

TF = (
    'resource "aws_kms_key" "a" {\n'
    "  deletion_window_in_days = 7\n"
    "}\n"
    'resource "aws_kms_key" "b" {\n'
    "  enable_key_rotation = false\n"
    "}\n"
)


def f(line: int, rule_id: str, resource: str, path: str = "main.tf") -> Finding:
    return Finding(Location(path, line, 3), rule_id, "error", f"{rule_id} at {resource}", resource=resource)


def scan(root: Path, text: str) -> list[Finding]:
    """Stand-in for the engine: find the two flagged lines wherever they are now."""
    (root / "main.tf").write_text(text)
    lines = text.splitlines()
    out = []
    for n, line in enumerate(lines, start=1):
        if "deletion_window_in_days = 7" in line:
            out.append(f(n, "KMS002", "aws_kms_key.a"))
        if "enable_key_rotation = false" in line:
            out.append(f(n, "KMS003", "aws_kms_key.b"))
    return out


def baseline_of(tmp_path: Path, findings: list[Finding]) -> set[str]:
    target = tmp_path / "baseline.json"
    assert write_baseline(findings, tmp_path, target) == len(findings)
    return load_baseline(target)


def test_everything_in_the_baseline_is_known(tmp_path: Path) -> None:
    findings = scan(tmp_path, TF)
    new, known = split_by_baseline(findings, baseline_of(tmp_path, findings), tmp_path)
    assert new == [] and known == findings


def test_baseline_survives_inserting_lines_above(tmp_path: Path) -> None:
    baseline = baseline_of(tmp_path, scan(tmp_path, TF))
    shifted = scan(tmp_path, "# a comment\nterraform {}\n\n" + TF)
    assert [x.location.line for x in shifted] == [5, 8]
    new, known = split_by_baseline(shifted, baseline, tmp_path)
    assert new == [] and len(known) == 2


def test_baseline_survives_reindenting_the_flagged_line(tmp_path: Path) -> None:
    baseline = baseline_of(tmp_path, scan(tmp_path, TF))
    new, _ = split_by_baseline(scan(tmp_path, TF.replace("  deletion_window_in_days = 7", "\tdeletion_window_in_days   = 7")), baseline, tmp_path)
    assert new == []


def test_a_new_finding_is_new(tmp_path: Path) -> None:
    baseline = baseline_of(tmp_path, scan(tmp_path, TF))
    grown = TF + 'resource "aws_kms_key" "c" {\n  deletion_window_in_days = 7\n}\n'
    findings = scan(tmp_path, grown)
    findings[-1] = f(findings[-1].location.line, "KMS002", "aws_kms_key.c")
    new, known = split_by_baseline(findings, baseline, tmp_path)
    assert [x.resource for x in new] == ["aws_kms_key.c"] and len(known) == 2


def test_editing_the_flagged_line_makes_it_new(tmp_path: Path) -> None:
    baseline = baseline_of(tmp_path, scan(tmp_path, TF))
    edited = scan(tmp_path, TF.replace("deletion_window_in_days = 7", "deletion_window_in_days = 7 # still bad"))
    new, _ = split_by_baseline(edited, baseline, tmp_path)
    assert [x.rule_id for x in new] == ["KMS002"]


def test_the_same_finding_in_another_file_is_new(tmp_path: Path) -> None:
    findings = scan(tmp_path, TF)
    baseline = baseline_of(tmp_path, findings)
    (tmp_path / "copy.tf").write_text(TF)
    moved = [f(x.location.line, x.rule_id, x.resource, "copy.tf") for x in findings]
    new, _ = split_by_baseline(moved, baseline, tmp_path)
    assert len(new) == 2


def test_identical_findings_are_counted_not_collapsed(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"Statement": [\n{"Effect": "Allow"},\n{"Effect": "Allow"}\n]}\n')
    one = [Finding(Location("p.json", 2, 1), "KMS012", "error", "public", resource="p")]
    two = one + [Finding(Location("p.json", 3, 1), "KMS012", "error", "public", resource="p")]
    new, known = split_by_baseline(two, baseline_of(tmp_path, one), tmp_path)
    assert len(known) == 1 and len(new) == 1


def test_unreadable_file_falls_back_to_the_message(tmp_path: Path) -> None:
    gone = [Finding(Location("deleted.tf", 4, 1), "KMS003", "error", "rotation off", resource="aws_kms_key.x")]
    baseline = baseline_of(tmp_path, gone)
    moved = [Finding(Location("deleted.tf", 9, 1), "KMS003", "error", "rotation off", resource="aws_kms_key.x")]
    assert split_by_baseline(moved, baseline, tmp_path)[0] == []


def test_baseline_file_is_sorted_readable_json(tmp_path: Path) -> None:
    findings = scan(tmp_path, TF)
    target = tmp_path / "b.json"
    write_baseline(list(reversed(findings)), tmp_path, target)
    data = json.loads(target.read_text())
    assert data["kmslint-baseline"] == 1
    assert [e["rule_id"] for e in data["findings"]] == ["KMS002", "KMS003"]
    assert set(data["findings"][0]) == {"fingerprint", "rule_id", "path", "resource", "message"}
    assert "line" not in data["findings"][0]


@pytest.mark.parametrize(
    "content,why",
    [
        ("not json", "cannot read baseline"),
        ('{"findings": []}', "not a kmslint baseline"),
        ('{"kmslint-baseline": 1, "findings": {}}', "must be a list"),
        ('{"kmslint-baseline": 1, "findings": [{"fingerprint": ""}]}', r"findings\[0\]\.fingerprint"),
    ],
)
def test_malformed_baselines_are_errors(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=why):
        load_baseline(path)


def test_missing_baseline_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read baseline"):
        load_baseline(tmp_path / "none.json")


def test_mark_known_makes_external_suppressions(tmp_path: Path) -> None:
    marked = mark_known(scan(tmp_path, TF), tmp_path / ".kmslint-baseline.json")
    assert {x.suppression for x in marked} == {Suppression("external", "accepted in baseline .kmslint-baseline.json")}
