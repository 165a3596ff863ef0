"""The scan stays in its repository (issue 17): configuration is looked up from the scanned path to the
repository root and never above; the report names the file used; a configuration linked out of the
repository is refused without echoing it; a deep baseline is a clear error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kmslint.baseline import BaselineError, load_baseline
from kmslint.cli import main
from kmslint.config import ConfigError, find_config, load_config
from kmslint.repository import repository_root

KEY = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    rc = main(args, stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


def test_a_configuration_above_the_repository_is_not_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".kmslint.yaml").write_text('exclude: ["*"]\n')  # a shared CI temp folder
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text(KEY)
    rc, out, _ = run(["scan", ".", "--format", "json", "--select", "KMS003"], repo, monkeypatch)
    doc = json.loads(out)
    assert rc == 1 and [f["path"] for f in doc["findings"]] == ["main.tf"]
    assert doc["config"] is None


def test_outside_git_only_the_scanned_folder_is_searched(tmp_path: Path) -> None:
    (tmp_path / ".kmslint.yaml").write_text("select: [KMS003]\n")
    scanned = tmp_path / "project"
    scanned.mkdir()
    assert repository_root(scanned) == scanned.resolve()
    assert find_config(scanned) is None
    (scanned / ".kmslint.yaml").write_text("select: [KMS003]\n")
    assert find_config(scanned) == scanned.resolve() / ".kmslint.yaml"


def test_inside_a_repository_the_search_stops_at_its_top(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kmslint]\nselect = ['KMS003']\n")
    repo = tmp_path / "repo"
    (repo / "modules" / "kms").mkdir(parents=True)
    (repo / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    assert find_config(repo / "modules" / "kms") is None
    (repo / ".kmslint.yml").write_text("select: [KMS003]\n")
    assert find_config(repo / "modules" / "kms") == repo.resolve() / ".kmslint.yml"


def test_the_json_report_names_the_configuration_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".kmslint.yaml").write_text("select: [KMS003]\n")
    (tmp_path / "main.tf").write_text(KEY)
    _, out, _ = run(["scan", ".", "--format", "json"], tmp_path, monkeypatch)
    assert json.loads(out)["config"] == ".kmslint.yaml"
    _, out, _ = run(["scan", "."], tmp_path, monkeypatch)
    assert out.splitlines()[-1].endswith("; configuration: .kmslint.yaml")
    (tmp_path / ".kmslint.yaml").unlink()
    _, out, _ = run(["scan", "."], tmp_path, monkeypatch)
    assert "configuration:" not in out


def test_a_named_file_linked_out_of_the_tree_does_not_move_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(KEY)
    (tmp_path / "evil.tf").symlink_to("/proc/self/environ")
    rc, out, _ = run(["scan", "evil.tf", "main.tf", "--format", "json"], tmp_path, monkeypatch)
    doc = json.loads(out)
    (evil,) = [f for f in doc["findings"] if f["path"] == "evil.tf"]
    assert evil["rule_id"] == "KMS000" and "not followed" in evil["message"]
    assert any(f["path"] == "main.tf" for f in doc["findings"])


def test_a_configuration_linked_out_of_the_repository_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password: [hunter2\n")  # invalid YAML whose line an error would echo
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".kmslint.yaml").symlink_to(secret)
    (repo / "main.tf").write_text(KEY)
    with pytest.raises(ConfigError, match="symbolic link to a file outside the repository"):
        load_config(repo)
    rc, _, err = run(["scan", "."], repo, monkeypatch)
    assert rc == 2 and "hunter2" not in err and "outside the repository" in err


def test_a_yaml_error_says_where_without_echoing_the_line(tmp_path: Path) -> None:
    (tmp_path / ".kmslint.yaml").write_text("select: [KMS003\nignore: secret-value-here\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "line " in str(info.value) and "secret-value-here" not in str(info.value)


def test_a_deep_baseline_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BaselineError, match="nested too deeply"):
        load_baseline(path)
