"""kmslint's rules as a checkov external-checks directory: ``checkov -d . --external-checks-dir "$(kmslint checkov-pack)"``.

checkov loads every ``*.py`` file in this directory (never this ``__init__.py``) into *its own*
environment, where kmslint cannot be imported: checkov depends on bc-python-hcl2, which owns the same
``hcl2`` module as python-hcl2. So ``kmslint_checks.py`` imports only checkov and the standard library,
runs the ``kmslint`` executable of kmslint's environment for its verdicts, and reads the rule names
from ``rules.jsonl``.

``rules.jsonl`` is generated from the rule catalog and committed, so the pack needs no build step and
never writes into an installed package: ``write_catalog()`` regenerates it, and a test fails when it
no longer matches ``rules/*.yaml``. (JSON lines, not ``.json``: checkov reads every ``.json`` and
``.yaml`` file in an external-checks directory as a policy of its own and warns about other data.)
This module runs in kmslint's environment only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:
    from ..engine.rules import Rule

PACK_DIR = Path(__file__).resolve().parent
CATALOG = PACK_DIR / "rules.jsonl"


def catalog_text(rules: Sequence["Rule"]) -> str:
    """One JSON object per rule, in id order: what the checkov checks are named and registered from."""
    rows = (
        {"id": r.id, "name": r.name, "title": r.title, "level": r.level, "formats": list(r.formats), "tags": list(r.tags)}
        for r in sorted(rules, key=lambda r: r.id)
    )
    return "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)


def write_catalog(rules: Optional[Sequence["Rule"]] = None) -> Path:
    """Regenerate ``rules.jsonl`` from the rule catalog (``python -c 'import kmslint.checkov_pack as p; p.write_catalog()'``)."""
    if rules is None:
        from ..engine.rules import load_rules

        rules = load_rules()
    CATALOG.write_text(catalog_text(rules), encoding="utf-8")
    return CATALOG
