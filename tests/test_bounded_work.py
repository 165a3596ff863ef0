"""Bounded work on any input (issue 17): hostile Terraform costs a bounded number of steps, and a
failure stays with the configuration that caused it.

The hostile inputs are generated (``tests/hostile_inputs.py``), and the scan that reads them runs in a
subprocess under a 1.5 GB address-space limit, so a regression fails with MemoryError there instead
of swapping the machine. Outcomes are asserted (findings, KMS000 reasons, ``unchecked`` entries),
never times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hostile_inputs as h
from kmslint.config import config_from_data
from kmslint.loaders.terraform.tfvalues import MAX_VALUE_DEPTH, Encoded, LocList, Text, clear_facts, facts
from kmslint.model.values import UNKNOWN

PROJECT = Path(__file__).resolve().parent.parent
MEMORY_CAP = 1536 * 1024 * 1024

_CAPPED_RUN = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from kmslint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def scan_capped(root: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """``kmslint scan . --format json`` in ``root``, in a fresh interpreter with a memory cap."""
    code = _CAPPED_RUN.format(cap=MEMORY_CAP)
    proc = subprocess.run(
        [sys.executable, "-c", code, "scan", ".", "--format", "json", "--jobs", "1", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"},
    )
    doc = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc.returncode, doc, proc.stderr


def hits(doc: dict[str, Any], rule: str) -> set[tuple[str, int]]:
    return {(f["path"], f["line"]) for f in doc.get("findings", []) if f["rule_id"] == rule}


def messages(doc: dict[str, Any], rule: str, path_prefix: str) -> list[str]:
    return [f["message"] for f in doc.get("findings", []) if f["rule_id"] == rule and f["path"].startswith(path_prefix)]


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str]:
    root = tmp_path_factory.mktemp("hostile")
    (root / ".git").mkdir()  # the repository root: the configuration below applies
    h.write(root / ".kmslint.yaml", "select: [KMS003]\nmax-analysis-steps: 200000\n")
    h.write(root / "share" / "main.tf", h.shared_locals(40))
    h.write(root / "strmul" / "main.tf", h.string_times_number())
    h.write(root / "square" / "main.tf", h.repeated_squaring(40))
    h.write(root / "divide" / "main.tf", h.huge_division(400))
    h.write(root / "deep" / "main.tf", h.deep_list(1500))
    h.write(root / "foreach" / "main.tf", h.expensive_for_each(1000))
    h.module_chain(root / "chain", levels=5, count=30)
    h.write(root / "neighbour" / "main.tf", h.NEIGHBOUR)
    return scan_capped(root)


def test_hostile_terraform_is_reported_and_the_scan_goes_on(hostile_scan: tuple[int, dict[str, Any], str]) -> None:
    rc, doc, stderr = hostile_scan
    assert rc == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    # Every key whose own attributes are plain is still found, next to the hostile locals.
    assert hits(doc, "KMS003") >= {
        ("neighbour/main.tf", 2),
        ("share/main.tf", 45),
        ("strmul/main.tf", 5),
        ("square/main.tf", 45),
        ("divide/main.tf", 7),
        ("deep/main.tf", 1505),
    }


@pytest.mark.parametrize("case", ["foreach/", "chain/"])
def test_a_configuration_over_its_step_budget_is_one_kms000(hostile_scan: tuple[int, dict[str, Any], str], case: str) -> None:
    _, doc, _ = hostile_scan
    stopped = messages(doc, "KMS000", case)
    assert len(stopped) == 1, stopped
    assert "analysis stopped: the configuration in " + case.rstrip("/") in stopped[0]
    assert "200,000 evaluation steps (max-analysis-steps)" in stopped[0]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("share/main.tf", "larger than 1,000,000 elements and characters"),
        ("deep/main.tf", "nested deeper than 64 levels"),
        ("square/main.tf", "larger than 1024-bit numbers"),
    ],
)
def test_a_capped_value_is_listed_as_unchecked(hostile_scan: tuple[int, dict[str, Any], str], path: str, reason: str) -> None:
    _, doc, _ = hostile_scan
    assert any(u["path"] == path and reason in u["reason"] for u in doc["unchecked"]), doc["unchecked"]


def test_budgets_are_configured_next_to_the_file_size_limit() -> None:
    limits = config_from_data({"max-file-size-mb": 2, "max-analysis-steps": 5000, "max-value-size": 2000}).limits
    assert (limits.max_file_bytes, limits.max_analysis_steps, limits.max_value_size) == (2 * 1024 * 1024, 5000, 2000)


# --- facts of shared values, in-process -----------------------------------------------------------


def test_facts_of_a_doubling_chain_are_computed_once_per_list() -> None:
    clear_facts()
    value: Any = Text("x")
    for _ in range(2000):  # 2**2000 leaves as a tree; 2000 lists as shared values
        value = LocList([value, value])
    found = facts(value)
    assert found.depth > MAX_VALUE_DEPTH and found.too_big(10**9)


def _tree(leaves: Any) -> Any:
    return st.recursive(leaves, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text("ab", max_size=2), kids, max_size=3), max_leaves=12)


def _naive_size(v: Any) -> int:
    if isinstance(v, dict):
        return 1 + sum(len(k) + 1 + _naive_size(x) for k, x in v.items())
    if isinstance(v, list):
        return 1 + sum(_naive_size(x) for x in v)
    return len(v) + 1 if isinstance(v, str) else 1


@settings(max_examples=80, deadline=None)
@given(_tree(st.text("xy", max_size=4) | st.just(UNKNOWN) | st.integers()), st.integers(min_value=0, max_value=3))
def test_facts_agree_with_a_plain_walk_however_the_value_is_shared(value: Any, shares: int) -> None:
    clear_facts()
    shared: Any = value
    for _ in range(shares):
        shared = [shared, shared]
    found = facts(Encoded(shared, None))
    assert found.size == 1 + _naive_size(shared)
    assert found.unknown == _has_unknown(shared)


def _has_unknown(v: Any) -> bool:
    if v is UNKNOWN:
        return True
    if isinstance(v, dict):
        return any(_has_unknown(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_unknown(x) for x in v)
    return False


# --- any chain of doubling locals: bounded, never a crash -----------------------------------------

_STEPS = [
    "[{x}, {x}]", '"${{{x}}}${{{x}}}"', "{x} * {x}", "{x} + {x}", "concat({x}, {x})", "flatten([{x}, {x}])",
    'join(",", [{x}, {x}])', 'replace({x}, "a", {x})', "merge({{a = {x}}}, {{b = {x}}})", "jsonencode([{x}, {x}])",
    'format("%s%s", {x}, {x})', "distinct([{x}, {x}])", "{{for k, v in [{x}, {x}] : tostring(k) => v}}", "length({x}) * {x}",
]
_SEEDS = ['"ab"', "2", "[1, 2]", "{a = 1}", "1e300", "99999999999999999999"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(_SEEDS), st.lists(st.sampled_from(_STEPS), min_size=1, max_size=40))
def test_any_chain_of_doubling_locals_is_bounded(seed: str, steps: list[str]) -> None:
    import tempfile

    from kmslint.config import Config
    from kmslint.engine.rules import load_rules
    from kmslint.limits import Limits
    from kmslint.scan import ScanOptions, run_scan

    body = "".join(f"  v{i} = {step.format(x=f'local.v{i - 1}')}\n" for i, step in enumerate(steps, start=1))
    every = ", ".join(f"local.v{i}" for i in range(1, len(steps) + 1))
    text = (
        f"locals {{\n  v0 = {seed}\n{body}}}\n"
        'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n'
        f'  policy = jsonencode({{"Statement" = [{{"Effect" = "Allow", "Condition" = {{"StringEquals" = {{"x" = [{every}]}}}}}}]}})\n}}\n'
    )
    config = Config(select=("KMS003",), limits=Limits(max_analysis_steps=50_000, max_value_size=20_000))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.tf").write_text(text, encoding="utf-8")
        result, _ = run_scan(ScanOptions((root,), root, config), load_rules())
    rules = {(f.rule_id, f.location.line) for f in result.findings}
    key_line = len(steps) + 5
    assert ("KMS003", key_line) in rules or any(r == "KMS000" and "analysis stopped" in f.message for f in result.findings for r in [f.rule_id])
    assert not result.errors


def test_the_wall_clock_is_only_a_last_safety_net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A configuration still evaluating after MAX_CONFIG_SECONDS stops like one over its step budget
    (simulated: the limit is set to zero, so no test waits on a clock)."""
    from kmslint.config import Config
    from kmslint.engine.rules import load_rules
    from kmslint.loaders.terraform import evaluate
    from kmslint.scan import ScanOptions, run_scan

    monkeypatch.setattr(evaluate, "MAX_CONFIG_SECONDS", -1.0)
    h.write(tmp_path / "main.tf", h.expensive_for_each(2))
    result, _ = run_scan(ScanOptions((tmp_path,), tmp_path, Config(select=("KMS003",))), load_rules())
    assert [(f.rule_id, f.location.line) for f in result.findings] == [("KMS000", 4)]
    assert "analysis stopped: the configuration in . ran out of time" in result.findings[0].message
