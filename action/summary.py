"""The kmslint Action's job summary: Markdown for $GITHUB_STEP_SUMMARY from kmslint's JSON report.

Usage: ``python summary.py REPORT.json [SARIF_FILE]``. Standard library only: it runs in the Action's
virtualenv next to kmslint. Text from the scanned files (paths, messages) is escaped for Markdown and
HTML, so a file name cannot inject markup into the summary.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from typing import Any, Iterable

FIRST = 20  # findings and unchecked items listed in full; the rest are counted
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"`(\[{])")
_MARKDOWN = re.compile(r"[\\`*_\[\]|]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def cell(text: str) -> str:
    """One table cell: control characters become spaces; HTML, pipes and Markdown emphasis, code and
    link characters are escaped (a file named ``[x](https://...)`` stays text)."""
    return _MARKDOWN.sub(r"\\\g<0>", html.escape(_CONTROL.sub(" ", text)))


def first_sentence(message: str) -> str:
    return _SENTENCE_END.split(message.strip(), maxsplit=1)[0]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counts(findings: list[dict[str, Any]]) -> Iterable[str]:
    yield "| rule | level | findings |"
    yield "|---|---|---|"
    by_rule = Counter((f["rule_id"], f.get("rule_name", ""), f["level"]) for f in findings)
    for (rid, name, level), n in sorted(by_rule.items()):
        yield f"| {rid} {cell(name)} | {level} | {n} |"


def _first(findings: list[dict[str, Any]]) -> Iterable[str]:
    yield "| where | rule | finding |"
    yield "|---|---|---|"
    for f in findings[:FIRST]:
        yield f"| {cell(f['path'])}:{f['line']} | {f['rule_id']} | {cell(first_sentence(f['message']))} |"
    if len(findings) > FIRST:
        yield f"\n…and {len(findings) - FIRST} more in the log and the SARIF file."


def render(doc: dict[str, Any], sarif: str = "") -> str:
    findings, unchecked = doc.get("findings", []), doc.get("unchecked", [])
    levels = Counter(f["level"] for f in findings)
    errors = [e for e in doc.get("errors", []) if e.get("level") != "warning"]
    warnings = [e for e in doc.get("errors", []) if e.get("level") == "warning"]
    head = ", ".join(plural(levels[lvl], lvl) for lvl in ("error", "warning", "note"))
    extra = [plural(len(doc.get("suppressed", [])), "suppressed finding"), f"{len(unchecked)} not checked"]
    out = ["## kmslint", "", f"**{head}** ({', '.join(extra)})."]
    if sarif:
        out.append(f"SARIF log: `{cell(sarif)}`.")
    if errors:
        out += ["", f"**kmslint failed on {plural(len(errors), 'check')}**: " + "; ".join(cell(e["message"]) for e in errors[:5])]
    if findings:
        out += ["", "### Findings by rule", "", *_counts(findings), "", "### First findings", "", *_first(findings)]
    if unchecked:
        out += ["", "### Not checked", "", "kmslint recognised these but could not check them:", ""]
        out += [f"- {cell(u['path'])}:{u['line']}: {cell(u['reason'])}" for u in unchecked[:FIRST]]
        if len(unchecked) > FIRST:
            out.append(f"- …and {len(unchecked) - FIRST} more (`kmslint scan --show-unknown`).")
    if warnings:
        out += ["", "### Warnings about the input", ""]
        out += [f"- {cell(w['path'])}:{w.get('line', 1)}: {cell(w['message'])}" for w in warnings[:FIRST]]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        doc = json.load(fh)
    sys.stdout.write(render(doc, argv[1] if len(argv) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
