"""Meta-tests: the rule catalog is a public contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kmslint.engine.rules import RuleError, load_rules, rule_from_data, rules_dir
from kmslint.predicates import PREDICATES, resolve

CATALOG = Path(__file__).resolve().parent.parent / "rules"
EXPECTED = {
    "KMS000": "parse-error", "KMS001": "destructive-actions-require-mfa", "KMS002": "deletion-window",
    "KMS003": "rotation-enabled", "KMS004": "rotation-unsupported", "KMS005": "replica-primary-ordering",
    "KMS006": "deletion-alarm", "KMS007": "pending-deletion-use-alarm", "KMS008": "deletion-protection",
    "KMS009": "disabled-key", "KMS010": "imported-material-expiry", "KMS011": "key-alias",
    "KMS012": "public-key-policy", "KMS013": "lockout-safety-check-bypass", "KMS014": "runtime-window-guard",
}
SEVERITY = {"KMS001": "8.0", "KMS002": "7.0", "KMS003": "6.0", "KMS004": "3.0", "KMS005": "7.0", "KMS006": "5.0",
            "KMS007": "3.0", "KMS008": "5.0", "KMS009": "1.0", "KMS010": "4.0", "KMS011": "1.0", "KMS012": "9.0",
            "KMS013": "5.0", "KMS014": "2.0"}


def test_ids_and_names_match_the_published_catalog() -> None:
    assert {r.id: r.name for r in load_rules(CATALOG)} == EXPECTED


def test_levels_and_severities_match_rules_md() -> None:
    rules = {r.id: r for r in load_rules(CATALOG)}
    assert {i: r.security_severity for i, r in rules.items() if i != "KMS000"} == SEVERITY
    assert rules["KMS006"].level == "warning" and rules["KMS007"].level == "note" and rules["KMS012"].level == "error"


def test_titles_are_unique() -> None:
    titles = [r.title for r in load_rules(CATALOG)]
    assert len(titles) == len(set(titles))


def test_every_named_predicate_exists() -> None:
    for r in load_rules(CATALOG):
        for c in r.checks:
            assert not c.predicate or c.predicate in PREDICATES, (r.id, c.predicate)


def test_every_registered_predicate_resolves_to_a_function() -> None:
    """The registry imports lazily, so a misspelt module or function would only fail mid-scan."""
    for name in PREDICATES:
        assert callable(resolve(name)), name


def test_unknown_keys_are_errors() -> None:
    data = yaml.safe_load((CATALOG / "KMS009-disabled-key.yaml").read_text())
    data["colour"] = "red"
    with pytest.raises(RuleError, match="colour"):
        rule_from_data(data, "x.yaml")


def test_a_check_needs_a_condition_or_a_predicate() -> None:
    data = yaml.safe_load((CATALOG / "KMS009-disabled-key.yaml").read_text())
    data["checks"] = [{"at": "enabled", "message": "no condition here at all"}]
    with pytest.raises(RuleError):
        rule_from_data(data, "x.yaml")


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    for p in CATALOG.glob("KMS00[89]*.yaml"):
        (tmp_path / p.name).write_text(p.read_text())
    text = (CATALOG / "KMS009-disabled-key.yaml").read_text().replace("id: KMS009", "id: KMS008").replace("name: disabled-key", "name: disabled-key-two")
    (tmp_path / "KMS008-disabled-key-two.yaml").write_text(text)
    with pytest.raises(RuleError, match="duplicate"):
        load_rules(tmp_path)


def test_file_names_follow_id_and_name() -> None:
    for p in CATALOG.glob("*.yaml"):
        assert re.match(r"^KMS\d{3}-[a-z0-9-]+\.yaml$", p.name)


def test_rules_dir_points_at_the_catalog() -> None:
    assert sorted(p.name for p in rules_dir().glob("KMS*.yaml")) == sorted(p.name for p in CATALOG.glob("KMS*.yaml"))


def test_the_validated_catalog_cache_is_used_and_invalidated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    catalog = tmp_path / "rules"
    catalog.mkdir()
    for p in CATALOG.glob("KMS00[89]*.yaml"):
        (catalog / p.name).write_text(p.read_text())
    first = load_rules(catalog)
    cached = list((tmp_path / "cache" / "kmslint").glob("rules-*.json"))
    assert len(cached) == 1 and [r.id for r in first] == ["KMS008", "KMS009"]
    # A changed rule file is a different catalog: validated again, never served stale.
    bad = (catalog / "KMS009-disabled-key.yaml")
    bad.write_text(bad.read_text() + "colour: red\n")
    load_rules.cache_clear()
    with pytest.raises(RuleError, match="colour"):
        load_rules(catalog)
