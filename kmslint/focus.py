"""Scanning a few explicit files (a pre-commit hook) without losing their Terraform context.

pre-commit passes only the changed files. A Terraform module is a directory, though: the key in
``key.tf`` takes its window from ``variables.tf``, its policy from ``policy.tf``, its alias and
alarms from other files. So when kmslint is given files (not directories), it loads every ``*.tf``
and ``*.tfvars`` beside each given Terraform file, and reports only findings located in the files
it was given. Unit-level findings (KMS006 at a unit's first key) are kept when they are located in
a given file. Internal errors are never filtered: a rule that raised is a failed run wherever it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .discover import link_rel, rel_path
from .findings import Finding, ScanResult

TERRAFORM_SUFFIXES = (".tf", ".tfvars")


@dataclass(frozen=True)
class Focus:
    """What to load, and which findings to keep. ``report_paths`` None keeps everything."""

    load_paths: tuple[Path, ...]
    report_paths: Optional[frozenset[str]] = None

    def keeps(self, path: str) -> bool:
        return self.report_paths is None or path in self.report_paths

    def keeps_finding(self, f: Finding) -> bool:
        """A finding stays when it, or a place its verdict depends on, is in a given file."""
        return self.keeps(f.location.path) or any(self.keeps(loc.path) for loc in f.related)

    def narrow(self, result: ScanResult) -> ScanResult:
        if self.report_paths is None:
            return result
        return replace(
            result,
            findings=tuple(f for f in result.findings if self.keeps_finding(f)),
            suppressed=tuple(f for f in result.suppressed if self.keeps_finding(f)),
            unknowns=tuple(u for u in result.unknowns if self.keeps(u.location.path)),
            unchecked=tuple(u for u in result.unchecked if self.keeps(u.location.path)),
        )


def focus_for(paths: Sequence[Path], root: Path) -> Focus:
    """Widen explicit files to their Terraform directories; directories (or a mix) scan as given."""
    if not paths or any(p.is_dir() for p in paths):
        return Focus(tuple(paths))
    context = terraform_siblings((p for p in paths if p.name.endswith(TERRAFORM_SUFFIXES)), root)
    named = {rel_path(p, root) for p in paths} | {link_rel(p, root) for p in paths}  # a link not followed is reported by its own name
    return Focus((*paths, *context), frozenset(named))


def terraform_siblings(files: Iterable[Path], root: Optional[Path] = None) -> list[Path]:
    """Every ``*.tf`` and ``*.tfvars`` file in the directories of ``files``, sorted per directory.
    With ``root``, a sibling that is a symbolic link out of it is left out: never opened."""
    out: list[Path] = []
    for directory in _unique(f.parent for f in files):
        siblings = (p for p in directory.iterdir() if p.name.endswith(TERRAFORM_SUFFIXES) and p.is_file())
        out.extend(sorted(p for p in siblings if root is None or _stays_in(p, root)))
    return out


def _stays_in(p: Path, root: Path) -> bool:
    try:
        return p.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _unique(paths: Iterable[Path]) -> list[Path]:
    seen: dict[Path, Path] = {}
    for p in paths:
        seen.setdefault(p.resolve(), p)
    return list(seen.values())
