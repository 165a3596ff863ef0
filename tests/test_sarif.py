"""SARIF output: valid against the OASIS 2.1.0 schema, inside GitHub's limits, stable (golden)."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from kmslint import __version__
from kmslint.engine.rules import Rule, load_rules, rule_from_data
from kmslint.findings import Finding, ScanError, ScanResult, Suppression
from kmslint.fingerprints import line_hashes
from kmslint.model.values import Location
from kmslint.report import github_limits
from kmslint.report.sarif import render, sarif_log

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCHEMA = HERE / "data" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"  # see tests/data/README.md
GOLDEN_SRC = HERE / "golden" / "sarif_small"
GOLDEN = HERE / "golden" / "small.sarif"


@lru_cache(maxsize=1)
def validator() -> Any:
    import jsonschema

    raw = SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "tests/data/sarif-schema-2.1.0.json is not the OASIS file"
    schema = json.loads(raw)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def schema_errors(log: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(log)]


def assert_valid_for_github(text: str) -> dict[str, Any]:
    log = json.loads(text)
    assert schema_errors(log) == []
    assert [str(p) for p in github_limits.check_text(text) if p.hard] == []
    return log  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def rules() -> tuple[Rule, ...]:
    return load_rules()


def tf_finding(line: int, rule_id: str, level: str, message: str, column: int = 3, end_column: int = 30) -> Finding:
    return Finding(Location("main.tf", line, column, line, end_column), rule_id, level, message, rule_name="", resource="aws_kms_key.short")


def small_result() -> ScanResult:
    kept = (
        tf_finding(4, "KMS002", "error", "The deletion waiting period is 5 days: AWS rejects this."),
        tf_finding(2, "KMS008", "warning", "Nothing stops terraform destroy from scheduling aws_kms_key.short for deletion.", 1, 0),
    )
    suppressed = (
        replace_suppressed(
            Finding(Location("main.tf", 8, 3, 8, 30), "KMS003", "error", "Automatic key rotation is off.", resource="aws_kms_key.sandbox"),
            "sandbox key, destroyed nightly",
        ),
    )
    return ScanResult(findings=kept, suppressed=suppressed, files_scanned=1)


def replace_suppressed(finding: Finding, why: str) -> Finding:
    from dataclasses import replace

    return replace(finding, suppression=Suppression("inSource", why))


# --- schema and GitHub limits over the real catalog ---------------------------------------------


def test_small_result_is_valid_sarif_for_github(rules: tuple[Rule, ...]) -> None:
    log = assert_valid_for_github(render(small_result(), rules, root=GOLDEN_SRC))
    run = log["runs"][0]
    assert len(log["runs"]) == 1 and log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    assert "automationDetails" not in run
    assert run["tool"]["driver"]["name"] == "kmslint"
    assert run["tool"]["driver"]["semanticVersion"] == __version__


def test_every_rule_descriptor_carries_what_github_shows(rules: tuple[Rule, ...]) -> None:
    descriptors = sarif_log(ScanResult(), rules, root=GOLDEN_SRC)["runs"][0]["tool"]["driver"]["rules"]
    assert [d["id"] for d in descriptors] == [r.id for r in rules]
    for rule, d in zip(rules, descriptors):
        assert d["name"] == rule.name and d["shortDescription"]["text"] == rule.title
        assert d["fullDescription"]["text"] and d["help"]["text"] and d["help"]["markdown"].startswith(f"# {rule.id} ")
        assert d["defaultConfiguration"]["level"] == rule.level
        assert d["properties"]["tags"] == list(rule.tags) and d["properties"]["precision"] == rule.precision
        if rule.id == "KMS000":
            assert "security-severity" not in d["properties"]
        else:
            assert float(d["properties"]["security-severity"]) == float(rule.security_severity)
        for remedy in rule.remediation.values():
            assert remedy.splitlines()[0].strip()[:40] in d["help"]["markdown"]


def test_mappings_are_carried_in_properties(rules: tuple[Rule, ...]) -> None:
    d = {x["id"]: x for x in sarif_log(ScanResult(), rules, root=GOLDEN_SRC)["runs"][0]["tool"]["driver"]["rules"]}
    assert d["KMS003"]["properties"]["mappings"]["security-hub"] == ["KMS.4"]
    assert "CKV_AWS_7" in d["KMS003"]["properties"]["mappings"]["checkov"]


def test_results_point_at_relative_uris_with_regions_and_rule_indexes(rules: tuple[Rule, ...]) -> None:
    run = sarif_log(small_result(), rules, root=GOLDEN_SRC)["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "main.tf", "uriBaseId": "%SRCROOT%"}
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["KMS002"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 4, "startColumn": 3, "endLine": 4, "endColumn": 30}
    # a zero-width span has no endColumn: the region runs to the end of the line
    assert by_rule["KMS008"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 1, "endLine": 2}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == GOLDEN_SRC.as_uri() + "/"


def test_line_hash_is_githubs_for_the_flagged_line(rules: tuple[Rule, ...]) -> None:
    expected = line_hashes((GOLDEN_SRC / "main.tf").read_text("utf-8"))
    run = sarif_log(small_result(), rules, root=GOLDEN_SRC)["runs"][0]
    for res in run["results"]:
        line = res["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert res["partialFingerprints"]["primaryLocationLineHash"] == expected[line]


def test_unreadable_source_just_has_no_fingerprint(rules: tuple[Rule, ...], tmp_path: Path) -> None:
    log = assert_valid_for_github(render(small_result(), rules, root=tmp_path))
    assert all("partialFingerprints" not in r for r in log["runs"][0]["results"])


def test_suppressed_findings_stay_with_their_justification(rules: tuple[Rule, ...]) -> None:
    run = sarif_log(small_result(), rules, root=GOLDEN_SRC)["runs"][0]
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        ("KMS003", [{"kind": "inSource", "justification": "sandbox key, destroyed nightly"}])
    ]
    assert len(run["results"]) == 3


def test_external_suppression_kind_is_valid(rules: tuple[Rule, ...]) -> None:
    known = replace_suppressed(tf_finding(4, "KMS002", "error", "window"), "accepted in baseline b.json")
    from dataclasses import replace

    external = replace(known, suppression=Suppression("external", "accepted in baseline b.json"))
    log = assert_valid_for_github(render(ScanResult(suppressed=(external,)), rules, root=GOLDEN_SRC))
    assert log["runs"][0]["results"][0]["suppressions"][0]["kind"] == "external"


@pytest.mark.parametrize("category,expected", [("kmslint", "kmslint/"), ("infra/prod/", "infra/prod/")])
def test_category_sets_automation_details(rules: tuple[Rule, ...], category: str, expected: str) -> None:
    log = assert_valid_for_github(render(small_result(), rules, category=category, root=GOLDEN_SRC))
    assert log["runs"][0]["automationDetails"] == {"id": expected}


def test_parse_errors_are_also_tool_notifications(rules: tuple[Rule, ...]) -> None:
    parse_error = Finding(Location("broken.tf", 3, 7), "KMS000", "error", "Unexpected token '}'")
    result = ScanResult(findings=(parse_error, tf_finding(4, "KMS002", "error", "window")))
    log = assert_valid_for_github(render(result, rules, root=GOLDEN_SRC))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"] == "Unexpected token '}'"
    assert note["associatedRule"]["id"] == "KMS000"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"KMS000", "KMS002"}


def test_internal_errors_mark_the_execution_failed(rules: tuple[Rule, ...]) -> None:
    result = ScanResult(errors=(ScanError("main.tf", "KMS001", "predicate policy.destructive_without_mfa raised KeyError"),))
    log = assert_valid_for_github(render(result, rules, root=GOLDEN_SRC))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "raised KeyError" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_paths_with_spaces_and_unicode_are_percent_encoded(rules: tuple[Rule, ...]) -> None:
    f = Finding(Location("infra prod/clé.tf", 1, 1), "KMS003", "error", "rotation off")
    log = assert_valid_for_github(render(ScanResult(findings=(f,)), rules, root=GOLDEN_SRC))
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra%20prod/cl%C3%A9.tf"


def test_unknown_rule_id_has_no_rule_index(rules: tuple[Rule, ...]) -> None:
    f = Finding(Location("main.tf", 1, 1), "KMS099", "warning", "from a newer catalog")
    log = assert_valid_for_github(render(ScanResult(findings=(f,)), rules, root=GOLDEN_SRC))
    assert "ruleIndex" not in log["runs"][0]["results"][0]


def test_schema_rejects_what_github_would_reject() -> None:
    """The validator really validates: a result without a message is not SARIF."""
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "kmslint"}}, "results": [{"ruleId": "KMS001"}]}]}
    assert any("message" in e for e in schema_errors(broken))


# --- GitHub limits checker ----------------------------------------------------------------------


def _log(results: int = 0, rules: int = 0, tags: int = 1, runs: int = 1, severity: str = "5.0") -> dict[str, Any]:
    rule = {"id": "KMS001", "shortDescription": {"text": "t"}, "properties": {"tags": [f"t{i}" for i in range(tags)], "security-severity": severity}}
    result = {"ruleId": "KMS001", "message": {"text": "m"}, "locations": [{}]}
    run = {"tool": {"driver": {"name": "kmslint", "rules": [rule] * rules}}, "results": [result] * results}
    return {"version": "2.1.0", "runs": [run] * runs}


@pytest.mark.parametrize(
    "log,needle",
    [
        (_log(runs=21), "21 runs"),
        (_log(results=25_001), "25001 results"),
        (_log(rules=25_001), "25001 rules"),
        (_log(rules=1, tags=21), "21 tags"),
        (_log(rules=1, severity="high"), "security-severity 'high'"),
        (_log(rules=1, severity="10.5"), "security-severity '10.5'"),
    ],
)
def test_limits_checker_finds_hard_breaches(log: dict[str, Any], needle: str) -> None:
    problems = [str(p) for p in github_limits.check_log(log) if p.hard]
    assert any(needle in p for p in problems), problems


def test_limits_checker_counts_locations_and_empty_messages() -> None:
    log = _log(results=1)
    log["runs"][0]["results"] = [{"ruleId": "KMS001", "message": {"text": ""}, "locations": [{}] * 1001}]
    problems = [str(p) for p in github_limits.check_log(log)]
    assert any("1001 locations" in p for p in problems) and any("message.text" in p for p in problems)


def test_limits_checker_soft_limits_are_not_hard() -> None:
    problems = github_limits.check_log(_log(results=5_001, rules=1, tags=11))
    assert problems and not any(p.hard for p in problems)


def test_limits_checker_passes_the_limit_itself() -> None:
    assert [p for p in github_limits.check_log(_log(results=25_000, rules=1, tags=20, runs=20)) if p.hard] == []


def test_gzip_size_limit() -> None:
    text = json.dumps(_log(results=3))
    assert github_limits.check_text(text) == []
    over = github_limits.check_text(text, max_gzip_bytes=github_limits.gzip_size(text) - 1)
    assert over and "gzip-compressed" in str(over[0])


# --- golden file ---------------------------------------------------------------------------------
# The golden log uses two fixed rules (not the catalog) so that editing a rule's wording does not
# churn it; only the kmslint version and the absolute scan root are replaced by placeholders.
# Regenerate after an intended change of the SARIF shape:
#     KMSLINT_REGEN_GOLDEN=1 python -m pytest tests/test_sarif.py -k golden
# and review the diff of tests/golden/small.sarif.

GOLDEN_RULES = [
    {
        "id": "KMS002", "name": "deletion-window", "title": "The deletion waiting period is valid and long enough",
        "level": "error", "security-severity": "7.0", "precision": "very-high", "tags": ["security", "kms"],
        "target": "key", "formats": ["terraform"],
        "description": "A golden-test rule about deletion windows, long enough to satisfy the rule schema.",
        "remediation": {"terraform": "Set `deletion_window_in_days` to 30."},
        "references": ["https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html"],
        "mappings": {"security-hub": ["KMS.3"]},
        "parameters": {"min_days": {"type": "integer", "default": 7, "minimum": 7, "maximum": 30, "description": "Minimum."}},
        "checks": [{"predicate": "golden.unused"}],
    },
    {
        "id": "KMS003", "name": "rotation-enabled", "title": "Automatic rotation is on for keys that can rotate",
        "level": "error", "security-severity": "6.0", "precision": "very-high", "tags": ["security", "rotation"],
        "target": "key", "description": "A golden-test rule about rotation, long enough to satisfy the rule schema.",
        "remediation": {"terraform": "Set `enable_key_rotation = true`.", "cloudformation": "Set `EnableKeyRotation: true`."},
        "checks": [{"predicate": "golden.unused"}],
    },
    {
        "id": "KMS008", "name": "deletion-protection", "title": "Stack or plan operations cannot delete the key unasked",
        "level": "warning", "security-severity": "5.0", "precision": "high", "tags": ["security"],
        "target": "key", "description": "A golden-test rule about deletion protection, long enough for the schema.",
        "remediation": {"terraform": "Add:\n  lifecycle {\n    prevent_destroy = true\n  }"},
        "checks": [{"predicate": "golden.unused"}],
    },
]


def golden_text() -> str:
    rules = [rule_from_data(d, "golden") for d in GOLDEN_RULES]
    text = render(small_result(), rules, category="kmslint", root=GOLDEN_SRC)
    text = text.replace(GOLDEN_SRC.as_uri() + "/", "file:///SCAN_ROOT/")
    return text.replace(f'"version": "{__version__}"', '"version": "VERSION"').replace(f'"semanticVersion": "{__version__}"', '"semanticVersion": "VERSION"')


def test_golden_small_sarif() -> None:
    text = golden_text()
    if os.environ.get("KMSLINT_REGEN_GOLDEN"):
        GOLDEN.write_text(text, "utf-8", newline="\n")
    assert_valid_for_github(text)
    assert text == GOLDEN.read_text("utf-8"), "SARIF shape changed: see the comment above GOLDEN_RULES to regenerate"


# --- every fixture through the CLI ---------------------------------------------------------------


def fixture_cases() -> list[Path]:
    root = REPO / "fixtures"
    return sorted(p for fmt in root.iterdir() if fmt.is_dir() for p in fmt.iterdir()) if root.is_dir() else []


@pytest.mark.parametrize("case", fixture_cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_renders_valid_sarif(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmslint.cli import main

    out = tmp_path / "out.sarif"
    monkeypatch.chdir(case if case.is_dir() else case.parent)
    code = main(["scan", "." if case.is_dir() else case.name, "--format", "sarif", "--output", str(out), "--sarif-category", "kmslint"])
    assert code in (0, 1), f"kmslint scan exited {code} on {case}"
    log = assert_valid_for_github(out.read_text("utf-8"))
    for res in log["runs"][0]["results"]:
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "\\" not in uri and (Path(case if case.is_dir() else case.parent) / uri).is_file()
        assert "primaryLocationLineHash" in res["partialFingerprints"]


def test_suppressed_findings_can_be_left_out_for_github(rules: tuple[Rule, ...]) -> None:
    """GitHub opens alerts for results with suppressions too, so an upload may leave them out."""
    log = assert_valid_for_github(render(small_result(), rules, root=GOLDEN_SRC, include_suppressed=False))
    results = log["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["KMS002", "KMS008"]
    assert all("suppressions" not in r for r in results)


def test_unchecked_items_are_note_notifications_and_related_locations_are_carried(rules: tuple[Rule, ...]) -> None:
    from dataclasses import replace

    from kmslint.model.resources import Unchecked

    finding = replace(tf_finding(4, "KMS002", "error", "window"), related=(Location("variables.tf", 7, 3),))
    item = Unchecked(Location("main.tf", 12, 1), 'module "kms": registry module; run terraform init to check it')
    log = assert_valid_for_github(render(ScanResult(findings=(finding,), unchecked=(item,)), rules, root=GOLDEN_SRC))
    run = log["runs"][0]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "note" and "run terraform init" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    assert run["invocations"][0]["executionSuccessful"] is True
    (related,) = run["results"][0]["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "variables.tf"
    assert related["physicalLocation"]["region"]["startLine"] == 7
