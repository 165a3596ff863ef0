"""Mistakes fail loudly: unknown rules, suppressions that do nothing, a broken pyproject, exclude bases,
file arguments that cannot be used (exit 2 with one line, never "internal error")."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from kmslint.cli import main

KEY = 'resource "aws_kms_key" "k" {\n  deletion_window_in_days = 3\n}\n'  # KMS002 on line 2


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main(list(argv), stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--select", "KMS02"], "--select: KMS02 is not a kmslint rule (did you mean 'KMS002'?)"),
        (["--ignore", "KMS0011"], "--ignore: KMS0011 is not a kmslint rule (did you mean 'KMS011'?)"),
        (["--select", "deletion-windw"], "--select: deletion-windw is not a kmslint rule (did you mean 'deletion-window'?)"),
    ],
)
def test_unknown_rules_on_the_command_line_are_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(KEY)
    rc, out, err = run("scan", ".", *argv)
    assert (rc, out, err) == (2, "", f"kmslint: {message}\n")


def test_rule_names_work_wherever_ids_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(KEY)
    _, out, _ = run("scan", ".", "--format", "json", "--select", "deletion-window,kms011")
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"KMS002", "KMS011"}
    _, out, _ = run("scan", ".", "--format", "json", "--ignore", "deletion-window")
    assert "KMS002" not in {f["rule_id"] for f in json.loads(out)["findings"]}
    (tmp_path / ".kmslint.yaml").write_text("select: [deletion-window]\nrules:\n  deletion-window: {level: note}\n")
    _, out, _ = run("scan", ".", "--format", "json")
    assert [(f["rule_id"], f["level"]) for f in json.loads(out)["findings"]] == [("KMS002", "note")]
    (tmp_path / ".kmslint.yaml").write_text("ignore: [deletion-windw]\n")
    rc, _, err = run("scan", ".")
    assert rc == 2 and "deletion-windw is not a kmslint rule (did you mean 'deletion-window'?)" in err
    assert run("explain", "rotation-enabled")[0] == 0


@pytest.mark.parametrize(
    ("comment", "warning"),
    [
        ("# kmslint:ignore KMS020 -- reviewed", "suppression names KMS020 is not a kmslint rule"),
        ("# kmslint:ignore deletion-window -- reviewed", "suppressions name rules by id: write 'KMS002' instead of 'deletion-window'"),
        ("# kmslint:ignore=KMS002:reviewed", "the checkov-style form 'kmslint:ignore=...' is not read"),
        ("# kmslint:ignore -- reviewed", "this suppression names no rule"),
    ],
)
def test_suppressions_that_do_nothing_are_warned_about(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, comment: str, warning: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(f'resource "aws_kms_key" "k" {{\n  {comment}\n  deletion_window_in_days = 3\n}}\n')
    rc, out, err = run("scan", ".", "--format", "json", "--select", "KMS002")
    doc = json.loads(out)
    assert rc == 1 and [f["line"] for f in doc["findings"]] == [3]  # the comment did not suppress
    assert [(e["path"], e["line"], e["level"]) for e in doc["errors"]] == [("main.tf", 2, "warning")]
    assert doc["errors"][0]["message"].startswith(warning)
    assert err.startswith(f"kmslint: warning: main.tf:2: {warning}")


def test_unused_suppressions_are_reported_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(
        'resource "aws_kms_key" "k" {\n'
        "  # kmslint:ignore KMS002, KMS009 -- window reviewed\n"
        "  deletion_window_in_days = 3\n"
        "}\n"
    )
    rc, _, err = run("scan", ".", "--select", "KMS002,KMS009")
    assert rc == 0 and err == ""
    rc, out, err = run("scan", ".", "--select", "KMS002,KMS009", "--report-unused-suppressions", "--format", "json")
    assert rc == 0  # a warning never fails the run
    assert [(e["line"], e["message"]) for e in json.loads(out)["errors"]] == [(2, "unused suppression: no KMS009 finding here; remove KMS009 from the comment")]
    assert "main.tf:2: unused suppression: no KMS009 finding" in err
    # A rule that was not run is not "unused".
    assert run("scan", ".", "--select", "KMS002", "--report-unused-suppressions")[2] == ""


def test_a_broken_pyproject_that_mentions_kmslint_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(KEY)
    (tmp_path / "pyproject.toml").write_text('[tool.kmslint]\nignore = ["KMS002"\n')
    rc, out, err = run("scan", ".")
    assert rc == 2 and out == ""
    assert err.startswith(f"kmslint: {tmp_path / 'pyproject.toml'}: cannot read [tool.kmslint]: ") and err.count("\n") == 1
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x\n')  # someone else's broken file
    assert run("scan", ".")[0] == 1


def test_exclude_is_relative_to_the_file_that_declares_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".kmslint.yaml").write_text("exclude: ['infra/examples/*']\n")
    for folder in ("infra/examples", "infra/live"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "main.tf").write_text(KEY)

    def paths(cwd: Path, *argv: str) -> set[str]:
        monkeypatch.chdir(cwd)
        return {f["path"] for f in json.loads(run("scan", ".", "--format", "json", "--select", "KMS002", *argv)[1])["findings"]}

    assert paths(tmp_path) == {"infra/live/main.tf"}
    assert paths(tmp_path / "infra") == {"live/main.tf"}  # from a subdirectory: still excluded
    assert paths(tmp_path / "infra", "--exclude", "live") == set()
    assert paths(tmp_path / "infra", "--exclude", "live/*.tf") == set()


def test_no_arguments_print_usage_and_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run()
    assert rc == 2 and out == ""
    assert err.startswith("usage: kmslint") and all(c in err for c in ("scan", "rules", "explain", "checkov-pack"))
    rc, _, _ = run("scan", "--help")  # argparse prints help on sys.stdout
    out = " ".join(capsys.readouterr().out.split())
    assert rc == 0 and "--format {text,json,sarif,github}" in out and "GitHub Actions annotations" in out


def test_show_unknown_names_the_value_and_the_summary_counts_undecided(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text('variable "window" {}\nresource "aws_kms_key" "k" {\n  deletion_window_in_days = var.window\n}\n')
    _, out, _ = run("scan", ".", "--select", "KMS002")
    assert out.splitlines()[-1].endswith("1 undecided (run with --show-unknown)")
    _, out, _ = run("scan", ".", "--select", "KMS002", "--show-unknown")
    assert "main.tf:3:3: KMS002 [undecided] deletion_window could not be resolved: var.window has no default and no tfvars sets it; pass --var-file" in out


# --- file arguments (issue 17): exit 2, one line ----------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "main.tf").write_text(KEY)
    monkeypatch.chdir(tmp_path / "repo")
    return tmp_path / "repo"


def one_line_usage_error(argv: list[str], expected: str) -> None:
    rc, out, err = run("scan", ".", *argv)
    assert (rc, out) == (2, "")
    assert err.count("\n") == 1 and "internal error" not in err and expected in err, err


@pytest.mark.parametrize("option", ["--output", "--output-sarif", "--output-json"])
def test_bad_output_targets(tree: Path, option: str) -> None:
    one_line_usage_error([option, "missing/report.txt"], "does not exist")
    (tree / "reports").mkdir()
    one_line_usage_error([option, "reports"], "is a directory")
    before = (tree / "main.tf").read_text()
    one_line_usage_error([option, "main.tf"], "refusing to overwrite main.tf, one of the files being scanned")
    assert (tree / "main.tf").read_text() == before


def test_bad_var_files(tree: Path, tmp_path: Path) -> None:
    one_line_usage_error(["--var-file", "nope.tfvars"], "No such file or directory")
    one_line_usage_error(["--var-file", "/dev/zero"], "not a regular file")
    (tree / "vars").mkdir()
    one_line_usage_error(["--var-file", "vars"], "is a directory")
    os.mkfifo(tree / "pipe.tfvars")
    one_line_usage_error(["--var-file", "pipe.tfvars"], "not a regular file")  # stat, never open: no hang
    (tree / "big.tfvars").write_bytes(b"#" * (2 * 1024 * 1024))
    (tree / ".kmslint.yaml").write_text("max-file-size-mb: 1\n")
    one_line_usage_error(["--var-file", "big.tfvars"], "over the 1 MB limit")
    (tmp_path / "secret.tfvars").write_text("w = 30\n")
    (tree / "link.tfvars").symlink_to(tmp_path / "secret.tfvars")
    one_line_usage_error(["--var-file", "link.tfvars"], "outside the repository")
    (tree / "zero.tfvars").symlink_to("/dev/zero")
    one_line_usage_error(["--var-file", "zero.tfvars"], "outside the repository")


def test_an_unwritable_report_is_a_one_line_error(tree: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    (tree / "ro").mkdir()
    (tree / "ro").chmod(0o500)
    try:
        rc, _, err = run("scan", ".", "--output", "ro/r.txt")
    finally:
        (tree / "ro").chmod(0o700)
    assert rc == 2 and err.strip() == "kmslint: --output ro/r.txt: cannot write: Permission denied"


def test_a_var_file_outside_the_repository_named_as_such_is_read(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "shared.tfvars").write_text("w = 30\n")
    rc, _, err = run("scan", ".", "--var-file", str(tmp_path / "shared.tfvars"))
    assert rc == 1 and err == ""  # KMS002 from main.tf; the var file itself was accepted
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.tfvars").write_text("w = 30\n")
    (tree / "linked").symlink_to(tmp_path / "outside")
    one_line_usage_error(["--var-file", "linked/x.tfvars"], "outside the repository")


def test_a_cloudformation_metadata_ignore_naming_a_rule_by_name_is_warned_about(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text(
        "Resources:\n"
        "  Key:\n"
        "    Type: AWS::KMS::Key\n"
        "    Metadata:\n"
        "      kmslint:\n"
        "        ignore:\n"
        "          - {id: rotation-enabled, reason: rotated by hand}\n"
        "    Properties:\n"
        "      EnableKeyRotation: false\n"
    )
    rc, out, err = run("scan", ".", "--select", "KMS003", "--format", "json")
    doc = json.loads(out)
    assert rc == 1 and [f["rule_id"] for f in doc["findings"]] == ["KMS003"]
    # (the CloudFormation loader upper-cases ids)
    assert [e["message"].lower() for e in doc["errors"]] == ["suppressions name rules by id: write 'kms003' instead of 'rotation-enabled'"]
    assert err.startswith("kmslint: warning: t.yaml:")
