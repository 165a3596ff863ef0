"""Reading scanned files back for suppressions and fingerprints, once per file.

Findings carry paths relative to the scan root with forward slashes. :class:`SourceCache`
resolves them under the root, reads each file once and degrades gracefully: a file that
cannot be read (deleted, a directory, outside the root) yields ``None``, never an exception.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Optional

from .fingerprints import line_hashes
from .limits import size_violation

_NEWLINE = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


def split_lines(text: str) -> list[str]:
    """Lines as editors and GitHub count them: CRLF, CR and LF each end one line; a BOM is dropped."""
    if text.startswith(_BOM):
        text = text[1:]
    return _NEWLINE.split(text)


class SourceCache:
    """Texts, lines and GitHub line hashes of the files under ``root``, each computed once."""

    def __init__(self, root: Path, boundary: Optional[Path] = None) -> None:
        self.root = root.resolve()
        # Findings may lie above the root (a module at ../../modules/kms inside the same repository).
        self.boundary = boundary.resolve() if boundary is not None else self.root
        self._texts: dict[str, Optional[str]] = {}
        self._lines: dict[str, Optional[list[str]]] = {}
        self._hashes: dict[str, Optional[dict[int, str]]] = {}

    def _resolve(self, rel_path: str) -> Optional[Path]:
        rel = PurePosixPath(rel_path)
        if rel.is_absolute() or (".." in rel.parts and self.boundary == self.root) or not rel_path:
            return None
        path = self.root.joinpath(*rel.parts)
        try:  # a symlink leading out of the root (or the repository) is reported, never read (not even back)
            inside = path.resolve().is_relative_to(self.boundary)
        except (OSError, RuntimeError, ValueError):  # ValueError: a name with a lone surrogate
            return None
        return path if inside else None

    def text(self, rel_path: str) -> Optional[str]:
        """The file's text decoded from UTF-8 (invalid bytes replaced), untouched otherwise."""
        if rel_path not in self._texts:
            path = self._resolve(rel_path)
            if path is not None and size_violation(path) is not None:
                path = None  # over the size limit: never parsed, so never read back (KMS000 says why)
            try:
                self._texts[rel_path] = path.read_bytes().decode("utf-8", errors="replace") if path else None
            except OSError:
                self._texts[rel_path] = None
        return self._texts[rel_path]

    def lines(self, rel_path: str) -> Optional[list[str]]:
        if rel_path not in self._lines:
            text = self.text(rel_path)
            self._lines[rel_path] = None if text is None else split_lines(text)
        return self._lines[rel_path]

    def line(self, rel_path: str, number: int) -> Optional[str]:
        """Line ``number`` (1-based), or ``None`` when the file or the line does not exist."""
        lines = self.lines(rel_path)
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def line_hash(self, rel_path: str, number: int) -> Optional[str]:
        """GitHub's ``primaryLocationLineHash`` for a line, or ``None`` if the file can't be read."""
        if rel_path not in self._hashes:
            text = self.text(rel_path)
            self._hashes[rel_path] = None if text is None else line_hashes(text)
        hashes = self._hashes[rel_path]
        return None if hashes is None else hashes.get(number)
