"""A per-user cache directory for derived data that is safe to lose (validated rules and configuration, grammar)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional


def cache_dir() -> Optional[Path]:
    """``$XDG_CACHE_HOME/kmslint`` (default ``~/.cache/kmslint``), or None if it cannot be made.

    ``KMSLINT_NO_CACHE=1`` disables caching.
    """
    if os.environ.get("KMSLINT_NO_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "kmslint"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None
