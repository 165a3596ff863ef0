"""Terragrunt files are not read (yet): say so instead of reporting a Terragrunt tree as "0 files".

A ``terragrunt.hcl`` configures Terraform from outside the module (inputs, remote sources); without
reading it kmslint cannot know the values a key gets. Each one found is an
:class:`~kmslint.model.resources.Unchecked` item, so the text summary, JSON and SARIF all say it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from .discover import SKIP_DIRS, link_rel
from .model.resources import Unchecked
from .model.values import Location

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
    seen: set[str] = set()
    for start in paths:
        for found in _found(start):
            rel = link_rel(found, root)
            if rel not in seen:
                seen.add(rel)
                yield Unchecked(Location(rel, 1, 1), REASON)
