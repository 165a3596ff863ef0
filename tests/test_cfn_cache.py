"""Decoded CloudFormation templates in the warm cache (issue 19 item 3): kmslint's own nodes read as
cfn-lint's did, and a warm scan reports what a cold one does without importing cfn-lint."""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest
from cfnlint.decode import decode_str
from cfnlint.decode.node import dict_node, list_node, str_node

from kmslint.loaders.cfn import decode as decode_mod
from kmslint.loaders.cfn.decode import decode_template, end_line, mark_index, mark_location, node_location
from kmslint.loaders.cfn.nodes import MarkedDict, MarkedList, MarkedStr, Unconvertible, from_cfnlint
from kmslint.model.resources import ParseError
from kmslint.model.values import Location
from kmslint.parsecache import DB_NAME, ParseCache

from kmslint_script import PROJECT, fresh_python

TEMPLATES = sorted(
    p for folder in ("cloudformation", "bad") for p in (PROJECT / "fixtures" / folder).rglob("*") if p.suffix in (".yaml", ".json", ".yml") and not p.name.endswith(".expect.yaml")
)
SCAN = (
    "import sys; from kmslint.cli import main; from kmslint.parsecache import parse_cache; "
    "code = main(sys.argv[1:] or ['scan', '.', '--format', 'json']); sys.stdout.flush(); "
    "print('cache', parse_cache().hits, parse_cache().misses, sorted(m for m in ('cfnlint', 'yaml') if m in sys.modules), file=sys.stderr); "
    "sys.exit(code)"
)
KMS_YAML = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: false\n      KeyPolicy: !Sub '{}'\n"


def _report(done: Any) -> tuple[int, int, str]:
    """(hits, misses, imported) from the probe line SCAN prints last."""
    words = done.stderr.strip().splitlines()[-1].split(" ", 3)
    assert words[0] == "cache", done.stderr
    return int(words[1]), int(words[2]), words[3]


# --- the copy reads as the original ------------------------------------------------------------


_COPIED = {str_node: MarkedStr, dict_node: MarkedDict, list_node: MarkedList}


def _pairs(a: Any, b: Any) -> Iterator[tuple[Any, Any]]:
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        yield x, y
        if isinstance(x, dict):
            assert list(map(str, x)) == list(map(str, y))  # same keys, same order
            stack.extend(zip(x.keys(), y.keys()))
            stack.extend(zip(x.values(), y.values()))
        elif isinstance(x, list):
            stack.extend(zip(x, y))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_the_copy_gives_every_location_cfn_lint_s_tree_gives(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    tree, matches = decode_str(text)
    if matches:  # a KMS000: nothing to copy
        assert isinstance(decode_mod._decode("t", text), ParseError)
        return
    copy = from_cfnlint(tree)
    fallback = Location("t", 99, 99)
    for x, y in _pairs(tree, copy):
        assert _COPIED.get(type(x), type(x)) is type(y)
        assert x == y
        for attr in ("start_mark", "end_mark"):
            assert mark_location("t", getattr(x, attr, None)) == mark_location("t", getattr(y, attr, None))
        assert node_location("t", x, fallback) == node_location("t", y, fallback)
        assert mark_index(x) == mark_index(y)
        if isinstance(x, (dict, list)):
            assert end_line("t", x, 1) == end_line("t", y, 1)


def test_unmarked_values_stay_unmarked_and_scalars_stay_the_same_objects() -> None:
    tree, _ = decode_str("A: !Ref P\nB: [1, 2.5, true, null, 2012-10-17]\nC: {x: y}\n")
    copy = from_cfnlint(tree)
    assert isinstance(copy, MarkedDict) and isinstance(copy["C"], MarkedDict) and isinstance(copy["B"], MarkedList)
    ref = copy["A"]
    assert type(ref) is MarkedDict and type(ref["Ref"]) is str  # cfn-lint leaves !Ref's argument unmarked
    assert all(a is b for a, b in zip(tree["B"], copy["B"]))
    keys = list(copy)
    assert all(type(k) is MarkedStr for k in keys) and [k.start_mark.line for k in keys] == [0, 1, 2]


def test_a_node_reached_twice_is_copied_once() -> None:
    tree, _ = decode_str("A: &x {k: [v]}\nB: *x\nC: *x\n")
    copy = from_cfnlint(tree)
    assert copy["A"] is copy["B"] is copy["C"] and copy["A"] == {"k": ["v"]}


def test_a_deep_tree_is_copied_without_recursion() -> None:
    tree: Any = dict_node({}, None, None)
    inner = tree
    for _ in range(50_000):
        nxt = dict_node({}, None, None)
        inner[str_node("k", None, None)] = nxt
        inner = nxt
    copy = from_cfnlint(tree)
    depth = 0
    while copy:
        copy = copy["k"]
        depth += 1
    assert depth == 50_000


def test_a_value_the_copy_does_not_know_keeps_cfn_lint_s_tree_and_is_not_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / DB_NAME)
    monkeypatch.setattr("kmslint.parsecache.parse_cache", lambda: cache)
    text = "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Metadata: !!set {a, b}\n"
    with pytest.raises(Unconvertible):
        from_cfnlint(decode_str(text)[0])
    tree = decode_template("t.yaml", text)
    assert type(tree).__name__ == "dict_node" and cache.pending == {}


def test_decode_results_and_errors_are_cached_per_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / DB_NAME)
    monkeypatch.setattr("kmslint.parsecache.parse_cache", lambda: cache)
    broken = "Resources:\n  K: [\n"
    first = decode_template("a.yaml", broken)
    assert isinstance(first, ParseError) and first.location.path == "a.yaml" and len(cache.pending) == 1
    tree = decode_template("a.yaml", KMS_YAML)
    assert isinstance(tree, MarkedDict) and len(cache.pending) == 2
    cache.flush()
    monkeypatch.setattr(decode_mod, "_decode", lambda rel, text: pytest.fail("decoded again"))
    assert decode_template("a.yaml", broken) == first
    assert decode_template("a.yaml", KMS_YAML) == tree
    monkeypatch.undo()
    monkeypatch.setattr("kmslint.parsecache.parse_cache", lambda: cache)
    other = decode_template("b.yaml", broken)
    assert isinstance(other, ParseError) and other.location.path == "b.yaml"


def test_a_template_too_deep_for_the_decoder_is_not_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / DB_NAME)
    monkeypatch.setattr("kmslint.parsecache.parse_cache", lambda: cache)

    def too_deep(text: str) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("cfnlint.decode.decode_str", too_deep)
    out = decode_template("d.yaml", "Resources: [[[[]]]]\n")
    assert isinstance(out, ParseError) and "nested too deeply" in out.reason and cache.pending == {}
    monkeypatch.undo()
    monkeypatch.setattr("kmslint.parsecache.parse_cache", lambda: cache)
    deep = "Resources:\n  K: " + "[" * 600 + "]" * 600 + "\n"  # the decoder's own RecursionError, as a match
    out = decode_template("d.yaml", deep)
    assert isinstance(out, ParseError) and out.reason.endswith("nested too deeply to parse") and cache.pending == {}


# --- whole scans in fresh interpreters ---------------------------------------------------------


@pytest.mark.parametrize("fixture", ["cloudformation", "bad"])
def test_cold_and_warm_scans_report_the_same_bytes_and_warm_imports_no_cfn_lint(tmp_path: Path, fixture: str) -> None:
    target = tmp_path / fixture
    shutil.copytree(PROJECT / "fixtures" / fixture, target)
    for other in set(target.iterdir()) - set(target.glob("cfn_*" if fixture == "bad" else "*")):
        shutil.rmtree(other) if other.is_dir() else other.unlink()
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    cold = fresh_python(SCAN, target, env)
    warm = fresh_python(SCAN, target, env)
    assert cold.returncode == 1 and json.loads(cold.stdout)["findings"], cold.stderr
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
    cold_hits, cold_misses, cold_imported = _report(cold)
    hits, misses, imported = _report(warm)
    assert (cold_hits, cold_imported) == (0, "['cfnlint', 'yaml']") and cold_misses > 0
    assert (hits, misses) == (cold_misses, 0)
    # PyYAML stays out too, unless the scan reads a configuration file (fixtures/cloudformation has one)
    assert "cfnlint" not in imported and (imported == "[]" or (target / ".kmslint.yaml").exists())


def test_a_warm_pre_commit_run_on_one_template_imports_no_cfn_lint(tmp_path: Path) -> None:
    (tmp_path / "kms.yaml").write_text(KMS_YAML)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = "import sys; sys.argv[1:] = ['scan', 'kms.yaml', '--format', 'json']; "
    cold = fresh_python(args + SCAN, tmp_path, env)
    warm = fresh_python(args + SCAN, tmp_path, env)
    assert cold.returncode == 1 and (warm.returncode, warm.stdout) == (1, cold.stdout)
    assert _report(warm) == (1, 0, "[]")


def test_identical_templates_at_different_paths_report_their_own_paths(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "kms.yaml").write_text(KMS_YAML)
        (tmp_path / folder / "broken.yaml").write_text("Resources:\n  Key:\n    Type: AWS::KMS::Key\n   Properties: {\n")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    only_a = "import sys; sys.argv[1:] = ['scan', 'a', '--format', 'json']; "
    assert fresh_python(only_a + SCAN, tmp_path, env).returncode == 1  # the cache now holds a/'s results
    uncached = fresh_python(SCAN, tmp_path, {"KMSLINT_NO_CACHE": "1"})
    for hits_misses in ((2, 2), (4, 0)):  # b/ missing from the cache, then cached too
        done = fresh_python(SCAN, tmp_path, env)
        assert (done.returncode, done.stdout) == (1, uncached.stdout)
        assert _report(done)[:2] == hits_misses
    paths = {(f["path"], f["rule_id"]) for f in json.loads(uncached.stdout)["findings"]}
    assert {("a/broken.yaml", "KMS000"), ("b/broken.yaml", "KMS000"), ("a/kms.yaml", "KMS003"), ("b/kms.yaml", "KMS003")} <= paths


@pytest.mark.parametrize("damage", ["file", "values"])
def test_a_damaged_cache_gives_the_right_result_without_a_traceback(tmp_path: Path, damage: str) -> None:
    (tmp_path / "kms.yaml").write_text(KMS_YAML)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    cold = fresh_python(SCAN, tmp_path, env)
    db = tmp_path / "cache" / "kmslint" / DB_NAME
    if damage == "file":
        db.write_bytes(b"\x00garbage" * 512)
    else:
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE parsed SET value = ?", (pickle.dumps(("not", "a", "tree")),))
    for _ in range(2):
        done = fresh_python(SCAN, tmp_path, env)
        assert (done.returncode, done.stdout) == (1, cold.stdout)
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
