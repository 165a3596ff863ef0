"""SARIF 2.1.0 for GitHub code scanning, built as plain dicts.

One run; ``tool.driver.rules`` carries every rule passed in (so ``ruleIndex`` is stable), with
GitHub's ``properties`` (``tags``, ``precision``, ``security-severity``) and the rule's page as
``help``. Results point at paths relative to ``%SRCROOT%`` (the scan root) and carry
``partialFingerprints.primaryLocationLineHash`` computed exactly as GitHub's upload action would.
Suppressed findings stay in the log with ``suppressions`` (the design's contract). GitHub code
scanning does not honour ``suppressions``: it opens alerts for those results too (maintainers on
github/codeql-action#1230, 2024). ``include_suppressed=False`` leaves them out for an upload that
must not show them. Parse errors (KMS000) and internal errors are also tool execution notifications.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any, Optional, Sequence
from urllib.parse import quote

from .. import __version__
from ..docs import render_rule_markdown, render_rule_text
from ..engine.rules import Rule
from ..findings import Finding, ScanError, ScanResult
from ..model.resources import Unchecked
from ..model.values import Location
from ..sources import SourceCache
from .json_report import utf8_safe

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "kmslint"
SRCROOT = "%SRCROOT%"
PARSE_ERROR_RULE = "KMS000"

Json = dict[str, Any]


def artifact_uri(path: str) -> str:
    """A relative URI reference for a scan-root-relative path: forward slashes, percent-encoded."""
    posix = PurePosixPath(path.replace("\\", "/")).as_posix()
    try:  # a non-UTF-8 file name (surrogate-escaped) is percent-encoded as the bytes it is made of
        return quote(posix, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(posix, safe="/", errors="backslashreplace")


def _rule_descriptor(rule: Rule) -> Json:
    props: Json = {"tags": list(rule.tags), "precision": rule.precision}
    if rule.security_severity:
        props["security-severity"] = rule.security_severity
    if rule.mappings:
        props["mappings"] = {k: list(v) for k, v in rule.mappings.items()}
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(rule.description.split())},
        "help": {"text": render_rule_text(rule), "markdown": render_rule_markdown(rule)},
        "defaultConfiguration": {"level": rule.level},
        "properties": props,
    }


def _region(loc: Location) -> Json:
    region: Json = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1), "endLine": max(loc.end_line, loc.line, 1)}
    empty = region["endLine"] == region["startLine"] and loc.end_column <= region["startColumn"]
    if loc.end_column >= 1 and not empty:
        region["endColumn"] = loc.end_column  # absent: the region runs to the end of endLine
    return region


def _location(loc: Location) -> Json:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(loc.path), "uriBaseId": SRCROOT},
            "region": _region(loc),
        }
    }


def _result(finding: Finding, index: dict[str, int], sources: SourceCache) -> Json:
    result: Json = {"ruleId": finding.rule_id}
    if finding.rule_id in index:
        result["ruleIndex"] = index[finding.rule_id]
    result["level"] = finding.level
    result["message"] = {"text": finding.message}
    result["locations"] = [_location(finding.location)]
    line_hash = sources.line_hash(finding.location.path, max(finding.location.line, 1))
    if line_hash is not None:
        result["partialFingerprints"] = {"primaryLocationLineHash": line_hash}
    if finding.related:
        result["relatedLocations"] = [{"id": i, **_location(loc)} for i, loc in enumerate(finding.related)]
    if finding.resource:
        result["properties"] = {"resource": finding.resource}
    if finding.suppression is not None:
        result["suppressions"] = [{"kind": finding.suppression.kind, "justification": finding.suppression.justification}]
    return result


def _rule_ref(rule_id: str, index: dict[str, int]) -> Json:
    ref: Json = {"id": rule_id}
    if rule_id in index:
        ref["index"] = index[rule_id]
    return ref


def _parse_error_notification(finding: Finding, index: dict[str, int]) -> Json:
    return {
        "level": "error",
        "message": {"text": finding.message},
        "locations": [_location(finding.location)],
        "associatedRule": _rule_ref(finding.rule_id, index),
    }


def _error_notification(error: ScanError, index: dict[str, int]) -> Json:
    note: Json = {"level": "error", "message": {"text": error.message}}
    if error.path:
        note["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(error.path), "uriBaseId": SRCROOT}}}]
    if error.rule_id:
        note["associatedRule"] = _rule_ref(error.rule_id, index)
    return note


def _unchecked_notification(item: Unchecked) -> Json:
    """Something kmslint recognised but could not check: a note, never a result (no alert, no exit code)."""
    return {"level": "note", "message": {"text": f"not checked: {item.reason}"}, "locations": [_location(item.location)]}


def _invocation(result: ScanResult, index: dict[str, int]) -> Json:
    notes = [_parse_error_notification(f, index) for f in result.findings if f.rule_id == PARSE_ERROR_RULE and f.level == "error"]
    notes += [_error_notification(e, index) for e in result.errors]
    notes += [_unchecked_notification(u) for u in result.unchecked]
    invocation: Json = {"executionSuccessful": not result.errors}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation


def _automation_id(category: str) -> str:
    """GitHub reads ``id`` as ``category/run-id``: a trailing slash makes the whole of it the category."""
    return category if category.endswith("/") else category + "/"


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    return (finding.location, finding.rule_id, finding.message, finding.suppression is not None)


def sarif_log(
    result: ScanResult, rules: Sequence[Rule], *, category: Optional[str] = None, root: Path, include_suppressed: bool = True
) -> Json:
    """The SARIF log as a dict (see :func:`render`)."""
    index = {rule.id: i for i, rule in enumerate(rules)}
    sources = SourceCache(root)
    findings = sorted((*result.findings, *(result.suppressed if include_suppressed else ())), key=_sort_key)
    run: Json = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule_descriptor(r) for r in rules],
            }
        },
        "invocations": [_invocation(result, index)],
        "originalUriBaseIds": {SRCROOT: {"uri": root.resolve().as_uri().rstrip("/") + "/"}},
        "results": [_result(f, index, sources) for f in findings],
        "columnKind": "unicodeCodePoints",
    }
    if category:
        run["automationDetails"] = {"id": _automation_id(category)}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(
    result: ScanResult, rules: Sequence[Rule], *, category: Optional[str] = None, root: Path, include_suppressed: bool = True
) -> str:
    """SARIF 2.1.0 text for ``result``. ``root`` is the scan root the finding paths are relative to;
    files are read back from it for fingerprints (unreadable files simply get none)."""
    log = sarif_log(result, rules, category=category, root=root, include_suppressed=include_suppressed)
    return json.dumps(utf8_safe(log), indent=2, ensure_ascii=False) + "\n"
