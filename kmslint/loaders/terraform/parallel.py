"""Parsing many Terraform files: one process per core when there are enough of them.

Results are keyed by path, so the output does not depend on the order workers finish in. A failure
stays with its file: any exception while parsing one is a KMS000 for it, and a worker process that
dies (out of memory, killed) takes no results with it: the files it left unparsed are parsed again,
one at a time, each in its own worker, so the one that kills a worker again is the one reported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Union

from ...model.resources import ParseError
from ...limits import MAX_FILE_BYTES, too_large
from ...parsecache import NotCached, parse_cache
from ...model.values import Location
from .blocks import SplitFile, split_file
from .hcl import Body, HclSyntaxError, parse
from .module import is_override_file
from .prefilter import read_text

ParseOutcome = Union[Body, SplitFile, ParseError]
# Below this many files (those that matter: the prefilter has dropped the rest) one process parses
# them all: forking, pickling the results back and the second core's contention cost more than they
# save. Measured on 2 cores with block-level parsing (issue 19), --jobs 1 against --jobs 2: 789 files
# (dense 3,000-file repository) 0.59 s against 0.49 s of parsing but 2.26 s against 2.48 s in all;
# 2,600 files (10,000-file repository) 5.85 s against 5.03 s in all. The real repositories of
# benchmarks/README.md (at most 151 files that matter) stay well below it. Not measured on more
# cores: the session machine has 2.
PARALLEL_THRESHOLD = 1000


def parse_file(path: Path, rel: str, max_bytes: int = MAX_FILE_BYTES, lazy: bool = False) -> ParseOutcome:
    """The file's syntax tree, or a KMS000. ``lazy``: a ``.tf`` file (not an override file, which
    is merged block by block) is split, and only the blocks a rule can need are parsed (``blocks.py``)."""
    outcome = _parse_file(path, rel, max_bytes, lazy, cached_only=False)
    assert outcome is not None  # only a cached_only parse gives up
    return outcome


def cached_outcome(path: Path, rel: str, max_bytes: int = MAX_FILE_BYTES, lazy: bool = False) -> Optional[ParseOutcome]:
    """:func:`parse_file`'s result if the warm cache (``parsecache.py``) holds every part it needs, else None."""
    return _parse_file(path, rel, max_bytes, lazy, cached_only=True)


def _parse_file(path: Path, rel: str, max_bytes: int, lazy: bool, cached_only: bool) -> Optional[ParseOutcome]:
    if (oversized := too_large(rel, path, max_bytes)) is not None:  # module files reached by a call skip discovery's check
        return oversized
    json_syntax = path.name.endswith(".json")
    try:
        if json_syntax and cached_only:
            return None  # JSON syntax is not cached: json.loads is fast
        if json_syntax:
            from .jsonsyntax import parse_json  # here: it imports python-hcl2's parser, which a warm scan never needs

            return parse_json(read_text(path), rel)
        text = read_text(path)
        split = split_file(text, rel, cached_only) if lazy and not is_override_file(path.name) else None
        return split if split is not None else parse(text, rel, cached_only=cached_only)
    except NotCached:
        return None
    except HclSyntaxError as exc:
        reason = exc.reason if json_syntax else f"HCL syntax error: {exc.reason}"
        return ParseError(Location(rel, max(exc.line, 1), max(exc.column, 1)), reason)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return ParseError(Location(rel, line, 1), f"not UTF-8 text: {exc.reason} at byte {exc.start}")
    except OSError as exc:
        return ParseError(Location(rel, 1, 1), f"cannot read file: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - a parser bug or a Python limit in one file is its KMS000, not a lost scan
        return ParseError(Location(rel, 1, 1), f"analysis stopped: parsing this file failed ({type(exc).__name__}); it was not checked")


def _parse_item(item: tuple[Path, str, int, bool]) -> ParseOutcome:
    return parse_file(*item)


def parse_files(items: list[tuple[Path, str]], jobs: int, max_bytes: int = MAX_FILE_BYTES, lazy: bool = False) -> dict[Path, ParseOutcome]:
    """Parse every (path, rel) pair, in parallel when enough of them need parsing to pay for it.

    With many files, those the warm cache (``parsecache.py``) answers whole are taken from it
    first: only the rest count towards the threshold. At 10,000 files a warm scan that forked
    anyway was 0.4 s slower (results travel back pickled)."""
    if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
        return {path: parse_file(path, rel, max_bytes, lazy) for path, rel in items}
    done: dict[Path, ParseOutcome] = {}
    for path, rel in items:
        outcome = cached_outcome(path, rel, max_bytes, lazy)
        if outcome is not None:
            done[path] = outcome
    rest = [(path, rel) for path, rel in items if path not in done]
    if len(rest) < PARALLEL_THRESHOLD:
        done.update((path, parse_file(path, rel, max_bytes, lazy)) for path, rel in rest)
    else:
        done.update(_parse_in_workers(rest, jobs, max_bytes, lazy))
    return done


def _parse_in_workers(items: list[tuple[Path, str]], jobs: int, max_bytes: int, lazy: bool) -> dict[Path, ParseOutcome]:
    import multiprocessing  # here, not at start-up: a pre-commit run on a few files never forks
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if "fork" not in multiprocessing.get_all_start_methods():
        return {path: parse_file(path, rel, max_bytes, lazy) for path, rel in items}
    from .hcl_lark import hcl_parser

    hcl_parser()  # load (or build and cache) the grammar once, here: the forked workers inherit it
    ctx = multiprocessing.get_context("fork")
    work = [(path, rel, max_bytes, lazy) for path, rel in items]
    done: dict[Path, ParseOutcome] = {}
    chunk = max(1, len(items) // (jobs * 4))
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, os.cpu_count() or 1), mp_context=ctx, initializer=_worker_start) as pool:
            batches = [(work[i : i + chunk], pool.submit(_parse_batch, work[i : i + chunk])) for i in range(0, len(work), chunk)]
            for batch, future in batches:
                try:
                    outcomes, parsed = future.result()
                    done.update(zip((p for p, _, _, _ in batch), outcomes))
                    parse_cache().pending.update(parsed)  # the parent writes the warm cache
                except BrokenProcessPool:
                    break  # every later batch fails the same way; they are re-run below
    except BrokenProcessPool:  # raised again when the pool shuts down
        pass
    for item in work:
        if item[0] not in done:
            done[item[0]] = _parse_alone(item, ctx)
    return done


def _worker_start() -> None:
    """A forked worker hands back only the cache entries it makes itself."""
    parse_cache().forked()


def _parse_batch(batch: list[tuple[Path, str, int, bool]]) -> tuple[list[ParseOutcome], dict[bytes, bytes]]:
    """In a worker: the outcomes, and the warm-cache entries parsing them made (``parsecache.py``)."""
    outcomes = [parse_file(*item) for item in batch]
    return outcomes, parse_cache().take_pending()


def _parse_alone(item: tuple[Path, str, int, bool], ctx: Any) -> ParseOutcome:
    """Parse one file in a worker of its own; if that worker dies too, the file is the cause: KMS000."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            return pool.submit(_parse_item, item).result()
    except BrokenProcessPool:
        reason = "analysis stopped: the process parsing this file died (out of memory, or killed); it was not checked"
        return ParseError(Location(item[1], 1, 1), reason)
