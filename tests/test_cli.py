"""The CLI contract: exit codes, output forms, JSON fields (DESIGN.md)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from kmslint import __version__
from kmslint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "terraform"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main(list(argv), stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


def test_findings_exit_1_with_editor_style_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    rc, out, _ = run("scan", "rotation")
    assert rc == 1
    assert "rotation/main.tf:4:3: KMS003 [error] " in out


def test_clean_directory_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vpc.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    rc, out, _ = run("scan", ".")
    assert rc == 0
    assert "0 errors" in out


def test_notes_do_not_fail_by_default_but_fail_on_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert run("scan", "monitoring_eventbridge")[0] == 0  # only a KMS007 note
    assert run("scan", "monitoring_eventbridge", "--fail-on", "note")[0] == 1


def test_json_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    rc, out, _ = run("scan", "misc", "--format", "json")
    doc = json.loads(out)
    assert rc == 1
    assert set(doc) >= {"version", "findings", "errors", "suppressed", "unchecked"}
    first = doc["findings"][0]
    assert set(first) == {"rule_id", "rule_name", "level", "message", "path", "line", "column", "end_line", "end_column", "resource", "related"}
    assert first["path"].startswith("misc/")


def test_select_and_ignore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    _, out, _ = run("scan", "misc", "--format", "json", "--select", "KMS009")
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"KMS009"}
    _, out, _ = run("scan", "misc", "--format", "json", "--ignore", "KMS009,KMS008")
    assert {f["rule_id"] for f in json.loads(out)["findings"]} & {"KMS008", "KMS009"} == set()


def test_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    target = tmp_path / "r.json"
    rc, out, _ = run("scan", "misc", "--format", "json", "--output", str(target))
    assert out == "" and json.loads(target.read_text())["findings"]


def test_usage_errors_exit_2() -> None:
    assert run("scan", "--format", "xml")[0] == 2
    assert run("scan", "/no/such/path")[0] == 2
    assert run("explain", "KMS999")[0] == 2


def test_version_rules_and_explain() -> None:
    rc, out, _ = run("--version")
    assert rc == 0 and __version__ in out
    rc, out, _ = run("rules")
    assert rc == 0 and "KMS001" in out and "destructive-actions-require-mfa" in out
    rc, out, _ = run("explain", "kms003")
    assert rc == 0 and "rotation" in out.lower() and "max_period_days" in out


def test_scanning_a_tree_outside_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rc, out, _ = run("scan", str(FIXTURES / "rotation"), "--format", "json")
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert rc == 1 and paths == {"main.tf"}


def test_var_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text('variable "w" {}\nresource "aws_kms_key" "k" {\n  deletion_window_in_days = var.w\n}\n')
    (tmp_path / "prod.tfvars").write_text("w = 3\n")
    _, out, _ = run("scan", ".", "--format", "json", "--select", "KMS002")
    assert json.loads(out)["findings"] == []
    _, out, _ = run("scan", ".", "--format", "json", "--select", "KMS002", "--var-file", "prod.tfvars")
    assert [(f["path"], f["line"]) for f in json.loads(out)["findings"]] == [("prod.tfvars", 1)]


def test_python_dash_m_entry_point() -> None:
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    proc = subprocess.run([sys.executable, "-m", "kmslint", "--version"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_suppression_with_reason_moves_the_finding_and_keeps_it_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(
        'resource "aws_kms_key" "k" {\n'
        "  # kmslint:ignore KMS009 -- disabled on purpose until the migration in JIRA-42\n"
        "  is_enabled = false\n"
        "  deletion_window_in_days = 3 # kmslint:ignore KMS002\n"
        "}\n"
    )
    rc, out, _ = run("scan", ".", "--format", "json", "--select", "KMS009,KMS002")
    doc = json.loads(out)
    assert [(f["rule_id"], f["line"]) for f in doc["suppressed"]] == [("KMS009", 3)]
    assert doc["suppressed"][0]["suppression"]["justification"].startswith("disabled on purpose")
    # A suppression without a reason does not suppress, and says so.
    assert [(f["rule_id"], f["line"]) for f in doc["findings"]] == [("KMS002", 4)]
    assert doc["findings"][0]["message"].startswith("suppression without a reason")
    assert rc == 1


def test_baseline_fails_only_on_new_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "old" {\n  is_enabled = false\n}\n')
    assert run("scan", ".", "--select", "KMS009", "--write-baseline", "base.json")[0] == 0
    (tmp_path / "main.tf").write_text('# a new comment shifts every line\nresource "aws_kms_key" "old" {\n  is_enabled = false\n}\n')
    rc, out, _ = run("scan", ".", "--select", "KMS009", "--fail-on", "note", "--baseline", "base.json", "--format", "json")
    assert rc == 0 and json.loads(out)["findings"] == [] and len(json.loads(out)["suppressed"]) == 1
    (tmp_path / "new.tf").write_text('resource "aws_kms_key" "new" {\n  is_enabled = false\n}\n')
    rc, out, _ = run("scan", ".", "--select", "KMS009", "--fail-on", "note", "--baseline", "base.json", "--format", "json")
    assert rc == 1 and [f["resource"] for f in json.loads(out)["findings"]] == ["aws_kms_key.new"]


def test_bad_config_is_exit_2_naming_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {}\n')
    (tmp_path / ".kmslint.yaml").write_text("rules:\n  KMS002:\n    min_days: 31\n")
    rc, _, err = run("scan", ".")
    assert rc == 2 and "min_days" in err


def test_a_closed_pipe_is_not_an_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kmslint scan | head`: the reader has gone. A real pipe whose read end is closed."""
    monkeypatch.chdir(tmp_path)
    keys = "".join(f'resource "aws_kms_key" "k{i}" {{\n  is_enabled = false\n}}\n' for i in range(50))
    (tmp_path / "main.tf").write_text(keys)
    read_end, write_end = os.pipe()
    os.close(read_end)
    err = io.StringIO()
    with os.fdopen(write_end, "w") as closed_pipe:
        rc = main(["scan", "."], stdout=closed_pipe, stderr=err)
    assert rc == 1 and err.getvalue() == ""


def test_size_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    big = 'resource "aws_kms_key" "k" {\n  is_enabled = false\n}\n' + "# padding\n" * 130_000  # about 1.3 MB
    (tmp_path / "main.tf").write_text(big)
    (tmp_path / ".kmslint.yaml").write_text("select: [KMS009]\nmax-file-size-mb: 1\n")
    _, out, _ = run("scan", ".", "--format", "json")
    found = {(f["rule_id"], f["line"]) for f in json.loads(out)["findings"]}
    assert found == {("KMS000", 1)}
    (tmp_path / ".kmslint.yaml").write_text("select: [KMS009]\nmax-file-size-mb: 2\n")
    _, out, _ = run("scan", ".", "--format", "json")
    assert {(f["rule_id"], f["line"]) for f in json.loads(out)["findings"]} == {("KMS009", 2)}
    (tmp_path / ".kmslint.yaml").write_text("max-file-size-mb: 0\n")
    assert run("scan", ".")[0] == 2


def test_size_limit_applies_to_a_module_reached_only_through_a_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """vendor/ is excluded from discovery, so only the module call reads it: the configured limit
    must hold there too, not the 10 MB default."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text('module "k" {\n  source = "./vendor/kms"\n}\n')
    (tmp_path / "vendor" / "kms").mkdir(parents=True)
    big = 'resource "aws_kms_key" "k" {\n  is_enabled = false\n}\n' + "# padding\n" * 130_000  # about 1.3 MB
    (tmp_path / "vendor" / "kms" / "main.tf").write_text(big)
    (tmp_path / ".kmslint.yaml").write_text('select: [KMS009]\nexclude: ["vendor/*"]\nmax-file-size-mb: 1\n')
    _, out, _ = run("scan", ".", "--format", "json")
    found = {(f["rule_id"], f["path"], f["line"]) for f in json.loads(out)["findings"]}
    assert found == {("KMS000", "vendor/kms/main.tf", 1)}
    (tmp_path / ".kmslint.yaml").write_text('select: [KMS009]\nexclude: ["vendor/*"]\nmax-file-size-mb: 2\n')
    _, out, _ = run("scan", ".", "--format", "json")
    assert {(f["rule_id"], f["path"], f["line"]) for f in json.loads(out)["findings"]} == {("KMS009", "vendor/kms/main.tf", 2)}
