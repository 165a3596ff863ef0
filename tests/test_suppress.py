"""In-source suppressions: which comments silence which findings, and reasons are required."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pytest

from kmslint.findings import Finding, Suppression
from kmslint.model.resources import Ignore
from kmslint.model.values import Location
from kmslint.suppress import NO_REASON_PREFIX, apply_suppressions, parse_directive


def finding(path: str, line: int, rule_id: str = "KMS008", message: str = "no deletion protection") -> Finding:
    return Finding(Location(path, line, 1), rule_id, "warning", message, resource="aws_kms_key.a")


def run(tmp_path: Path, text: str, findings: Sequence[Finding], ignores: Sequence[Ignore] = (), name: str = "main.tf") -> tuple[list[Finding], list[Finding], list[Finding]]:
    (tmp_path / name).write_bytes(text.encode("utf-8"))
    return apply_suppressions(findings, tmp_path, ignores)


TF = 'resource "aws_kms_key" "a" {\n  deletion_window_in_days = 7\n}\n'


def test_comment_with_reason_on_the_line_above_suppresses(tmp_path: Path) -> None:
    text = "# kmslint:ignore KMS008 -- scratch key, recreated nightly\n" + TF
    kept, suppressed, problems = run(tmp_path, text, [finding("main.tf", 2)])
    assert kept == [] and problems == []
    assert suppressed[0].suppression == Suppression("inSource", "scratch key, recreated nightly")
    assert suppressed[0].message == "no deletion protection"


def test_comment_at_the_end_of_the_flagged_line_suppresses(tmp_path: Path) -> None:
    text = 'resource "aws_kms_key" "a" { // kmslint:ignore KMS008 -- test stack\n}\n'
    kept, suppressed, _ = run(tmp_path, text, [finding("main.tf", 1)])
    assert kept == [] and suppressed[0].suppression == Suppression("inSource", "test stack")


def test_several_ids_comma_separated(tmp_path: Path) -> None:
    text = "  # kmslint:ignore KMS002, kms008 -- sandbox account\n" + TF
    kept, suppressed, _ = run(tmp_path, text, [finding("main.tf", 2), finding("main.tf", 2, "KMS002"), finding("main.tf", 2, "KMS003")])
    assert sorted(f.rule_id for f in suppressed) == ["KMS002", "KMS008"]
    assert [f.rule_id for f in kept] == ["KMS003"]


def test_comment_without_a_reason_does_not_suppress_and_is_reported(tmp_path: Path) -> None:
    text = "# kmslint:ignore KMS008\n" + TF
    original = finding("main.tf", 2)
    kept, suppressed, problems = run(tmp_path, text, [original])
    assert kept == [] and suppressed == []
    assert len(problems) == 1
    assert problems[0].rule_id == "KMS008" and problems[0].level == "warning"
    assert problems[0].message == NO_REASON_PREFIX + original.message
    assert problems[0].suppression is None


@pytest.mark.parametrize("comment", ["# kmslint:ignore KMS008 --", "# kmslint:ignore KMS008 --   ", "# kmslint:ignore KMS008 because"])
def test_empty_or_undelimited_reasons_do_not_count(tmp_path: Path, comment: str) -> None:
    kept, suppressed, problems = run(tmp_path, comment + "\n" + TF, [finding("main.tf", 2)])
    assert suppressed == [] and len(problems) == 1


def test_wrong_rule_id_does_not_suppress(tmp_path: Path) -> None:
    text = "# kmslint:ignore KMS002 -- window is fine here\n" + TF
    kept, suppressed, problems = run(tmp_path, text, [finding("main.tf", 2)])
    assert [f.rule_id for f in kept] == ["KMS008"] and suppressed == [] and problems == []


def test_comment_two_lines_above_does_not_suppress(tmp_path: Path) -> None:
    text = "# kmslint:ignore KMS008 -- too far away\n\n" + TF
    kept, suppressed, _ = run(tmp_path, text, [finding("main.tf", 3)])
    assert len(kept) == 1 and suppressed == []


def test_trailing_comment_on_the_line_above_covers_only_its_own_line(tmp_path: Path) -> None:
    text = 'locals { x = 1 } # kmslint:ignore KMS008 -- about the locals line\n' + TF
    kept, suppressed, _ = run(tmp_path, text, [finding("main.tf", 2)])
    assert len(kept) == 1 and suppressed == []


def test_comment_in_another_file_does_not_suppress(tmp_path: Path) -> None:
    (tmp_path / "other.tf").write_text("# kmslint:ignore KMS008 -- other file\n" + TF)
    kept, suppressed, _ = run(tmp_path, TF, [finding("main.tf", 2)])
    assert len(kept) == 1 and suppressed == []


def test_crlf_and_bom_keep_line_numbers_right(tmp_path: Path) -> None:
    text = "\ufeffAWSTemplateFormatVersion: '2010-09-09'\r\nResources:\r\n  # kmslint:ignore KMS008 -- retained by hand\r\n  Key:\r\n"
    kept, suppressed, _ = run(tmp_path, text, [finding("t.yaml", 4)], name="t.yaml")
    assert kept == [] and len(suppressed) == 1


def test_yaml_value_containing_a_hash_is_not_a_comment(tmp_path: Path) -> None:
    text = "Description: see#kmslint:ignore KMS008 -- nope\nKey: 1\n"
    kept, suppressed, _ = run(tmp_path, text, [finding("t.yaml", 2)], name="t.yaml")
    assert len(kept) == 1 and suppressed == []


def test_unreadable_file_keeps_every_finding(tmp_path: Path) -> None:
    kept, suppressed, problems = apply_suppressions([finding("gone.tf", 2)], tmp_path, ())
    assert len(kept) == 1 and suppressed == [] and problems == []


def _ignore(rule_id: str, reason: str, start: int = 3, end: int = 8, path: str = "t.yaml") -> Ignore:
    return Ignore(path, start, end, rule_id, reason, Location(path, start, 1))


def test_metadata_ignore_covers_findings_in_its_range(tmp_path: Path) -> None:
    findings = [finding("t.yaml", 5), finding("t.yaml", 9), finding("t.yaml", 5, "KMS003")]
    kept, suppressed, _ = run(tmp_path, "x\n" * 10, findings, [_ignore("KMS008", "imported from a legacy stack")], name="t.yaml")
    assert [(f.rule_id, f.location.line) for f in suppressed] == [("KMS008", 5)]
    assert suppressed[0].suppression == Suppression("inSource", "imported from a legacy stack")
    assert sorted((f.rule_id, f.location.line) for f in kept) == [("KMS003", 5), ("KMS008", 9)]


def test_metadata_ignore_without_reason_is_a_problem(tmp_path: Path) -> None:
    kept, suppressed, problems = run(tmp_path, "x\n" * 10, [finding("t.yaml", 5)], [_ignore("KMS008", "  ")], name="t.yaml")
    assert kept == [] and suppressed == []
    assert problems[0].message.startswith(NO_REASON_PREFIX)


def test_a_reason_anywhere_wins_over_a_reasonless_duplicate(tmp_path: Path) -> None:
    text = "x\n# kmslint:ignore KMS008 -- reviewed\nKey: 1\n"
    kept, suppressed, problems = run(tmp_path, text, [finding("t.yaml", 3)], [_ignore("KMS008", "", 1, 5)], name="t.yaml")
    assert len(suppressed) == 1 and problems == [] and kept == []


@pytest.mark.parametrize(
    "line,ids,reason,own",
    [
        ("# kmslint:ignore KMS001 -- r", {"KMS001"}, "r", True),
        ("  //kmslint:ignore KMS001,KMS002--two words ", {"KMS001", "KMS002"}, "two words", True),
        ("x = 1 ## kmslint:ignore kms003 -- lower-case id", {"KMS003"}, "lower-case id", False),
        ("# kmslint:ignore -- no ids", set(), "no ids", True),
    ],
)
def test_parse_directive(line: str, ids: set[str], reason: str, own: bool) -> None:
    d = parse_directive(line, 7)
    assert d is not None
    assert (set(d.rule_ids), d.reason, d.own_line, d.line) == (ids, reason, own, 7)


@pytest.mark.parametrize("line", ["x = 1", "# kmslint: ignore KMS001 -- spaced", "url = \"http://kmslint:ignore\"", "#kmslint:ignored KMS001 -- r"])
def test_not_a_directive(line: str) -> None:
    assert parse_directive(line, 1) is None


# --- with the real Terraform loader: its line numbers and ours agree ------------------------------

SCANNED_TF = """resource "aws_kms_key" "short" {
  enable_key_rotation = true
  # kmslint:ignore KMS002 -- {why}
  deletion_window_in_days = 5
}}
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("why,suppressed_count", [("throwaway key for a load test", 1), ("", 0)])
def test_comment_silences_a_real_finding(tmp_path: Path, newline: str, why: str, suppressed_count: int) -> None:
    from kmslint.config import Config
    from kmslint.engine.rules import load_rules
    from kmslint.scan import ScanOptions, run_scan

    text = SCANNED_TF.replace("{why}", why).replace("}}", "}").replace("\n", newline)
    (tmp_path / "main.tf").write_bytes(text.encode("utf-8"))
    result, _ = run_scan(ScanOptions((tmp_path,), tmp_path, Config(select=("KMS002",))), load_rules())
    # run_scan applies suppressions: a reasoned one moves the finding to `suppressed`,
    # a reason-less one keeps it (prefixed) among the findings.
    assert [(f.rule_id, f.location.line) for f in result.suppressed] == [("KMS002", 4)] * suppressed_count
    problems = [f for f in result.findings if f.message.startswith("suppression without a reason")]
    assert [(f.rule_id, f.location.line) for f in problems] == [("KMS002", 4)] * (1 - suppressed_count)
    assert len(result.findings) == 1 - suppressed_count
