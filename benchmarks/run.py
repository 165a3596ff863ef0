#!/usr/bin/env python3
"""Benchmark kmslint against checkov on synthetic repositories, a real repository, or one file.

Each size is generated with benchmarks/generate.py (seeded), then both tools scan it ``--repeat`` times,
alternating (A B, B A, A B, ...) so neither tool always runs on a warmer machine. Reported per tool: median,
min and max wall time, CPU time, peak RSS (largest single process) and sampled peak PSS of the whole process
tree (see measure.py). Exit code 1 of a tool means findings and is normal; any other code, a signal or a
traceback on stderr is reported as a failure. This is a script, not a test: nothing here asserts on time.

Examples::

    python3 benchmarks/run.py 300
    python3 benchmarks/run.py 300 1000 --repeat 5 --json-out .bench/results.json
    python3 benchmarks/run.py --repo ~/src/infrastructure
    python3 benchmarks/run.py --one-file .bench/repos/files-300-seed-1/terraform/svc-00003-vpc/kms.tf
    python3 benchmarks/run.py 1000 --tools kmslint --repeat 0 --profile
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import pstats
import shlex
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import generate
from measure import Measurement, run_child

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CHECKOV = PROJECT / ".bench" / "checkov-venv" / "bin" / "checkov"
CHECKOV_CHECKS = "CKV_AWS_7,CKV_AWS_33,CKV_AWS_227,CKV2_AWS_64"
IAC_SUFFIXES = frozenset({".tf", ".tfvars", ".yaml", ".yml", ".json", ".template"})
SKIP_DIRS = frozenset({".git", ".terraform", "node_modules"})


@dataclass(frozen=True)
class Tool:
    name: str
    scan_dir: Callable[[Path], list[str]]
    scan_file: Callable[[Path], list[str]]
    count_findings: Callable[[str], int | None]
    env: dict[str, str] | None = None  # the child's whole environment; None inherits ours
    before_run: Callable[[], None] | None = None  # called before each run, warm-up included


@dataclass(frozen=True)
class Target:
    label: str
    path: Path
    files: int
    single_file: bool = False
    generator: dict[str, Any] | None = None


@dataclass
class Result:
    """All runs of one tool on one target."""

    target: Target
    tool: str
    runs: list[Measurement] = field(default_factory=list)
    findings: int | None = None


# --- tools ----------------------------------------------------------------------------------------------------

def default_kmslint_cmd() -> list[str]:
    """The ``kmslint`` executable on PATH, else ``<this python> -m kmslint`` (run from the project root)."""
    found = shutil.which("kmslint")
    return [found] if found else [sys.executable, "-m", "kmslint"]


def uses_module_form(cmd: list[str]) -> bool:
    return any(cmd[i:i + 2] == ["-m", "kmslint"] for i in range(len(cmd) - 1))


BENCH_CACHE = PROJECT / ".bench" / "cache"  # kmslint's XDG_CACHE_HOME here: the user's own cache is never touched
PARSE_CACHE = BENCH_CACHE / "kmslint" / "parsed-v1.sqlite"  # kmslint/parsecache.py: DB_NAME


def kmslint_env(cmd: list[str]) -> dict[str, str]:
    """``-m kmslint`` must import this checkout even though children run inside the target directory."""
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(BENCH_CACHE)
    if uses_module_form(cmd):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH", "")]))
    return env


def drop_parse_cache() -> None:
    """A cold run: nothing parsed before (the built grammar and the validated rules stay cached, as
    after any first run of an installed kmslint)."""
    PARSE_CACHE.unlink(missing_ok=True)


def compile_checkout(cmd: list[str]) -> None:
    """Byte-compile this checkout's kmslint package, as ``pip install`` does for an installed one.

    Without it, a run with ``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines and sandboxes)
    recompiles every kmslint module from source on every invocation, which measures the compiler,
    not kmslint; checkov, installed by pip into its own virtualenv, never pays that.
    """
    if not uses_module_form(cmd):
        return  # an installed kmslint was compiled by pip
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([cmd[0], "-m", "compileall", "-q", str(PROJECT / "kmslint")], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def kmslint_tool(cmd: list[str], cold: bool = False) -> Tool:
    """``kmslint``: its warm cache (kmslint/parsecache.py) kept from run to run, as on a developer's
    machine or a CI runner that keeps ~/.cache; ``kmslint-cold``: that cache emptied before every run."""
    return Tool(
        name="kmslint-cold" if cold else "kmslint",
        scan_dir=lambda path: [*cmd, "scan", str(path), "--format", "json"],
        scan_file=lambda path: [*cmd, "scan", str(path), "--format", "json"],
        count_findings=count_kmslint_findings,
        env=kmslint_env(cmd),
        before_run=drop_parse_cache if cold else None,
    )


def checkov_tool(checkov: Path, checks: str) -> Tool:
    # --skip-download keeps checkov offline: otherwise it fetches guideline mappings from Prisma Cloud first,
    # and that network round trip (or its failure and logged traceback) is no part of scanning.
    common = ["--framework", "terraform", "cloudformation", "--check", checks, "--quiet", "--compact",
              "-o", "json", "--skip-download"]
    return Tool(
        name="checkov",
        scan_dir=lambda path: [str(checkov), "-d", str(path), *common],
        scan_file=lambda path: [str(checkov), "-f", str(path), *common],
        count_findings=count_checkov_findings,
    )


def count_kmslint_findings(stdout: str) -> int | None:
    try:
        return len(json.loads(stdout)["findings"])
    except (ValueError, KeyError, TypeError):
        return None


def count_checkov_findings(stdout: str) -> int | None:
    """Failed checks over all frameworks; checkov prints one report object, or a list of them."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        return None
    reports = doc if isinstance(doc, list) else [doc]
    try:
        return sum(len(report.get("results", {}).get("failed_checks", [])) for report in reports)
    except AttributeError:
        return None


# --- targets --------------------------------------------------------------------------------------------------

def count_iac_files(root: Path) -> int:
    """Files either tool could consider: Terraform, YAML, JSON, .template (skipping .git, .terraform, ...)."""
    total = 0
    for _, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if name not in SKIP_DIRS]
        total += sum(Path(name).suffix in IAC_SUFFIXES for name in files)
    return total


def synthetic_target(size: int, seed: int, work_dir: Path) -> Target:
    out = (work_dir / f"files-{size}-seed-{seed}").resolve()
    summary = generate.generate_repo(out, seed=seed, files=size, clean=True)
    return Target(label=str(size), path=out, files=summary.files, generator=asdict(summary))


def build_targets(args: argparse.Namespace) -> list[Target]:
    targets: list[Target] = []
    for size in args.sizes:
        print(f"generating {size} files (seed {args.seed}) ...", file=sys.stderr)
        targets.append(synthetic_target(size, args.seed, args.work_dir))
    for repo in args.repo:
        path = repo.resolve()
        targets.append(Target(label=f"repo:{path.name}", path=path, files=count_iac_files(path)))
    for one in args.one_file:
        path = one.resolve()
        targets.append(Target(label=f"file:{path.name}", path=path, files=1, single_file=True))
    return targets


# --- running --------------------------------------------------------------------------------------------------

def argv_for(tool: Tool, target: Target) -> list[str]:
    return tool.scan_file(target.path) if target.single_file else tool.scan_dir(target.path)


def cwd_for(target: Target) -> Path:
    """Children run inside the target (kmslint takes the working directory as its scan root, and paths
    outside the root are not scanned); a single file runs from its own directory."""
    return target.path.parent if target.single_file else target.path


def bench_target(target: Target, tools: list[Tool], repeat: int, warmup: int, timeout: float) -> list[Result]:
    """Warm up, then run the tools alternately: round r runs them in order, round r+1 in reverse."""
    results = {tool.name: Result(target, tool.name) for tool in tools}
    for _ in range(warmup):
        for tool in tools:
            if tool.before_run:
                tool.before_run()
            run_child(argv_for(tool, target), cwd=cwd_for(target), env=tool.env, timeout=timeout,
                      sample_tree=False)
    for round_index in range(repeat):
        order = tools if round_index % 2 == 0 else list(reversed(tools))
        for tool in order:
            if tool.before_run:
                tool.before_run()
            measurement = run_child(argv_for(tool, target), cwd=cwd_for(target), env=tool.env, timeout=timeout)
            results[tool.name].runs.append(measurement)
            report_run(target, tool.name, round_index, measurement, show_stderr=all(
                earlier.status == "ok" for earlier in results[tool.name].runs[:-1]))
            if results[tool.name].findings is None:
                results[tool.name].findings = tool.count_findings(measurement.stdout)
    return [results[tool.name] for tool in tools]


def report_run(target: Target, tool: str, round_index: int, m: Measurement, show_stderr: bool) -> None:
    """One progress line per run on stderr, and the tail of stderr of a tool's first failed run."""
    print(f"  [{target.label}] {tool:<8} run {round_index + 1}: {m.wall_s:7.2f} s  rc={m.returncode}  {m.status}",
          file=sys.stderr)
    if m.status != "ok" and show_stderr:
        source, detail = failure_detail(m)
        print(f"  --- {tool} {m.status}, {source} ---\n{detail}\n  ---", file=sys.stderr)


def failure_detail(m: Measurement, lines: int = 15) -> tuple[str, str]:
    """The tail of stderr; if stderr is empty, the ``errors`` of a JSON report (kmslint's exit 2), else stdout."""
    if m.stderr.strip():
        return "last lines of stderr", "\n".join(m.stderr.rstrip().splitlines()[-lines:])
    try:
        errors = json.loads(m.stdout)["errors"]
        return "errors in its JSON report", "\n".join(json.dumps(error) for error in errors[:lines])
    except (ValueError, KeyError, TypeError):
        return "last lines of stdout", "\n".join(m.stdout.rstrip().splitlines()[-lines:])


# --- reporting ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    target: str
    files: int
    tool: str
    runs: int
    median_s: float
    min_s: float
    max_s: float
    cpu_s: float
    peak_rss_mb: float
    tree_pss_mb: float | None
    findings: int | None
    status: str


def summarise(result: Result) -> Row | None:
    runs = result.runs
    if not runs:
        return None
    walls = [m.wall_s for m in runs]
    pss = [m.tree_pss_mb for m in runs if m.tree_pss_mb is not None]
    failures = sorted({m.status for m in runs if m.status != "ok"})
    return Row(
        target=result.target.label, files=result.target.files, tool=result.tool, runs=len(runs),
        median_s=statistics.median(walls), min_s=min(walls), max_s=max(walls),
        cpu_s=statistics.median(m.cpu_s for m in runs), peak_rss_mb=max(m.peak_rss_mb for m in runs),
        tree_pss_mb=max(pss) if pss else None, findings=result.findings,
        status="ok" if not failures else ",".join(failures),
    )


HEADER = ("target", "files", "tool", "runs", "median s", "min s", "max s", "cpu s", "peak RSS MB",
          "tree PSS MB", "findings", "status")


def row_cells(row: Row) -> tuple[str, ...]:
    def opt(value: float | int | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    return (row.target, str(row.files), row.tool, str(row.runs), f"{row.median_s:.2f}", f"{row.min_s:.2f}",
            f"{row.max_s:.2f}", f"{row.cpu_s:.2f}", f"{row.peak_rss_mb:.0f}", opt(row.tree_pss_mb, ".0f"),
            opt(row.findings, "d"), row.status)


def format_table(rows: list[Row]) -> str:
    cells = [HEADER, *(row_cells(row) for row in rows)]
    widths = [max(len(line[col]) for line in cells) for col in range(len(HEADER))]
    lines = ["  ".join(cell.rjust(width) if col in (1, 3, 4, 5, 6, 7, 8, 9, 10) else cell.ljust(width)
                       for col, (cell, width) in enumerate(zip(line, widths))).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_ratios(rows: list[Row]) -> str:
    """checkov/kmslint ratios of median wall time and peak RSS, per target."""
    by_key = {(row.target, row.tool): row for row in rows}
    lines = []
    for target in dict.fromkeys(row.target for row in rows):
        ckv = by_key.get((target, "checkov"))
        for name in ("kmslint", "kmslint-cold"):
            kms = by_key.get((target, name))
            if kms and ckv and kms.median_s > 0 and kms.peak_rss_mb > 0:
                failed = [f"{row.tool} {row.status}" for row in (kms, ckv) if row.status != "ok"]
                note = f"  (not comparable: {', '.join(failed)})" if failed else ""
                lines.append(f"{target}: checkov/{name}  wall {ckv.median_s / kms.median_s:.1f}x"
                             f"  peak RSS {ckv.peak_rss_mb / kms.peak_rss_mb:.1f}x{note}")
    return "\n".join(lines)


# --- profiling ------------------------------------------------------------------------------------------------

def kmslint_python(cmd: list[str]) -> str:
    """The interpreter behind the kmslint command: ``X -m kmslint`` -> X; a console script -> its shebang."""
    if uses_module_form(cmd):
        return cmd[cmd.index("-m") - 1] if cmd.index("-m") > 0 else sys.executable
    try:
        first = Path(cmd[0]).read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return sys.executable
    return first[2:].strip().split()[0] if first.startswith("#!") and "python" in first else sys.executable


def profile_kmslint(target: Target, cmd: list[str], extra: list[str], out_dir: Path, top: int,
                    timeout: float) -> str:
    """Run one kmslint scan under cProfile and return the top ``top`` entries by cumulative time.

    Only the main process is profiled; work done in worker processes shows up as time waiting on them.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    prof = out_dir / f"kmslint-{target.label.replace(':', '-').replace('/', '_')}.prof"
    argv = [kmslint_python(cmd), "-m", "cProfile", "-o", str(prof), "-m", "kmslint", "scan", str(target.path),
            "--format", "json", *extra]
    measurement = run_child(argv, cwd=cwd_for(target), env=kmslint_env(["-m", "kmslint"]), timeout=timeout,
                            sample_tree=False)
    # cProfile swallows SystemExit, so the exit code of a profiled run says nothing; the time includes overhead.
    header = f"profile of kmslint on {target.label} ({measurement.wall_s:.2f} s under cProfile): {prof}"
    if not prof.exists():
        return f"{header}\nno profile written; stderr:\n{measurement.stderr[-2000:]}"
    stream = io.StringIO()
    pstats.Stats(str(prof), stream=stream).sort_stats("cumulative").print_stats(top)
    return f"{header}\n{stream.getvalue()}"


# --- environment and output -----------------------------------------------------------------------------------

def tool_version(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[-1] if done.returncode == 0 and text else None


def environment(kmslint_cmd: list[str], checkov: Path | None) -> dict[str, Any]:
    commit = tool_version(["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"])
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "kmslint_cmd": kmslint_cmd,
        "kmslint_commit": commit,
        "checkov_version": tool_version([str(checkov), "--version"]) if checkov else None,
    }


def describe(env: dict[str, Any], tools: list[str]) -> str:
    parts = [f"cpus={env['cpus']}", f"load={env['load_average'][0]:.2f}", f"python={env['python']}"]
    if "kmslint" in tools:
        parts.append(f"kmslint=`{' '.join(env['kmslint_cmd'])}` @ {env['kmslint_commit']}")
    if "checkov" in tools:
        parts.append(f"checkov={env['checkov_version']}")
    return "  ".join(parts)


def results_json(env: dict[str, Any], results: list[Result], rows: list[Row], profiles: list[str]) -> str:
    runs = [{"target": r.target.label, "path": str(r.target.path), "files": r.target.files, "tool": r.tool,
             "generator": r.target.generator,
             "runs": [{k: v for k, v in asdict(m).items() if k not in ("stdout", "stderr")} for m in r.runs]}
            for r in results]
    return json.dumps({"environment": env, "summary": [asdict(row) for row in rows], "results": runs,
                       "profiles": profiles}, indent=2)


# --- command line ---------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, help="synthetic repository sizes in files, e.g. 300 1000")
    parser.add_argument("--repo", type=Path, action="append", default=[], help="benchmark a real repository")
    parser.add_argument("--one-file", type=Path, action="append", default=[],
                        help="time a single-file scan of each tool (the pre-commit case)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool and target (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per tool first (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--work-dir", type=Path, default=PROJECT / ".bench" / "repos",
                        help="where synthetic repositories are generated (default .bench/repos)")
    parser.add_argument("--tools", default="kmslint,kmslint-cold,checkov",
                        help="comma-separated subset of kmslint (warm cache), kmslint-cold (parse cache emptied before each run), checkov")
    parser.add_argument("--kmslint-cmd", help="kmslint command line (default: kmslint on PATH, else "
                                              "'<python> -m kmslint')")
    parser.add_argument("--checkov", type=Path, default=DEFAULT_CHECKOV,
                        help="checkov executable (default .bench/checkov-venv/bin/checkov)")
    parser.add_argument("--checkov-checks", default=CHECKOV_CHECKS, help="checkov --check list")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before a run is killed")
    parser.add_argument("--profile", action="store_true", help="also run kmslint once under cProfile per target")
    parser.add_argument("--profile-top", type=int, default=25, help="cumulative entries to print (default 25)")
    parser.add_argument("--profile-args", default="", help="extra kmslint arguments for the profiled run")
    parser.add_argument("--json-out", type=Path, help="also write all measurements as JSON here")
    args = parser.parse_args(argv)
    if not (args.sizes or args.repo or args.one_file):
        parser.error("give at least one size, --repo PATH or --one-file FILE")
    return args


def absolute_program(cmd: list[str]) -> list[str]:
    """Children run inside the target directory, so a relative program path must be made absolute first
    (absolute, not resolved: resolving a venv's python symlink would leave the venv)."""
    if cmd and os.sep in cmd[0] and Path(cmd[0]).exists():
        return [str(Path(cmd[0]).absolute()), *cmd[1:]]
    return cmd


def select_tools(args: argparse.Namespace, kmslint_cmd: list[str]) -> list[Tool]:
    wanted = [name.strip() for name in args.tools.split(",") if name.strip()]
    unknown = set(wanted) - {"kmslint", "kmslint-cold", "checkov"}
    if unknown:
        raise SystemExit(f"unknown tool(s): {', '.join(sorted(unknown))}")
    if "checkov" in wanted and not args.checkov.exists():
        raise SystemExit(f"{args.checkov} not found; run benchmarks/setup_checkov.sh or pass --tools kmslint")
    available = {"kmslint": lambda: kmslint_tool(kmslint_cmd),
                 "kmslint-cold": lambda: kmslint_tool(kmslint_cmd, cold=True),
                 "checkov": lambda: checkov_tool(args.checkov, args.checkov_checks)}
    return [available[name]() for name in wanted]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    kmslint_cmd = absolute_program(shlex.split(args.kmslint_cmd) if args.kmslint_cmd else default_kmslint_cmd())
    args.checkov = args.checkov.absolute()
    tools = select_tools(args, kmslint_cmd)
    if any(t.name.startswith("kmslint") for t in tools):
        compile_checkout(kmslint_cmd)
    env = environment(kmslint_cmd, args.checkov if any(t.name == "checkov" for t in tools) else None)
    targets = build_targets(args)
    results: list[Result] = []
    profiles: list[str] = []
    for target in targets:
        results.extend(bench_target(target, tools, args.repeat, args.warmup, args.timeout))
        if args.profile:
            profiles.append(profile_kmslint(target, kmslint_cmd, shlex.split(args.profile_args),
                                            PROJECT / ".bench" / "profiles", args.profile_top, args.timeout))
    rows = [row for row in map(summarise, results) if row is not None]
    print(describe(env, [tool.name for tool in tools]))
    if rows:
        print(format_table(rows))
        ratios = format_ratios(rows)
        if ratios:
            print(ratios)
    for text in profiles:
        print("\n" + text)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(results_json(env, results, rows, profiles) + "\n", encoding="utf-8")
    return 0 if all(row.status == "ok" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
