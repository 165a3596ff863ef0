"""In-source suppressions: ``# kmslint:ignore KMS008 -- reason`` and loader-found ignores.

A comment suppresses a finding of a rule it names when it sits

- at the end of the finding's line (or is that line), or
- alone on the line directly above it (nothing but whitespace before the comment).

``#`` (HCL, YAML) and ``//`` (HCL) both work; several ids are comma-separated:
``// kmslint:ignore KMS002, KMS008 -- reason``. An :class:`~kmslint.model.resources.Ignore` from a
loader (CloudFormation ``Metadata: {kmslint: {ignore: [{id, reason}]}}``) covers the findings of
its rule in its resource's line range.

The reason is required. A suppression without one does not suppress: the finding is returned in
``problems``, with its rule id and level unchanged and its message prefixed
``"suppression without a reason: "``, so it still counts towards the exit code and shows the
user why their comment did nothing. No new rule id is invented for this: rule ids are a public
contract. ``kept`` and ``problems`` are disjoint; report ``kept + problems`` as findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from .engine.rules import Rule
from .findings import Finding, ScanWarning, Suppression
from .sources import SourceCache

if TYPE_CHECKING:  # annotations only: the loaders that find ignores load the model
    from .model.resources import Ignore

NO_REASON_PREFIX = "suppression without a reason: "

# Written as string scans, not one regular expression: the expression that did this
# ("(?:#+|//+)\s*kmslint:ignore ... -- (?P<reason>.*?)\s*$") backtracked quadratically on a line of
# ten thousand '#' or spaces, and a suppression comment is input an attacker controls.
_MARKER = "kmslint:ignore"
_IDS = re.compile(r"[ \t]*(?P<ids>[A-Za-z]+[0-9]+(?:[ \t]*,[ \t]*[A-Za-z]+[0-9]+)*)?")  # anchored, no nested choice
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Directive:
    """One ``kmslint:ignore`` comment: the rule ids it names and its reason (maybe empty)."""

    line: int
    rule_ids: frozenset[str]
    reason: str
    own_line: bool  # nothing but whitespace before the comment
    rest: str = ""  # the text after the rule ids (what warnings about a misspelt comment read)


def _comment_start(text: str, marker: int) -> Optional[int]:
    """Where the comment that ``kmslint:ignore`` at ``marker`` belongs to starts: a run of ``#`` or of
    two or more ``/``, then optional whitespace, at the line start or after whitespace; else None."""
    end = marker
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    if start > 0 and text[start - 1] in "#/":
        mark = text[start - 1]
        while start > 0 and text[start - 1] == mark:
            start -= 1
    if start == end or (text[end - 1] == "/" and end - start < 2):
        return None
    return start if start == 0 or text[start - 1].isspace() else None


def parse_directive(text: str, line: int) -> Optional[Directive]:
    """The ``kmslint:ignore`` comment on one line of source, if any. Linear in the line's length."""
    marker = text.find(_MARKER)
    while marker >= 0:
        after = marker + len(_MARKER)
        start = _comment_start(text, marker)
        if start is not None and not _WORD.match(text, after):
            ids_match = _IDS.match(text, after)
            assert ids_match is not None  # every part is optional
            ids = frozenset(x.strip().upper() for x in (ids_match.group("ids") or "").split(",") if x.strip())
            rest = text[ids_match.end() :].strip()
            reason = rest[2:].strip() if rest.startswith("--") else ""
            return Directive(line, ids, reason, own_line=not text[:start].strip(), rest=text[ids_match.end() :])
        marker = text.find(_MARKER, after)
    return None


class _Directives:
    """The directives of each file, parsed once."""

    def __init__(self, sources: SourceCache) -> None:
        self.sources = sources
        self._by_file: dict[str, dict[int, Directive]] = {}
        self.used: Optional[set[tuple[str, int, str]]] = None  # (path, line, rule id) of each directive that matched

    def of(self, path: str) -> dict[int, Directive]:
        if path not in self._by_file:
            lines = self.sources.lines(path) or []
            found = (parse_directive(text, n) for n, text in enumerate(lines, start=1) if "kmslint:ignore" in text)
            self._by_file[path] = {d.line: d for d in found if d is not None}
        return self._by_file[path]

    def covering(self, finding: Finding) -> Optional[Directive]:
        """The directive that names this finding's rule on its line, or alone on the line above."""
        directives = self.of(finding.location.path)
        line = finding.location.line
        same, above = directives.get(line), directives.get(line - 1)
        if same is not None and finding.rule_id in same.rule_ids:
            return self._use(finding, same)
        if above is not None and above.own_line and finding.rule_id in above.rule_ids:
            return self._use(finding, above)
        return None

    def _use(self, finding: Finding, directive: Directive) -> Directive:
        if self.used is not None:
            self.used.add((finding.location.path, directive.line, finding.rule_id))
        return directive


def _ignore_covering(finding: Finding, ignores: Sequence[Ignore]) -> Optional[Ignore]:
    loc = finding.location
    for ignore in ignores:
        if ignore.path == loc.path and ignore.rule_id.upper() == finding.rule_id and ignore.start_line <= loc.line <= ignore.end_line:
            return ignore
    return None


def _reason_for(finding: Finding, directives: _Directives, ignores: Sequence[Ignore]) -> Optional[str]:
    """The suppression's reason ("" when it has none), or ``None`` if nothing covers the finding.
    A reason given anywhere wins over a reason-less suppression of the same finding."""
    reasons = []
    directive = directives.covering(finding)
    if directive is not None:
        reasons.append(directive.reason.strip())
    ignore = _ignore_covering(finding, ignores)
    if ignore is not None:
        reasons.append(ignore.reason.strip())
    if not reasons:
        return None
    return next((r for r in reasons if r), "")


def unreasoned(finding: Finding) -> Finding:
    """The finding as reported when its suppression gives no reason."""
    return replace(finding, message=NO_REASON_PREFIX + finding.message)


def apply_suppressions(
    findings: Sequence[Finding],
    root: Path,
    ignores: Sequence[Ignore] = (),
    used: Optional[set[tuple[str, int, str]]] = None,
    boundary: Optional[Path] = None,
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Split ``findings`` into (kept, suppressed, problems).

    ``suppressed`` findings carry ``Suppression(kind="inSource", justification=reason)``;
    ``problems`` are findings whose suppression has no reason (see the module doc). Finding paths
    are relative to ``root`` and may reach up into ``boundary`` (the repository, for modules called
    from above the scanned directory); a file that cannot be read has no comments, never an error.
    ``used``, if given, collects (path, line, rule id) of each comment that matched a finding.
    """
    directives = _Directives(SourceCache(root, boundary))
    directives.used = used
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    problems: list[Finding] = []
    for finding in findings:
        reason = _reason_for(finding, directives, ignores)
        if reason is None:
            kept.append(finding)
        elif reason:
            suppressed.append(replace(finding, suppression=Suppression(kind="inSource", justification=reason)))
        else:
            problems.append(unreasoned(finding))
    return kept, suppressed, problems


# --- comments that do nothing: warnings ----------------------------------------------------------
# A suppression that names no rule kmslint knows suppresses nothing, and the finding it was meant for
# stays; say so where the comment is rather than let the user believe it works.

_CHECKOV_FORM = re.compile(r"^\s*=")  # checkov's "# checkov:skip=CKV_AWS_7:reason" habit
_FIRST_WORD = re.compile(r"^\s*([^\s,]+)")


def comment_problems(directive: Directive, rest: str, rules: Sequence[Rule]) -> list[str]:
    """Why a ``kmslint:ignore`` comment does not do what it seems to (empty when it is fine).
    ``rest`` is the text after the rule ids."""
    from .config import resolve_rule, unknown_rule_message

    if not directive.rule_ids:
        if _CHECKOV_FORM.match(rest):
            return ["the checkov-style form 'kmslint:ignore=...' is not read; write '# kmslint:ignore KMS003 -- reason'"]
        word = _FIRST_WORD.match(rest.split("--", 1)[0])
        if word is None:
            return ["this suppression names no rule; write '# kmslint:ignore KMS003 -- reason'"]
        rid = resolve_rule(word.group(1), rules)
        if rid is not None:
            return [f"suppressions name rules by id: write '{rid}' instead of '{word.group(1)}'"]
        return [f"suppression names {unknown_rule_message(word.group(1), rules)}"]
    known = {r.id for r in rules}
    return [f"suppression names {unknown_rule_message(rid, rules)}" for rid in sorted(directive.rule_ids) if rid not in known]


def _comments(lines: Sequence[str]) -> list[tuple[Directive, str]]:
    out = []
    for n, text in enumerate(lines, start=1):
        if "kmslint:ignore" not in text:
            continue
        directive = parse_directive(text, n)
        if directive is not None:
            out.append((directive, directive.rest))
    return out


def _mentions_directive(path: Path, max_bytes: int) -> bool:
    """A cheap look at the raw bytes: most files hold no suppression comment at all."""
    try:
        if path.stat().st_size > max_bytes:
            return False  # never parsed (KMS000 says why), so its comments matter to no finding
        return b"kmslint:ignore" in path.read_bytes()
    except OSError:
        return False


def suppression_warnings(
    files: Sequence[tuple[str, Path]],
    root: Path,
    rules: Sequence[Rule],
    used: Optional[set[tuple[str, int, str]]] = None,
    active: Sequence[str] = (),
    max_bytes: int = 10 * 1024 * 1024,
) -> list[ScanWarning]:
    """Warnings for the suppression comments in ``files`` ((path relative to ``root``, absolute path)
    pairs) that name an unknown rule, a rule name, or use checkov's ``=`` form; and, when ``used`` is
    given, for each rule id in ``active`` that a comment names but no finding matched
    (``--report-unused-suppressions``)."""
    sources = SourceCache(root)
    warnings: list[ScanWarning] = []
    for path, absolute in files:
        if not _mentions_directive(absolute, max_bytes):
            continue
        for directive, rest in _comments(sources.lines(path) or []):
            warnings += [ScanWarning(path, directive.line, m) for m in comment_problems(directive, rest, rules)]
            if used is None:
                continue
            for rid in sorted(directive.rule_ids & set(active)):
                if (path, directive.line, rid) not in used:
                    warnings.append(ScanWarning(path, directive.line, f"unused suppression: no {rid} finding here; remove {rid} from the comment"))
    return sorted(warnings)


def metadata_warnings(ignores: Sequence[Ignore], rules: Sequence[Rule]) -> list[ScanWarning]:
    """Warnings for loader-found ignores (CloudFormation ``Metadata: {kmslint: {ignore: [{id: ...}]}}``)
    whose id is not a rule id: they suppress nothing, like such comments."""
    from .config import resolve_rule, unknown_rule_message

    known = {r.id for r in rules}
    warnings = []
    for ignore in ignores:
        rid = ignore.rule_id.strip().upper()
        if rid in known:
            continue
        by_name = resolve_rule(ignore.rule_id, rules)
        message = (
            f"suppressions name rules by id: write '{by_name}' instead of '{ignore.rule_id}'"
            if by_name
            else f"suppression names {unknown_rule_message(ignore.rule_id, rules)}"
        )
        warnings.append(ScanWarning(ignore.location.path, ignore.location.line, message))
    return warnings
