"""The GitHub Action (action.yml) and the example workflow: valid for GitHub, and the scan step works.

The schemas are the public ones (SchemaStore's github-action and github-workflow) that check-jsonschema
ships vendored. The scan step's script is run with bash the way a runner runs a composite step, with
the runner's variables pointing into a temporary directory and this working tree's kmslint standing in
for the one the install step puts in the virtualenv.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kmslint_script import write_kmslint_script
from tf_samples import BAD_MODULE, BAD_ROTATION_LINE, GOOD_MODULE, write_tree

PROJECT = Path(__file__).resolve().parent.parent
ACTION = PROJECT / "action.yml"
WORKFLOW = PROJECT / "docs" / "github-workflow-example.yml"

pytest.importorskip("check_jsonschema", reason="check-jsonschema is a test dependency: pip install -e '.[test]'")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def step(doc: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in doc["runs"]["steps"] if s.get("id") == step_id)


@pytest.mark.parametrize(("path", "schema"), [(ACTION, "vendor.github-actions"), (WORKFLOW, "vendor.github-workflows")])
def test_valid_against_githubs_public_schema(path: Path, schema: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_contract() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"paths", "sarif-file", "fail-on", "category"} <= set(action["inputs"])
    assert action["outputs"]["sarif-file"]["value"] == "${{ steps.scan.outputs.sarif-file }}"
    # Inputs reach the scripts through env only: an expression inside `run` is a script-injection hole.
    assert all("${{" not in s.get("run", "") for s in action["runs"]["steps"])
    install = next(s["run"] for s in action["runs"]["steps"] if s.get("name") == "Install kmslint")
    assert '"$GITHUB_ACTION_PATH"' in install and "-m venv" in install
    cache = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "~/.cache/kmslint-pip" and 'PIP_CACHE_DIR="$HOME/.cache/kmslint-pip"' in install


def test_example_workflow_uploads_sarif_even_when_kmslint_fails() -> None:
    workflow = load(WORKFLOW)
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    scan = next(s for s in steps if "kmslint" in s.get("uses", "") and "upload-sarif" not in s["uses"])
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert steps.index(upload) > steps.index(scan)
    assert "always()" in upload["if"]
    assert upload["with"]["sarif_file"] == scan["with"]["sarif-file"]
    assert set(scan["with"]) <= set(load(ACTION)["inputs"])
    assert "category" not in upload["with"], "set the category once: the action writes it into the log"


def run_scan_step(workspace: Path, runner_temp: Path, inputs: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the scan step as a runner does: its ``run`` line, its env, GITHUB_ACTION_PATH at this checkout,
    and a fake GITHUB_STEP_SUMMARY (read it back from ``runner_temp / "step_summary.md"``)."""
    scan = step(load(ACTION), "scan")
    script = runner_temp / "scan.sh"
    script.write_text(scan["run"], encoding="utf-8")
    output = runner_temp / "github_output"
    output.write_text("", encoding="utf-8")
    env = dict(os.environ, RUNNER_TEMP=str(runner_temp), GITHUB_OUTPUT=str(output), GITHUB_ACTION_PATH=str(PROJECT),
               GITHUB_STEP_SUMMARY=str(runner_temp / "step_summary.md"))
    inputs = {"report-unused-suppressions": "true", **inputs}
    env.update({name: inputs[expr.split("inputs.")[1].rstrip(" }")] for name, expr in scan["env"].items()})
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc, output.read_text(encoding="utf-8")


@pytest.fixture
def runner(tmp_path: Path) -> tuple[Path, Path]:
    """(workspace with a bad and a good module, RUNNER_TEMP whose venv kmslint runs this working tree)."""
    workspace, temp = tmp_path / "workspace", tmp_path / "runner-temp"
    write_tree(workspace, {**GOOD_MODULE, **BAD_MODULE})
    write_kmslint_script(temp / "kmslint-venv" / "bin" / "kmslint")
    (temp / "kmslint-venv" / "bin" / "python").symlink_to(sys.executable)
    return workspace, temp


def test_scan_step_writes_sarif_and_fails_on_the_chosen_level(runner: tuple[Path, Path]) -> None:
    workspace, temp = runner
    inputs = {"paths": "app\nkms", "sarif-file": "kmslint.sarif", "fail-on": "error", "category": "kmslint", "omit-suppressed": "false"}
    proc, outputs = run_scan_step(workspace, temp, inputs)
    assert proc.returncode == 1, proc.stderr
    assert outputs.splitlines() == ["sarif-file=kmslint.sarif"]
    (run,) = json.loads((workspace / "kmslint.sarif").read_text(encoding="utf-8"))["runs"]
    assert run["automationDetails"] == {"id": "kmslint/"}
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]}
    assert ("KMS003", "app/bad.tf", BAD_ROTATION_LINE) in located
    assert ("KMS003", "kms/legacy.tf", 1) in located  # both paths were scanned


def test_scan_step_passes_with_fail_on_none_and_no_category(runner: tuple[Path, Path]) -> None:
    workspace, temp = runner
    proc, _ = run_scan_step(workspace, temp, {"paths": ".", "sarif-file": "out.sarif", "fail-on": "none", "category": "", "omit-suppressed": "false"})
    assert proc.returncode == 0, proc.stderr
    (run,) = json.loads((workspace / "out.sarif").read_text(encoding="utf-8"))["runs"]
    assert "automationDetails" not in run and run["results"]


def test_scan_step_can_leave_suppressed_findings_out_of_the_upload(runner: tuple[Path, Path]) -> None:
    workspace, temp = runner
    (workspace / "kms" / "legacy.tf").write_text(
        "# kmslint:ignore KMS003 -- legacy key, rotated by hand every quarter\n" + (workspace / "kms" / "legacy.tf").read_text()
    )

    def kms003_results(omit: str) -> list[dict[str, object]]:
        inputs = {"paths": "kms", "sarif-file": "s.sarif", "fail-on": "none", "category": "", "omit-suppressed": omit}
        proc, _ = run_scan_step(workspace, temp, inputs)
        assert proc.returncode == 0, proc.stderr
        (run,) = json.loads((workspace / "s.sarif").read_text(encoding="utf-8"))["runs"]
        return [r for r in run["results"] if r["ruleId"] == "KMS003"]

    kept = kms003_results("false")
    assert len(kept) == 1 and kept[0]["suppressions"][0]["justification"].startswith("legacy key")
    assert kms003_results("true") == []


def test_scan_step_prints_annotations_and_writes_a_job_summary(runner: tuple[Path, Path]) -> None:
    workspace, temp = runner
    (workspace / "kms" / "legacy.tf").write_text(
        "# kmslint:ignore KMS002 -- the window was reviewed\n" + (workspace / "kms" / "legacy.tf").read_text()
    )
    inputs = {"paths": ".", "sarif-file": "kmslint.sarif", "fail-on": "error", "category": "", "omit-suppressed": "false"}
    proc, _ = run_scan_step(workspace, temp, inputs)
    assert proc.returncode == 1, proc.stderr
    log = proc.stdout.splitlines()
    assert f"::error file=app/bad.tf,line={BAD_ROTATION_LINE},col=3,title=KMS003 rotation-enabled::" in "\n".join(log)
    assert log[-1].startswith("kmslint: ") and all(x.startswith("::") for x in log[:-1])
    # CI mode: the comment that matches no finding is reported, as an annotation and in the summary.
    assert "::warning file=kms/legacy.tf,line=1,title=kmslint::unused suppression: no KMS002 finding here" in proc.stdout
    summary = (temp / "step_summary.md").read_text(encoding="utf-8")
    assert summary.startswith("## kmslint\n")
    assert "### Findings by rule" in summary and "| KMS003 rotation-enabled | error |" in summary
    assert f"| app/bad.tf:{BAD_ROTATION_LINE} | KMS003 | Automatic key rotation is off for aws\\_kms\\_key.bad" in summary
    assert "### Warnings about the input" in summary and "unused suppression" in summary
    assert json.loads((workspace / "kmslint.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]  # SARIF still written


def test_job_summary_escapes_input_and_lists_what_was_not_checked() -> None:
    sys.path.insert(0, str(PROJECT / "action"))
    try:
        import summary  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    doc = {
        "findings": [{"rule_id": "KMS003", "rule_name": "rotation-enabled", "level": "error", "path": "a|<b>.tf", "line": 2,
                      "message": "Off for <img src=x>\n| x. Fix it."}],
        "unchecked": [{"path": "live/terragrunt.hcl", "line": 1, "reason": "Terragrunt files are not read"}],
        "errors": [], "suppressed": [],
    }
    md = summary.render(doc, "kmslint.sarif")
    assert "**1 error, 0 warnings, 0 notes** (0 suppressed findings, 1 not checked)." in md
    assert "| a\\|&lt;b&gt;.tf:2 | KMS003 | Off for &lt;img src=x&gt; \\| x. |" in md
    assert "- live/terragrunt.hcl:1: Terragrunt files are not read" in md
