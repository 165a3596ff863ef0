"""The warm cache: parsed Terraform blocks and decoded CloudFormation templates (issue 19, item 3).

Parsing is most of a scan's time, and a re-scan (the next commit, the next CI run on a cached
runner) parses mostly the same text again. Each entry is one parse result, pickled, in one SQLite
database in kmslint's per-user cache directory (``cache.cache_dir``; ``KMSLINT_NO_CACHE=1`` turns it
off). SQLite, from the standard library, because it gives atomic commits and safe concurrent
readers and writers (pre-commit runs hook batches in parallel) without a file per entry.

An entry's key is the SHA-256 of everything its value depends on:

- the kind of parse (``hcl``, ``cfn``) and the parser's identity (:func:`_parser_identity`): the
  installed files of lark, python-hcl2 or cfn-lint, kmslint's own modules that build or define the
  stored objects, the Python version and the pickle protocol;
- the file's path as reported (relative to the scan root) and the line the text starts on: every
  stored Location carries them, so a second file with the same content never inherits the first
  one's path (issue 19: "never key on content alone");
- the text itself.

A miss, a damaged database, a locked one or an entry that fails to load is parsed as if there were
no cache: the cache can only make a scan faster, never change what it finds
(``benchmarks/compare_lazy.py --cache`` checks that cold and warm scans agree byte for byte). New entries
are written once, at the end of a scan, in one transaction. The database is capped at
:data:`MAX_ENTRIES` entries and :data:`MAX_DB_BYTES`: beyond either the oldest half is dropped.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from .cache import cache_dir

__all__ = ["NotCached", "ParseCache", "parse_cache"]

DB_NAME = "parsed-v1.sqlite"
MAX_ENTRIES = 200_000
MAX_DB_BYTES = 256 << 20
MAX_VALUE_BYTES = 4 << 20  # a bigger result is parsed each time (a 1 MB CDK template pickles to about 3 MB)
LOCK_TIMEOUT_S = 0.2

# The modules whose code builds, or whose classes define, what is stored; any change to one of
# them is a new namespace (tests/test_parsecache.py checks every class a stored value refers to
# lives in one of these, or in the standard library).
_PRODUCERS = {
    "hcl": ("lark", "hcl2", "kmslint/loaders/terraform/hcl.py", "kmslint/loaders/terraform/hcl_lark.py", "kmslint/model/values.py"),
    "hcl-template": ("lark", "hcl2", "kmslint/loaders/terraform/hcl.py", "kmslint/loaders/terraform/hcl_lark.py", "kmslint/model/values.py"),
    "cfn": ("cfnlint", "yaml", "kmslint/loaders/cfn/decode.py", "kmslint/loaders/cfn/nodes.py", "kmslint/model/values.py", "kmslint/model/resources.py"),
}


def _package_identity(name: str) -> str:
    """An installed package's identity without importing it (importing lark and python-hcl2 is the
    cost a warm scan avoids): the path, size and modification time of its files that carry the
    version (a reinstall of another version rewrites them)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return f"{name}:absent"
    folder = Path(spec.origin).parent
    parts = [name, str(folder)]
    for file in ("__init__.py", "version.py", "_version.py", "__version__.py"):
        try:
            st = (folder / file).stat()
        except OSError:
            continue
        parts.append(f"{file}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


class NotCached(Exception):
    """Raised by a parse asked to answer from the cache only (``cached_only=True``) when it cannot."""


@lru_cache(maxsize=None)
def _parser_identity(kind: str) -> bytes:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{kind}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}".encode())
    for producer in _PRODUCERS[kind]:
        if producer.endswith(".py"):
            try:
                digest.update((root / producer).read_bytes())
            except OSError:
                digest.update(b"missing " + producer.encode())
        else:
            digest.update(_package_identity(producer).encode())
    return digest.digest()


class ParseCache:
    """Look-ups and pending writes against one database file (``None``: a cache that never hits)."""

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self.pending: dict[bytes, bytes] = {}
        self._conn: Any = None
        self._conn_pid = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(kind: str, rel: str, line: int, text: str) -> bytes:
        digest = hashlib.sha256(_parser_identity(kind))
        digest.update(f"\0{rel}\0{line}\0".encode("utf-8", "surrogatepass"))
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.digest()

    def _connection(self) -> Any:
        """The database, opened once per process (a connection must not cross a fork)."""
        if self.path is None:
            return None
        if self._conn is not None and self._conn_pid == os.getpid():
            return self._conn
        import sqlite3

        try:
            conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
            conn.execute("CREATE TABLE IF NOT EXISTS parsed (key BLOB PRIMARY KEY, value BLOB NOT NULL)")
        except sqlite3.Error:
            self.path = None  # unusable (damaged, read-only, locked for long): parse without it
            return None
        self._conn, self._conn_pid = conn, os.getpid()
        return conn

    def get(self, key: bytes) -> Optional[Any]:
        """The stored value, or None: never an exception."""
        conn = self._connection()
        if conn is None:
            return None
        try:
            row = conn.execute("SELECT value FROM parsed WHERE key = ?", (key,)).fetchone()
            value = pickle.loads(row[0]) if row is not None else None
        except Exception:  # noqa: BLE001 - a damaged entry or database is a miss
            value = None
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: bytes, value: Any) -> None:
        """Remember ``value`` for :meth:`flush`; values that do not pickle, or pickle too big, are skipped."""
        if self.path is None:
            return
        try:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return
        if len(blob) <= MAX_VALUE_BYTES:
            self.pending[key] = blob

    def forked(self) -> None:
        """In a forked child: forget the parent's pending entries and its connection (left open, for the parent)."""
        self.pending = {}
        self._conn = None

    def take_pending(self) -> dict[bytes, bytes]:
        """The entries this process added (a parsing worker hands them to the parent)."""
        pending, self.pending = self.pending, {}
        return pending

    def flush(self) -> None:
        """Write pending entries in one transaction, then keep the database under MAX_ENTRIES."""
        pending = self.take_pending()
        conn = self._connection() if pending else None
        if conn is None:
            return
        import sqlite3

        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO parsed (key, value) VALUES (?, ?)", pending.items())
            # The span of rowids (rows are appended, so it is their age), not count(*): O(log n)
            # instead of a scan of the table at every flush, and never less than the count.
            first, span = conn.execute("SELECT min(rowid), coalesce(max(rowid) - min(rowid) + 1, 0) FROM parsed").fetchone()
            too_big = self.path is not None and self.path.stat().st_size > MAX_DB_BYTES
            if span > MAX_ENTRIES or too_big:  # the older half of that span goes; freed pages are reused
                conn.execute("DELETE FROM parsed WHERE rowid < ?", (first + max(span // 2, 1),))
            conn.execute("COMMIT")
            if too_big:
                conn.execute("VACUUM")
        except (sqlite3.Error, OSError):
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass


@lru_cache(maxsize=1)
def parse_cache() -> ParseCache:
    """This process's cache (a forked worker inherits it and opens its own connection)."""
    folder = cache_dir()
    return ParseCache(folder / DB_NAME if folder is not None else None)
