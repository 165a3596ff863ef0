"""Scan directories twice, parsing only the blocks a rule can need and then every file whole, and
check that the JSON reports are byte for byte the same (issue 19).

    python3 benchmarks/compare_lazy.py                      # fixtures/ and each directory under it
    python3 benchmarks/compare_lazy.py .bench/repos/files-3000 /work/repos/x   # other trees
    python3 benchmarks/compare_lazy.py --cache              # cold against warm cache instead

With ``--cache`` each target is scanned with an empty cache directory (``XDG_CACHE_HOME`` in a fresh
temporary folder), then again with the cache that scan left (parsecache.py), and the two reports
must be the same; the warm scans' cache hits and misses are counted (a miss in a warm scan is a
result the cache does not keep: a syntax error in HCL, a result over its size cap). The default
targets then also include the loose CloudFormation and policy files of ``fixtures/``.

Each scan runs in a fresh process from the target directory (kmslint takes the working directory as
its scan root), with ``--jobs 1``. Exit status 1 when any pair differs; the first differing line of
each is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
_CHILD = (
    "import sys, kmslint.loaders.terraform.blocks as b; b.SPLIT = sys.argv[1] == 'lazy'; "
    "from kmslint.cli import main; raise SystemExit(main(['scan', sys.argv[2], '--format', 'json', '--jobs', '1']))"
)
_CACHED_CHILD = (
    "import sys; from kmslint.cli import main; from kmslint.parsecache import parse_cache; "
    "code = main(['scan', sys.argv[1], '--format', 'json', '--jobs', '1']); sys.stdout.flush(); "
    "print('cache', parse_cache().hits, parse_cache().misses, file=sys.stderr); raise SystemExit(code)"
)


def _run(target: Path, code: str, mode: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    cwd = target if target.is_dir() else target.parent
    done = subprocess.run([sys.executable, "-c", code, *mode, "." if target.is_dir() else target.name], cwd=cwd, env=env, capture_output=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{target}: kmslint exited {done.returncode}\n{done.stderr.decode(errors='replace')[-2000:]}")
    return done


def scan(target: Path, mode: str) -> bytes:
    return _run(target, _CHILD, [mode], {**os.environ, "PYTHONPATH": str(PROJECT)}).stdout


def scan_cached(target: Path, cache: Path) -> tuple[bytes, tuple[int, int]]:
    """The report of one scan with ``cache`` as XDG_CACHE_HOME, and its (hits, misses)."""
    env = {k: v for k, v in os.environ.items() if k != "KMSLINT_NO_CACHE"}
    done = _run(target, _CACHED_CHILD, [], {**env, "PYTHONPATH": str(PROJECT), "XDG_CACHE_HOME": str(cache)})
    last = done.stderr.decode(errors="replace").strip().splitlines()[-1].split()
    return done.stdout, (int(last[1]), int(last[2]))


def first_difference(a: bytes, b: bytes, names: tuple[str, str] = ("lazy", "whole")) -> str:
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}:\n  {names[0]}: {x.decode(errors='replace')[:200]}\n  {names[1]}: {y.decode(errors='replace')[:200]}"
    return f"lengths differ: {len(a)} and {len(b)} bytes"


def targets(paths: list[str], loose: tuple[str, ...] = ("terraform/*.tf*",)) -> list[Path]:
    if paths:
        return [Path(p).resolve() for p in paths]
    root = PROJECT / "fixtures"
    files = sorted({f for pattern in loose for f in root.glob(pattern) if f.is_file() and not f.name.endswith(".expect.yaml")})
    return [root, *sorted(p for p in root.rglob("*") if p.is_dir()), *files]


def compare_cache(checked: list[Path]) -> int:
    """Cold against warm scans of each target; the number that differ."""
    differing, hits, misses = 0, 0, 0
    for target in checked:
        with tempfile.TemporaryDirectory(prefix="kmslint-cache-") as folder:
            cold, _ = scan_cached(target, Path(folder))
            warm, (hit, missed) = scan_cached(target, Path(folder))
        hits, misses = hits + hit, misses + missed
        if cold != warm:
            differing += 1
            print(f"DIFFERENT {target}: {first_difference(cold, warm, ('cold', 'warm'))}")
    print(f"warm scans: {hits} cache hits, {misses} misses")
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="directories or files to scan (default: fixtures/ and everything under it)")
    parser.add_argument("--cache", action="store_true", help="compare a cold scan with a warm one (the parse cache) instead")
    args = parser.parse_args()
    if args.cache:
        checked = targets(args.paths, ("terraform/*.tf*", "cloudformation/*", "policies/*", "plans/*", "bad/*"))
        differing = compare_cache(checked)
        print(f"{len(checked) - differing} of {len(checked)} cold and warm scans byte-identical")
        return 1 if differing else 0
    differing = 0
    checked = targets(args.paths)
    for target in checked:
        lazy, whole = scan(target, "lazy"), scan(target, "whole")
        if lazy != whole:
            differing += 1
            print(f"DIFFERENT {target}: {first_difference(lazy, whole)}")
    print(f"{len(checked) - differing} of {len(checked)} scans byte-identical")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
