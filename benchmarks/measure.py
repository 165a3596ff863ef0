"""Run one child process and measure it: wall time, CPU time, peak RSS, sampled peak PSS of its process tree.

* Peak RSS comes from ``os.wait4``'s rusage: Linux reports the largest ``ru_maxrss`` of the child and of every
  descendant it waited for. It is the peak of the single biggest process, not the sum over parallel workers.
* Tree PSS is sampled from ``/proc`` every ``SAMPLE_INTERVAL`` seconds: the sum of PSS over the child and all
  its descendants (PSS divides shared pages between sharers, so forked workers are not counted twice). It can
  miss short spikes between samples; it is there to show what parallel workers cost together.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SAMPLE_INTERVAL = 0.05
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Measurement:
    """One run of one tool."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    tree_pss_mb: float | None
    returncode: int
    status: str  # ok | crash | traceback | timeout | missing
    stdout: str
    stderr: str


def classify(returncode: int, stderr: str, timed_out: bool, ok_codes: frozenset[int]) -> str:
    """0 and 1 (findings) are normal exits; anything else, a signal or a traceback is reported."""
    if timed_out:
        return "timeout"
    if returncode not in ok_codes:
        return "crash"
    if TRACEBACK in stderr:
        return "traceback"
    return "ok"


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` from /proc/<pid>/task/*/children (Linux 3.5+ with CONFIG_PROC_CHILDREN)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def pss_kb(pid: int) -> int:
    """Proportional set size of ``pid`` in KiB (0 if it is gone or unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_kb(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += pss_kb(pid)
        stack.extend(children_of(pid))
    return total


class TreeSampler(threading.Thread):
    """Samples the summed PSS of a process tree until ``stop`` is set; ``peak_kb`` keeps the maximum."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_pss_kb(self.pid))
            self.stop.wait(SAMPLE_INTERVAL)


def kill_group(proc: subprocess.Popen[bytes], flag: list[bool]) -> None:
    flag.append(True)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_child(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 3600.0,
              ok_codes: frozenset[int] = frozenset({0, 1}), sample_tree: bool = True) -> Measurement:
    """Run ``argv`` to completion and measure it. Output goes to temporary files, so no pipe can fill up."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as exc:
            return Measurement(0.0, 0.0, 0.0, None, -1, "missing", "", f"{argv[0]}: {exc}")
        sampler = TreeSampler(proc.pid) if sample_tree else None
        if sampler:
            sampler.start()
        timed_out: list[bool] = []
        timer = threading.Timer(timeout, kill_group, (proc, timed_out))
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop.set()
            sampler.join()
        stdout, stderr = read_back(out), read_back(err)
    return Measurement(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        tree_pss_mb=sampler.peak_kb / 1024 if sampler and sampler.peak_kb else None,
        returncode=proc.returncode,
        status=classify(proc.returncode, stderr, bool(timed_out), ok_codes),
        stdout=stdout,
        stderr=stderr,
    )


def read_back(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", errors="replace")
