"""The warm cache on the Terraform side (issue 19, item 3): what a cached scan reuses, and what it
never changes. The generic cache behaviour (keys, damage, producers) is in test_parsecache.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from kmslint.loaders.terraform import parallel
from kmslint.loaders.terraform.blocks import SplitFile
from kmslint.parsecache import parse_cache
from kmslint_script import fresh_python

KEY = 'resource "aws_kms_key" "k" {\n  deletion_window_in_days = 3\n}\n'
BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'
SCAN = "import sys; from kmslint.cli import main; sys.exit(main(['scan', '.', '--format', 'json']))"
LOADED = (
    "import sys; from kmslint.cli import main\n"
    "try:\n    main(['scan', '.', '--format', 'json'])\nexcept SystemExit:\n    pass\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'hcl2')), file=sys.stderr)"
)


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache directory of this test's own, and a fresh process-wide cache object on it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KMSLINT_NO_CACHE", raising=False)
    parse_cache.cache_clear()
    yield tmp_path / "cache"
    parse_cache.cache_clear()


def test_a_warm_scan_imports_no_parser_and_reports_the_same(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text(KEY + BUCKET)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    cold = fresh_python(LOADED, repo, env)
    warm = fresh_python(LOADED, repo, env)
    assert "lark" in cold.stderr and "KMS002" in cold.stdout, cold.stderr
    assert warm.stdout == cold.stdout
    assert warm.stderr.strip() == "[]"  # neither lark nor python-hcl2 was imported


def test_a_changed_block_is_parsed_again_and_its_new_value_counts(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    (repo / "main.tf").write_text(KEY)
    assert '"KMS002"' in fresh_python(SCAN, repo, env).stdout
    (repo / "main.tf").write_text(KEY.replace("= 3", "= 30"))
    assert '"KMS002"' not in fresh_python(SCAN, repo, env).stdout


def test_the_same_text_in_another_file_reports_its_own_path(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "a").mkdir(parents=True)
    (repo / "b").mkdir()
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    (repo / "a" / "kms.tf").write_text(KEY)
    assert '"path": "a/kms.tf"' in fresh_python(SCAN, repo, env).stdout
    (repo / "b" / "kms.tf").write_text(KEY)
    both = fresh_python(SCAN, repo, env).stdout
    assert '"path": "a/kms.tf"' in both and '"path": "b/kms.tf"' in both


def test_files_the_cache_answers_are_not_sent_to_workers(own_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 2)
    files = [tmp_path / f"f{i}.tf" for i in range(4)]
    for i, f in enumerate(files):
        f.write_text(KEY.replace('"k"', f'"k{i}"') + BUCKET)
    items = [(f, f.name) for f in files]
    sent: list[list[Any]] = []
    real_workers = parallel._parse_in_workers

    def workers(rest: list[Any], *args: Any) -> Any:
        sent.append(rest)
        return real_workers(rest, *args)

    monkeypatch.setattr(parallel, "_parse_in_workers", workers)
    cold = parallel.parse_files(items, jobs=2, lazy=True)
    assert [len(batch) for batch in sent] == [4]  # nothing cached yet: all four go to workers
    parse_cache().flush()  # the workers' entries came back with their results
    warm = parallel.parse_files(items, jobs=2, lazy=True)
    assert [len(batch) for batch in sent] == [4]  # no second batch: the cache answered every file
    assert all(isinstance(warm[f], SplitFile) for f in files)
    assert {f: warm[f].blocks for f in files} == {f: cold[f].blocks for f in files}  # type: ignore[union-attr]


def test_scans_running_at_once_share_the_cache_safely(tmp_path: Path) -> None:
    """pre-commit runs a hook's batches of files in parallel processes: each must get its own
    complete result while they read and write one cache, and a later scan must find it whole."""
    import subprocess
    import sys

    from kmslint_script import PROJECT

    repos = []
    for i in range(4):
        repo = tmp_path / f"repo{i}"
        repo.mkdir()
        (repo / "main.tf").write_text(KEY.replace('"k"', f'"k{i}"') + BUCKET * 20)
        repos.append(repo)
    env = {"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    running = [subprocess.Popen([sys.executable, "-c", SCAN], cwd=r, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in repos]
    done = [(p.communicate(), p.returncode) for p in running]
    for i, ((out, err), code) in enumerate(done):
        assert code == 1 and err == "" and f"aws_kms_key.k{i}" in out and '"KMS002"' in out, err
    again = [fresh_python(SCAN, r, {"XDG_CACHE_HOME": str(tmp_path / "cache")}) for r in repos]
    assert [a.stdout for a in again] == [out for (out, _), _ in done]
