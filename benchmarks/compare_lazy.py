"""Scan directories twice, parsing only the blocks a rule can need and then every file whole, and
check that the JSON reports are byte for byte the same (issue 19).

    python3 benchmarks/compare_lazy.py                      # fixtures/ and each directory under it
    python3 benchmarks/compare_lazy.py .bench/repos/files-3000 /work/repos/x   # other trees

Each scan runs in a fresh process from the target directory (kmslint takes the working directory as
its scan root), with ``--jobs 1``. Exit status 1 when any pair differs; the first differing line of
each is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
_CHILD = (
    "import sys, kmslint.loaders.terraform.blocks as b; b.SPLIT = sys.argv[1] == 'lazy'; "
    "from kmslint.cli import main; raise SystemExit(main(['scan', sys.argv[2], '--format', 'json', '--jobs', '1']))"
)


def scan(target: Path, mode: str) -> bytes:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    cwd = target if target.is_dir() else target.parent
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, "." if target.is_dir() else target.name], cwd=cwd, env=env, capture_output=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{target}: kmslint exited {done.returncode}\n{done.stderr.decode(errors='replace')[-2000:]}")
    return done.stdout


def first_difference(a: bytes, b: bytes) -> str:
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}:\n  lazy:  {x.decode(errors='replace')[:200]}\n  whole: {y.decode(errors='replace')[:200]}"
    return f"lengths differ: {len(a)} and {len(b)} bytes"


def targets(paths: list[str]) -> list[Path]:
    if paths:
        return [Path(p).resolve() for p in paths]
    root = PROJECT / "fixtures"
    return [root, *sorted(p for p in root.rglob("*") if p.is_dir()), *sorted(root.glob("terraform/*.tf*"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="directories or files to scan (default: fixtures/ and everything under it)")
    args = parser.parse_args()
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
