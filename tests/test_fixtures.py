"""The one fixture harness: every case under fixtures/ declares its expected findings.

Markers sit beside the input, semgrep-style:
- ``# expect: KMS003`` (or ``// expect: KMS003, KMS011``): findings of these rules must point at
  the next line that is not itself a marker line;
- ``# ok: KMS003``: no finding of that rule may point at that line (documents a must-stay-clean case).
Files that cannot hold comments (JSON) carry a sidecar ``<file>.expect.yaml``; a directory case may
hold ``expect.yaml``. Sidecars list ``{rule: KMS001, line: 12}`` (plus ``path:`` inside a directory).

A case is a directory under ``fixtures/<format>/`` (scanned as a whole: Terraform modules are
directories), or a single non-Terraform file there. The comparison is the exact set of
(path, rule, line) over every rule, so a new false positive and a new false negative can never
cancel out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from kmslint.config import load_config
from kmslint.engine.rules import load_rules
from kmslint.scan import ScanOptions, run_scan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCE_EXTS = (".tf", ".tfvars", ".yaml", ".yml", ".json", ".template")
MARKER = re.compile(r"^\s*(?:#|//)\s*(expect|ok):\s*(KMS\d{3}(?:\s*,\s*KMS\d{3})*)\s*$")

Triple = tuple[str, str, int]


def _is_source(p: Path) -> bool:
    return p.is_file() and p.name.endswith(SOURCE_EXTS) and not p.name.endswith(".expect.yaml") and p.name not in (".kmslint.yaml", "expect.yaml")


def cases() -> Iterator[Path]:
    for fmt in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for entry in sorted(fmt.iterdir()):
            if entry.is_dir() or (_is_source(entry) and not entry.name.endswith((".tf", ".tfvars"))):
                yield entry


def _markers(path: Path, rel: str) -> tuple[set[Triple], set[Triple]]:
    expect: set[Triple] = set()
    ok: set[Triple] = set()
    try:
        lines = path.read_bytes().decode("utf-8-sig").splitlines()
    except (UnicodeDecodeError, OSError):
        return expect, ok
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            continue
        target = i + 1
        while target < len(lines) and MARKER.match(lines[target]):
            target += 1
        for rule in re.split(r"\s*,\s*", m.group(2)):
            (expect if m.group(1) == "expect" else ok).add((rel, rule, target + 1))
    return expect, ok


def _sidecar(path: Path, default_rel: str) -> set[Triple]:
    data = yaml.safe_load(path.read_text("utf-8")) or []
    return {(str(e.get("path", default_rel)), str(e["rule"]), int(e["line"])) for e in data}


def expectations(case: Path) -> tuple[set[Triple], set[Triple]]:
    files = sorted(p for p in case.rglob("*") if _is_source(p)) if case.is_dir() else [case]
    base = case if case.is_dir() else case.parent
    expect: set[Triple] = set()
    ok: set[Triple] = set()
    for f in files:
        rel = f.relative_to(base).as_posix()
        e, o = _markers(f, rel)
        expect |= e
        ok |= o
        side = f.with_name(f.name + ".expect.yaml")
        if side.is_file():
            expect |= _sidecar(side, rel)
    if case.is_dir() and (case / "expect.yaml").is_file():
        expect |= _sidecar(case / "expect.yaml", "")
    return expect, ok


def actual(case: Path) -> set[Triple]:
    base = case if case.is_dir() else case.parent
    config = load_config(case)
    result, _ = run_scan(ScanOptions((case,), base, config), load_rules())
    assert not result.errors, f"internal errors: {result.errors}"
    return {(f.location.path, f.rule_id, f.location.line) for f in result.findings}


ALL_CASES = list(cases())


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.relative_to(FIXTURES).as_posix() for c in ALL_CASES])
def test_fixture_findings_match_markers(case: Path) -> None:
    expect, ok = expectations(case)
    got = actual(case)
    assert not (got & ok), f"findings where the fixture says ok: {sorted(got & ok)}"
    missing, unexpected = sorted(expect - got), sorted(got - expect)
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


def test_fixture_corpus_is_not_empty() -> None:
    formats = {c.relative_to(FIXTURES).parts[0] for c in ALL_CASES}
    assert "terraform" in formats


def test_every_rule_has_a_firing_and_a_clean_fixture() -> None:
    fired: set[str] = set()
    clean: set[str] = set()
    for case in ALL_CASES:
        expect, ok = expectations(case)
        fired |= {r for _, r, _ in expect}
        clean |= {r for _, r, _ in ok}
    catalog = {r.id for r in load_rules()}
    assert catalog - fired == set(), f"rules with no must-fire fixture: {sorted(catalog - fired)}"
    assert catalog - {"KMS000"} - clean == set(), f"rules with no must-stay-clean fixture: {sorted(catalog - {'KMS000'} - clean)}"
