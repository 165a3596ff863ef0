"""GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=KMS003 rotation-enabled::...``.

Printed to a job's log, each line becomes an annotation on the pull request's diff, which works in
private repositories without code scanning (GitHub Advanced Security). Escaping follows
``@actions/core`` (``toolkit/packages/core/src/command.ts``): the message escapes ``%``, ``\\r`` and
``\\n``; property values also ``:`` and ``,``. Other control characters from the input are written
as visible escapes first (:func:`kmslint.report.text.escape`), so no finding can end its line early and
start a workflow command of its own.
"""

from __future__ import annotations

from typing import Sequence

from ..engine.rules import Rule
from ..findings import Finding, ScanResult
from .text import escape, summary

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: object) -> str:
    """One workflow command line; ``props`` with a value of ``None`` or ``""`` are left out."""
    shown = ",".join(f"{k}={escape_property(escape(str(v)))}" for k, v in props.items() if v not in (None, ""))
    return f"::{kind} {shown}::{escape_data(escape(message))}" if shown else f"::{kind}::{escape_data(escape(message))}"


def format_finding(f: Finding) -> str:
    loc = f.location
    title = f"{f.rule_id} {f.rule_name}".strip()
    # No endLine: GitHub ignores col when endLine differs from line, and the start is where the fix goes.
    return command(COMMAND.get(f.level, "warning"), f.message, file=loc.path, line=loc.line, col=loc.column, title=title)


def render(result: ScanResult, rules: Sequence[Rule], notes: Sequence[str] = ()) -> str:
    """Findings as annotations (notes as ``::notice``), input warnings as ``::warning``, internal errors
    as ``::error``, then the plain summary line."""
    lines = [format_finding(f) for f in result.findings]
    lines += [command("warning", w.message, file=w.path, line=w.line, title="kmslint") for w in result.warnings]
    lines += [command("error", f"internal error in {e.rule_id}: {e.message}", file=e.path, title="kmslint internal error") for e in result.errors]
    lines.append(summary(result, False, notes))
    return "\n".join(lines) + "\n"
