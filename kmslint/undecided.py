"""Saying why a check was left undecided, where the source shows it (``--show-unknown``).

The Terraform loader marks a value it cannot resolve as UNKNOWN without keeping the expression; the
source line still has it. When that line assigns a bare ``var.NAME``, the variable had no value kmslint
could see, and the fix is a ``--var-file`` (or a default): say that instead of "could not be resolved".
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from .findings import UnknownNote
from .sources import SourceCache

_BARE_VARIABLE = re.compile(r"=\s*var\.([A-Za-z_][A-Za-z0-9_-]*)\s*(?:#.*|//.*)?$")


def explain_unknowns(unknowns: Sequence[UnknownNote], root: Path) -> tuple[UnknownNote, ...]:
    sources = SourceCache(root)
    out = []
    for u in unknowns:
        lines = sources.lines(u.location.path) if u.location.path.endswith(".tf") else None
        text = lines[u.location.line - 1] if lines and 0 < u.location.line <= len(lines) else ""
        match = _BARE_VARIABLE.search(text[:500])
        if match and ":" not in u.detail:
            u = replace(u, detail=f"{u.detail}: var.{match.group(1)} has no default and no tfvars sets it; pass --var-file")
        out.append(u)
    return tuple(out)
