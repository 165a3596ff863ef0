"""Parsing many Terraform files: one process per core when there are enough of them.

Results are keyed by path, so the output does not depend on the order workers finish in.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from ...model.resources import ParseError
from ...limits import MAX_FILE_BYTES, too_large
from ...model.values import Location
from .hcl import Body, HclSyntaxError, hcl_parser, parse
from .jsonsyntax import parse_json
from .prefilter import read_text

ParseOutcome = Union[Body, ParseError]
PARALLEL_THRESHOLD = 48  # below this many files, starting workers costs more than it saves


def parse_file(path: Path, rel: str, max_bytes: int = MAX_FILE_BYTES) -> ParseOutcome:
    if (oversized := too_large(rel, path, max_bytes)) is not None:  # module files reached by a call skip discovery's check
        return oversized
    json_syntax = path.name.endswith(".json")
    try:
        return parse_json(read_text(path), rel) if json_syntax else parse(read_text(path), rel)
    except HclSyntaxError as exc:
        reason = exc.reason if json_syntax else f"HCL syntax error: {exc.reason}"
        return ParseError(Location(rel, max(exc.line, 1), max(exc.column, 1)), reason)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return ParseError(Location(rel, line, 1), f"not UTF-8 text: {exc.reason} at byte {exc.start}")
    except OSError as exc:
        return ParseError(Location(rel, 1, 1), f"cannot read file: {exc.strerror or exc}")


def _parse_item(item: tuple[Path, str, int]) -> ParseOutcome:
    return parse_file(*item)


def parse_files(items: list[tuple[Path, str]], jobs: int, max_bytes: int = MAX_FILE_BYTES) -> dict[Path, ParseOutcome]:
    """Parse every (path, rel) pair, in parallel when there are enough files to pay for it."""
    if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
        return {path: parse_file(path, rel, max_bytes) for path, rel in items}
    import multiprocessing  # here, not at start-up: a pre-commit run on a few files never forks
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return {path: parse_file(path, rel, max_bytes) for path, rel in items}
    hcl_parser()  # load (or build and cache) the grammar once, here: the forked workers inherit it
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, os.cpu_count() or 1), mp_context=ctx) as pool:
        work = [(path, rel, max_bytes) for path, rel in items]
        results = list(pool.map(_parse_item, work, chunksize=max(1, len(items) // (jobs * 4))))
    return {path: result for (path, _), result in zip(items, results)}
