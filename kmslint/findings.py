"""What a scan produces: findings, suppressed findings, and internal errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # annotations only: a scan in which no file can matter never loads the model
    from .model.resources import Unchecked
    from .model.values import Location

LEVELS = ("note", "warning", "error")
LEVEL_RANK = {"none": 99, "note": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Suppression:
    """Why a finding is silenced. ``kind`` is SARIF's: ``inSource`` or ``external``."""

    kind: str
    justification: str


@dataclass(frozen=True, order=True)
class Finding:
    """One result: a rule, a place, a message that says why and how to fix it."""

    location: Location
    rule_id: str
    level: str
    message: str
    rule_name: str = ""
    resource: str = ""
    suppression: Optional[Suppression] = field(default=None, compare=False)
    # Other places the verdict depends on (a variable default, a tfvars line, a module argument).
    related: tuple[Location, ...] = field(default=(), compare=False)


@dataclass(frozen=True, order=True)
class ScanError:
    """kmslint itself failed (a rule raised, a config is bad): exit code 2, never a pass."""

    path: str
    rule_id: str
    message: str


@dataclass(frozen=True, order=True)
class ScanWarning:
    """A mistake in the input that does not stop the scan (a suppression comment naming an unknown
    rule, one that matches nothing): printed on standard error, listed in JSON ``errors`` with
    ``level: warning``; never changes the exit code."""

    path: str
    line: int
    message: str


@dataclass(frozen=True)
class UnknownNote:
    """A rule could not decide because a value was UNKNOWN (shown with --show-unknown)."""

    location: Location
    rule_id: str
    detail: str


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan reports."""

    findings: tuple[Finding, ...] = ()
    suppressed: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    unknowns: tuple[UnknownNote, ...] = ()
    files_scanned: int = 0
    unchecked: tuple[Unchecked, ...] = ()
    config: str = ""  # the configuration file the scan used ("" for the defaults)
    warnings: tuple[ScanWarning, ...] = ()
