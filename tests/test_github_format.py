"""--format github (workflow commands), several reports in one run, and `kmslint rules --format json`."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from kmslint.cli import main
from kmslint.engine.rules import load_rules
from kmslint.findings import Finding, ScanResult, ScanWarning
from kmslint.model.values import Location
from kmslint.report import github

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "terraform"
COMMAND = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,title=KMS\d{3} [a-z0-9-]+::[^\n]+$")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main(list(argv), stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


def test_findings_become_workflow_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    rc, out, _ = run("scan", "window", "--format", "github")
    lines = out.splitlines()
    assert rc == 1 and lines[-1].startswith("kmslint: 2 files scanned: ")
    assert [x for x in lines[:-1] if not COMMAND.match(x)] == []
    assert lines[1] == (
        "::error file=window/main.tf,line=28,col=3,title=KMS002 deletion-window::The deletion waiting period is 5 days: "
        "AWS rejects this, the window must be 7 to 30 days. Use 30, or remove the attribute to get AWS's default of 30."
    )
    assert lines[0].startswith("::notice file=window/main.tf,line=19,col=16,title=KMS014 runtime-window-guard::")  # a note is a notice


def test_escaping_follows_the_actions_toolkit() -> None:
    assert github.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    finding = Finding(Location("a,b:c%.tf", 2, 5), "KMS003", "error", "off for x\n::error::forged\x1b[0m 50%", "rotation-enabled")
    warning = ScanWarning("m.tf", 4, "suppression names KMS020, which is unknown")
    out = github.render(ScanResult(findings=(finding,), warnings=(warning,), files_scanned=1), load_rules())
    lines = out.splitlines()
    assert lines[0] == "::error file=a%2Cb%3Ac%25.tf,line=2,col=5,title=KMS003 rotation-enabled::off for x\\n::error::forged\\x1b[0m 50%25"
    assert lines[1] == "::warning file=m.tf,line=4,title=kmslint::suppression names KMS020, which is unknown"
    assert len(lines) == 3


def test_several_reports_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    sarif, report = tmp_path / "k.sarif", tmp_path / "k.json"
    rc, out, _ = run("scan", "window", "--format", "github", "--output-sarif", str(sarif), "--output-json", str(report))
    assert rc == 1 and out.startswith("::")
    findings = {(f["rule_id"], f["line"]) for f in json.loads(report.read_text())["findings"]}
    (run_,) = json.loads(sarif.read_text())["runs"]
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run_["results"]}
    assert findings == results and ("KMS002", 28) in findings
    assert len(out.splitlines()) == len(findings) + 1


def test_rules_as_json() -> None:
    rc, out, _ = run("rules", "--format", "json")
    doc = json.loads(out)
    by_id = {r["id"]: r for r in doc["rules"]}
    assert rc == 0 and sorted(by_id) == sorted(r.id for r in load_rules())
    assert by_id["KMS003"]["name"] == "rotation-enabled"
    assert by_id["KMS003"]["parameters"]["max_period_days"]["default"] == 365
