"""Loading the rule catalog: one YAML file per rule, validated against a JSON Schema."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

_SCHEMA_FILE = Path(__file__).with_name("rule_schema.json")
# Rule targets that are items of the inventory (engine.api.targets): an empty inventory has none.
# The other target, "inventory", is the inventory itself.
ITEM_TARGETS = frozenset({"key", "policy", "unit", "parse-error"})


class RuleError(Exception):
    """A rule file is invalid. Carries the file and the schema's reason."""


@dataclass(frozen=True)
class Parameter:
    """A rule parameter as its rule file declares it: type, default, bounds."""

    name: str
    type: str
    description: str
    default: Any = None
    inherit: str = ""  # "KMS002.min_days": take the value of another rule's parameter
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    enum: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Check:
    """One check: a condition over model facts, or a named Python predicate."""

    when: Optional[Mapping[str, Any]] = None
    predicate: str = ""
    at: str = ""
    message: str = ""
    level: Optional[str] = None


@dataclass(frozen=True)
class Rule:
    """A rule of the catalog (``rules/KMSnnn-name.yaml``): metadata, target, checks, parameters."""

    id: str
    name: str
    title: str
    level: str
    precision: str
    tags: tuple[str, ...]
    target: str
    description: str
    remediation: Mapping[str, str]
    checks: tuple[Check, ...]
    security_severity: str = ""
    formats: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    mappings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    source: str = ""


def rules_dir() -> Path:
    """``rules/`` ships inside the wheel as ``kmslint/rules_data``; in a checkout it is the repo's."""
    packaged = Path(__file__).resolve().parents[1] / "rules_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


@lru_cache(maxsize=1)
def rule_schema() -> Mapping[str, Any]:
    return json.loads(_SCHEMA_FILE.read_text("utf-8"))  # type: ignore[no-any-return]


def validate_rule_data(data: Any, source: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(rule_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise RuleError(f"{source}: {where}: {err.message}")


def rule_from_data(data: Mapping[str, Any], source: str, validate: bool = True) -> Rule:
    if validate:
        validate_rule_data(data, source)
    params = {
        name: Parameter(
            name=name,
            type=p["type"],
            description=p["description"],
            default=p.get("default"),
            inherit=p.get("inherit", ""),
            minimum=p.get("minimum"),
            maximum=p.get("maximum"),
            enum=tuple(p.get("enum", ())),
        )
        for name, p in (data.get("parameters") or {}).items()
    }
    checks = tuple(
        Check(when=c.get("when"), predicate=c.get("predicate", ""), at=c.get("at", ""), message=c.get("message", ""), level=c.get("level"))
        for c in data["checks"]
    )
    return Rule(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        level=data["level"],
        precision=data["precision"],
        tags=tuple(data["tags"]),
        target=data["target"],
        description=data["description"].strip(),
        remediation={k: v.strip() for k, v in data["remediation"].items()},
        checks=checks,
        security_severity=data.get("security-severity", ""),
        formats=tuple(data.get("formats", ())),
        references=tuple(data.get("references", ())),
        mappings={k: tuple(v) for k, v in (data.get("mappings") or {}).items()},
        parameters=params,
        source=source,
    )


def _read_rule_data(path: Path) -> Any:
    import yaml  # only when the per-user catalog cache misses: a warm start reads JSON

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster
    try:
        data = yaml.load(path.read_text("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise RuleError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleError(f"{path.name}: a rule file must be a mapping")
    return data


def _checked_name(rule: Rule, path: Path) -> Rule:
    expected = f"{rule.id}-{rule.name}.yaml"
    if path.name != expected:
        raise RuleError(f"{path.name}: file name must be {expected}")
    return rule


def load_rule_file(path: Path) -> Rule:
    return _checked_name(rule_from_data(_read_rule_data(path), path.name), path)


def _catalog_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256(_SCHEMA_FILE.read_bytes())
    for p in paths:
        digest.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def _load_catalog(paths: list[Path]) -> list[Rule]:
    """Rule files are validated against the schema once per content; the result is cached
    per user (``kmslint.cache``), so a pre-commit run skips YAML parsing and validation."""
    from ..cache import cache_dir

    folder = cache_dir()
    cached = folder / f"rules-{_catalog_digest(paths)}.json" if folder is not None else None
    if cached is not None and cached.is_file():
        try:
            datas = json.loads(cached.read_text("utf-8"))
            return [_checked_name(rule_from_data(d, p.name, validate=False), p) for d, p in zip(datas, paths)]
        except (ValueError, KeyError, TypeError, OSError):
            pass  # a damaged cache entry is rebuilt below
    datas = [_read_rule_data(p) for p in paths]
    rules = [_checked_name(rule_from_data(d, p.name), p) for d, p in zip(datas, paths)]
    if cached is not None:
        try:
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(datas), "utf-8")
            os.replace(tmp, cached)
        except OSError:
            pass  # caching is an optimisation only
    return rules


@lru_cache(maxsize=4)
def load_rules(directory: Optional[Path] = None) -> tuple[Rule, ...]:
    """Every rule, sorted by id. Duplicate ids or names are errors."""
    folder = directory or rules_dir()
    rules = tuple(sorted(_load_catalog(sorted(folder.glob("KMS*.yaml"))), key=lambda r: r.id))
    for attr in ("id", "name"):
        seen: dict[str, str] = {}
        for r in rules:
            value = getattr(r, attr)
            if value in seen:
                raise RuleError(f"{r.source}: duplicate rule {attr} {value!r} (also in {seen[value]})")
            seen[value] = r.source
    return rules


def rules_by_id(rules: tuple[Rule, ...]) -> dict[str, Rule]:
    return {r.id: r for r in rules}
