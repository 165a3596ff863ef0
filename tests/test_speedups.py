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


def test_a_warm_terraform_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    """A pre-commit run on a few .tf files pays for every import. Once the per-user cache holds
    the validated rules, it needs no YAML, JSON Schema, cfn-lint or process pool."""
    import subprocess
    import sys

    (tmp_path / "kms.tf").write_text('resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n')
    code = (
        "import sys; from kmslint.cli import main; code = main(['scan', 'kms.tf', '--format', 'json'], stdout=open('/dev/null', 'w')); "
        "print(code, sorted(m for m in ('yaml', 'jsonschema', 'cfnlint', 'multiprocessing', 'concurrent.futures') if m in sys.modules))"
    )
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert cold.stdout.split(" ", 1)[0] == "1" and "'yaml'" in cold.stdout, cold.stdout + cold.stderr  # KMS findings; rules read
    assert warm.stdout.strip() == "1 []", warm.stdout + warm.stderr


def test_version_imports_nothing_it_does_not_need() -> None:
    import subprocess
    import sys

    code = "import sys; from kmslint.cli import main; main(['--version']); print(sorted(m for m in sys.modules if m.startswith(('kmslint', 'yaml', 'lark', 'hcl2'))))"
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    from kmslint import __version__

    assert out.stdout.splitlines() == [f"kmslint {__version__}", "['kmslint', 'kmslint.cli']"], out.stdout + out.stderr


def test_a_change_outside_kms_code_never_loads_the_terraform_parser(tmp_path: Path) -> None:
    """Most commits touch no KMS code: the pre-commit run then answers from the text check alone."""
    import subprocess
    import sys

    (tmp_path / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    code = (
        "import sys; from kmslint.cli import main; code = main(['scan', 'main.tf'], stdout=open('/dev/null', 'w')); "
        "print(code, sorted(m for m in ('lark', 'hcl2', 'kmslint.loaders.terraform.loader') if m in sys.modules))"
    )
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr
