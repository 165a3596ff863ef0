"""Line fingerprints: GitHub's ``primaryLocationLineHash`` and a line-shift-proof finding key.

:func:`line_hashes` reproduces the rolling hash that GitHub's ``upload-sarif`` action computes
for every line when a SARIF result carries no ``partialFingerprints`` (``github/codeql-action``,
``src/fingerprints.ts``). Emitting the same value ourselves keeps alerts stable whichever side
computes it, and the action warns when the two disagree, so the arithmetic must match exactly:

- the text is read as UTF-8 and walked in UTF-16 code units (JavaScript's ``charCodeAt``);
- spaces and tabs are skipped; CR, LF and CRLF all count as one LF;
- each line's hash covers the first 100 non-blank code units from the line's start
  (running into the following lines), modulo 2**64, base 37;
- a sentinel 65535 marks the end of the file, then zeros pad the window;
- the value is ``"<hex>:<n>"`` where ``n`` counts earlier lines with the same hash.
"""

from __future__ import annotations

import hashlib
import re

_BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, _BLOCK_SIZE, 1 << 64)
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13
_EOF = 65535


def utf16_units(text: str) -> list[int]:
    """The UTF-16 code units of ``text``, as JavaScript's ``charCodeAt`` sees them."""
    data = text.encode("utf-16-le", errors="surrogatepass")
    return [data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2)]


class _RollingHasher:
    """The state machine of ``hash()`` in codeql-action's fingerprints.ts, one unit at a time."""

    def __init__(self) -> None:
        self.window = [0] * _BLOCK_SIZE
        self.line_numbers = [-1] * _BLOCK_SIZE
        self.hash = 0
        self.index = 0
        self.line = 0
        self.line_start = True
        self.prev_cr = False
        self.counts: dict[str, int] = {}
        self.out: dict[int, str] = {}

    def _output(self) -> None:
        value = format(self.hash, "x")
        self.counts[value] = self.counts.get(value, 0) + 1
        self.out[self.line_numbers[self.index]] = f"{value}:{self.counts[value]}"
        self.line_numbers[self.index] = -1

    def _update(self, current: int) -> None:
        begin = self.window[self.index]
        self.window[self.index] = current
        self.hash = (_MOD * self.hash + current - _FIRST_MOD * begin) & _MASK
        self.index = (self.index + 1) % _BLOCK_SIZE

    def feed(self, current: int) -> None:
        if current in (_SPACE, _TAB) or (self.prev_cr and current == _LF):
            self.prev_cr = False
            return
        self.prev_cr = current == _CR
        if current == _CR:
            current = _LF
        if self.line_numbers[self.index] != -1:
            self._output()
        if self.line_start:
            self.line_start = False
            self.line += 1
            self.line_numbers[self.index] = self.line
        if current == _LF:
            self.line_start = True
        self._update(current)

    def finish(self) -> dict[int, str]:
        self.feed(_EOF)
        for _ in range(_BLOCK_SIZE):
            if self.line_numbers[self.index] != -1:
                self._output()
            self._update(0)
        return self.out


def line_hashes(text: str) -> dict[int, str]:
    """GitHub's ``primaryLocationLineHash`` for every line of ``text`` (1-based line -> value).

    Pass the file's text decoded from UTF-8 as-is: a byte-order mark is part of line 1 for
    GitHub too, and line endings must not be normalised beforehand.
    """
    hasher = _RollingHasher()
    for unit in utf16_units(text):
        hasher.feed(unit)
    return hasher.finish()


_BLANKS = re.compile(r"\s+")


def normalised_line(text: str) -> str:
    """A line's content without any whitespace: indentation and spacing changes do not count."""
    return _BLANKS.sub("", text)


def stable_key(*parts: str) -> str:
    """A short, stable hex digest of ``parts`` (joined unambiguously)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:32]
