"""What a one-file (pre-commit) scan imports, checked in a fresh interpreter.

Most commits change files that cannot matter to a KMS rule; for those the scan must not load the
model, the rule engine, a loader or the parse cache (their import was most of the hook's time), nor
PyYAML and JSON Schema for a configuration it has validated before. This is not a timing test: it
lists modules, so it fails the same way on a slow machine and a fast one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# Prints main's exit code, then every module imported; the report goes to a buffer.
SCRIPT = """
import io, sys
from kmslint.cli import main
code = main(sys.argv[1:], stdout=io.StringIO(), stderr=io.StringIO())
print(code)
print("\\n".join(sorted(sys.modules)))
"""

NOT_NEEDED = ("kmslint.model", "kmslint.engine.engine", "kmslint.engine.api", "kmslint.predicates", "kmslint.loaders.terraform.loader",
              "kmslint.loaders.terraform.sources", "kmslint.loaders.sniff", "kmslint.loaders.plan", "kmslint.loaders.cloudformation",
              "kmslint.parsecache", "kmslint.report.sarif", "kmslint.report.text", "lark", "hcl2", "cfnlint", "sqlite3",
              "yaml", "jsonschema", "tomllib")


def imported(cwd: Path, cache: Path, *args: str) -> tuple[int, set[str]]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PROJECT), os.environ.get("PYTHONPATH", "")]), XDG_CACHE_HOME=str(cache))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    code, *modules = proc.stdout.split()
    return int(code), set(modules)


def loaded(modules: set[str], prefix: str) -> bool:
    return any(m == prefix or m.startswith(prefix + ".") for m in modules)


def test_a_file_that_cannot_matter_loads_no_model_engine_or_loader(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    queue, keys = repo / "queue", repo / "keys"
    queue.mkdir()
    keys.mkdir()
    (queue / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    (queue / "variables.tf").write_text('variable "name" {\n  default = "q"\n}\n')
    (keys / "kms.tf").write_text('resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n')
    (repo / ".kmslint.yaml").write_text("rules:\n  KMS002: {min_days: 14}\n")
    (queue / "pyproject.toml").write_text('[project]\nname = "queue-tools"\n')  # met first on the way up; not ours
    cache = tmp_path / "cache"
    for _ in range(2):  # the first run caches the rule catalog and the configuration; the second is the hook's usual run
        code, modules = imported(queue, cache, "scan", "main.tf", "--format", "json")
    assert code == 0
    assert [m for m in NOT_NEEDED if loaded(modules, m)] == []
    assert "kmslint.scan" in modules and "kmslint.report.json_report" in modules  # it did scan and report

    # The same scan of a file that can matter loads them: the check above can fail.
    code, modules = imported(keys, cache, "scan", "kms.tf", "--format", "json")
    assert code == 1
    assert loaded(modules, "kmslint.model") and loaded(modules, "kmslint.engine.engine")


def test_a_template_without_kms_loads_no_model_and_a_broken_one_is_still_reported(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    queue = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
    (tmp_path / "queue.yaml").write_text(queue)
    (tmp_path / "deep.yaml").write_text(queue + "  Deep:\n    Type: AWS::SQS::Queue\n    Properties: " + "[" * 150 + "]" * 150 + "\n")
    cache = tmp_path / "cache"
    for _ in range(2):
        code, modules = imported(tmp_path, cache, "scan", "queue.yaml", "--format", "json")
    assert code == 0 and [m for m in NOT_NEEDED if loaded(modules, m)] == ["kmslint.loaders.sniff"]  # it tells templates apart
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PROJECT), os.environ.get("PYTHONPATH", "")]), XDG_CACHE_HOME=str(cache))
    proc = subprocess.run([sys.executable, "-m", "kmslint", "scan", "deep.yaml", "--format", "json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert [(f["rule_id"], f["path"], f["line"]) for f in json.loads(proc.stdout)["findings"]] == [("KMS000", "deep.yaml", 7)]


def test_a_file_that_cannot_matter_still_gets_its_comment_warnings_and_summary(tmp_path: Path) -> None:
    """The short way (no model, no engine) reports what the full way reports: a misspelt
    suppression comment in the file, the files counted, the configuration named."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n# kmslint:ignore KMS999 -- no such rule\n')
    (tmp_path / "outputs.tf").write_text('output "q" {\n  value = aws_sqs_queue.q.arn\n}\n')
    (tmp_path / ".kmslint.yaml").write_text("fail-on: note\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PROJECT), os.environ.get("PYTHONPATH", "")]), XDG_CACHE_HOME=str(tmp_path / "cache"))

    def scan(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "kmslint", "scan", "main.tf", *args]
        return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    text, as_json = scan(), scan("--format", "json")
    assert text.returncode == as_json.returncode == 0, text.stderr
    warning = "kmslint: warning: main.tf:2: suppression names KMS999 is not a kmslint rule (did you mean 'KMS009'?)\n"
    assert text.stderr == as_json.stderr == warning
    assert text.stdout == "kmslint: 2 files scanned: 0 errors, 0 warnings, 0 notes; configuration: .kmslint.yaml\n"
    report = json.loads(as_json.stdout)
    assert report["findings"] == [] and report["suppressed"] == [] and report["unchecked"] == []
    assert [(e["path"], e["line"], e["level"]) for e in report["errors"]] == [("main.tf", 2, "warning")]
    assert report["config"] == ".kmslint.yaml"


def test_item_targets_are_what_an_empty_inventory_has_none_of() -> None:
    """The scan skips the engine when nothing was loaded only for rules over inventory items; this
    ties that list to the engine's targets and the rule schema, so a new target cannot slip past it."""
    from kmslint.engine.api import targets
    from kmslint.engine.rules import ITEM_TARGETS
    from kmslint.model.resources import Inventory

    schema = json.loads((PROJECT / "kmslint" / "engine" / "rule_schema.json").read_text())
    assert set(schema["properties"]["target"]["enum"]) == ITEM_TARGETS | {"inventory"}
    assert all(targets(kind, Inventory()) == () for kind in ITEM_TARGETS)
    assert targets("inventory", Inventory()) == (Inventory(),)
