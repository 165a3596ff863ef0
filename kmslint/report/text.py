"""Human text: ``path:line:col: KMS003 [error] message`` (editors and pre-commit parse this form)."""

from __future__ import annotations

from typing import Sequence

from ..engine.rules import Rule
from ..findings import Finding, ScanResult


def format_finding(f: Finding) -> str:
    loc = f.location
    return f"{loc.path}:{loc.line}:{loc.column}: {f.rule_id} [{f.level}] {f.message}"


def render(result: ScanResult, rules: Sequence[Rule], show_unknown: bool = False) -> str:
    lines = [format_finding(f) for f in result.findings]
    lines += [f"{e.path or '-'}: internal error in {e.rule_id}: {e.message}" for e in result.errors]
    if show_unknown:
        lines += [f"{u.location.path}:{u.location.line}:{u.location.column}: {u.rule_id} [unknown] {u.detail}" for u in result.unknowns]
        lines += [f"{u.location.path}:{u.location.line}:{u.location.column}: [not checked] {u.reason}" for u in result.unchecked]
    counts = {lvl: sum(1 for f in result.findings if f.level == lvl) for lvl in ("error", "warning", "note")}
    summary = ", ".join(f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in counts.items())
    extra = f", {len(result.suppressed)} suppressed" if result.suppressed else ""
    files = f"{result.files_scanned} file{'' if result.files_scanned == 1 else 's'}"
    if result.unchecked:
        extra += f", {len(result.unchecked)} not checked" + ("" if show_unknown else " (run with --show-unknown)")
    lines.append(f"kmslint: {files} scanned: {summary}{extra}")
    return "\n".join(lines) + "\n"
