"""Terragrunt files are not read (yet): say so instead of reporting a Terragrunt tree as "0 files".

A ``terragrunt.hcl`` configures Terraform from outside the module (inputs, remote sources); without
reading it kmslint cannot know the values a key gets. Each one found is an
:class:`~kmslint.model.resources.Unchecked` item, so the text summary, JSON and SARIF all say it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .discover import SKIP_DIRS, link_rel

if TYPE_CHECKING:
    from .model.resources import Unchecked

NAME = "terragrunt.hcl"
REASON = (
    "Terragrunt files are not read: the inputs and module sources this terragrunt.hcl sets are not checked; "
    "scan the Terraform modules it uses, with a --var-file holding its inputs"
)
_SKIP = SKIP_DIRS | {".terragrunt-cache"}


def _found(start: Path) -> Iterator[Path]:
    if not start.is_dir():
        if start.name == NAME:
            yield start
        return
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP)
        if NAME in filenames:
            yield Path(dirpath) / NAME


def terragrunt_unchecked(paths: Iterable[Path], root: Path) -> Iterator[Unchecked]:
    """An Unchecked item for each ``terragrunt.hcl`` under ``paths`` (explicit files count too)."""
    found = dict.fromkeys(link_rel(f, root) for start in paths for f in _found(start))
    if not found:
        return  # the common case: no model needed
    from .model.resources import Unchecked
    from .model.values import Location

    for rel in found:
        yield Unchecked(Location(rel, 1, 1), REASON)
