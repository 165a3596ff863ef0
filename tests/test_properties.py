"""Property-based robustness tests (issue 9): mutated fixtures through every loader.

Inputs start from the fixture corpus and are mutated the way real files break: characters and
slices deleted, duplicated or inserted (brackets, quotes, heredoc and YAML markers, tabs, NULs,
non-ASCII), whole lines deleted, duplicated or swapped. For every input:

- no exception escapes the loader, and no rule fails on what it loaded (a ScanError);
- every location in the file lies inside it: 1 <= line <= number of lines + 1, column >= 1;
- the result is deterministic: the same text twice gives the same parse errors and findings.

Example counts are modest (``EXAMPLES`` per loader) so CI stays fast; raise them locally with
``KMSLINT_HYPOTHESIS_EXAMPLES=2000``.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmslint.config import Config
from kmslint.discover import classify
from kmslint.engine.engine import run_rules
from kmslint.engine.rules import load_rules
from kmslint.model.resources import Inventory
from kmslint.model.values import Location
from kmslint.scan import ScanOptions, rule_params, run_scan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXAMPLES = int(os.environ.get("KMSLINT_HYPOTHESIS_EXAMPLES", "150"))
MAX_SEED_BYTES = 40_000  # the 10,000-deep files are checked by the corpus, not mutated here
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RULES = load_rules()

Outcome = tuple[tuple[Any, ...], ...]


# --- seeds and mutations -------------------------------------------------------------------------


def _seeds(kind: str) -> list[str]:
    """Fixture texts of one kind (as discovery classifies them), small enough to mutate."""
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.name.endswith(".expect.yaml") or path.stat().st_size > MAX_SEED_BYTES:
            continue
        if classify(path) != kind:
            continue
        try:
            out.append(path.read_bytes().decode("utf-8-sig"))
        except UnicodeDecodeError:
            continue
    return out


FRAGMENTS = [
    "{", "}", "[", "]", "(", ")", '"', "'", "\\", ":", ",", "=", "\n", "\r\n", "\r", "\t", " ", "#", "//", "/*", "*/",
    "${", "%{", "<<EOF\n", "<<-EOT\n", "\nEOF\n", "!Ref ", "!Sub ", "!If [", "!GetAtt ", "Fn::If", "&a ", "*a", "<<: ",
    "- ", "---\n", "...", "\x00", "\ufeff", "é", "\u2028", "true", "null", "-1", "1e999", "9" * 30, "kms:*",
    '"Statement": ', '"Principal": "*"', "Resources:\n", "resource ", "module ", "locals ", "var.", "local.",
    "jsonencode(", "file(", "count = ", "for_each = ", "dynamic ", "lifecycle {",
]
_UNIT = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
_INSERT = st.one_of(st.sampled_from(FRAGMENTS), st.text(st.characters(codec="utf-8"), max_size=8))
_OPS = st.one_of(
    st.tuples(st.just("delete"), _UNIT, st.integers(1, 40)),
    st.tuples(st.just("duplicate"), _UNIT, st.integers(1, 80), _UNIT),
    st.tuples(st.just("insert"), _UNIT, _INSERT),
    st.tuples(st.just("delete_line"), _UNIT),
    st.tuples(st.just("duplicate_line"), _UNIT, _UNIT),
    st.tuples(st.just("swap_lines"), _UNIT, _UNIT),
)


def _at(unit: float, size: int) -> int:
    return min(int(unit * (size + 1)), size)


def mutate(text: str, op: tuple[Any, ...]) -> str:
    name = op[0]
    if name == "delete":
        i = _at(op[1], len(text))
        return text[:i] + text[i + op[2] :]
    if name == "duplicate":
        i = _at(op[1], len(text))
        j = _at(op[3], len(text))
        return text[:j] + text[i : i + op[2]] + text[j:]
    if name == "insert":
        i = _at(op[1], len(text))
        return text[:i] + op[2] + text[i:]
    lines = text.split("\n")
    a = _at(op[1], len(lines) - 1)
    if name == "delete_line":
        del lines[a]
    elif name == "duplicate_line":
        lines.insert(_at(op[2], len(lines)), lines[a])
    else:
        b = _at(op[2], len(lines) - 1)
        lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    text: str = draw(st.sampled_from(seeds))
    for op in draw(st.lists(_OPS, min_size=1, max_size=6)):
        text = mutate(text, op)
    return text


def test_mutations_do_what_they_say() -> None:
    assert mutate("abcdef", ("delete", 0.0, 2)) == "cdef"
    assert mutate("abc", ("duplicate", 0.0, 2, 1.0)) == "abcab"
    assert mutate("abc", ("insert", 1.0, "X")) == "abcX"
    assert mutate("a\nb\nc", ("delete_line", 0.5)) == "a\nc"
    assert mutate("a\nb", ("swap_lines", 0.0, 1.0)) == "b\na"
    assert mutate("a\nb", ("duplicate_line", 0.0, 1.0)) == "a\nb\na"


# --- what every loader must satisfy --------------------------------------------------------------


def locations(obj: Any, seen: set[int] | None = None) -> Iterator[Location]:
    """Every Location reachable from ``obj`` (dataclasses, mappings, sequences)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, type(None))):
        return
    seen.add(id(obj))
    if isinstance(obj, Location):
        yield obj
        return
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        children: Any = [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    elif isinstance(obj, dict):
        children = list(obj.keys()) + list(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    else:
        children = list(getattr(obj, "__dict__", {}).values())
    for child in children:
        yield from locations(child, seen)


def assert_inside(loc: Location, rel: str, text: str) -> None:
    if loc.path != rel:
        return  # a location in another file (a module, a paired plan) is that file's business
    last = len(text.splitlines()) + 1
    assert 1 <= loc.line <= last, f"line {loc.line} outside 1..{last}: {loc}"
    assert loc.column >= 1, f"column {loc.column} < 1: {loc}"


def outcome(inv: Inventory) -> Outcome:
    """Parse errors and findings of every rule, as comparable tuples; rules must not fail."""
    by_id = {r.id: r for r in RULES}
    active = [(r, r.level, rule_params(r, Config(), by_id)) for r in RULES]
    findings, errors, _ = run_rules(active, inv)
    assert not errors, f"a rule failed on loaded input: {errors}"
    parse = tuple(sorted((e.location.path, e.location.line, e.location.column, e.reason) for e in inv.parse_errors))
    found = tuple((f.rule_id, f.location.path, f.location.line, f.location.column, f.message) for f in findings)
    return parse, found


def check_loader(load: Callable[[str, str], Inventory], rel: str, text: str) -> None:
    inv = load(rel, text)
    for loc in locations(inv):
        assert_inside(loc, rel, text)
    first = outcome(inv)
    for f in first[1]:
        assert_inside(Location(f[1], f[2], f[3]), rel, text)
    assert outcome(load(rel, text)) == first, "same text, different result"


# --- the loaders ---------------------------------------------------------------------------------

TF_SEEDS = _seeds("terraform")
CFN_SEEDS = _seeds("cloudformation")
POLICY_SEEDS = _seeds("policy")
PLAN_SEEDS = _seeds("plan")


def _scan_terraform(text: str) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.tf").write_text(text, encoding="utf-8")
        result, inv = run_scan(ScanOptions((root,), root, Config()), RULES)
    assert not result.errors, f"a rule failed on loaded input: {result.errors}"
    for loc in locations(inv):
        assert_inside(loc, "main.tf", text)
    for f in result.findings:
        assert_inside(f.location, "main.tf", text)
    return tuple((f.rule_id, f.location.path, f.location.line, f.location.column, f.message) for f in result.findings), ()


@pytest.mark.skipif(not TF_SEEDS, reason="no Terraform fixtures to start from")
@PROFILE
@given(text=mutated(TF_SEEDS))
def test_terraform_loader_survives_mutations(text: str) -> None:
    assert _scan_terraform(text) == _scan_terraform(text)


@pytest.mark.skipif(not CFN_SEEDS, reason="no CloudFormation fixtures to start from")
@PROFILE
@given(text=mutated(CFN_SEEDS))
def test_cloudformation_loader_survives_mutations(text: str) -> None:
    cloudformation = pytest.importorskip("kmslint.loaders.cloudformation")
    check_loader(cloudformation.load_template, "template.yaml", text)


@pytest.mark.skipif(not POLICY_SEEDS, reason="no key-policy fixtures to start from")
@PROFILE
@given(text=mutated(POLICY_SEEDS))
def test_policy_loader_survives_mutations(text: str) -> None:
    policy_json = pytest.importorskip("kmslint.loaders.policy_json")
    check_loader(policy_json.load_policy_file, "policy.json", text)


@pytest.mark.skipif(not PLAN_SEEDS, reason="no plan fixtures to start from")
@PROFILE
@given(text=mutated(PLAN_SEEDS))
def test_plan_loader_survives_mutations(text: str) -> None:
    plan = pytest.importorskip("kmslint.loaders.plan")
    check_loader(plan.load_plan, "plan.json", text)


@PROFILE
@given(text=st.text(st.characters(codec="utf-8"), max_size=400))
def test_every_loader_survives_arbitrary_text(text: str) -> None:
    """Not every broken file starts out as a good one."""
    for module, function, rel in (
        ("kmslint.loaders.cloudformation", "load_template", "t.yaml"),
        ("kmslint.loaders.policy_json", "load_policy_file", "p.json"),
        ("kmslint.loaders.plan", "load_plan", "plan.json"),
    ):
        loader = getattr(pytest.importorskip(module), function)
        check_loader(loader, rel, text)
    _scan_terraform(text)
