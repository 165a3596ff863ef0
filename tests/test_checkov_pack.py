"""The checkov pack, run by real checkov 3.3 from its own virtualenv, gives kmslint's verdicts.

checkov cannot share an environment with kmslint (bc-python-hcl2 and python-hcl2 both own ``hcl2``),
so checkov lives in its own virtualenv: ``.bench/checkov-venv`` when the benchmarks made one
(benchmarks/setup_checkov.sh), else one installed once per session. The pack finds kmslint through
``KMSLINT_BIN``, here a small script that runs this working tree's kmslint.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from kmslint.checkov_pack import CATALOG, PACK_DIR, catalog_text
from kmslint.cli import main
from kmslint.engine.rules import load_rules
from kmslint_script import write_kmslint_script

PROJECT = Path(__file__).resolve().parent.parent
CHECKOV_SPEC = "checkov==3.3.*"
CACHED_CHECKOV = PROJECT / ".bench" / "checkov-venv" / "bin" / "checkov"
CHECK_IDS = [f"CKV_KMSLINT_{r.id[3:]}" for r in load_rules()]
DETAIL = re.compile(r"^\S+:\d+:\d+: KMS\d{3} \[(error|warning|note)\] ")

Verdict = tuple[str, str, str]  # (rule id, case folder or file, resource)
# Cases whose resources checkov 3.3 itself never offers to a check: Terraform JSON syntax, and a
# registry module that exists only under .terraform/modules (kmslint reads it through modules.json).
CHECKOV_CANNOT_SEE = frozenset({"cdktf_key.tf.json", "json_syntax", "registry_init"})

# Each run of checkov takes 4-10 s; without .bench/checkov-venv the first one installs checkov (about 2 min).
slow = pytest.mark.slow

CFN_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Loose:
    Type: AWS::KMS::Key
    Metadata:
      kmslint:
        ignore:
          - id: KMS011
            reason: looked up by id in the DR runbook
    Properties:
      EnableKeyRotation: false
      PendingWindowInDays: 3
  Tight:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
  TightAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/tight
      TargetKeyId: !Ref Tight
"""


def checkov_version(exe: Path) -> str:
    if not exe.is_file():
        return ""
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=120)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def install_checkov(venv: Path) -> Path:
    exe = venv / "bin" / "checkov"
    steps = ([sys.executable, "-m", "venv", str(venv)], [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", CHECKOV_SPEC])
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            pytest.skip(f"cannot install {CHECKOV_SPEC} into a virtualenv ({' '.join(cmd[:3])}...): {proc.stderr.strip()[-500:]}")
    return exe


@pytest.fixture(scope="session")
def checkov(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if checkov_version(CACHED_CHECKOV).startswith("3.3."):
        return CACHED_CHECKOV
    exe = install_checkov(tmp_path_factory.mktemp("checkov-venv"))
    version = checkov_version(exe)
    if not version.startswith("3.3."):
        pytest.skip(f"{exe} is not checkov 3.3.x (got {version!r})")
    return exe


@pytest.fixture(scope="session")
def kmslint_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An executable that runs this working tree's kmslint with the test interpreter."""
    return write_kmslint_script(tmp_path_factory.mktemp("kmslint-bin") / "kmslint")


def run_checkov(checkov: Path, target: Path, cwd: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    cmd = [str(checkov), "-d", str(target), "--framework", "terraform", "cloudformation", "--external-checks-dir", str(PACK_DIR),
           "--check", ",".join(CHECK_IDS), "--skip-download", "-o", "json"]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    return doc if isinstance(doc, list) else [doc]


def checkov_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KMSLINT_BIN"}
    env.update(extra)
    return env


def records(reports: list[dict[str, Any]], kind: str) -> Iterator[dict[str, Any]]:
    for report in reports:
        yield from report["results"][kind]


def checkov_verdicts(reports: list[dict[str, Any]], kind: str) -> set[Verdict]:
    return {("KMS" + r["check_id"].rsplit("_", 1)[1], case_of(r["file_path"]), r["resource"].split(".")[-1] if is_cfn(r) else r["resource"])
            for r in records(reports, kind)}


def is_cfn(record: dict[str, Any]) -> bool:
    return str(record["resource"]).startswith("AWS::")


def case_of(path: str) -> str:
    """The fixture case a file belongs to: its first folder (a Terraform module call lives in its case's tree)."""
    return path.strip("/").split("/")[0]


def kmslint_verdicts(target: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[set[Verdict], set[Verdict]]:
    """(findings, suppressed) of an in-process scan of ``target``, for findings that name a resource."""
    monkeypatch.chdir(target)
    out = io.StringIO()
    assert main(["scan", ".", "--format", "json", "--fail-on", "none"], stdout=out, stderr=io.StringIO()) == 0
    doc = json.loads(out.getvalue())
    assert doc["errors"] == []

    def verdicts(items: list[dict[str, Any]]) -> set[Verdict]:
        return {(f["rule_id"], case_of(f["path"]), f["resource"]) for f in items if f["resource"]}

    return verdicts(doc["findings"]), verdicts(doc["suppressed"])


def test_catalog_matches_the_rules() -> None:
    assert CATALOG.read_text(encoding="utf-8") == catalog_text(load_rules()), (
        "kmslint/checkov_pack/rules.jsonl is stale: python -c 'import kmslint.checkov_pack as p; p.write_catalog()'"
    )


@slow
def test_pack_gives_kmslints_verdicts_on_terraform_fixtures(
    checkov: Path, kmslint_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = PROJECT / "fixtures" / "terraform"
    reports = run_checkov(checkov, target, tmp_path, checkov_env(KMSLINT_BIN=str(kmslint_bin)))
    found, suppressed = kmslint_verdicts(target, monkeypatch)
    found = {v for v in found if v[1] not in CHECKOV_CANNOT_SEE}
    assert len({rule for rule, _, _ in found}) >= 8, "the fixtures should exercise most rules"
    assert checkov_verdicts(reports, "failed_checks") == found
    assert checkov_verdicts(reports, "skipped_checks") == suppressed
    assert checkov_verdicts(reports, "passed_checks").isdisjoint(found)
    assert sum(1 for _ in records(reports, "passed_checks")) > len(found)
    # checkov shows kmslint's message, with its location, under each Terraform failure.
    assert all(r["details"] and DETAIL.match(r["details"][0]) for r in records(reports, "failed_checks")), reports


@slow
def test_pack_gives_kmslints_verdicts_on_cloudformation(
    checkov: Path, kmslint_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cfn"
    target.mkdir()
    (target / "keys.yaml").write_text(CFN_TEMPLATE, encoding="utf-8")
    reports = run_checkov(checkov, target, tmp_path, checkov_env(KMSLINT_BIN=str(kmslint_bin)))
    found, suppressed = kmslint_verdicts(target, monkeypatch)
    assert {("KMS003", "keys.yaml", "Loose"), ("KMS002", "keys.yaml", "Loose")} <= found
    assert suppressed == {("KMS011", "keys.yaml", "Loose")}
    assert checkov_verdicts(reports, "failed_checks") == found
    assert checkov_verdicts(reports, "skipped_checks") == suppressed
    assert ("KMS003", "keys.yaml", "Tight") in checkov_verdicts(reports, "passed_checks")


@slow
def test_without_kmslint_every_check_fails_and_says_why(checkov: Path, tmp_path: Path) -> None:
    target = tmp_path / "tf"
    target.mkdir()
    (target / "key.tf").write_text('resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n', encoding="utf-8")
    reports = run_checkov(checkov, target, tmp_path, checkov_env(PATH=str(checkov.parent)))
    failed = list(records(reports, "failed_checks"))
    assert list(records(reports, "passed_checks")) == []
    assert {r["check_id"] for r in failed} == set(CHECK_IDS)
    assert all("kmslint executable was not found" in r["details"][0] for r in failed)


def test_checkov_pack_command_prints_a_loadable_pack_directory() -> None:
    out = io.StringIO()
    assert main(["checkov-pack"], stdout=out) == 0
    pack = Path(out.getvalue().strip())
    assert pack == PACK_DIR
    # checkov loads *.py checks only from a directory with __init__.py, and reads *.json/*.yaml as policies.
    assert {p.name for p in pack.iterdir() if p.suffix in (".py", ".json", ".yaml", ".yml")} == {"__init__.py", "kmslint_checks.py"}
