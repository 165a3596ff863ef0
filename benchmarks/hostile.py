#!/usr/bin/env python3
"""Time and peak memory of kmslint on generated hostile inputs of growing size (issue 17).

Each family of input (``tests/hostile_inputs.py`` and a few more here) is written at four sizes, each
twice the last, and scanned in a fresh process (``python -m kmslint scan . --format json -j1``); the
table shows wall time and the child's peak RSS. Growth should be linear in the size (or flat, where the
step budget or a cap stops the work). A script, not a test: nothing here asserts on time.

    python3 benchmarks/hostile.py                    # this checkout
    python3 benchmarks/hostile.py --checkout ../base --timeout 60   # another checkout, for "before"
    python3 benchmarks/hostile.py --family shared-locals --family heredoc-statements
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import hostile_inputs as h  # noqa: E402  (tests/ is not a package)

Writer = Callable[[Path, int], None]


def _one(text: Callable[[int], str]) -> Writer:
    return lambda root, n: _write(root / "main.tf", text(n))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _heredoc(n: int) -> str:
    stmt = '    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}'
    return 'resource "aws_kms_key" "k" {\n  policy = <<EOF\n{\n  "Statement": [\n' + ",\n".join([stmt] * n) + "\n  ]\n}\nEOF\n}\n"


def _suppression(n: int) -> str:
    return 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false # kmslint:ignore KMS003 -- a' + " " * n + "b\n}\n"


def _many_keys(n: int) -> str:
    return "".join(f'resource "aws_kms_key" "k{i}" {{\n  enable_key_rotation = false\n  deletion_window_in_days = {7 + i % 20}\n}}\n' for i in range(n))


FAMILIES: dict[str, tuple[str, list[int], Writer]] = {
    "shared-locals": ("a<i> = [a<i-1>, a<i-1>], n locals", [10, 20, 40, 80], _one(h.shared_locals)),
    "squaring": ("n<i> = n<i-1> * n<i-1>, n locals", [10, 20, 40, 80], _one(h.repeated_squaring)),
    "deep-list": ("d<i> = [d<i-1>], n locals", [250, 500, 1000, 2000], _one(h.deep_list)),
    "for-each": ("for_each over n keys, ~100k steps each", [5, 10, 20, 40], _one(h.expensive_for_each)),
    "module-chain": ("5 levels of local modules, count = n", [2, 4, 8, 30], lambda root, n: h.module_chain(root, 5, n)),
    "heredoc-statements": ("heredoc policy of n statements", [1000, 2000, 4000, 8000], _one(_heredoc)),
    "suppression-line": ("reason with n spaces inside", [5_000, 10_000, 20_000, 40_000], _one(_suppression)),
    "many-keys": ("n keys in one file (not hostile: the baseline)", [250, 500, 1000, 2000], _one(_many_keys)),
}


def measure(checkout: Path, root: Path, timeout: float) -> tuple[str, str, int]:
    """(seconds, peak RSS in MB, exit code) of one scan of ``root`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kmslint", "scan", ".", "--format", "json", "-j", "1"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            elapsed = time.perf_counter() - start
            return f"{elapsed:.2f}", f"{usage.ru_maxrss / 1024:.0f}", os.waitstatus_to_exitcode(status)
        if time.perf_counter() > deadline:
            proc.kill()
            _, _, usage = os.wait4(proc.pid, 0)
            return f">{timeout:.0f}", f"{usage.ru_maxrss / 1024:.0f}", -9
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkout", type=Path, default=HERE.parent, help="the kmslint checkout to run (default: this one)")
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="only these families (repeatable)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a scan counts as a hang and is killed")
    args = parser.parse_args()
    print("| input | n | seconds | peak RSS MB | exit |")
    print("|---|---:|---:|---:|---:|")
    for name in args.family or list(FAMILIES):
        what, sizes, write = FAMILIES[name]
        for n in sizes:
            root = Path(tempfile.mkdtemp(prefix=f"kmslint-hostile-{name}-"))
            try:
                (root / ".git").mkdir()  # a repository of its own: no configuration from above applies
                write(root, n)
                seconds, mb, code = measure(args.checkout.resolve(), root, args.timeout)
            finally:
                shutil.rmtree(root, ignore_errors=True)
            print(f"| {name}: {what} | {n} | {seconds} | {mb} | {code} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
