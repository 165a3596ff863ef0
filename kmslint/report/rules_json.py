"""``kmslint rules --format json``: the rule catalog for tooling, one object per rule."""

from __future__ import annotations

import json
from typing import Any, Sequence

from .. import __version__
from ..engine.rules import Rule


def rule_dict(r: Rule) -> dict[str, Any]:
    params = {p.name: {"type": p.type, "default": p.default, "description": p.description} for p in r.parameters.values()}
    return {
        "id": r.id,
        "name": r.name,
        "title": r.title,
        "level": r.level,
        "security_severity": r.security_severity,
        "precision": r.precision,
        "tags": list(r.tags),
        "target": r.target,
        "formats": list(r.formats),
        "description": r.description.strip(),
        "remediation": dict(r.remediation),
        "references": list(r.references),
        "mappings": {k: list(v) for k, v in r.mappings.items()},
        "parameters": params,
    }


def render(rules: Sequence[Rule]) -> str:
    return json.dumps({"version": __version__, "rules": [rule_dict(r) for r in rules]}, indent=2) + "\n"
