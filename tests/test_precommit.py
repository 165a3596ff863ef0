"""The pre-commit hook, run by real pre-commit (``try-repo``) against a temporary git repository.

pre-commit installs the hook repository into its own virtualenv with ``pip install .``. To run
offline and to test this working tree (not whatever is committed), the test copies the project into a
temporary git repository, builds a wheelhouse of kmslint's build backend and dependencies once per
session, and points pip at it with ``PIP_NO_INDEX=1`` and ``PIP_FIND_LINKS``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tf_samples import BAD_MODULE, BAD_ROTATION_LINE, GOOD_MODULE, write_tree

PROJECT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("pyproject.toml", "README.md", ".gitignore", ".pre-commit-hooks.yaml", "kmslint", "rules")
FINDING_LINE = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>KMS\d{3}) \[(?P<level>\w+)\]", re.M)

pytest.importorskip("pre_commit", reason="pre-commit is a test dependency: pip install -e '.[test]'")


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def git(cwd: Path, *args: str) -> str:
    ident = ["-c", "user.name=kmslint tests", "-c", "user.email=tests@kmslint.invalid", "-c", "commit.gpgsign=false"]
    proc = run(["git", *ident, *args], cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def commit_all(repo: Path) -> str:
    """``git init`` a temporary directory (never the project) and commit everything in it."""
    assert PROJECT not in (repo, *repo.parents)
    git(repo, "init", "-q")
    git(repo, "add", "--all", ".")
    git(repo, "commit", "-q", "-m", "test fixture")
    return git(repo, "rev-parse", "HEAD")


def build_requirements() -> list[str]:
    meta = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    return [*meta["build-system"]["requires"], *meta["project"]["dependencies"]]


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels for hatchling and every kmslint dependency, so the hook installs with no index."""
    house = tmp_path_factory.mktemp("wheelhouse")
    proc = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(house), *build_requirements()], house)
    if proc.returncode != 0:
        pytest.fail(f"cannot build the wheelhouse for the pre-commit test (needs the package index once):\n{proc.stderr[-2000:]}")
    return house


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This working tree's hook and package, committed in a temporary repository: (path, commit)."""
    repo = tmp_path_factory.mktemp("kmslint-hook-repo")
    for name in PROJECT_FILES:
        src, dst = PROJECT / name, repo / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dst)
    return repo, commit_all(repo)


def offline_env(tmp_path: Path, wheelhouse: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "VIRTUAL_ENV"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
    )
    return env


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"], PROJECT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (hook,) = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["language"], hook["require_serial"]) == ("kmslint", "kmslint scan", "python", True)
    pattern = re.compile(hook["files"])
    assert [n for n in ("a.tf", "b.tfvars", "c.json", "d.yml", "e.yaml", "f.template", "g.py", "h.tf.bak") if pattern.search(n)] == [
        "a.tf", "b.tfvars", "c.json", "d.yml", "e.yaml", "f.template"
    ]


def test_readme_config_snippet_is_valid(tmp_path: Path) -> None:
    snippet = re.search(r"## pre-commit.*?```yaml\n(.*?)```", (PROJECT / "README.md").read_text(encoding="utf-8"), re.S)
    assert snippet, "README.md has no '## pre-commit' section with a yaml block"
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(snippet.group(1), encoding="utf-8")
    proc = run([sys.executable, "-m", "pre_commit", "validate-config", str(config)], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [h["id"] for r in yaml.safe_load(snippet.group(1))["repos"] for h in r["hooks"]] == ["kmslint"]


@pytest.mark.slow  # pre-commit installs the hook's virtualenv: about 20 s on a quiet machine, over a minute on a busy one
def test_try_repo_reports_only_the_changed_bad_file(tmp_path: Path, wheelhouse: Path, hook_repo: tuple[Path, str]) -> None:
    work = tmp_path / "work"
    write_tree(work, {**GOOD_MODULE, **BAD_MODULE})
    commit_all(work)
    hook_path, sha = hook_repo
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_path), "kmslint", "--ref", sha, "--color", "never"]
    proc = run([*cmd, "--files", "app/bad.tf", "kms/key.tf"], work, offline_env(tmp_path, wheelhouse))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"^kmslint \(AWS KMS key lifecycle safety\)\.+Failed$", out, re.M), out
    found = {(m["path"], m["rule"], int(m["line"])) for m in FINDING_LINE.finditer(out)}
    # bad.tf's rotation is off through a variable default in app/variables.tf: context was loaded.
    assert ("app/bad.tf", "KMS003", BAD_ROTATION_LINE) in found, out
    # key.tf is clean with its siblings, and legacy.tf's own finding is not reported: it did not change.
    assert {path for path, _, _ in found} == {"app/bad.tf"}, out
