"""Human text: one short line per finding, ``path:line:col: KMS003 [error] rotation-enabled: message``.

Editors and pre-commit parse this form. The line carries the message's first sentence and is cut at
:data:`MAX_LINE` characters; ``verbose`` adds the rest of the message, the rule's why and the related
places under each finding, indented. JSON and SARIF keep the full message.

Every field that comes from the scanned input (paths, resource names, messages, which quote values)
goes through :func:`escape`, so a newline in a logical ID cannot forge a finding line and an escape
sequence in a file name never reaches the terminal.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from typing import Mapping, Sequence

from ..engine.rules import Rule
from ..findings import Finding, ScanResult

MAX_LINE = 160  # ruff's and cfn-lint's lines are about this long; longer ones wrap on a laptop terminal
INDENT = "    "
_WRAP = 100
# A sentence ends at . ! or ? followed by a space and something that starts a sentence; "aws_kms_key.k"
# and "e.g. a" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"`(\[{])")

# SGR colour codes; the reset is the same for all.
_COLOURS: Mapping[str, str] = {"error": "31;1", "warning": "33;1", "note": "36", "path": "1", "rule": "35", "dim": "2"}


def escape(text: str) -> str:
    """``text`` with every control, format (bidi overrides) and line-separator character, and every
    lone surrogate, written as a Python-style escape (``\\n``, ``\\x1b``, ``\\u202e``). Safe to print
    on one line of a terminal."""
    if text.isprintable():  # the common case: nothing to do (printable excludes Cc, Cf, Zl, Zp, Cs)
        return text
    return "".join(ch if ch.isprintable() or ch == " " else _escape_char(ch) for ch in text)


def _escape_char(ch: str) -> str:
    if ch in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch]
    code = ord(ch)
    if code < 0x100 and unicodedata.category(ch) == "Cc":
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def split_message(message: str) -> tuple[str, str]:
    """(first sentence, the rest) of a finding's message."""
    parts = _SENTENCE_END.split(message.strip(), maxsplit=1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if color else text


_CLAUSE_ENDS = (": ", "; ")


def _fit(prefix: str, message: str) -> str:
    """``message`` cut so that ``prefix + message`` stays within MAX_LINE (never below 40 characters):
    at the last clause boundary that fits and keeps most of the room, else at a word, then ``...``."""
    room = max(40, MAX_LINE - len(prefix))
    if len(message) <= room:
        return message
    head = message[: room - 3]
    for mark in _CLAUSE_ENDS:
        cut = head.rfind(mark)
        if cut >= room // 2:
            return head[:cut].rstrip(" ,;:(") + "..."
    cut = head.rfind(" ")
    return (head[:cut] if cut >= room // 2 else head).rstrip(" ,;:(") + "..."


def format_finding(f: Finding, color: bool = False) -> str:
    """The one-line form of a finding (no colour: what editors and pre-commit read)."""
    loc = f.location
    where = f"{escape(loc.path)}:{loc.line}:{loc.column}:"
    name = f" {escape(f.rule_name)}:" if f.rule_name else ""
    first, _rest = split_message(f.message)
    plain_prefix = f"{where} {f.rule_id} [{f.level}]{name} "
    message = _fit(plain_prefix, escape(first))
    if not color:
        return plain_prefix + message
    return f"{_paint(where, 'path', True)} {_paint(f.rule_id, 'rule', True)} {_paint(f'[{f.level}]', f.level, True)}{name} {message}"


def _wrapped(text: str, label: str = "") -> list[str]:
    return textwrap.wrap(escape(text), _WRAP, initial_indent=INDENT + label, subsequent_indent=INDENT + " " * len(label))


def details(f: Finding, rule: Rule | None, color: bool = False) -> list[str]:
    """What ``--verbose`` adds under a finding: the rest of the message (usually the fix), the rule's
    why (its description's first sentence), the related places, and where to read more."""
    _first, rest = split_message(f.message)
    lines = _wrapped(rest) if rest else []
    if rule is not None and rule.description.strip():
        lines += _wrapped(split_message(" ".join(rule.description.split()))[0], "why: ")
    if f.related:
        lines += _wrapped(", ".join(f"{r.path}:{r.line}" for r in f.related), "related: ")
    lines.append(INDENT + _paint(f"more: kmslint explain {f.rule_id}", "dim", color))
    return lines


def summary(result: ScanResult, show_unknown: bool = False, notes: Sequence[str] = ()) -> str:
    """The last line: files, counts by level, suppressed, not checked, undecided, and ``notes``."""
    counts = {lvl: sum(1 for f in result.findings if f.level == lvl) for lvl in ("error", "warning", "note")}
    text = ", ".join(f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in counts.items())
    if result.suppressed:
        text += f", {len(result.suppressed)} suppressed"
    hidden = []
    if result.unknowns:
        hidden.append(f"{len(result.unknowns)} undecided")
    not_checked = sum(1 for u in result.unchecked if not u.rule_id)  # undecided rules are counted above
    if not_checked:
        hidden.append(f"{not_checked} not checked")
    if hidden:
        text += ", " + ", ".join(hidden) + ("" if show_unknown else " (run with --show-unknown)")
    files = f"{result.files_scanned} file{'' if result.files_scanned == 1 else 's'}"
    used = f"; configuration: {escape(result.config)}" if result.config else ""
    return "".join([f"kmslint: {files} scanned: {text}{used}", *(f"; {escape(n)}" for n in notes)])


def _unknown_lines(result: ScanResult) -> list[str]:
    lines = [
        f"{escape(u.location.path)}:{u.location.line}:{u.location.column}: {u.rule_id} [undecided] {escape(u.detail)}" for u in result.unknowns
    ]
    lines += [
        f"{escape(u.location.path)}:{u.location.line}:{u.location.column}: [not checked] {escape(u.reason)}" for u in result.unchecked if not u.rule_id
    ]
    return lines


def render(
    result: ScanResult,
    rules: Sequence[Rule],
    show_unknown: bool = False,
    verbose: bool = False,
    color: bool = False,
    notes: Sequence[str] = (),
) -> str:
    """The text report: findings, internal errors, (with ``show_unknown``) what could not be decided
    or checked, then the summary line. ``notes`` are extra summary remarks (e.g. Terragrunt)."""
    by_id = {r.id: r for r in rules}
    lines: list[str] = []
    for f in result.findings:
        lines.append(format_finding(f, color))
        if verbose:
            lines += details(f, by_id.get(f.rule_id), color)
    lines += [f"{escape(e.path) or '-'}: internal error in {e.rule_id}: {escape(e.message)}" for e in result.errors]
    if show_unknown:
        lines += _unknown_lines(result)
    lines.append(summary(result, show_unknown, notes))
    return "\n".join(lines) + "\n"
