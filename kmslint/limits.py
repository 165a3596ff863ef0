"""Input limits: a file too large, or nested too deeply, to hand to a parser safely.

A file over a limit becomes one KMS000 finding whose reason names the limit; its parser never
sees it, so one hostile or generated file cannot exhaust memory, hang the scan, or blow the stack.

Why these defaults:

- ``MAX_FILE_BYTES`` (10 MB): hand-written IaC is kilobytes; generated CloudFormation (CDK, SAM)
  reaches a few MB at most. python-hcl2 needs seconds per MB, so a 50 MB file would stall a
  pre-commit hook for minutes.
- ``MAX_NESTING_DEPTH`` (100): python-hcl2's tree conversion, cfn-lint's YAML/JSON decoder and the
  JSON policy decoders recurse once or more per level and reach Python's recursion limit between
  ~150 and ~200 levels. Real templates nest under 30 (a CloudFormation JSON key policy with a
  condition is about 12).

The depth check is a cheap scan of ``{``/``[`` against ``}``/``]`` that skips double-quoted strings
(JSON's only kind; YAML's and HCL's usual one), so brackets in regexes or prose cannot add up to a
false "too deep" that would keep a whole file from being scanned. It still sees structure in
heredocs and YAML flow collections. Parentheses are not counted: the Terraform parser reports deep
parentheses itself. JSON nested inside strings (event patterns, escaped policies) is left to the
decoders' own recursion guards. Both checks are bounds, not parsers.

Work is bounded too, in steps rather than seconds so that a verdict never depends on the machine:

- ``MAX_ANALYSIS_STEPS`` (1,000,000): expression nodes, resource and module instances and produced text
  (one step per 16 characters) one Terraform configuration may spend; about 4 s of work. The most any
  real configuration measured spends is 25,000 (nozaq/terraform-aws-secure-baseline's organization
  example); past the budget the configuration is one KMS000 "analysis stopped: ...", and every other
  configuration and file is still checked.
- ``MAX_VALUE_SIZE`` (1,000,000): elements plus characters in one evaluated value, counted with shared
  parts as often as they are used (what ``jsonencode`` would write). Over it, the value is unknown and
  listed in ``unchecked``; a real key policy is at most 32 KB.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

if TYPE_CHECKING:  # built only for a file over a limit: checking one within the limits loads no model
    from .model.resources import ParseError

__all__ = [
    "MAX_ANALYSIS_STEPS",
    "MAX_FILE_BYTES",
    "MAX_PLAN_BYTES",
    "MAX_VALUE_SIZE",
    "MAX_NESTING_DEPTH",
    "Limits",
    "Violation",
    "check_depth",
    "check_size",
    "nesting_violation",
    "size_violation",
    "too_deep",
    "too_large",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PLAN_BYTES = 256 * 1024 * 1024  # `terraform show -json` of a large estate is often well over 10 MB
MAX_NESTING_DEPTH = 100
MAX_ANALYSIS_STEPS = 1_000_000
MAX_VALUE_SIZE = 1_000_000

_RUN = re.compile(r"[\[{]+|[\]}]+")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[{]+|[\]}]+', re.S)  # a double-quoted string, or a run of brackets
_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Limits:
    """The limits one scan applies; the defaults suit every real repository seen so far."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_nesting_depth: int = MAX_NESTING_DEPTH
    max_analysis_steps: int = MAX_ANALYSIS_STEPS
    max_value_size: int = MAX_VALUE_SIZE


@dataclass(frozen=True)
class Violation:
    """Why a file is not parsed, and where (1-based; the file start for a size violation)."""

    reason: str
    line: int = 1
    column: int = 1


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def size_violation(path: Union[str, Path], max_bytes: int = MAX_FILE_BYTES) -> Optional[Violation]:
    """A violation if the file at ``path`` is larger than ``max_bytes``.

    Only ``stat`` is called, never ``open``. A file that cannot be stat'ed is not a size problem:
    the reader reports it.
    """
    try:
        size = os.stat(path).st_size
    except (OSError, ValueError):
        return None
    if size <= max_bytes:
        return None
    return Violation(f"file is {_megabytes(size)}, over the {_megabytes(max_bytes)} limit for one file; it was not parsed")


def _position(text: str, offset: int) -> tuple[int, int]:
    breaks = list(_BREAK.finditer(text, 0, offset))
    if not breaks:
        return 1, offset + 1
    return len(breaks) + 1, offset - breaks[-1].end() + 1


def _first_too_deep(text: str, tokens: "re.Pattern[str]", max_depth: int) -> Optional[int]:
    """The offset of the first opener at level ``max_depth + 1``; double-quoted strings do not count."""
    depth = 0
    for run in tokens.finditer(text):
        first = text[run.start()]
        width = run.end() - run.start()
        if first == '"':
            continue
        if first not in "[{":
            depth = max(0, depth - width)
        elif depth + width > max_depth:
            return run.start() + (max_depth - depth)
        else:
            depth += width
    return None


def nesting_violation(text: str, max_depth: int = MAX_NESTING_DEPTH) -> Optional[Violation]:
    """A violation at the first bracket that opens level ``max_depth + 1``, if any does.

    A quick scan that counts every bracket runs first; only a file it flags is scanned again with
    strings skipped, which removes brackets in regexes or prose. (Closers inside strings can hide
    depth from the quick scan; the parsers' recursion guards catch what that lets through.)
    """
    if text.count("{") + text.count("[") <= max_depth:
        return None  # cannot nest deeper than the number of openers: the common, fast case
    if _first_too_deep(text, _RUN, max_depth) is None:
        return None
    offset = _first_too_deep(text, _TOKEN, max_depth)
    if offset is None:
        return None
    line, column = _position(text, offset)
    return Violation(f"brackets nest deeper than {max_depth} levels; the file was not parsed", line, column)


def check_size(path: Union[str, Path], max_bytes: int = MAX_FILE_BYTES) -> Optional[str]:
    """The reason the file is too large to parse, or None."""
    found = size_violation(path, max_bytes)
    return found.reason if found else None


def check_depth(text: str, max_depth: int = MAX_NESTING_DEPTH) -> Optional[str]:
    """The reason ``text`` nests too deeply to parse (with its line), or None."""
    found = nesting_violation(text, max_depth)
    return f"{found.reason} (line {found.line}, column {found.column})" if found else None


def too_large(rel: str, path: Union[str, Path], max_bytes: int = MAX_FILE_BYTES) -> Optional[ParseError]:
    """The KMS000 for a file over the size limit (call before reading it), or None."""
    found = size_violation(path, max_bytes)
    return _parse_error(rel, found) if found else None


def too_deep(rel: str, text: str, max_depth: int = MAX_NESTING_DEPTH) -> Optional[ParseError]:
    """The KMS000 for text nested beyond the limit (call before parsing it), or None."""
    found = nesting_violation(text, max_depth)
    return _parse_error(rel, found) if found else None


def _parse_error(rel: str, found: Violation) -> ParseError:
    from .model.resources import ParseError
    from .model.values import Location

    return ParseError(Location(rel, found.line, found.column), found.reason)
