"""Finding the files to scan and classifying them by extension and a cheap content sniff."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox"})
DATA_EXTS = (".json", ".yaml", ".yml", ".template")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to the scan root, forward slashes
    kind: str  # terraform | tfvars | cloudformation | policy | plan


def rel_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path.resolve(), root)).as_posix()


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns)


def _walk(start: Path, root: Path) -> Iterator[Path]:
    """Every regular file under ``start``; symlinks are followed only when they stay inside ``root``."""
    for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and _inside(here / d, root))
        for name in sorted(filenames):
            p = here / name
            if _inside(p, root):
                yield p


def _inside(p: Path, root: Path) -> bool:
    try:
        return p.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def classify(path: Path) -> Optional[str]:
    name = path.name
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith(".tfvars"):
        return "tfvars"
    if name.endswith(DATA_EXTS):
        return _sniff_data(path)
    return None


def _sniff_data(path: Path) -> Optional[str]:
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return None
    # UTF-16 (PowerShell's default) is sniffed too, so the loader reports it rather than it being skipped.
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = head.decode("utf-16" if utf16 else "utf-8", errors="replace").lstrip("\ufeff")
    try:
        from .loaders import sniff
    except ImportError:  # CloudFormation and JSON loaders not installed in this build
        return None
    if sniff.looks_like_plan(text):
        return "plan"
    if sniff.looks_like_cloudformation(text):
        return "cloudformation"
    if sniff.looks_like_key_policy(text):
        return "policy"
    return None


def discover(paths: Iterable[Path], root: Path, exclude: tuple[str, ...] = ()) -> list[SourceFile]:
    """The files to scan, deduplicated, in a stable order."""
    seen: dict[Path, SourceFile] = {}
    for start in paths:
        candidates = _walk(start, root) if start.is_dir() else [start]
        for p in candidates:
            if not p.is_file():
                continue
            rel = rel_path(p, root)
            kind = classify(p)
            if kind is None or _excluded(rel, exclude):
                continue
            seen.setdefault(p.resolve(), SourceFile(p.resolve(), rel, kind))
    return sorted(seen.values(), key=lambda f: f.rel)
