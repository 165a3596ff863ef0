"""Explicit files (pre-commit) load their Terraform directory for context and report only on themselves."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from kmslint.cli import main
from kmslint.findings import Finding, ScanResult, UnknownNote
from kmslint.focus import Focus, focus_for
from kmslint.model.values import Location
from tf_samples import BAD_MODULE, BAD_ROTATION_LINE, GOOD_MODULE, LEGACY_ROTATION_LINE, write_tree


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, {**GOOD_MODULE, **BAD_MODULE, "kms/notes.json": '{"not": "terraform"}'})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan_json(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(["scan", *args, "--format", "json"], stdout=out, stderr=io.StringIO())
    return code, json.loads(out.getvalue())


def located(doc: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(f["path"], f["rule_id"], f["line"]) for f in doc["findings"]}


def test_directories_are_scanned_as_given(project: Path) -> None:
    focus = focus_for((Path("kms"), Path("app/bad.tf")), project)
    assert focus == Focus((Path("kms"), Path("app/bad.tf")), None)


def test_a_file_brings_its_terraform_directory_but_reports_only_itself(project: Path) -> None:
    focus = focus_for((Path("kms/key.tf"),), project)
    loaded = {p.as_posix() for p in focus.load_paths}
    assert loaded == {f"kms/{name}" for name in ("key.tf", "legacy.tf", "variables.tf", "policy.tf", "alias.tf", "monitoring.tf")}
    assert focus.report_paths == frozenset({"kms/key.tf"})


def test_narrow_drops_findings_outside_the_given_files_but_keeps_errors() -> None:
    def finding(path: str) -> Finding:
        return Finding(Location(path, 1, 1), "KMS003", "error", "m")

    result = ScanResult(
        findings=(finding("a/key.tf"), finding("a/legacy.tf")),
        suppressed=(finding("a/legacy.tf"),),
        unknowns=(UnknownNote(Location("a/legacy.tf", 2, 1), "KMS002", "var.window"),),
        errors=(),
    )
    narrowed = Focus((), frozenset({"a/key.tf"})).narrow(result)
    assert [f.location.path for f in narrowed.findings] == ["a/key.tf"]
    assert narrowed.suppressed == () and narrowed.unknowns == ()


def test_sibling_files_make_a_key_clean(project: Path) -> None:
    # Alone, key.tf would lack its policy, window, alias and alarms; with its directory it is clean.
    code, doc = scan_json("kms/key.tf")
    assert (code, located(doc)) == (0, set())


def test_a_sibling_finding_is_not_reported_for_a_changed_file(project: Path) -> None:
    _, whole = scan_json("kms")
    assert ("kms/legacy.tf", "KMS003", LEGACY_ROTATION_LINE) in located(whole)
    _, focused = scan_json("kms/key.tf")
    assert not any(path == "kms/legacy.tf" for path, _, _ in located(focused))


def test_a_variable_default_in_a_sibling_decides_the_verdict(project: Path) -> None:
    code, doc = scan_json("app/bad.tf")
    assert code == 1
    assert ("app/bad.tf", "KMS003", BAD_ROTATION_LINE) in located(doc)
    assert {path for path, _, _ in located(doc)} == {"app/bad.tf"}


def test_unit_level_finding_located_in_the_given_file_is_kept(project: Path) -> None:
    # KMS006 (no deletion alarm) sits at app's first key, which is in the given file.
    _, doc = scan_json("app/bad.tf")
    assert ("app/bad.tf", "KMS006", 1) in located(doc)


def test_several_files_report_on_each_of_them(project: Path) -> None:
    code, doc = scan_json("kms/key.tf", "app/bad.tf", "kms/notes.json")
    assert code == 1
    assert {path for path, _, _ in located(doc)} == {"app/bad.tf"}


def test_changing_only_a_variable_default_fails_the_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The full scan reports KMS002 at main.tf; the value comes from variables.tf, so a pre-commit
    scan of variables.tf alone reports it too (issue 13, item 9)."""
    write_tree(
        tmp_path,
        {
            "main.tf": 'resource "aws_kms_key" "k" {\n  enable_key_rotation     = true\n  deletion_window_in_days = var.window\n}\n',
            "variables.tf": 'variable "window" {\n  type    = number\n  default = 3\n}\n',
        },
    )
    monkeypatch.chdir(tmp_path)
    _, full = scan_json(".", "--select", "KMS002")
    assert [(f["path"], f["line"], f["related"]) for f in full["findings"]] == [("main.tf", 3, [{"path": "variables.tf", "line": 3}])]
    code, doc = scan_json("variables.tf", "--select", "KMS002")
    assert code == 1
    assert located(doc) == {("main.tf", "KMS002", 3)}


def test_a_module_covered_by_its_callers_alarms_gets_no_unit_finding_in_a_focus_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tf_samples import MONITORING_TF

    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "modules/kms/main.tf": 'variable "rotate" {}\nresource "aws_kms_key" "k" {\n  enable_key_rotation = var.rotate\n}\n',
            "live/main.tf": 'module "kms" {\n  source = "../modules/kms"\n  rotate = false\n}\n',
            "live/monitoring.tf": MONITORING_TF,
        },
    )
    monkeypatch.chdir(tmp_path)
    _, full = scan_json(".", "--select", "KMS003,KMS006,KMS007")
    assert located(full) == {("live/main.tf", "KMS003", 3)}
    _, focus = scan_json("modules/kms/main.tf", "--select", "KMS003,KMS006,KMS007")
    # The rotation finding depends on the module's line (related), so it stays; no unit finding appears.
    assert located(focus) == {("live/main.tf", "KMS003", 3)}
    assert focus["findings"][0]["related"] == [{"path": "modules/kms/main.tf", "line": 3}]
    _, caller = scan_json("live/main.tf", "--select", "KMS003,KMS006,KMS007")
    assert located(caller) == {("live/main.tf", "KMS003", 3)}


def test_caller_search_reads_only_regular_files_within_the_limit_and_decodes_escapes(tmp_path: Path) -> None:
    from kmslint.focus import terraform_callers

    module = tmp_path / "modules" / "kms"
    module.mkdir(parents=True)
    (module / "main.tf").write_text('resource "aws_kms_key" "k" {}\n')
    for name, text in {
        "plain": 'module "k" {\n  source = "../modules/kms"\n}\n',
        "escaped": 'module "k" {\n  source = "\\u002e./modules/kms"\n}\n',
        "huge": 'module "k" {\n  source = "../modules/kms"\n}\n' + "# padding\n" * 200,
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(text)
    (tmp_path / "fifo").mkdir()
    os.mkfifo(tmp_path / "fifo" / "main.tf")  # opening it would block until a writer came
    found = terraform_callers({module.resolve()}, tmp_path.resolve(), max_bytes=1000)
    assert [p.name for p in found] == ["escaped", "plain"]


def test_caller_search_reads_json_callers_and_links_that_stay_inside(tmp_path: Path) -> None:
    from kmslint.focus import terraform_callers

    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    module = repo / "modules" / "kms"
    module.mkdir(parents=True)
    (module / "main.tf").write_text('resource "aws_kms_key" "k" {}\n')
    call = 'module "k" {\n  source = "../modules/kms"\n}\n'
    for name in ("plain", "json", "linked", "outside"):
        (repo / name).mkdir()
    (repo / "plain" / "main.tf").write_text(call)
    (repo / "json" / "main.tf.json").write_text('{"module": {"k": {"source": "../modules/kms"}}}')
    (repo / "linked" / "main.tf").symlink_to(repo / "plain" / "main.tf")  # inside: read, resolved from its own folder
    elsewhere.mkdir()
    (elsewhere / "main.tf").write_text(call)
    (repo / "outside" / "main.tf").symlink_to(elsewhere / "main.tf")  # out of the repository: never read
    (repo / "dirlink").symlink_to(repo / "plain", target_is_directory=True)  # a linked folder is not walked
    (repo / "piped").mkdir()
    os.mkfifo(repo / "piped" / "pipe")
    (repo / "piped" / "main.tf").symlink_to(repo / "piped" / "pipe")  # a link to a FIFO must not block the search
    found = terraform_callers({module.resolve()}, repo.resolve())
    assert [p.name for p in found] == ["json", "linked", "plain"]
