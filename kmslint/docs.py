"""Rule documentation generated from the rule data, in Markdown and plain text.

One source for three readers: ``docs/rules/KMSnnn.md`` (this module's ``main``), SARIF's
``help.markdown`` / ``help.text`` (GitHub shows it beside each alert) and ``kmslint explain``.

Regenerate the committed pages after changing a rule file::

    python -m kmslint.docs docs/rules          # write
    python -m kmslint.docs docs/rules --check  # exit 1 if any page is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from .engine.rules import Parameter, Rule, load_rules

FORMAT_LABELS = {
    "terraform": "Terraform",
    "cloudformation": "CloudFormation",
    "policy": "Key-policy JSON",
    "plan": "Terraform plan JSON",
    "general": "Any format",
}
MAPPING_LABELS = {
    "cis": "CIS AWS Foundations Benchmark",
    "security-hub": "AWS Security Hub",
    "aws-config": "AWS Config managed rule",
    "checkov": "Checkov",
}
INDEX_NAME = "README.md"


def severity_label(score: str) -> str:
    """GitHub's reading of a security-severity score: critical, high, medium or low."""
    value = float(score)
    if value >= 9.0:
        return "critical"
    if value >= 7.0:
        return "high"
    if value >= 4.0:
        return "medium"
    return "low"


def _blocks(text: str) -> list[tuple[bool, list[str]]]:
    """Split remediation text into (is_code, lines) blocks: indented lines are code, blank lines
    separate prose paragraphs and stay inside code."""
    blocks: list[tuple[bool, list[str]]] = []
    current: Optional[tuple[bool, list[str]]] = None
    for line in text.splitlines():
        if not line.strip():
            if current is not None and current[0]:
                current[1].append("")
            else:
                current = None
            continue
        is_code = line.startswith((" ", "\t"))
        if current is None or current[0] != is_code:
            current = (is_code, [])
            blocks.append(current)
        current[1].append(line)
    return blocks


def _dedent(lines: list[str]) -> list[str]:
    width = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    return [x[width:].rstrip() for x in lines]


def _markdown_text(text: str) -> str:
    parts: list[str] = []
    for code, lines in _blocks(text):
        if code:
            parts.append("```\n" + "\n".join(_dedent(lines)).strip("\n") + "\n```")
        else:
            parts.append(" ".join(x.strip() for x in lines if x.strip()))
    return "\n\n".join(parts)


def _param_default(param: Parameter) -> str:
    if param.inherit:
        return f"{param.inherit} (inherited)"
    if isinstance(param.default, (list, tuple)):
        return ", ".join(str(x) for x in param.default)
    return str(param.default).lower() if isinstance(param.default, bool) else str(param.default)


def _param_allowed(param: Parameter) -> str:
    if param.enum:
        return " | ".join(str(x) for x in param.enum)
    if param.minimum is not None and param.maximum is not None:
        return f"{param.minimum}-{param.maximum}"
    if param.minimum is not None:
        return f">= {param.minimum}"
    if param.maximum is not None:
        return f"<= {param.maximum}"
    return "any"


def _example_param_value(param: Parameter) -> str:
    if param.enum:
        return str(param.enum[-1])
    if param.type == "integer":
        return str(param.maximum if param.maximum is not None else param.default)
    if param.type == "array":
        return "[" + ", ".join(f'"{x}"' for x in (param.default or [])) + "]"
    return str(param.default)


def _facts(rule: Rule) -> list[tuple[str, str]]:
    facts = [("Level", rule.level)]
    if rule.security_severity:
        facts.append(("Security severity", f"{rule.security_severity} ({severity_label(rule.security_severity)})"))
    facts.append(("Precision", rule.precision))
    facts.append(("Tags", ", ".join(rule.tags)))
    if rule.formats:
        facts.append(("Formats", ", ".join(FORMAT_LABELS.get(f, f) for f in rule.formats)))
    return facts


def _md_header(rule: Rule) -> list[str]:
    lines = [f"# {rule.id} {rule.name}", "", f"**{rule.title}**", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in _facts(rule)]
    return lines


def _md_fix(rule: Rule) -> list[str]:
    lines = ["", "## How to fix"]
    for fmt, text in rule.remediation.items():
        lines += ["", f"### {FORMAT_LABELS.get(fmt, fmt)}", "", _markdown_text(text)]
    return lines


def _md_parameters(rule: Rule) -> list[str]:
    if not rule.parameters:
        return []
    lines = ["", "## Parameters", "", "| Name | Type | Default | Allowed | Description |", "|---|---|---|---|---|"]
    for p in rule.parameters.values():
        cells = (f"`{p.name}`", p.type, _param_default(p), _param_allowed(p), p.description)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    first = next(iter(rule.parameters.values()))
    example = f"rules:\n  {rule.id}:\n    {first.name}: {_example_param_value(first)}"
    lines += ["", "Set them in `.kmslint.yaml` (or `[tool.kmslint]` in `pyproject.toml`):", "", "```yaml", example, "```"]
    return lines


def _md_suppress(rule: Rule) -> list[str]:
    return [
        "",
        "## Suppressing",
        "",
        "On the line above the finding or at the end of its line; the reason after `--` is required:",
        "",
        "```",
        f"# kmslint:ignore {rule.id} -- <why this is safe here>",
        "```",
        "",
        "On a CloudFormation resource: `Metadata: {kmslint: {ignore: [{id: " + rule.id + ", reason: <why>}]}}`.",
    ]


def _md_tail(rule: Rule) -> list[str]:
    lines: list[str] = []
    if rule.mappings:
        lines += ["", "## Mappings", ""]
        lines += [f"- {MAPPING_LABELS.get(k, k)}: {', '.join(v)}" for k, v in rule.mappings.items()]
    if rule.references:
        lines += ["", "## References", ""]
        lines += [f"- <{url}>" for url in rule.references]
    return lines


def render_rule_markdown(rule: Rule) -> str:
    """The rule's page: facts, why, how to fix per format, parameters, suppression, mappings."""
    lines = _md_header(rule) + ["", "## Why", "", _markdown_text(rule.description)]
    lines += _md_fix(rule) + _md_parameters(rule) + _md_suppress(rule) + _md_tail(rule)
    return "\n".join(lines) + "\n"


def _indent(text: str, prefix: str = "  ") -> list[str]:
    return [prefix + line if line.strip() else "" for line in text.splitlines()]


def render_rule_text(rule: Rule) -> str:
    """The same content for a terminal (``kmslint explain``) and SARIF ``help.text``."""
    facts = ", ".join(f"{k.lower()} {v}" for k, v in _facts(rule) if k not in ("Tags", "Formats"))
    lines = [f"{rule.id} {rule.name}: {rule.title}", f"({facts})", "", "Why:", *_indent(rule.description), "", "How to fix:"]
    for fmt, text in rule.remediation.items():
        lines += [f"  {FORMAT_LABELS.get(fmt, fmt)}:", *_indent(text, "    ")]
    if rule.parameters:
        lines += ["", "Parameters (set under rules: " + rule.id + ": in .kmslint.yaml):"]
        for p in rule.parameters.values():
            lines.append(f"  {p.name} ({p.type}, default {_param_default(p)}, allowed {_param_allowed(p)}): {p.description}")
    lines += ["", "Suppress:", f"  # kmslint:ignore {rule.id} -- <why this is safe here>"]
    if rule.mappings:
        lines += ["", "Mappings:", *(f"  {MAPPING_LABELS.get(k, k)}: {', '.join(v)}" for k, v in rule.mappings.items())]
    if rule.references:
        lines += ["", "References:", *(f"  {url}" for url in rule.references)]
    return "\n".join(lines) + "\n"


def render_index(rules: Sequence[Rule]) -> str:
    lines = ["# kmslint rules", "", "Generated by `python -m kmslint.docs docs/rules` from `rules/*.yaml`; do not edit.", ""]
    lines += ["| ID | Name | Level | Security severity | Title |", "|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| [{r.id}]({r.id}.md) | {r.name} | {r.level} | {r.security_severity or '-'} | {r.title} |")
    return "\n".join(lines) + "\n"


def expected_pages(rules: Sequence[Rule]) -> dict[str, str]:
    """File name -> content of every generated page."""
    pages = {f"{r.id}.md": render_rule_markdown(r) for r in rules}
    pages[INDEX_NAME] = render_index(rules)
    return pages


def stale_pages(directory: Path, rules: Sequence[Rule]) -> list[str]:
    """Pages that are missing, differ from the rule data, or describe no rule (sorted names)."""
    pages = expected_pages(rules)
    present = {p.name for p in directory.glob("*.md")} if directory.is_dir() else set()
    stale = [name for name, text in pages.items() if name not in present or (directory / name).read_text("utf-8") != text]
    stale += [name for name in present if name not in pages]
    return sorted(stale)


def write_pages(directory: Path, rules: Sequence[Rule]) -> list[str]:
    """Write every page and delete pages of rules that no longer exist; return what changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = stale_pages(directory, rules)
    pages = expected_pages(rules)
    for name in changed:
        if name in pages:
            (directory / name).write_text(pages[name], "utf-8", newline="\n")
        else:
            (directory / name).unlink()
    return changed


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmslint.docs", description="Generate docs/rules from rules/*.yaml.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a page is stale")
    args = parser.parse_args(argv)
    rules = load_rules()
    changed = stale_pages(args.directory, rules) if args.check else write_pages(args.directory, rules)
    for name in changed:
        print(f"{'stale' if args.check else 'updated'}: {args.directory / name}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
