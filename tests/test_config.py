"""Configuration files: where they are found, what they may say, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmslint.config import Config, ConfigError, config_from_data, find_config, load_config, validate_against_rules
from kmslint.engine.rules import Rule, load_rules


@pytest.fixture(scope="module")
def rules() -> tuple[Rule, ...]:
    return load_rules()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert load_config(tmp_path) == Config()


def test_yaml_config_is_read_with_every_key(tmp_path: Path, rules: tuple[Rule, ...]) -> None:
    write(
        tmp_path / ".kmslint.yaml",
        "select: [KMS001, KMS002]\nignore: [KMS011]\nexclude: ['examples/*']\nfail-on: error\n"
        "rules:\n  KMS002: {min_days: 30, level: warning}\n",
    )
    config = load_config(tmp_path)
    assert config.select == ("KMS001", "KMS002") and config.ignore == ("KMS011",)
    assert config.exclude == ("examples/*",) and config.fail_on == "error"
    assert config.levels == {"KMS002": "warning"} and config.params == {"KMS002": {"min_days": 30}}
    assert config.source == str(tmp_path / ".kmslint.yaml")
    validate_against_rules(config, rules)


def test_found_by_walking_up_from_the_scan_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # up to the repository root, never above (issue 17)
    write(tmp_path / ".kmslint.yaml", "fail-on: note\n")
    deep = tmp_path / "infra" / "prod"
    deep.mkdir(parents=True)
    assert load_config(deep).fail_on == "note"
    assert find_config(deep / "main.tf") == tmp_path / ".kmslint.yaml"


def test_the_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".kmslint.yaml", "fail-on: note\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_config(repo) is None


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.kmslint]\nfail-on = "error"\n\n[tool.kmslint.rules.KMS002]\nmin_days = 14\n')
    config = load_config(tmp_path)
    assert config.fail_on == "error" and config.params == {"KMS002": {"min_days": 14}}


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".kmslint.yaml", "fail-on: note\n")
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(tmp_path / "sub").fail_on == "note"


def test_kmslint_yaml_wins_over_pyproject_in_one_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.kmslint]\nfail-on = "error"\n')
    write(tmp_path / ".kmslint.yaml", "fail-on: note\n")
    assert load_config(tmp_path).fail_on == "note"


def test_explicit_file_wins_and_must_exist(tmp_path: Path) -> None:
    write(tmp_path / ".kmslint.yaml", "fail-on: note\n")
    other = write(tmp_path / "ci" / "strict.yaml", "fail-on: error\n")
    assert load_config(tmp_path, other).fail_on == "error"
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path, tmp_path / "nope.yaml")


def test_empty_file_is_the_default_config(tmp_path: Path) -> None:
    write(tmp_path / ".kmslint.yaml", "# nothing yet\n")
    assert load_config(tmp_path).select == ()


@pytest.mark.parametrize(
    "text,named",
    [
        ("fail_on: error\n", r"fail_on: unknown key \(did you mean 'fail-on'\?\)"),
        ("rules:\n  KMS002: {level: critical}\n", "rules.KMS002.level"),
        ("select: KMS001\n", "select"),
        ("select: [KMS1]\n", r"select\.0"),
        ("fail-on: always\n", "fail-on"),
        ("rules:\n  Deletion_Window: {min_days: 30}\n", "rules.Deletion_Window: not a rule id or name"),
        ("exclude: ['']\n", r"exclude\.0"),
        ("- a list\n", "must be a mapping"),
        ("rules:\n  KMS002: {level: off}\n", "rules.KMS002.level"),  # YAML 1.1 reads off as false
    ],
)
def test_bad_shapes_are_errors_naming_the_key(tmp_path: Path, text: str, named: str) -> None:
    write(tmp_path / ".kmslint.yaml", text)
    with pytest.raises(ConfigError, match=named):
        load_config(tmp_path)


def test_invalid_yaml_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path / ".kmslint.yaml", "select: [KMS001\n")
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path)


def test_invalid_toml_is_a_config_error_when_named(tmp_path: Path) -> None:
    bad = write(tmp_path / "pyproject.toml", "[tool.kmslint\n")
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path, bad)


@pytest.mark.parametrize(
    "data,named",
    [
        ({"rules": {"KMS002": {"min_days": 31}}}, r"rules\.KMS002\.min_days: 31 is above the maximum of 30"),
        ({"rules": {"KMS002": {"min_days": 6}}}, r"rules\.KMS002\.min_days: 6 is below the minimum of 7"),
        ({"rules": {"KMS002": {"min_days": "30"}}}, r"rules\.KMS002\.min_days: must be of type integer"),
        ({"rules": {"KMS002": {"min_days": True}}}, r"rules\.KMS002\.min_days: must be of type integer"),
        ({"rules": {"KMS002": {"min_dayz": 30}}}, r"rules\.KMS002\.min_dayz: unknown parameter \(did you mean 'min_days'\?\)"),
        ({"rules": {"KMS001": {"actions": "kms:ScheduleKeyDeletion"}}}, r"rules\.KMS001\.actions: must be of type array"),
        ({"rules": {"KMS003": {"max_period_days": 3000}}}, r"rules\.KMS003\.max_period_days: 3000 is above the maximum of 2560"),
        ({"select": ["KMS999"]}, "select: KMS999 is not a kmslint rule"),
        ({"ignore": ["KMS099"]}, "ignore: KMS099 is not a kmslint rule"),
        ({"rules": {"KMS998": {"level": "note"}}}, "rules: KMS998 is not a kmslint rule"),
    ],
)
def test_values_checked_against_the_catalog(rules: tuple[Rule, ...], data: dict, named: str) -> None:
    config = config_from_data(data, "cfg.yaml")
    with pytest.raises(ConfigError, match=named):
        validate_against_rules(config, rules)


@pytest.mark.parametrize("days", [7, 14, 30])
def test_min_days_within_7_to_30_is_accepted(rules: tuple[Rule, ...], days: int) -> None:
    validate_against_rules(config_from_data({"rules": {"KMS002": {"min_days": days}}}), rules)


def test_enum_parameters_are_checked(rules: tuple[Rule, ...]) -> None:
    from dataclasses import replace

    from kmslint.engine.rules import Parameter

    scoped = replace(rules[1], parameters={"scope": Parameter("scope", "string", "where", "unit", enum=("unit", "repository"))})
    validate_against_rules(config_from_data({"rules": {scoped.id: {"scope": "repository"}}}), [scoped])
    with pytest.raises(ConfigError, match="'org' is not one of unit, repository"):
        validate_against_rules(config_from_data({"rules": {scoped.id: {"scope": "org"}}}), [scoped])


# --- the validated configuration is cached by content ---------------------------------------------


def cache_entries(cache: Path) -> list[Path]:
    return sorted((cache / "kmslint").glob("config-*.json"))


def test_a_validated_configuration_is_cached_and_each_file_keeps_its_own_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = "fail-on: note\nexclude: ['examples/*']\nrules:\n  KMS002: {min_days: 30, level: warning}\n"
    one, two = write(tmp_path / "one" / ".kmslint.yaml", text), write(tmp_path / "two" / ".kmslint.yaml", text)
    first = load_config(one.parent, one)
    assert len(cache_entries(tmp_path / "cache")) == 1
    again, other = load_config(one.parent, one), load_config(two.parent, two)  # both from the cache entry
    assert again == first and first.fail_on == "note" and first.params == {"KMS002": {"min_days": 30}}
    assert (other.source, other.exclude_base) == (str(two), str(two.parent.resolve()))  # never the first file's
    assert other.levels == first.levels and other.exclude == first.exclude


def test_a_changed_configuration_is_read_again_and_a_wrong_one_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = write(tmp_path / ".kmslint.yaml", "fail-on: note\n")
    assert load_config(tmp_path, path).fail_on == "note"
    write(path, "fail-on: error\n")
    assert load_config(tmp_path, path).fail_on == "error"
    write(path, "fail_on: error\n")
    for _ in range(2):  # reported every time, from the file
        with pytest.raises(ConfigError, match="fail_on: unknown key"):
            load_config(tmp_path, path)
    assert len(cache_entries(tmp_path / "cache")) == 2


def test_what_json_cannot_hold_is_read_from_the_file_each_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = write(tmp_path / ".kmslint.yaml", "rules:\n  KMS002: {since: 2024-01-31}\n")  # a YAML date
    first, second = load_config(tmp_path, path), load_config(tmp_path, path)
    assert first == second and str(first.params["KMS002"]["since"]) == "2024-01-31"
    assert cache_entries(tmp_path / "cache") == []


def test_a_damaged_cache_entry_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = write(tmp_path / "pyproject.toml", '[tool.kmslint]\nfail-on = "error"\nmax-file-size-mb = 2\n')
    expected = load_config(tmp_path, path)
    [entry] = cache_entries(tmp_path / "cache")
    for damage in ("{not json", '{"max-file-size-mb": "two"}', "[]"):
        entry.write_text(damage, "utf-8")
        assert load_config(tmp_path, path) == expected
    assert load_config(tmp_path, path).limits.max_file_bytes == 2 * 1024 * 1024


def test_a_pyproject_table_spelt_with_escapes_is_still_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[tool."kms\\u006cint"]\nfail-on = "note"\n')
    assert load_config(tmp_path).fail_on == "note"


def test_a_cached_pyproject_configuration_needs_no_toml_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kmslint.config

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / ".git").mkdir()
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')  # not ours: passed over without reading TOML
    write(tmp_path / "pyproject.toml", '[tool.kmslint]\nfail-on = "error"\n')
    first = load_config(tmp_path / "sub")
    monkeypatch.setattr(kmslint.config, "_tomllib", lambda: pytest.fail("TOML read again"))
    assert load_config(tmp_path / "sub") == first and first.fail_on == "error"
