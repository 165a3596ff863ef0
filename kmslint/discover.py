"""Finding the files to scan and classifying them by extension and a cheap content sniff."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from .limits import MAX_FILE_BYTES, MAX_PLAN_BYTES

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox"})
DATA_EXTS = (".json", ".yaml", ".yml", ".template")
TF_EXTS = (".tf", ".tfvars")
SOURCE_EXTS = TF_EXTS + (".template",)  # extensions whose skipped symlinks are always reported
SNIFF_BYTES = 64 * 1024  # read first; the rest only when these bytes do not settle the kind


@dataclass(frozen=True)
class Skipped:
    """A file kmslint would scan but may not read; reported as KMS000 so it is never invisible."""

    path: Path
    reason: str


@dataclass(frozen=True)
class SourceFile:
    """A file to scan, and which loader reads it."""

    path: Path  # absolute
    rel: str  # relative to the scan root, forward slashes
    kind: str  # terraform (.tf, .tf.json) | tfvars (.tfvars, .tfvars.json) | cloudformation | policy | plan


def rel_path(path: Path, root: Path) -> str:
    return _rel_resolved(path.resolve(), root)


def _rel_resolved(real: Path, root: Path) -> str:
    try:
        return real.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(real, root)).as_posix()


def _resolver() -> Callable[[Path], Path]:
    """``path.resolve()`` that resolves each directory once (per discovery: the tree may change
    between scans): a file that is not a link is its directory's real path plus its name. Resolving
    every path component of every file was a tenth of a dense 3,000-file scan (issue 19)."""
    dirs: dict[Path, Path] = {}

    def resolve(p: Path) -> Path:
        if not p.is_absolute() or p.name in ("", ".", "..") or p.is_symlink():
            return p.resolve()
        parent = dirs.get(p.parent)
        if parent is None:
            parent = dirs[p.parent] = p.parent.resolve()
        return parent / p.name

    return resolve


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns)


def _walk(start: Path, root: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, Optional[Path]]]:
    """Every regular file under ``start``, in ``os.walk``'s order (top-down, names sorted), with
    its real path when it is *plain*: a regular file that is not a symbolic link, as the directory
    listing says (``DirEntry`` caches the type), whose real path is its directory's plus its name.
    So a plain file costs no system call (issue 19: per-file ``stat`` and ``resolve`` calls were a
    tenth of a dense scan). A symlink is followed only when it stays inside ``root``; a link to a
    source file that cannot be followed is recorded in ``skipped`` with the reason. Linked
    directories are not descended into, as ``os.walk`` does not."""
    try:
        real_start = start.resolve()
    except (OSError, RuntimeError):
        return
    descend = real_start.is_relative_to(root)  # a folder outside the root (a caller, in a focus scan): its own files only
    pending = [(start, real_start)]
    while pending:
        here, real_here = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue  # os.walk's default: an unreadable directory is skipped
        subdirs: list[tuple[Path, Path]] = []
        for entry in entries:
            if _entry_is_dir(entry):
                if descend and entry.name not in SKIP_DIRS and not entry.is_symlink():
                    subdirs.append((here / entry.name, real_here / entry.name))
                continue
            p = here / entry.name
            if not entry.is_symlink():
                yield p, (real_here / entry.name if _entry_is_file(entry) else None)
                continue
            problem = _link_problem(p, root)
            if problem is None:
                yield p, None
            elif entry.name.endswith(SOURCE_EXTS):
                skipped.append(Skipped(p, problem))
        pending.extend(reversed(subdirs))


def _entry_is_dir(entry: "os.DirEntry[str]") -> bool:
    try:
        return entry.is_dir()  # follows a link, as os.walk sorts names into dirs and files
    except OSError:
        return False


def _entry_is_file(entry: "os.DirEntry[str]") -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _given(p: Path, root: Path, skipped: list[Skipped]) -> list[Path]:
    """A file named on the command line (a pre-commit hook names changed files, and a changed file can
    be a symbolic link a pull request added): read only when it stays inside the root, like any other."""
    problem = _link_problem(p, root)
    if problem is None and not _inside(p, root):  # a link in a parent folder of the file
        problem = f"symbolic link to {p.resolve()}, outside the scan root: not followed"
    if problem is None:
        return [p]
    if p.name.endswith(SOURCE_EXTS + DATA_EXTS):
        skipped.append(Skipped(p, problem))
    return []


def _link_problem(p: Path, root: Path) -> Optional[str]:
    """Why a path may not be read (a symlink loop, or a link leaving the scan root), or None."""
    if not p.is_symlink():
        return None
    try:
        target = p.resolve(strict=True)
    except RuntimeError:
        return "symbolic link loop: not followed"
    except OSError:
        return "broken symbolic link: its target does not exist"
    if not target.is_relative_to(root):
        return f"symbolic link to {target}, outside the scan root: not followed"
    return None


def _inside(p: Path, root: Path) -> bool:
    try:
        return p.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def classify(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Optional[str]:
    name = path.name
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    if name.endswith(".tf.json"):
        return "terraform"  # Terraform's JSON syntax: loaders/terraform/jsonsyntax.py
    if name.endswith(DATA_EXTS):
        return _sniff_data(path, max_bytes)
    return None


UNREADABLE = "unreadable"


def _sniff_data(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Optional[str]:
    """The kind of a YAML/JSON file, judged on the whole file up to the size limit: a plan whose
    ``variables`` come first, or a template whose ``Resources`` start after 64 KB, is still found.
    Most files are settled by their first 64 KB and read no further."""
    try:
        from .loaders import sniff
    except ImportError:  # CloudFormation and JSON loaders not installed in this build
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            kind = _sniff_text(sniff, _decode(head))
            if kind is not None or len(head) < SNIFF_BYTES:
                return kind
            limit = MAX_PLAN_BYTES if b'"format_version"' in head else max_bytes
            data = head + fh.read(max(0, limit - len(head)))
    except OSError:
        return UNREADABLE
    return _sniff_text(sniff, _decode(data))


def _decode(data: bytes) -> str:
    # UTF-16 (PowerShell's default) is sniffed too, so the loader reports it rather than it being skipped.
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    return data.decode("utf-16" if utf16 else "utf-8", errors="replace").lstrip("\ufeff")


def _sniff_text(sniff: Any, text: str) -> Optional[str]:
    if sniff.looks_like_plan(text):
        return "plan"
    if sniff.looks_like_cloudformation(text):
        return "cloudformation"
    if sniff.looks_like_key_policy(text):
        return "policy"
    return None


def discover_all(
    paths: Iterable[Path], root: Path, exclude: tuple[str, ...] = (), max_bytes: int = MAX_FILE_BYTES
) -> tuple[list[SourceFile], list[Skipped]]:
    """The files to scan, deduplicated, in a stable order, and the files that could not be read."""
    seen: dict[Path, SourceFile] = {}
    skipped: list[Skipped] = []
    resolve = _resolver()
    for start in paths:
        candidates = _walk(start, root, skipped) if start.is_dir() else ((p, None) for p in _given(start, root, skipped))
        for p, known in candidates:
            if known is None and not p.is_file():
                continue
            real = known or resolve(p)
            rel = _rel_resolved(real, root)
            if _excluded(rel, exclude):
                continue
            kind = classify(p, max_bytes)
            if kind == UNREADABLE:
                skipped.append(Skipped(p, "cannot read file: permission denied or I/O error"))
            elif kind is not None:
                seen.setdefault(real, SourceFile(real, rel, kind))
    kept = [s for s in skipped if not _excluded(link_rel(s.path, root), exclude)]
    return sorted(seen.values(), key=lambda f: f.rel), kept


def link_rel(p: Path, root: Path) -> str:
    """The path of a link itself (not its target) relative to the root."""
    try:
        return p.absolute().relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(p.absolute(), root)).as_posix()


def discover(paths: Iterable[Path], root: Path, exclude: tuple[str, ...] = ()) -> list[SourceFile]:
    """The files to scan, deduplicated, in a stable order."""
    return discover_all(paths, root, exclude)[0]
