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


FORMATS = ("text", "json", "sarif", "github")
FORMAT_HELP = (
    "report format on standard output (or --output): text, one short line per finding (default); json, every field; "
    "sarif, SARIF 2.1.0 for GitHub code scanning; github, GitHub Actions annotations (::error file=...)"
)


def _refs(value: str) -> tuple[str, ...]:
    """Comma-separated rule ids or names, as typed; checked against the catalog once it is loaded."""
    return tuple(x.strip() for x in value.split(",") if x.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kmslint", description="Lint AWS KMS key lifecycle safety in Terraform, CloudFormation and key policies.",
                     epilog="Start with `kmslint scan .`; `kmslint explain KMS003` tells what a rule checks and how to fix it.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    scan = sub.add_parser("scan", help="scan files and directories (default: .)")
    scan.add_argument("paths", nargs="*", default=["."], help="files or directories to scan")
    scan.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    scan.add_argument("--output", "-o", help="write the --format report to this file instead of standard output")
    scan.add_argument("--output-sarif", metavar="FILE", help="also write a SARIF report to FILE (for upload-sarif), whatever --format is")
    scan.add_argument("--output-json", metavar="FILE", help="also write a JSON report to FILE, whatever --format is")
    scan.add_argument("--verbose", "-v", action="store_true", help="text: add the rest of the message, the rule's why and related places under each finding")
    scan.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="colour text output: auto (default) colours a terminal unless NO_COLOR is set, or when FORCE_COLOR is")
    scan.add_argument("--fail-on", choices=("error", "warning", "note", "none"), default=None, help="lowest level that fails the run (default: warning)")
    scan.add_argument("--select", type=_refs, default=(), help="only these rules: ids or names, comma-separated (KMS002,rotation-enabled)")
    scan.add_argument("--ignore", type=_refs, default=(), help="skip these rules: ids or names, comma-separated")
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip paths matching GLOB, relative to the current folder (repeatable)")
    scan.add_argument("--var-file", action="append", default=[], help="Terraform variables file (repeatable)")
    scan.add_argument("--config", help="configuration file (default: .kmslint.yaml found upwards)")
    scan.add_argument("--show-unknown", action="store_true", help="list the checks left undecided by a value kmslint could not resolve, and what was not checked, with why")
    scan.add_argument("--report-unused-suppressions", action="store_true", help="warn about kmslint:ignore comments that match no finding")
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
    rules = sub.add_parser("rules", help="list the rule catalog")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json, every rule's metadata and parameters")
    explain = sub.add_parser("explain", help="explain a rule: why, parameters, fix")
    explain.add_argument("rule_id", type=str.upper, help="a rule id or name (KMS003, rotation-enabled)")
    sub.add_parser("checkov-pack", help="print the checkov external-checks directory (checkov --external-checks-dir)")
    return parser


def main(argv: Optional[Sequence[str]] = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    argv = list(argv) if argv is not None else sys.argv[1:]
    if argv[:1] == ["--version"]:
        stdout.write(f"kmslint {__version__}\n")
        return EXIT_OK
    if not argv:  # a new user's first try: say what there is to do
        stderr.write(build_parser().format_help())
        return EXIT_ERROR
    from .config import ConfigError
    from .engine.rules import RuleError, load_rules
    from .usage import UsageError

    try:
        args = build_parser().parse_args(argv)
        if args.command == "checkov-pack":
            from .checkov_pack import PACK_DIR

            stdout.write(f"{PACK_DIR}\n")
            return EXIT_OK
        rules = load_rules()
        if args.command == "rules":
            if args.format == "json":
                from .report import rules_json

                stdout.write(rules_json.render(rules))
            else:
                stdout.write(render_rules(rules))
            return EXIT_OK
        if args.command == "explain":
            return _explain(rules, args.rule_id, stdout, stderr)
        return _scan(args, rules, stdout, stderr)
    except (_UsageError, UsageError) as exc:
        stderr.write(f"{exc}\n" if isinstance(exc, _UsageError) else f"kmslint: {exc}\n")
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
    from .config import resolve_rule, unknown_rule_message

    rid = resolve_rule(rule_id, rules)
    rule = next((r for r in rules if r.id == rid), None)
    if rule is None:
        stderr.write(f"kmslint: {unknown_rule_message(rule_id, rules)}; see `kmslint rules`\n")
        return EXIT_ERROR
    from .docs import render_rule_text

    stdout.write(render_rule_text(rule))
    return EXIT_OK


def _scan(args: argparse.Namespace, rules: Sequence[Rule], stdout: TextIO, stderr: TextIO) -> int:
    from .config import load_config, with_rule_ids
    from .scan import ScanOptions, scan_result

    paths = tuple(Path(p) for p in args.paths)
    root = scan_root(paths)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        stderr.write(f"kmslint: no such file or directory: {', '.join(missing)}\n")
        return EXIT_ERROR
    config = with_rule_ids(load_config(paths[0] if paths else root, Path(args.config) if args.config else None), rules)
    _validate_config(config, rules)
    _check_file_arguments(args, paths, root, config.limits.max_file_bytes)
    opts = ScanOptions(
        paths, root, config, tuple(Path(v) for v in args.var_file), _rule_ids("--select", args.select, rules),
        _rule_ids("--ignore", args.ignore, rules), max(1, args.jobs), not args.no_prefilter, tuple(args.exclude),
        args.report_unused_suppressions,
    )
    result = scan_result(opts, rules)
    _warn(result, stderr)
    if args.write_baseline:
        from .baseline import write_baseline

        count = write_baseline(result.findings, root, Path(args.write_baseline))
        stderr.write(f"kmslint: wrote {count} findings to {args.write_baseline}\n")
        return EXIT_ERROR if result.errors else EXIT_OK
    if args.baseline:
        result = _apply_baseline(result, Path(args.baseline), root)
    rc = _exit_code(result, args.fail_on or config.fail_on or "warning")
    return _write_reports(args, result, rules, root, stdout, stderr) or rc


def _rule_ids(option: str, refs: Sequence[str], rules: Sequence[Rule]) -> tuple[str, ...]:
    """Rule ids for ``--select``/``--ignore`` values (ids in any case, or names); an unknown one is a
    usage error with a suggestion, never a silently empty selection."""
    from .config import resolve_rule, unknown_rule_message

    ids = []
    for ref in refs:
        rid = resolve_rule(ref, rules)
        if rid is None:
            raise _UsageError(f"kmslint: {option}: {unknown_rule_message(ref, rules)}")
        ids.append(rid)
    return tuple(ids)


def _check_file_arguments(args: argparse.Namespace, paths: Sequence[Path], root: Path, max_bytes: int) -> None:
    from .repository import repository_root
    from .usage import check_output, check_var_file

    repo = repository_root(root)
    for var_file in args.var_file:
        check_var_file(Path(var_file), repo, max_bytes)
    for option, target in (("--output", args.output), ("--output-sarif", args.output_sarif), ("--output-json", args.output_json),
                           ("--write-baseline", args.write_baseline)):
        if target:
            check_output(option, Path(target), paths)


def _warn(result: ScanResult, stderr: TextIO) -> None:
    if not result.warnings:
        return
    from .report.text import escape

    for w in result.warnings:
        stderr.write(f"kmslint: warning: {escape(w.path)}:{w.line}: {escape(w.message)}\n")


def _write_reports(args: argparse.Namespace, result: ScanResult, rules: Sequence[Rule], root: Path, stdout: TextIO, stderr: TextIO) -> int:
    """The --format report on standard output (or --output), and the --output-sarif/--output-json
    files beside it. Returns EXIT_ERROR if a file could not be written, else 0."""
    from .usage import write_report

    extra = [("--output-sarif", args.output_sarif, "sarif"), ("--output-json", args.output_json, "json")]
    problems = [write_report(option, Path(target), _render(args, fmt, result, rules, root, False)) for option, target, fmt in extra if target]
    if args.output:
        problems.append(write_report("--output", Path(args.output), _render(args, args.format, result, rules, root, False)))
    else:
        try:
            _write_encodable(stdout, _render(args, args.format, result, rules, root, use_color(args.color, stdout)))
            stdout.flush()
        except BrokenPipeError:  # `kmslint scan | head`: the reader left; the verdict still stands
            _silence(stdout)
    for problem in filter(None, problems):
        stderr.write(f"kmslint: {problem}\n")
    return EXIT_ERROR if any(problems) else 0


def _write_encodable(stream: TextIO, text: str) -> None:
    """Write ``text``; characters the stream's encoding cannot hold (an ASCII-only terminal) become
    backslash escapes instead of an error that would lose the report."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


def use_color(choice: str, stream: TextIO, environ: Optional[dict[str, str]] = None) -> bool:
    """``--color``: ``always``/``never`` decide; ``auto`` follows NO_COLOR (set and not empty: off, see
    no-color.org), then FORCE_COLOR (set and not empty: on, see force-color.org), then whether
    ``stream`` is a terminal."""
    if choice != "auto":
        return choice == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


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
    # Absolute, not resolved: a named file that is a symlink out of the tree must not move the root
    # to where it points (``evil.tf -> /proc/self/environ`` would make /proc/self the root).
    resolved = [Path(os.path.abspath(p)) for p in paths]
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


def _render(args: argparse.Namespace, fmt: str, result: ScanResult, rules: Sequence[Rule], root: Path, color: bool) -> str:
    if fmt == "json":
        from .report import json_report

        return json_report.render(result, rules, args.show_unknown)
    if fmt == "sarif":
        from .report import sarif

        report = sarif.render(result, rules, category=args.sarif_category, root=root, include_suppressed=not args.sarif_omit_suppressed)
        _warn_github_limits(report)
        return report
    if fmt == "github":
        from .report import github

        return github.render(result, rules, _summary_notes(result))
    from .report import text

    return text.render(result, rules, args.show_unknown, args.verbose, color, _summary_notes(result))


def _summary_notes(result: ScanResult) -> list[str]:
    from .terragrunt import REASON

    terragrunt = sum(1 for u in result.unchecked if u.reason == REASON)
    return [f"Terragrunt files are not read ({terragrunt} terragrunt.hcl)"] if terragrunt else []


def _warn_github_limits(report: str) -> None:
    from .report import github_limits

    for problem in github_limits.check_text(report):
        sys.stderr.write(f"kmslint: warning: GitHub code scanning: {problem.message}\n")


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
