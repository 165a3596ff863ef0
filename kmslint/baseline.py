"""Baselines: accept today's findings, fail only on new ones.

``kmslint scan . --write-baseline .kmslint-baseline.json`` records a fingerprint per finding;
``--baseline .kmslint-baseline.json`` then splits findings into new and known. A fingerprint is
the rule id, the path, the resource and the flagged line's text without whitespace, plus an
occurrence number among findings that share all four (in file order). It holds no line number,
so adding or removing lines above a finding, or re-indenting it, keeps it known; editing the
flagged line itself, renaming the resource or moving the file makes it new, which is the point.
When a file cannot be read back, the message stands in for the line's text.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from .findings import Finding, Suppression
from .fingerprints import normalised_line, stable_key
from .sources import SourceCache

FORMAT_VERSION = 1


class BaselineError(Exception):
    """The baseline file is missing or malformed: a usage error (exit code 2)."""


def _content(finding: Finding, sources: SourceCache) -> str:
    line = sources.line(finding.location.path, finding.location.line)
    return normalised_line(line) if line is not None else "message:" + normalised_line(finding.message)


def fingerprints(findings: Sequence[Finding], root: Path) -> list[str]:
    """One fingerprint per finding, in the order given (see the module doc)."""
    sources = SourceCache(root)
    bases = [stable_key(f.rule_id, f.location.path, f.resource, _content(f, sources)) for f in findings]
    order = sorted(range(len(findings)), key=lambda i: (findings[i].location, findings[i].rule_id, findings[i].message))
    seen: dict[str, int] = {}
    result = [""] * len(findings)
    for i in order:
        seen[bases[i]] = seen.get(bases[i], 0) + 1
        result[i] = f"{bases[i]}:{seen[bases[i]]}"
    return result


def _entry(finding: Finding, fingerprint: str) -> dict[str, str]:
    return {
        "fingerprint": fingerprint,
        "rule_id": finding.rule_id,
        "path": finding.location.path,
        "resource": finding.resource,
        "message": finding.message,
    }


def write_baseline(findings: Sequence[Finding], root: Path, path: Path) -> int:
    """Write the baseline for ``findings`` (paths relative to ``root``) to ``path``; return how many."""
    entries = [_entry(f, fp) for f, fp in zip(findings, fingerprints(findings, root))]
    entries.sort(key=lambda e: (e["path"], e["rule_id"], e["resource"], e["fingerprint"]))
    document = {"kmslint-baseline": FORMAT_VERSION, "findings": entries}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8", newline="\n")
    return len(entries)


def _entries(document: Any, path: Path) -> Iterable[Any]:
    if not isinstance(document, dict) or document.get("kmslint-baseline") != FORMAT_VERSION:
        raise BaselineError(f"{path}: not a kmslint baseline (version {FORMAT_VERSION})")
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'findings' must be a list")
    return entries


def load_baseline(path: Path) -> set[str]:
    """The fingerprints recorded in a baseline file."""
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from exc
    except RecursionError:  # 100,000 nested brackets: a baseline is two levels deep
        raise BaselineError(f"{path}: cannot read baseline: JSON nested too deeply") from None
    result = set()
    for i, entry in enumerate(_entries(document, path)):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str) or not fingerprint:
            raise BaselineError(f"{path}: findings[{i}].fingerprint must be a non-empty string")
        result.add(fingerprint)
    return result


def split_by_baseline(findings: Sequence[Finding], baseline: set[str], root: Path) -> tuple[list[Finding], list[Finding]]:
    """(new, known): findings whose fingerprint is not / is in ``baseline``, order preserved."""
    new: list[Finding] = []
    known: list[Finding] = []
    for finding, fingerprint in zip(findings, fingerprints(findings, root)):
        (known if fingerprint in baseline else new).append(finding)
    return new, known


def mark_known(known: Sequence[Finding], baseline_path: Path) -> list[Finding]:
    """Known findings as suppressed ones (SARIF ``external``), so they stay visible in JSON and SARIF."""
    why = f"accepted in baseline {baseline_path.name}"
    return [replace(f, suppression=Suppression(kind="external", justification=why)) for f in known]
