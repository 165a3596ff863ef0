"""The speed-ups change nothing: same findings with one or two processes, with or without the
relevance prefilter, on every fixture (issue 8). Timing itself is measured in benchmarks/."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmslint.config import load_config
from kmslint.engine.rules import load_rules
from kmslint.loaders.terraform import parallel
from kmslint.scan import ScanOptions, run_scan
from kmslint_script import fresh_python

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


def test_parallel_parse_keeps_parse_errors_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    good, bad = tmp_path / "good.tf", tmp_path / "bad.tf"
    good.write_text('resource "aws_kms_key" "k" {}\n')
    bad.write_text('resource "aws_kms_key" "k" {\n')
    out = parallel.parse_files([(good, "good.tf"), (bad, "bad.tf")], jobs=2)
    assert not isinstance(out[good], parallel.ParseError)
    assert isinstance(out[bad], parallel.ParseError) and out[bad].location.path == "bad.tf"


def scan_and_list(args: str, modules: tuple[str, ...]) -> str:
    """Code that runs ``kmslint <args>`` and prints its exit code and which of ``modules`` it imported."""
    return (
        f"import sys; from kmslint.cli import main; code = main({args.split()!r}, stdout=open('/dev/null', 'w')); "
        f"print(code, sorted(m for m in {modules!r} if m in sys.modules))"
    )


def test_templates_without_kms_or_monitoring_never_import_cfn_lint(tmp_path: Path) -> None:
    (tmp_path / "bucket.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n")
    out = fresh_python(scan_and_list("scan bucket.yaml", ("cfnlint",)), tmp_path)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr


def test_a_warm_terraform_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    """A pre-commit run on a few .tf files pays for every import. Once the per-user cache holds
    the validated rules, it needs no YAML, JSON Schema, cfn-lint or process pool."""
    (tmp_path / "kms.tf").write_text('resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n')
    code = scan_and_list("scan kms.tf --format json", ("yaml", "jsonschema", "cfnlint", "multiprocessing", "concurrent.futures"))
    cold = fresh_python(code, tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    warm = fresh_python(code, tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert cold.stdout.split(" ", 1)[0] == "1" and "'yaml'" in cold.stdout, cold.stdout + cold.stderr  # KMS findings; rules read
    assert warm.stdout.strip() == "1 []", warm.stdout + warm.stderr


def test_version_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    code = "import sys; from kmslint.cli import main; main(['--version']); print(sorted(m for m in sys.modules if m.startswith(('kmslint', 'yaml', 'lark', 'hcl2'))))"
    out = fresh_python(code, tmp_path)
    from kmslint import __version__

    assert out.stdout.splitlines() == [f"kmslint {__version__}", "['kmslint', 'kmslint.cli']"], out.stdout + out.stderr


def test_a_change_outside_kms_code_never_loads_the_terraform_parser(tmp_path: Path) -> None:
    """Most commits touch no KMS code: the pre-commit run then answers from the text check alone."""
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    out = fresh_python(scan_and_list("scan main.tf", ("lark", "hcl2", "kmslint.loaders.terraform.loader")), tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr
