"""One scan: discover -> load -> evaluate rules -> filter. No printing, no exit codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from .config import Config
from .discover import Skipped, SourceFile, discover_all, link_rel, rel_path
from .exclude import excluded
from .engine.rules import ITEM_TARGETS, Rule
from .findings import Finding, ScanError, ScanResult, UnknownNote
from .focus import focus_for
from .limits import MAX_PLAN_BYTES, Limits, nesting_violation, too_deep, too_large
from .repository import repository_root
from .suppress import apply_suppressions, metadata_warnings, suppression_warnings
from .terragrunt import terragrunt_unchecked
from .undecided import explain_unknowns

if TYPE_CHECKING:
    # The model, the engine and the loaders are imported where a scan first needs them: a pre-commit
    # run on a file that cannot matter (most commits) needs none of them, and they were most of its time.
    from .model.resources import Inventory, ParseError, Unchecked

COMMENT_KINDS = frozenset({"terraform", "tfvars", "cloudformation"})  # formats with comments (suppressions)


@dataclass(frozen=True)
class ScanOptions:
    """What to scan, and how (the command line's ``scan`` options)."""

    paths: tuple[Path, ...]
    root: Path
    config: Config = field(default_factory=Config)
    var_files: tuple[Path, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    jobs: int = 1
    prefilter: bool = True
    exclude: tuple[str, ...] = ()  # --exclude: relative to the current folder
    report_unused_suppressions: bool = False


def load_inventory(
    files: Sequence[SourceFile],
    root: Path,
    var_files: Sequence[Path],
    jobs: int = 1,
    prefilter: bool = True,
    limits: Limits = Limits(),
    boundary: Optional[Path] = None,
) -> Optional[Inventory]:
    """What ``files`` declare, or None when none of them can matter (no data file, no file over a
    limit, and no Terraform directory the prefilter keeps): the inventory would be empty, and the
    model, the loaders and the parse cache are not loaded."""
    from .loaders.terraform.prefilter import relevant_directories

    # Local modules are followed anywhere in the repository (git work tree) holding the scan.
    boundary = boundary or repository_root(files[0].path if files else root, root)
    others: list[tuple[SourceFile, Optional[ParseError]]] = []  # files over a limit (with their KMS000) and data files
    tf_by_dir: dict[Path, list[Path]] = {}
    tfvars_by_dir: dict[Path, list[Path]] = {}
    for f in files:
        if (oversized := too_large(f.rel, f.path, MAX_PLAN_BYTES if f.kind == "plan" else limits.max_file_bytes)) is not None:
            others.append((f, oversized))
        elif f.kind == "terraform":
            tf_by_dir.setdefault(f.path.parent, []).append(f.path)
        elif f.kind == "tfvars":
            tfvars_by_dir.setdefault(f.path.parent, []).append(f.path)
        elif not (prefilter and f.kind == "cloudformation" and _template_cannot_matter(f, limits)):
            others.append((f, None))
    if tf_by_dir and prefilter:  # a plan's directory stays: its keys pair with that HCL
        tf_by_dir = relevant_directories(tf_by_dir, boundary, frozenset(f.path.parent for f in files if f.kind == "plan"))
    if not (others or tf_by_dir):
        return None
    inv = _loaded(files, root, var_files, jobs, prefilter, limits, boundary, others, tf_by_dir, tfvars_by_dir)
    from .parsecache import parse_cache

    parse_cache().flush()  # what this scan parsed, for the next one (parsecache.py)
    return inv


def _loaded(
    files: Sequence[SourceFile],
    root: Path,
    var_files: Sequence[Path],
    jobs: int,
    prefilter: bool,
    limits: Limits,
    boundary: Path,
    others: Sequence[tuple[SourceFile, Optional[ParseError]]],
    tf_by_dir: dict[Path, list[Path]],
    tfvars_by_dir: dict[Path, list[Path]],
) -> Inventory:
    """The inventory of what ``load_inventory`` found can matter: files over a limit and data files
    in discovery order, then the Terraform directories."""
    from .loaders.plan.pair import pair_plans
    from .model.resources import Inventory, ParseError
    from .model.values import Location

    inv = Inventory()
    for f, oversized in others:
        inv = inv.merge(Inventory(parse_errors=(oversized,)) if oversized is not None else _guarded_data_file(f, limits))
    if tf_by_dir:
        from .loaders.terraform.loader import TerraformLoader  # lark and python-hcl2 load only when a directory can matter

        known = {f.path: f.rel for f in files}  # discovery already resolved each file (a path is resolved in ~0.1 ms)
        loader = TerraformLoader(root, lambda p: known.get(p) or rel_path(p, root), list(var_files), jobs, limits.max_file_bytes, limits, boundary, lazy=prefilter)
        try:
            inv = inv.merge(loader.load(tf_by_dir, tfvars_by_dir))
        except Exception as exc:  # noqa: BLE001 - each configuration is guarded in the loader; this is the last net
            first = [sorted(fs)[0] for fs in tf_by_dir.values()]
            inv = inv.merge(Inventory(parse_errors=tuple(ParseError(Location(rel_path(p, root), 1, 1), _stopped("loading", exc)) for p in first)))
    try:
        paired = pair_plans(inv)
    except Exception as exc:  # noqa: BLE001 - a plan that cannot be paired with its HCL loses only the pairing
        plans = [f for f in files if f.kind == "plan"]
        paired = inv.merge(Inventory(parse_errors=tuple(ParseError(Location(f.rel, 1, 1), _stopped("pairing", exc)) for f in plans)))
    return _with_policy_errors(paired)


def _template_cannot_matter(f: SourceFile, limits: Limits) -> bool:
    """A CloudFormation template that reads, decodes and nests within the limit, and that the text
    check shows declares no key, alias or monitoring: it is set aside, unloaded (cfn-lint is the cost
    of a template). Known before loading, a scan whose other files cannot matter either loads no
    model (a pre-commit run on a template without KMS). Anything else, a problem included, is loaded
    and reports it. This is the only place the CloudFormation text check is applied."""
    from .loaders.sniff import template_matters

    try:
        text = f.path.read_bytes().decode("utf-8-sig")
        return nesting_violation(text, limits.max_nesting_depth) is None and not template_matters(text)
    except Exception:  # noqa: BLE001 - unreadable, not UTF-8, or a Python limit: loading it reports it
        return False


def _stopped(doing: str, exc: BaseException) -> str:
    return f"analysis stopped: {doing} this file failed ({type(exc).__name__}); it was not checked"


def _guarded_data_file(f: SourceFile, limits: Limits) -> Inventory:
    """One YAML/JSON file's inventory; any failure while loading it is its own KMS000 (issue 17: one
    file must never lose the other files' findings)."""
    from .model.resources import Inventory, ParseError
    from .model.values import Location

    try:
        return _load_data_file(f, limits)
    except Exception as exc:  # noqa: BLE001 - a loader bug or a Python limit (MemoryError, RecursionError) in one file
        return Inventory(parse_errors=(ParseError(Location(f.rel, 1, 1), _stopped("loading", exc)),))


def _with_policy_errors(inv: Inventory) -> Inventory:
    """A key policy that is present but invalid (bad heredoc JSON, a string Statement, a statement
    without a principal) turns off the policy rules for its key, and AWS would refuse it: say so
    under KMS000 at the policy ("AWS will reject this key policy"), distinct from a file that cannot
    be parsed (rules/KMS000-parse-error.yaml records why it stays KMS000)."""
    from .model.resources import Inventory, ParseError

    errors = {
        k.policy.location: ParseError(k.policy.location, k.policy.parse_error, k.address)
        for k in inv.keys
        if k.policy is not None and k.policy.parse_error
    }
    fresh = tuple(e for loc, e in errors.items() if all(p.location != loc for p in inv.parse_errors))
    return inv.merge(Inventory(parse_errors=fresh)) if fresh else inv


def _skipped_inventory(skipped: Sequence[Skipped], root: Path) -> Inventory:
    """Files that may not be read still appear in the results, as KMS000 with the reason."""
    from .model.resources import Inventory, ParseError
    from .model.values import Location

    return Inventory(parse_errors=tuple(ParseError(Location(link_rel(s.path, root), 1, 1), s.reason) for s in skipped))


def _load_data_file(f: SourceFile, limits: Limits = Limits()) -> Inventory:
    from .model.resources import Inventory, ParseError
    from .model.values import Location

    try:
        text = f.path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        return Inventory(parse_errors=(ParseError(Location(f.rel, line, 1), f"not UTF-8 text: {exc.reason} at byte {exc.start}"),))
    except OSError as exc:
        return Inventory(parse_errors=(ParseError(Location(f.rel, 1, 1), f"cannot read file: {exc.strerror or exc}"),))
    if f.kind != "plan" and (nested := too_deep(f.rel, text, limits.max_nesting_depth)) is not None:  # the plan decoder guards its own depth
        return Inventory(parse_errors=(nested,))
    if f.kind == "cloudformation":  # with the prefilter, load_inventory has set aside templates that cannot matter
        from .loaders.cloudformation import load_template

        return load_template(f.rel, text)
    if f.kind == "policy":
        from .loaders.policy_json import load_policy_file

        return load_policy_file(f.rel, text)
    if f.kind == "plan":
        from .loaders.plan import load_plan

        return load_plan(f.rel, text)
    return Inventory()


def selected_rules(rules: Sequence[Rule], config: Config, select: Sequence[str], ignore: Sequence[str]) -> list[Rule]:
    chosen = set(select or config.select)
    dropped = set(ignore) | set(config.ignore)
    return [r for r in rules if (not chosen or r.id in chosen or r.id == "KMS000") and r.id not in dropped]


def rule_params(rule: Rule, config: Config, rules: Mapping[str, Rule]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, p in rule.parameters.items():
        if p.inherit:
            other_id, other_name = p.inherit.split(".", 1)
            other = rules[other_id]
            params[name] = config.params.get(other_id, {}).get(other_name, other.parameters[other_name].default)
        else:
            params[name] = p.default
        params[name] = config.params.get(rule.id, {}).get(name, params[name])
    return params


def _config_path(source: str, root: Path) -> str:
    """The configuration file as the report names it: relative to the root when inside it."""
    return rel_path(Path(source), root) if source else ""


def exclusions(opts: ScanOptions) -> tuple[str, ...]:
    """Every exclude pattern, anchored: the configuration's at its file's folder, ``--exclude`` at the current one."""
    from .exclude import anchored

    base = Path(opts.config.exclude_base) if opts.config.exclude_base else Path.cwd()
    return anchored(opts.config.exclude, base) + anchored(opts.exclude, Path.cwd())


def _without_excluded(
    files: list[SourceFile], skipped: list[Skipped], root: Path, patterns: tuple[str, ...]
) -> tuple[list[SourceFile], list[Skipped]]:
    if not patterns:
        return files, skipped
    return (
        [f for f in files if not excluded(root / f.rel, patterns)],
        [s for s in skipped if not excluded(root / link_rel(s.path, root), patterns)],
    )


def run_scan(opts: ScanOptions, rules: Sequence[Rule]) -> tuple[ScanResult, Inventory]:
    """The result, and the inventory it was drawn from (empty when no file could matter)."""
    result, inv = _run(opts, rules)
    if inv is None:
        from .model.resources import Inventory

        inv = Inventory()
    return result, inv


def scan_result(opts: ScanOptions, rules: Sequence[Rule]) -> ScanResult:
    """The result alone (the command line): a scan in which no file can matter loads no model,
    engine or loader."""
    return _run(opts, rules)[0]


def _run(opts: ScanOptions, rules: Sequence[Rule]) -> tuple[ScanResult, Optional[Inventory]]:
    root = opts.root.resolve()
    # Explicit files (a pre-commit hook): also load the rest of their Terraform directories for context,
    # and report only findings located in the given files. Directories are scanned as given.
    focus = focus_for(opts.paths, root, opts.config.limits.max_file_bytes)
    excludes = exclusions(opts)
    files, skipped = _without_excluded(*discover_all(focus.load_paths, root, (), opts.config.limits.max_file_bytes), root, excludes)
    boundary = repository_root(opts.paths[0] if opts.paths else root, root)  # the repository holding the scan
    inv = load_inventory(files, root, opts.var_files, opts.jobs, opts.prefilter, opts.config.limits, boundary)
    if skipped:
        unread = _skipped_inventory(skipped, root)
        inv = unread if inv is None else inv.merge(unread)
    by_id = {r.id: r for r in rules}
    active = [
        (r, opts.config.levels.get(r.id, r.level), rule_params(r, opts.config, by_id))
        for r in selected_rules(rules, opts.config, opts.select, opts.ignore)
    ]
    findings, errors, unknowns = _evaluate(active, inv)
    ignores, unchecked = (inv.ignores, inv.unchecked) if inv is not None else ((), ())
    used: set[tuple[str, int, str]] = set()
    kept, suppressed, problems = apply_suppressions(findings, root, ignores, used, boundary)
    commented = [(f.rel, f.path) for f in files if f.kind in COMMENT_KINDS and focus.keeps(f.rel)]
    warnings = suppression_warnings(
        commented, root, rules, used if opts.report_unused_suppressions else None, [r.id for r, _, _ in active], opts.config.limits.max_file_bytes
    ) + [w for w in metadata_warnings(ignores, rules) if focus.keeps(w.path)]
    terragrunt = tuple(u for u in terragrunt_unchecked(focus.load_paths, root) if not excluded(root / u.location.path, excludes))
    explained = explain_unknowns(unknowns, root)
    result = ScanResult(
        findings=tuple(sorted(kept + problems)),
        suppressed=tuple(sorted(suppressed)),
        errors=tuple(errors),
        unknowns=explained,
        files_scanned=len(files),
        unchecked=tuple(sorted(set(unchecked + terragrunt) | _undecided(explained))),
        warnings=tuple(warnings),
        config=_config_path(opts.config.source, root),
    )
    return focus.narrow(result), inv


def _evaluate(
    active: Sequence[tuple[Rule, str, Mapping[str, Any]]], inv: Optional[Inventory]
) -> tuple[list[Finding], list[ScanError], list[UnknownNote]]:
    """Run the rules. Without an inventory (no file could matter) a rule over keys, policies, units
    or parse errors has nothing to look at (engine.api.targets draws them from the inventory), so
    the engine is not loaded; a rule over the whole inventory still runs, on an empty one."""
    if inv is None:
        if all(rule.target in ITEM_TARGETS for rule, _, _ in active):
            return [], [], []
        from .model.resources import Inventory

        inv = Inventory()
    from .engine.engine import run_rules

    return run_rules(active, inv)


def _undecided(explained: Sequence[UnknownNote]) -> set[Unchecked]:
    """A rule whose verdict an unknown value decides has not been checked: it is listed with the rest."""
    if not explained:
        return set()
    from .model.resources import Unchecked

    return {Unchecked(u.location, f"{u.rule_id} could not be decided: {u.detail}", u.rule_id) for u in explained}
