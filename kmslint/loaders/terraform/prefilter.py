"""Which Terraform directories can contribute a finding: a cheap text check before any parsing.

A directory matters if its text declares a KMS or monitoring resource, or if it calls a local
module (``source = "./x"``, ``"../x"``) that matters, directly or through further local calls.
Variables, locals and policy documents only matter next to those, so they are not looked for.

A call to a registry or git module is a reason to parse: the loader follows it through
``.terraform/modules/modules.json`` after ``terraform init``, or lists it as not checked, so the
user always learns that a module's keys were not looked at.

The check sees what Terraform sees: ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes are decoded before it, so
``resource "aws\\u005fkms_key"`` or ``source = "\\u002e/kms"`` cannot slip a key past it.

Where the text cannot settle it, the directory is kept: a file that cannot be read or decoded
(so that its problem is reported as KMS000), and a local call into a directory that was not
discovered (the loader reads it anywhere inside the repository, or lists the call as not checked).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Optional

from ..escapes import unescaped

_DECLARES = re.compile(r"aws_kms_|aws_cloudwatch_(?:log_metric_filter|metric_alarm|event_)")
# A literal local source in a module call, found in text without parsing (here and in the focus
# scan's caller search). Not anchored to a line start, so one-line blocks (module "k" { source = "../k" })
# count too. Other "source" attributes that name a local file (aws_s3_object) resolve to no directory.
LOCAL_SOURCE = re.compile(r"\bsource\"?\s*[=:]\s*\"(\.\.?(?:/[^\"]*)?)\"")  # HCL or JSON syntax
# Any other literal source next to a module block: a registry or git module, which the loader follows
# through .terraform/modules/modules.json or lists as not checked, so its caller must be parsed.
_MODULE_BLOCK = re.compile(r"\bmodule\s+\"[^\"]*\"\s*\{|\"module\"\s*:")
_REMOTE_SOURCE = re.compile(r"\bsource\"?\s*[=:]\s*\"(?!\.\.?/)[^\"$]+\"")


def first_declaration(text: str) -> Optional[tuple[int, int]]:
    """(line, column) of the first KMS or monitoring resource type the text names, or None.
    Named through escapes only: the position is where it is named in the decoded text."""
    found = _DECLARES.search(text) or _DECLARES.search(text := unescaped(text))
    if found is None:
        return None
    line_start = text.rfind("\n", 0, found.start()) + 1
    return text.count("\n", 0, found.start()) + 1, found.start() - line_start + 1


def read_text(path: Path) -> str:
    """UTF-8 with an optional BOM; CRLF is handled by the parser."""
    return path.read_bytes().decode("utf-8-sig")


def _scan(files: list[Path]) -> tuple[bool, list[str]]:
    """(declares a KMS/monitoring resource, calls a registry/git module, or cannot be read; the local
    module sources it names)."""
    declares, sources = False, []
    for path in files:
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError):
            declares = True
            continue
        text = unescaped(text)
        # A substring test first: Python's regex engine has no fast literal scan for these
        # patterns, and most files name neither (a third of a dense scan's prefilter time).
        calls = "module" in text and _MODULE_BLOCK.search(text) is not None
        named = "aws_kms_" in text or "aws_cloudwatch_" in text
        declares = declares or (named and _DECLARES.search(text) is not None) or (calls and _REMOTE_SOURCE.search(text) is not None)
        if calls:
            sources.extend(LOCAL_SOURCE.findall(text))
    return declares, sources


def relevant_directories(
    tf_by_dir: dict[Path, list[Path]],
    scan_root: Path,
    keep: Iterable[Path] = (),
) -> dict[Path, list[Path]]:
    """The directories of ``tf_by_dir`` that can matter, and those they call, with their files.
    ``keep`` always stays (the directory of a scanned plan, whose keys pair with its HCL).
    The keys of ``tf_by_dir`` are real paths (discovery resolves every file, so its folder is
    real too): resolving 1,800 folders again cost 0.05 s of a 10,000-file scan."""
    by_real = {d: d for d in tf_by_dir}
    kept = {Path(k).resolve() for k in keep}
    matters: set[Path] = set()
    callees: dict[Path, set[Path]] = {}
    for real, directory in by_real.items():
        declares, sources = _scan(tf_by_dir[directory])
        targets = {t for t in (_resolve(real, s) for s in sources) if t is not None and t != real}
        # A local call to a directory not discovered: the loader reads it, or lists it as not checked.
        if declares or real in kept or any(t not in by_real and not _is_file(t) for t in targets):
            matters.add(real)
        callees[real] = targets & by_real.keys()
    changed = True
    while changed:  # callers of directories that matter matter too, to any depth
        changed = False
        for real, called in callees.items():
            if real not in matters and called & matters:
                matters.add(real)
                changed = True
    return {by_real[r]: tf_by_dir[by_real[r]] for r in sorted(_called_from(matters, callees))}


def _called_from(start: set[Path], callees: dict[Path, set[Path]]) -> set[Path]:
    """``start`` and every discovered directory it calls, to any depth. A module that declares
    nothing itself is still instantiated by its caller (its outputs may feed a key), so it is
    parsed with the rest, in parallel, rather than later one file at a time."""
    seen, todo = set(start), list(start)
    while todo:
        for target in callees[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def _resolve(directory: Path, source: str) -> Optional[Path]:
    try:
        return (directory / source).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None


def _is_file(target: Path) -> bool:
    try:
        return target.is_file()
    except OSError:
        return False
