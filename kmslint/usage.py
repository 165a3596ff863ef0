"""Checks on command-line arguments that name files: each problem is a one-line usage error (exit 2),
raised before any work is done, never an "internal error" halfway through a scan."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional, Sequence

from .repository import repository_root


class UsageError(Exception):
    """A command-line mistake; the message is one line and names the argument."""



def check_var_file(path: Path, repo_root: Path, max_bytes: int) -> None:
    """``--var-file``: an existing regular file within the size limit; a symbolic link must not lead
    outside the repository (a tfvars link to /dev/zero or /proc/self/environ is refused)."""
    arg = f"--var-file {path}"
    target, real_root = path.resolve(), repo_root.resolve()
    named_inside = Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(repo_root))) or Path(os.path.abspath(path)).is_relative_to(real_root)
    # A link (the file, or a folder on the way inside the repository) that leads out is refused; a plain
    # file outside the repository, named as such, is the user's explicit choice.
    if (path.is_symlink() or named_inside) and not target.is_relative_to(real_root):
        raise UsageError(f"{arg}: a symbolic link to {target}, outside the repository {repo_root}; not followed")
    try:
        info = path.stat()  # stat never blocks, even on a FIFO
    except OSError as exc:
        raise UsageError(f"{arg}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{arg}: is a directory, not a variables file")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{arg}: not a regular file (a device, pipe or socket); give a .tfvars file")
    if info.st_size > max_bytes:
        raise UsageError(f"{arg}: {info.st_size} bytes, over the {max_bytes // (1024 * 1024)} MB limit (max-file-size-mb)")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{arg}: permission denied")


def check_output(option: str, path: Path, inputs: Sequence[Path]) -> None:
    """A report target: its folder exists, it is not a directory, and it is not one of the files being
    scanned (explicitly named, or a file kmslint would read under a scanned folder)."""
    arg = f"{option} {path}"
    parent = Path(os.path.abspath(path)).parent
    if path.is_dir():
        raise UsageError(f"{arg}: is a directory; give a file name")
    if not parent.is_dir():
        raise UsageError(f"{arg}: the folder {parent} does not exist")
    if path.exists() and _is_scanned(path, inputs):
        raise UsageError(f"{arg}: refusing to overwrite {path}, one of the files being scanned")


def _is_scanned(path: Path, inputs: Sequence[Path]) -> bool:
    target = path.resolve()
    for given in inputs:
        here = given.resolve()
        if here == target:
            return True
        if here.is_dir() and target.is_relative_to(here) and _classified(target):
            return True
    return False


def _classified(path: Path) -> bool:
    from .discover import classify

    return classify(path) is not None


def write_report(option: str, path: Path, text: str) -> Optional[str]:
    """Write ``text`` to ``path``; the one-line reason if it cannot be written (a full disk, no permission)."""
    try:
        path.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        return f"{option} {path}: cannot write: {exc.strerror or exc}"
    return None
