"""The documentation tells the truth: how to install (never from a package index), which Python, the
contributor's test command as CI runs it, no links to sites that do not exist."""

from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path

import pytest

from kmslint.cli import main

PROJECT = Path(__file__).resolve().parent.parent
PAGES = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md")), *sorted((PROJECT / "kmslint" / "checkov_pack").glob("*.py"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_says_pip_install_kmslint(page: Path) -> None:
    assert re.search(r"pip install kmslint(?![\w/-])", page.read_text(encoding="utf-8")) is None


def test_readme_names_the_python_pyproject_requires() -> None:
    required = re.search(r'requires-python = ">=(\d+\.\d+)"', (PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert required and f"Python {required.group(1)} or newer" in readme
    assert "3.10" not in readme


def test_quick_start_is_the_users_two_commands_and_ci_runs_the_contributors() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S)
    assert block and block.group(1).splitlines() == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install .",
        "kmslint scan fixtures/terraform",
    ]
    assert "pytest" not in quick
    development = readme.split("## Development", 1)[1]
    test_command = re.search(r"```sh\n\s*(.*?)\n", development)
    assert test_command and test_command.group(1).strip() == "pip install -e '.[test]' && python -m pytest"
    ci = [shlex.split(line) for line in (PROJECT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    for part in test_command.group(1).split("&&"):
        assert [w for w in shlex.split(part) if w != "--quiet"] in [[w for w in c if w != "--quiet"] for c in ci], part


def test_sarif_points_at_no_site_that_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {}\n')
    out = io.StringIO()
    main(["scan", ".", "--format", "sarif"], stdout=out, stderr=io.StringIO())
    assert "kmslint.dev" not in out.getvalue()
    assert "informationUri" not in json.loads(out.getvalue())["runs"][0]["tool"]["driver"]


def test_a_terragrunt_tree_says_its_files_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "live" / "prod").mkdir(parents=True)
    (tmp_path / "live" / "prod" / "terragrunt.hcl").write_text('terraform {\n  source = "../../modules/kms"\n}\n')
    out = io.StringIO()
    assert main(["scan", "."], stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue().splitlines()[-1] == (
        "kmslint: 0 files scanned: 0 errors, 0 warnings, 0 notes, 1 not checked (run with --show-unknown); "
        "Terragrunt files are not read (1 terragrunt.hcl)"
    )
    out = io.StringIO()
    main(["scan", ".", "--format", "json"], stdout=out, stderr=io.StringIO())
    (item,) = json.loads(out.getvalue())["unchecked"]
    assert item["path"] == "live/prod/terragrunt.hcl" and item["reason"].startswith("Terragrunt files are not read")
    assert main(["scan", ".", "--exclude", "live"], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    out = io.StringIO()
    main(["scan", ".", "--exclude", "live", "--format", "json"], stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["unchecked"] == []
