"""Hexadecimal escapes decoded as the parsers decode them, for the text checks that run before any
parsing (:mod:`.sniff`, the Terraform prefilter, the pre-commit caller search).

``\\uXXXX``, ``\\UXXXXXXXX`` and ``\\xXX`` (JSON, YAML double-quoted strings, HCL) are decoded, so
``"AWS::\\u004bMS::Key"`` or ``resource "aws\\u005fkms_key"`` cannot slip past a check. Decoding an
escape the format would not decode (a YAML plain scalar) only makes a file look relevant and be
parsed; it never hides one. Its own module so that a Terraform-only run does not compile the
CloudFormation and policy patterns of :mod:`.sniff`.
"""

from __future__ import annotations

import re

__all__ = ["unescaped"]

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2}))")


def _char(match: "re.Match[str]") -> str:
    code = int(match.group(1) or match.group(2) or match.group(3), 16)
    return chr(code) if code <= 0x10FFFF else match.group(0)


def unescaped(text: str) -> str:
    """``text`` with its hexadecimal escapes decoded (one linear pass; unchanged without a backslash)."""
    return _ESCAPE.sub(_char, text) if "\\" in text else text
