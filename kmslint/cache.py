"""A per-user cache directory for derived data that is safe to lose (validated rules and
configuration, the built parser, parse results)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional


def cache_dir() -> Optional[Path]:
    """``$XDG_CACHE_HOME/kmslint`` (default ``~/.cache/kmslint``), or None if it cannot be made or
    is not the user's own.

    ``KMSLINT_NO_CACHE=1`` disables caching. The parser and parse results are stored as pickles,
    and loading a pickle runs code, so a directory that someone else owns, or that others may write
    to (an ``XDG_CACHE_HOME`` in a shared /tmp), is never used: kmslint then runs without a cache.
    A directory of the user's own that the group or others may write is made private first.
    """
    if os.environ.get("KMSLINT_NO_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "kmslint"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path):
            return None
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def _private(path: Path) -> bool:
    """Whether ``path`` is a directory (not a link) only its owner, this user, can write to."""
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        return False
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: directories under the user's profile are private by default
        return True
    if info.st_uid != getuid():
        return False
    if info.st_mode & 0o022:
        os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o022)
    return True
