"""Command line: ``kmslint scan``, ``kmslint rules``, ``kmslint explain``. ``main`` returns the exit code.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage, configuration
or internal error.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence, TextIO

from . import __version__

if TYPE_CHECKING:  # the modules themselves are imported once the command needs them: --version needs none
    from .config import Config
    from .engine.rules import Rule
    from .findings import ScanResult

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> "None":  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _ids(value: str) -> tuple[str, ...]:
    return tuple(x.strip().upper() for x in value.split(",") if x.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kmslint", description="Lint AWS KMS key lifecycle safety in Terraform, CloudFormation and key policies.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scan = sub.add_parser("scan", help="scan files and directories (default: .)")
    scan.add_argument("paths", nargs="*", default=["."], help="files or directories to scan")
    scan.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    scan.add_argument("--output", "-o", help="write the report to this file instead of standard output")
    scan.add_argument("--fail-on", choices=("error", "warning", "note", "none"), default=None, help="lowest level that fails the run (default: warning)")
    scan.add_argument("--select", type=_ids, default=(), help="only these rule ids (comma-separated)")
    scan.add_argument("--ignore", type=_ids, default=(), help="skip these rule ids (comma-separated)")
    scan.add_argument("--var-file", action="append", default=[], help="Terraform variables file (repeatable)")
    scan.add_argument("--config", help="configuration file (default: .kmslint.yaml found upwards)")
    scan.add_argument("--show-unknown", action="store_true", help="list what could not be evaluated")
    scan.add_argument("--sarif-category", help="SARIF automationDetails category")
    scan.add_argument(
        "--sarif-omit-suppressed",
        action="store_true",
        help="leave suppressed findings out of SARIF (GitHub opens alerts even for suppressed results)",
    )
    scan.add_argument("--baseline", help="fail only on findings not recorded in this baseline file")
    scan.add_argument("--write-baseline", metavar="FILE", help="record the current findings as the baseline and exit 0")
    scan.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="parse files with this many processes (default: all cores)")
    scan.add_argument("--no-prefilter", action="store_true", help="parse every file, even those a text check shows cannot matter")
    sub.add_parser("rules", help="list the rule catalog")
    explain = sub.add_parser("explain", help="explain a rule: why, parameters, fix")
    explain.add_argument("rule_id", type=str.upper)
    sub.add_parser("checkov-pack", help="print the checkov external-checks directory (checkov --external-checks-dir)")
    return parser


def main(argv: Optional[Sequence[str]] = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    argv = list(argv) if argv is not None else sys.argv[1:]
    if argv[:1] == ["--version"]:
        stdout.write(f"kmslint {__version__}\n")
        return EXIT_OK
    from .config import ConfigError
    from .engine.rules import RuleError, load_rules

    try:
        args = build_parser().parse_args(argv)
        if args.command == "checkov-pack":
            from .checkov_pack import PACK_DIR

            stdout.write(f"{PACK_DIR}\n")
            return EXIT_OK
        rules = load_rules()
        if args.command == "rules":
            stdout.write(render_rules(rules))
            return EXIT_OK
        if args.command == "explain":
            return _explain(rules, args.rule_id, stdout, stderr)
        return _scan(args, rules, stdout, stderr)
    except _UsageError as exc:
        stderr.write(f"{exc}\n")
        return EXIT_ERROR
    except (ConfigError, RuleError) as exc:
        stderr.write(f"kmslint: {exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    except KeyboardInterrupt:
        stderr.write("kmslint: interrupted\n")
        return EXIT_ERROR
    except Exception as exc:  # never a traceback, never an exit code that looks like "findings"
        from .baseline import BaselineError  # imported late: a plain scan never needs it

        if isinstance(exc, BaselineError):
            stderr.write(f"kmslint: {exc}\n")
            return EXIT_ERROR
        stderr.write(f"kmslint: internal error: {type(exc).__name__}: {exc}\n")
        return EXIT_ERROR


def render_rules(rules: Sequence[Rule]) -> str:
    rows = [f"{r.id}  {r.name:<36} {r.level:<8} {r.title}" for r in rules]
    return "\n".join(rows) + "\n"


def _explain(rules: Sequence[Rule], rule_id: str, stdout: TextIO, stderr: TextIO) -> int:
    by_id = {r.id: r for r in rules}
    by_name = {r.name: r for r in rules}
    rule = by_id.get(rule_id) or by_name.get(rule_id.lower())
    if rule is None:
        stderr.write(f"kmslint: no rule {rule_id!r}; see `kmslint rules`\n")
        return EXIT_ERROR
    from .docs import render_rule_text

    stdout.write(render_rule_text(rule))
    return EXIT_OK


def _scan(args: argparse.Namespace, rules: Sequence[Rule], stdout: TextIO, stderr: TextIO) -> int:
    from .config import load_config
    from .scan import ScanOptions, run_scan

    paths = tuple(Path(p) for p in args.paths)
    root = scan_root(paths)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        stderr.write(f"kmslint: no such file or directory: {', '.join(missing)}\n")
        return EXIT_ERROR
    config = load_config(paths[0] if paths else root, Path(args.config) if args.config else None)
    _validate_config(config, rules)
    opts = ScanOptions(
        paths, root, config, tuple(Path(v) for v in args.var_file), args.select, args.ignore, max(1, args.jobs), not args.no_prefilter
    )
    result, _inv = run_scan(opts, rules)
    if args.write_baseline:
        from .baseline import write_baseline

        count = write_baseline(result.findings, root, Path(args.write_baseline))
        stderr.write(f"kmslint: wrote {count} findings to {args.write_baseline}\n")
        return EXIT_ERROR if result.errors else EXIT_OK
    if args.baseline:
        result = _apply_baseline(result, Path(args.baseline), root)
    report = _render(args, result, rules, root)
    rc = _exit_code(result, args.fail_on or config.fail_on or "warning")
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
        return rc
    try:
        stdout.write(report)
        stdout.flush()
    except BrokenPipeError:  # `kmslint scan | head`: the reader left; the verdict still stands
        _silence(stdout)
    return rc


def _exit_code(result: ScanResult, fail_on: str) -> int:
    if result.errors:
        return EXIT_ERROR
    from .findings import LEVEL_RANK

    threshold = LEVEL_RANK[fail_on]
    return EXIT_FINDINGS if any(LEVEL_RANK[f.level] >= threshold for f in result.findings) else EXIT_OK


def _silence(stream: TextIO) -> None:
    """After a broken pipe, point the stream at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def scan_root(paths: Sequence[Path]) -> Path:
    """Findings are relative to the current directory, or to the scanned tree when it lies elsewhere."""
    cwd = Path.cwd().resolve()
    resolved = [p.resolve() for p in paths]
    if all(p.is_relative_to(cwd) for p in resolved):
        return cwd
    dirs = [str(p if p.is_dir() else p.parent) for p in resolved]
    return Path(os.path.commonpath(dirs))


def _apply_baseline(result: ScanResult, path: Path, root: Path) -> ScanResult:
    """Known findings move to ``suppressed`` (kind external): visible, but not failing the run."""
    from dataclasses import replace

    from .baseline import load_baseline, mark_known, split_by_baseline

    new, known = split_by_baseline(result.findings, load_baseline(path), root)
    return replace(result, findings=tuple(new), suppressed=tuple(sorted(result.suppressed + tuple(mark_known(known, path)))))


def _validate_config(config: Config, rules: Sequence[Rule]) -> None:
    from .config import validate_against_rules

    validate_against_rules(config, rules)


def _render(args: argparse.Namespace, result: ScanResult, rules: Sequence[Rule], root: Path) -> str:
    if args.format == "json":
        from .report import json_report

        return json_report.render(result, rules, args.show_unknown)
    if args.format == "sarif":
        from .report import sarif

        report = sarif.render(result, rules, category=args.sarif_category, root=root, include_suppressed=not args.sarif_omit_suppressed)
        _warn_github_limits(report)
        return report
    from .report import text

    return text.render(result, rules, args.show_unknown)


def _warn_github_limits(report: str) -> None:
    from .report import github_limits

    for problem in github_limits.check_text(report):
        sys.stderr.write(f"kmslint: warning: GitHub code scanning: {problem.message}\n")


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
