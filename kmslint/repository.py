"""The repository that holds a scan: the boundary no read may cross (configuration lookup, module
sources, var files, focus siblings). One definition, used by every part that needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def repository_root(start: Path, fallback: Optional[Path] = None) -> Path:
    """The top of the git work tree holding ``start`` (the first folder upwards with a ``.git``
    directory or file); outside git, ``fallback`` (the scanned tree) or ``start``'s own folder."""
    here = start.resolve()
    folder = here if here.is_dir() else here.parent
    for current in (folder, *folder.parents):
        if (current / ".git").exists():
            return current
    return (fallback or folder).resolve()
