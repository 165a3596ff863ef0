"""The speed-ups change nothing: same findings with one or two processes, with or without the
relevance prefilter, on every fixture (issue 8). Timing itself is measured in benchmarks/."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmslint.config import load_config
from kmslint.engine.rules import load_rules
from kmslint.loaders.terraform import parallel
from kmslint.scan import ScanOptions, run_scan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def findings(case: Path, jobs: int, prefilter: bool) -> list[tuple[str, str, int, int, str]]:
    result, _ = run_scan(ScanOptions((case,), case, load_config(case), jobs=jobs, prefilter=prefilter), load_rules())
    return [(f.location.path, f.rule_id, f.location.line, f.location.column, f.message) for f in result.findings]


def test_parallel_and_prefilter_give_identical_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)  # force workers even for small fixtures
    cases = [FIXTURES] + sorted(p for p in (FIXTURES / "terraform").iterdir() if p.is_dir())
    for case in cases:
        baseline = findings(case, jobs=1, prefilter=False)
        assert findings(case, jobs=2, prefilter=False) == baseline, case
        assert findings(case, jobs=2, prefilter=True) == baseline, case
        assert findings(case, jobs=1, prefilter=True) == baseline, case


def test_prefilter_skips_directories_that_cannot_matter(tmp_path: Path) -> None:
    (tmp_path / "vpc").mkdir()
    (tmp_path / "vpc" / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    (tmp_path / "kms").mkdir()
    (tmp_path / "kms" / "main.tf").write_text('resource "aws_kms_key" "k" {}\n')
    (tmp_path / "kms" / "variables.tf").write_text('variable "x" {\n  default = 1\n}\n')
    assert parallel.directory_matters([tmp_path / "kms" / "main.tf", tmp_path / "kms" / "variables.tf"])
    assert not parallel.directory_matters([tmp_path / "vpc" / "main.tf"])


def test_undecodable_files_are_never_skipped(tmp_path: Path) -> None:
    bad = tmp_path / "x.tf"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    assert parallel.directory_matters([bad])


def test_parallel_parse_keeps_parse_errors_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    good, bad = tmp_path / "good.tf", tmp_path / "bad.tf"
    good.write_text('resource "aws_kms_key" "k" {}\n')
    bad.write_text('resource "aws_kms_key" "k" {\n')
    out = parallel.parse_files([(good, "good.tf"), (bad, "bad.tf")], jobs=2)
    assert not isinstance(out[good], parallel.ParseError)
    assert isinstance(out[bad], parallel.ParseError) and out[bad].location.path == "bad.tf"


def test_templates_without_kms_or_monitoring_never_import_cfn_lint(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "bucket.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n")
    code = (
        "import sys; from pathlib import Path; from kmslint.scan import ScanOptions, run_scan; "
        "from kmslint.engine.rules import load_rules; "
        f"run_scan(ScanOptions((Path({str(tmp_path)!r}),), Path({str(tmp_path)!r})), load_rules()); "
        "print('cfnlint' in sys.modules)"
    )
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "False", out.stderr
