"""The warm cache of parse results (kmslint/parsecache.py): keys, damage, and what entries may refer to."""

from __future__ import annotations

import io
import json
import pickle
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from kmslint.parsecache import _PRODUCERS, DB_NAME, ParseCache

from kmslint_script import PROJECT, fresh_python

SCAN = (
    "import sys; from kmslint.cli import main; from kmslint.parsecache import parse_cache; "
    "code = main(['scan', '.', '--format', 'json']); sys.stdout.flush(); "
    "print('hits', parse_cache().hits, file=sys.stderr); sys.exit(code)"
)
KMS_TF = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n'
KMS_YAML = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: false\n"


def _hits(done: Any) -> int:
    return int(done.stderr.strip().splitlines()[-1].split()[1])


def test_the_key_depends_on_kind_path_first_line_and_text() -> None:
    key = ParseCache.key
    base = key("cfn", "a/t.yaml", 1, KMS_YAML)
    assert base == key("cfn", "a/t.yaml", 1, KMS_YAML)
    others = {key("hcl", "a/t.yaml", 1, KMS_YAML), key("cfn", "b/t.yaml", 1, KMS_YAML), key("cfn", "a/t.yaml", 2, KMS_YAML), key("cfn", "a/t.yaml", 1, KMS_YAML + " ")}
    assert base not in others and len(others) == 4
    assert key("cfn", "a\0b", 1, "c") != key("cfn", "a", 1, "b\0c")  # fields are separated, not concatenated


def test_a_lone_surrogate_in_a_path_or_text_is_a_key_not_an_error() -> None:
    assert ParseCache.key("cfn", "a\udcff.yaml", 1, "x\udcff") != ParseCache.key("cfn", "a.yaml", 1, "x")


def test_values_survive_a_round_trip_and_a_none_cache_never_hits(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / DB_NAME)
    cache.put(b"k", ({"a": [1, 2]},))
    assert cache.get(b"k") is None  # not written before flush
    cache.flush()
    assert ParseCache(tmp_path / DB_NAME).get(b"k") == ({"a": [1, 2]},)
    off = ParseCache(None)
    off.put(b"k", 1)
    off.flush()
    assert off.get(b"k") is None and off.pending == {}


@pytest.mark.parametrize("damage", [b"", b"garbage, not SQLite\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_damaged_database_is_a_miss_never_an_error(tmp_path: Path, damage: bytes) -> None:
    path = tmp_path / DB_NAME
    path.write_bytes(damage)
    cache = ParseCache(path)
    assert cache.get(b"k") is None
    cache.put(b"k", "v")
    cache.flush()  # no exception


def test_an_entry_that_does_not_unpickle_is_a_miss(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / DB_NAME)
    cache.put(b"a", "fine")
    cache.flush()
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute("INSERT INTO parsed (key, value) VALUES (?, ?)", (b"b", b"\x80\x05not a pickle"))
        conn.execute("INSERT INTO parsed (key, value) VALUES (?, ?)", (b"c", pickle.dumps(0)[:-1] + b"cnowhere\nNothing\n."))
    fresh = ParseCache(tmp_path / DB_NAME)
    assert (fresh.get(b"a"), fresh.get(b"b"), fresh.get(b"c")) == ("fine", None, None)


@pytest.mark.parametrize("damage", [b"garbage, not SQLite\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_scan_with_a_damaged_database_reports_what_a_scan_without_cache_does(tmp_path: Path, damage: bytes) -> None:
    (tmp_path / "kms.tf").write_text(KMS_TF)
    (tmp_path / "kms.yaml").write_text(KMS_YAML)
    (tmp_path / "broken.yaml").write_text("Resources:\n  Key:\n    Type: AWS::KMS::Key\n   Properties: {\n")
    uncached = fresh_python(SCAN, tmp_path, {"KMSLINT_NO_CACHE": "1"})
    assert uncached.returncode == 1 and {"KMS000", "KMS003"} <= {f["rule_id"] for f in json.loads(uncached.stdout)["findings"]}
    cache = tmp_path / "cache"
    (cache / "kmslint").mkdir(parents=True)
    (cache / "kmslint" / DB_NAME).write_bytes(damage)
    for _ in range(2):
        done = fresh_python(SCAN, tmp_path, {"XDG_CACHE_HOME": str(cache)})
        assert (done.returncode, done.stdout) == (1, uncached.stdout)
        assert "Traceback" not in done.stderr and _hits(done) == 0, done.stderr


# --- what a stored entry may refer to ---------------------------------------------------------


class _Recorder(pickle.Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.found: set[tuple[str, str]] = set()

    def find_class(self, module: str, name: str) -> Any:
        self.found.add((module, name))
        return super().find_class(module, name)


def _kmslint_modules(kind: str) -> set[str]:
    return {p.removesuffix(".py").replace("/", ".") for p in _PRODUCERS[kind] if p.endswith(".py")}


@pytest.mark.parametrize(("kind", "fixture", "pattern"), [("hcl", "terraform", "*"), ("cfn", "cloudformation", "*"), ("cfn", "bad", "cfn_*")])
def test_entries_refer_only_to_kmslint_producers_and_the_standard_library(tmp_path: Path, kind: str, fixture: str, pattern: str) -> None:
    """A stored value that named a class of cfn-lint, PyYAML, lark or python-hcl2 would import it when
    loaded (the cost a warm scan avoids), and one outside the producers would outlive a change to
    that class (the producers' sources are part of the key)."""
    target = tmp_path / fixture
    shutil.copytree(PROJECT / "fixtures" / fixture, target)
    for other in set(target.iterdir()) - set(target.glob(pattern)):  # one kind of entry per database
        shutil.rmtree(other) if other.is_dir() else other.unlink()
    done = fresh_python(SCAN, target, {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode in (0, 1), done.stderr
    with sqlite3.connect(tmp_path / "cache" / "kmslint" / DB_NAME) as conn:
        blobs = [row[0] for row in conn.execute("SELECT value FROM parsed")]
    assert len(blobs) >= 5
    allowed = _kmslint_modules(kind)
    found: set[tuple[str, str]] = set()
    for blob in blobs:
        recorder = _Recorder(blob)
        recorder.load()
        found |= recorder.found
    outside = {(m, n) for m, n in found if m not in allowed and m.split(".")[0] not in sys.stdlib_module_names}
    assert not outside
    assert {m for m, _ in found} & allowed  # the check saw kmslint's own classes


def test_the_oldest_entries_go_when_the_database_is_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kmslint.parsecache as parsecache

    monkeypatch.setattr(parsecache, "MAX_ENTRIES", 4)
    cache = ParseCache(tmp_path / DB_NAME)
    keys = [ParseCache.key("hcl", f"f{i}.tf", 1, "x") for i in range(6)]
    for i, key in enumerate(keys):  # one entry per scan, oldest first
        cache.put(key, i)
        cache.flush()
    kept = [cache.get(key) for key in keys]
    assert kept[-1] == 5 and kept[0] is None  # the newest stays, the oldest went
    assert sum(v is not None for v in kept) <= 4
