"""Split a ``.tf`` file into its top-level blocks without parsing them (issue 19).

Parsing is most of a scan's time, and most blocks of a KMS-relevant directory are VPCs, buckets and
roles that no rule reads. This scanner finds where each top-level block starts and ends, so the
loader parses only the blocks a rule can need (:func:`needed_now`), each with python-hcl2's own
parser and at its own line (``hcl.parse(..., first_line=)``), parses ``variable``, ``output``,
``data`` and other resource blocks when something first refers to them, and never parses the rest.

It is written here because no HCL library offers a block splitter that does not parse. It
understands what can hide a brace: quoted strings with ``\\`` escapes, ``${...}`` and ``%{...}``
templates in them (nested to any depth, with ``$${`` and ``%%{`` escapes), heredocs (ended by the
same closing-line rule the grammar uses: ``hcl.heredoc_closing_line``) and ``#``, ``//`` and
``/* */`` comments. Whenever it is unsure (unbalanced braces, an unterminated string, heredoc or
comment, a top-level line that is not a plain block header, a block that starts mid-line) it
returns None and the loader parses the whole file, as it always did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .hcl import HEREDOC_OPENER, Block, HclSyntaxError, heredoc_closing_line, parse

# Resource and data source types some rule reads (keys, aliases, key policies, CloudWatch log
# groups, metric filters and alarms, EventBridge rules and targets, CloudTrail trails). A loader that
# starts reading a type outside these prefixes must add it here, or it will never see its blocks.
RULE_TYPE_PREFIXES = ("aws_kms_", "aws_cloudwatch_", "aws_cloudtrail")
# Blocks that shape the whole module: calls, locals, and provider configurations (their Regions
# decide where keys and monitoring are). Issue 19 listed ``terraform`` too, but nothing in kmslint
# reads a ``terraform`` block, and parsing them cost 0.79 s of the 3.4 s it took to parse every such
# block of the 10,000-file repository: it is parsed only with --no-prefilter (whole files).
ALWAYS_PARSED = frozenset({"module", "locals", "provider"})
LABEL_COUNTS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1}  # Terraform's block schema
SPLIT = True  # False: every file is parsed whole (tests and benchmarks/compare_lazy.py compare the two)

_HEADER = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)((?:[ \t]+(?:"[^"\\\n$%]*"|[A-Za-z_][A-Za-z0-9_-]*))*)[ \t]*\{')
_LABEL = re.compile(r'"([^"]*)"|([A-Za-z_][A-Za-z0-9_-]*)')
_BETWEEN = re.compile(r"(?:[ \t\r\n]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_EXPR_STOP = re.compile(r'[{}"#/<]')
_STRING_STOP = re.compile(r'["\\$%\n]')


@dataclass(frozen=True)
class RawBlock:
    """One top-level block: ``text[start:end]`` runs from the start of its first line to its ``}``."""

    type: str
    labels: tuple[str, ...]
    start: int
    end: int
    line: int


def rule_reads(resource_type: str) -> bool:
    """Whether any rule reads resources of this type."""
    return resource_type.startswith(RULE_TYPE_PREFIXES)


def needed_now(block: RawBlock) -> bool:
    """Blocks parsed up front: resources a rule reads, the blocks that shape the module (calls,
    locals, providers), and any with the wrong number of labels (their KMS000 needs the parsed block).

    Data sources, ``aws_iam_policy_document`` included, are read only through a reference (a key's
    ``policy = data.aws_iam_policy_document.p.json``), so each is parsed when first referenced:
    parsing the policy documents up front was a fifth of the parsing on the real repositories of
    benchmarks/README.md, most of them IAM role policies no key refers to."""
    expected = LABEL_COUNTS.get(block.type)
    if expected is not None and len(block.labels) != expected:
        return True
    if block.type in ALWAYS_PARSED:
        return True
    return block.type == "resource" and rule_reads(block.labels[0])


def split_blocks(text: str) -> Optional[list[RawBlock]]:
    """The top-level blocks of HCL ``text``, or None when the scanner is unsure (see module doc)."""
    if not SPLIT:
        return None
    blocks: list[RawBlock] = []
    pos, line, n = 0, 1, len(text)
    while True:
        skipped = _BETWEEN.match(text, pos)
        new_pos = skipped.end() if skipped else pos
        if text.startswith("/*", new_pos):
            return None  # an unterminated comment
        line += text.count("\n", pos, new_pos)
        pos = new_pos
        if pos >= n:
            return blocks
        line_start = text.rfind("\n", 0, pos) + 1
        if text[line_start:pos].strip(" \t"):
            return None  # a block that starts after something else on its line
        header = _HEADER.match(text, pos)
        if header is None:
            return None  # a top-level attribute, or a header this scanner does not read
        end = _block_end(text, header.end())
        if end is None:
            return None
        labels = tuple(m.group(1) if m.group(1) is not None else m.group(2) for m in _LABEL.finditer(header.group(2)))
        blocks.append(RawBlock(header.group(1), labels, line_start, end, line))
        line += text.count("\n", pos, end)
        pos = end


def _block_end(text: str, i: int) -> Optional[int]:
    """The offset just past the ``}`` that closes the block whose ``{`` ends at ``i``.

    ``depths`` is the stack of contexts: an int is an expression context (a block body or a
    template's ``${``/``%{``) with its count of open braces; None is a quoted string."""
    depths: list[Optional[int]] = [1]
    n = len(text)
    while i < n:
        if depths[-1] is None:  # inside a quoted string
            m = _STRING_STOP.search(text, i)
            if m is None:
                return None
            i, ch = m.start(), m.group()
            if ch == "\n":
                return None  # a quoted string cannot span lines
            if ch == "\\":
                i += 2
            elif ch == '"':
                depths.pop()
                i += 1
            elif text.startswith("$${", i) or text.startswith("%%{", i):
                i += 3
            elif text.startswith("{", i + 1):
                depths.append(1)
                i += 2
            else:
                i += 1
            continue
        m = _EXPR_STOP.search(text, i)
        if m is None:
            return None
        i, ch = m.start(), m.group()
        if ch == "{":
            depths[-1] = (depths[-1] or 0) + 1
            i += 1
        elif ch == "}":
            depth = (depths[-1] or 0) - 1
            i += 1
            if depth:
                depths[-1] = depth
                continue
            depths.pop()
            if not depths:
                return i
        elif ch == '"':
            depths.append(None)
            i += 1
        elif ch == "#" or text.startswith("//", i):
            eol = text.find("\n", i)
            if eol < 0:
                return None
            i = eol
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                return None
            i = close + 2
        elif ch == "<" and text.startswith("<<", i):
            skipped = _heredoc_end(text, i)
            if skipped is None:
                return None
            i = skipped
        else:
            i += 1
    return None


def _heredoc_end(text: str, i: int) -> Optional[int]:
    """The offset of the new line that ends the closing marker line of the heredoc opened at ``i``."""
    opener = HEREDOC_OPENER.match(text, i)
    if opener is None:
        return None  # HCL has no << operator: something this scanner does not read
    closing = heredoc_closing_line(opener.group(1)).search(text, opener.end())
    if closing is None:
        return None
    return closing.end()


@dataclass
class SplitFile:
    """A file cut into blocks: those :func:`needed_now` already parsed, the others as text."""

    rel: str
    text: str
    blocks: list[tuple[RawBlock, Optional[Block]]]


def split_file(text: str, rel: str, cached_only: bool = False) -> Optional[SplitFile]:
    """``text`` split, with the blocks a rule needs parsed; None when the whole file must be parsed
    instead (the scanner is unsure, or a block it would parse now fails: the whole-file parse then
    reports the error, a KMS000 at its line, exactly as before). ``cached_only``: see ``hcl.parse``."""
    raw = split_blocks(text)
    if raw is None:
        return None
    out: list[tuple[RawBlock, Optional[Block]]] = []
    for b in raw:
        if not needed_now(b):
            out.append((b, None))
            continue
        try:
            out.append((b, parse_block(text, rel, b, cached_only)))
        except HclSyntaxError:
            return None
    return SplitFile(rel, text, out)


def parse_block(text: str, rel: str, b: RawBlock, cached_only: bool = False) -> Block:
    """One block, parsed alone at its own line. Raises :class:`HclSyntaxError`."""
    body = parse(text[b.start : b.end], rel, b.line, cached_only)
    if body.attributes or len(body.blocks) != 1 or body.blocks[0].type != b.type or body.blocks[0].labels != b.labels:
        raise HclSyntaxError("the block splitter misread this block", b.line, 1)  # never seen; parse the whole file
    return body.blocks[0]
