"""``exclude`` patterns, each relative to the folder it was declared for.

A pattern in a configuration file is relative to that file's folder (as in ruff and ESLint), and one
given with ``--exclude`` to the current folder; so running kmslint from a subdirectory excludes the
same files as running it from the top. Each pattern is anchored at its folder once and matched against
a file's absolute path, with the fnmatch semantics the configuration documents (``*`` also crosses
``/``; ``dir/`` or ``dir`` also excludes everything below ``dir``).
"""

from __future__ import annotations

import fnmatch
import glob
import os
from pathlib import Path
from typing import Iterable


def anchored(patterns: Iterable[str], base: Path) -> tuple[str, ...]:
    """``patterns`` made absolute under ``base`` (its glob characters escaped, so they match literally)."""
    prefix = glob.escape(Path(os.path.abspath(base)).as_posix().rstrip("/"))
    out = []
    for pattern in patterns:
        rel = pattern[2:] if pattern.startswith("./") else pattern
        out.append(f"{prefix}/{rel.lstrip('/').rstrip('/')}")
    return tuple(out)


def excluded(path: Path, patterns: tuple[str, ...]) -> bool:
    """Whether the absolute ``path`` (or a folder above it) matches one of the anchored ``patterns``."""
    if not patterns:
        return False
    text = Path(os.path.normpath(path)).as_posix()
    return any(fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(text, p + "/*") for p in patterns)
