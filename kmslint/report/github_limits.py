"""GitHub code scanning's documented limits on an uploaded SARIF file.

From GitHub's "SARIF support for code scanning" page: a file over a maximum is rejected (not
truncated), so kmslint checks its own output in the tests, and the CLI can warn before upload.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

MAX_GZIP_BYTES = 10 * 1000 * 1000  # "10 MB" gzip-compressed; the smaller reading of MB, to be safe
MAX_RUNS_PER_FILE = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_EXTENSIONS_PER_RUN = 100
MAX_THREAD_FLOW_LOCATIONS_PER_RESULT = 10_000
MAX_LOCATIONS_PER_RESULT = 1_000
MAX_TAGS_PER_RULE = 20
MAX_RULE_NAME_CHARS = 255
MAX_DESCRIPTION_CHARS = 1_024  # shortDescription.text and fullDescription.text
DISPLAYED_RESULTS_PER_RUN = 5_000  # soft limit: only the top 5,000 results are shown
DISPLAYED_TAGS_PER_RULE = 10  # soft limit


@dataclass(frozen=True)
class LimitProblem:
    """One breach: ``where`` is a JSON path into the log; ``hard`` breaches get the file rejected."""

    where: str
    message: str
    hard: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _count(where: str, what: str, items: Any, maximum: int) -> Iterator[LimitProblem]:
    n = len(items) if isinstance(items, list) else 0
    if n > maximum:
        yield LimitProblem(where, f"{n} {what}, more than GitHub's maximum of {maximum}")


def _text(node: Any, key: str) -> str:
    value = node.get(key) if isinstance(node, Mapping) else None
    text = value.get("text") if isinstance(value, Mapping) else None
    return text if isinstance(text, str) else ""


def _severity_problem(where: str, value: Any) -> Iterator[LimitProblem]:
    try:
        score = float(value) if isinstance(value, str) else None
    except ValueError:
        score = None
    if score is None or not 0.0 <= score <= 10.0:
        yield LimitProblem(where, f"security-severity {value!r} must be a numeric string from 0.0 to 10.0")


def _rule_problems(where: str, rule: Mapping[str, Any]) -> Iterator[LimitProblem]:
    if not rule.get("id"):
        yield LimitProblem(where, "a rule needs a non-empty id")
    if len(str(rule.get("name", ""))) > MAX_RULE_NAME_CHARS:
        yield LimitProblem(where, f"name is longer than {MAX_RULE_NAME_CHARS} characters")
    for key in ("shortDescription", "fullDescription"):
        if len(_text(rule, key)) > MAX_DESCRIPTION_CHARS:
            yield LimitProblem(where, f"{key}.text is longer than {MAX_DESCRIPTION_CHARS} characters")
    props = rule.get("properties") or {}
    tags = props.get("tags", [])
    yield from _count(where, "tags", tags, MAX_TAGS_PER_RULE)
    if isinstance(tags, list) and DISPLAYED_TAGS_PER_RULE < len(tags) <= MAX_TAGS_PER_RULE:
        yield LimitProblem(where, f"{len(tags)} tags; GitHub shows only {DISPLAYED_TAGS_PER_RULE}", hard=False)
    if "security-severity" in props:
        yield from _severity_problem(where, props["security-severity"])


def _result_problems(where: str, result: Mapping[str, Any]) -> Iterator[LimitProblem]:
    if not _text(result, "message"):
        yield LimitProblem(where, "message.text is required and may not be empty")
    yield from _count(where, "locations", result.get("locations", []), MAX_LOCATIONS_PER_RESULT)
    for i, flow in enumerate(result.get("codeFlows", []) or []):
        for j, thread in enumerate(flow.get("threadFlows", []) or []):
            at = f"{where}.codeFlows[{i}].threadFlows[{j}]"
            yield from _count(at, "thread flow locations", thread.get("locations", []), MAX_THREAD_FLOW_LOCATIONS_PER_RESULT)


def _run_problems(where: str, run: Mapping[str, Any]) -> Iterator[LimitProblem]:
    tool = run.get("tool") or {}
    driver = tool.get("driver") or {}
    if not driver.get("name"):
        yield LimitProblem(where, "tool.driver.name is required")
    results = run.get("results", []) or []
    rules = driver.get("rules", []) or []
    yield from _count(where, "results", results, MAX_RESULTS_PER_RUN)
    if DISPLAYED_RESULTS_PER_RUN < len(results) <= MAX_RESULTS_PER_RUN:
        yield LimitProblem(where, f"{len(results)} results; GitHub shows only the top {DISPLAYED_RESULTS_PER_RUN}", hard=False)
    yield from _count(where, "rules", rules, MAX_RULES_PER_RUN)
    yield from _count(where, "tool extensions", tool.get("extensions", []), MAX_EXTENSIONS_PER_RUN)
    for i, rule in enumerate(rules):
        yield from _rule_problems(f"{where}.tool.driver.rules[{i}]", rule)
    for i, result in enumerate(results):
        yield from _result_problems(f"{where}.results[{i}]", result)


def check_log(log: Mapping[str, Any]) -> list[LimitProblem]:
    """Every breach of GitHub's per-object limits in a parsed SARIF log."""
    problems: list[LimitProblem] = []
    if log.get("version") != "2.1.0":
        problems.append(LimitProblem("version", "code scanning accepts only SARIF version 2.1.0"))
    runs = log.get("runs")
    if not isinstance(runs, list):
        return problems + [LimitProblem("runs", "runs is required")]
    problems += _count("runs", "runs", runs, MAX_RUNS_PER_FILE)
    for i, run in enumerate(runs):
        problems += _run_problems(f"runs[{i}]", run)
    return problems


def gzip_size(text: str) -> int:
    return len(gzip.compress(text.encode("utf-8")))


def check_text(text: str, *, max_gzip_bytes: int = MAX_GZIP_BYTES) -> list[LimitProblem]:
    """:func:`check_log` plus the 10 MB limit on the gzip-compressed file."""
    problems = check_log(json.loads(text))
    size = gzip_size(text)
    if size > max_gzip_bytes:
        problems.insert(0, LimitProblem("(file)", f"{size} bytes gzip-compressed, more than GitHub's maximum of {max_gzip_bytes}"))
    return problems
