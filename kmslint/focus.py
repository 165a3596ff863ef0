"""Scanning a few explicit files (a pre-commit hook) without losing their Terraform context.

pre-commit passes only the changed files. A Terraform module is a directory, though: the key in
``key.tf`` takes its window from ``variables.tf``, its policy from ``policy.tf``, its alias and
alarms from other files. So when kmslint is given files (not directories), it loads every ``*.tf``
and ``*.tfvars`` beside each given Terraform file, and reports only findings located in the files
it was given, or whose deciding value comes from one (``related``: a variable default, a tfvars
line, a module argument). A module is also loaded with the directories of the repository that call
it, so its keys get their callers' inputs and alarms as in a full scan: a module whose root module
has the deletion alarms gets no KMS006 in a pre-commit scan either. Unit-level findings (KMS006 at a
unit's first key) are kept when they are located in a given file. Internal errors are never filtered: a rule that raised is a failed run wherever it was.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

from .discover import link_rel, rel_path
from .findings import Finding, ScanResult
from .limits import MAX_FILE_BYTES

TERRAFORM_SUFFIXES = (".tf", ".tfvars", ".tf.json", ".tfvars.json")
# The caller search's reads: a FIFO put in place of a file since the listing does not block the open
# (POSIX), and the bytes are not translated (Windows).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


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


def focus_for(paths: Sequence[Path], root: Path, max_bytes: int = MAX_FILE_BYTES) -> Focus:
    """Widen explicit files to their Terraform directories and the directories in the repository
    that call them as modules; directories (or a mix) scan as given."""
    if not paths or any(p.is_dir() for p in paths):
        return Focus(tuple(paths))
    tf = [p for p in paths if p.name.endswith(TERRAFORM_SUFFIXES)]
    context = terraform_siblings(tf, root)
    if tf:
        from .repository import repository_root

        boundary = repository_root(tf[0], root)
        callers = terraform_callers({p.parent.resolve() for p in tf}, boundary, max_bytes)
        context += [p for d in callers for p in _terraform_files(d, boundary)]
    named = {rel_path(p, root) for p in paths} | {link_rel(p, root) for p in paths}  # a link not followed is reported by its own name
    return Focus((*paths, *context), frozenset(named))


def terraform_callers(targets: set[Path], boundary: Path, max_bytes: int = MAX_FILE_BYTES) -> list[Path]:
    """Directories in the repository whose ``*.tf`` files call one of ``targets`` as a local
    module, directly or through other modules. A module is evaluated with its callers' inputs and
    covered by their alarms, so a pre-commit scan of a module file must see the configuration a
    full scan sees (the file is text-searched, not parsed: this runs on every commit). Only regular
    files within ``max_bytes`` are read (a FIFO named ``x.tf`` would block, a huge one exhaust memory),
    with escapes decoded as Terraform decodes them (``source = "\u002e./kms"``)."""
    from .loaders.escapes import unescaped
    from .loaders.terraform.prefilter import LOCAL_SOURCE

    calls: dict[Path, set[Path]] = {}
    for directory, entries in _tf_dirs(boundary.resolve()):
        for entry in entries:
            data = _read_regular(entry, boundary, max_bytes)
            # A local source is a string that starts with a dot. Without a backslash nothing is
            # decoded, and UTF-8 never hides ASCII inside a longer sequence: a file without the
            # bytes '".' calls no local module (nearly every file).
            if data is None or (b'".' not in data and b"\\" not in data):
                continue
            try:
                text = unescaped(data.decode("utf-8-sig"))
            except UnicodeDecodeError:
                continue
            for src in LOCAL_SOURCE.findall(text):
                try:
                    calls.setdefault((directory / src).resolve(), set()).add(directory)
                except (OSError, RuntimeError, ValueError):
                    continue
    found: set[Path] = set()
    todo = list(targets)
    while todo:
        for caller in calls.get(todo.pop(), set()) - found - targets:
            found.add(caller)
            todo.append(caller)
    return sorted(found)


def _read_regular(entry: os.DirEntry[str], boundary: Path, max_bytes: int) -> Optional[bytes]:
    """The bytes of a regular file of at most ``max_bytes`` (through a symbolic link only if it stays
    in ``boundary``), else None. Nothing else is opened: opening a FIFO blocks, opening a device can
    act on it. The directory entry's type answers without a system call for the plain files that are
    nearly all of a repository, and the file is read with bare system calls (this runs on every file)."""
    try:
        if entry.is_symlink():
            if not Path(entry.path).resolve().is_relative_to(boundary):
                return None  # a symlink out of the repository is never read
            if not stat.S_ISREG(os.stat(entry.path).st_mode):
                return None
        elif not entry.is_file(follow_symlinks=False):
            return None
        fd = os.open(entry.path, _READ_FLAGS)
    except (OSError, RuntimeError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None  # the full scan reports it (KMS000); it cannot be a caller worth waiting for
        parts = []
        while part := os.read(fd, info.st_size + 1):
            parts.append(part)
        return b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(fd)


def _tf_dirs(top: Path) -> Iterator[tuple[Path, list[os.DirEntry[str]]]]:
    """``(directory, its *.tf and *.tf.json entries)`` under ``top``, as ``os.walk`` finds them: no
    link to a directory is followed, so with ``top`` resolved every directory is real and inside."""
    from .discover import SKIP_DIRS

    todo = [top]
    while todo:
        directory = todo.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            continue
        names = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name not in SKIP_DIRS and not entry.is_symlink():
                    todo.append(directory / entry.name)
            elif entry.name.endswith((".tf", ".tf.json")):
                names.append(entry)
        if names:
            yield directory, names


def terraform_siblings(files: Iterable[Path], root: Optional[Path] = None) -> list[Path]:
    """Every Terraform file in the directories of ``files``, sorted per directory. With ``root``, a
    sibling that is a symbolic link out of it is left out: never opened."""
    return [p for directory in _unique(f.parent for f in files) for p in _terraform_files(directory, root)]


def _terraform_files(directory: Path, root: Optional[Path] = None) -> list[Path]:
    files = (p for p in directory.iterdir() if p.name.endswith(TERRAFORM_SUFFIXES) and p.is_file())
    return sorted(p for p in files if root is None or _stays_in(p, root))


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
