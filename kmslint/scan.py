"""One scan: discover -> load -> evaluate rules -> filter. No printing, no exit codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .config import Config
from .discover import Skipped, SourceFile, discover_all, link_rel, rel_path
from .engine.engine import run_rules
from .engine.rules import Rule
from .findings import ScanResult
from .focus import focus_for
from .limits import Limits, too_deep, too_large
from .model.resources import Inventory, ParseError, Unchecked
from .model.values import Location
from .suppress import apply_suppressions

MAX_PLAN_BYTES = 256 * 1024 * 1024  # `terraform show -json` of a large estate is often well over 10 MB


@dataclass(frozen=True)
class ScanOptions:
    paths: tuple[Path, ...]
    root: Path
    config: Config = field(default_factory=Config)
    var_files: tuple[Path, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    jobs: int = 1
    prefilter: bool = True


def load_inventory(
    files: Sequence[SourceFile],
    root: Path,
    var_files: Sequence[Path],
    jobs: int = 1,
    prefilter: bool = True,
    limits: Limits = Limits(),
) -> Inventory:
    from .loaders.plan.pair import pair_plans
    from .loaders.terraform.prefilter import relevant_directories

    inv = Inventory()
    tf_by_dir: dict[Path, list[Path]] = {}
    tfvars_by_dir: dict[Path, list[Path]] = {}
    for f in files:
        if (oversized := too_large(f.rel, f.path, MAX_PLAN_BYTES if f.kind == "plan" else limits.max_file_bytes)) is not None:
            inv = inv.merge(Inventory(parse_errors=(oversized,)))
        elif f.kind == "terraform":
            tf_by_dir.setdefault(f.path.parent, []).append(f.path)
        elif f.kind == "tfvars":
            tfvars_by_dir.setdefault(f.path.parent, []).append(f.path)
        else:
            inv = inv.merge(_load_data_file(f, prefilter, limits))
    if tf_by_dir and prefilter:  # a plan's directory stays: its keys pair with that HCL
        tf_by_dir = relevant_directories(tf_by_dir, root, frozenset(f.path.parent for f in files if f.kind == "plan"))
    if tf_by_dir:
        from .loaders.terraform.loader import TerraformLoader  # lark and python-hcl2 load only when a directory can matter

        loader = TerraformLoader(root, lambda p: rel_path(p, root), list(var_files), jobs, limits.max_file_bytes)
        inv = inv.merge(loader.load(tf_by_dir, tfvars_by_dir))
    return _with_policy_errors(pair_plans(inv))


def _with_policy_errors(inv: Inventory) -> Inventory:
    """A key policy that cannot be parsed (bad heredoc JSON, a string Statement) turns off the
    policy rules for its key; say so as KMS000 at the policy rather than stay silent."""
    errors = {
        k.policy.location: ParseError(k.policy.location, f"the key policy of {k.address} cannot be read: {k.policy.parse_error}", k.address)
        for k in inv.keys
        if k.policy is not None and k.policy.parse_error
    }
    fresh = tuple(e for loc, e in errors.items() if all(p.location != loc for p in inv.parse_errors))
    return inv.merge(Inventory(parse_errors=fresh)) if fresh else inv


def _skipped_inventory(skipped: Sequence[Skipped], root: Path) -> Inventory:
    """Files that may not be read still appear in the results, as KMS000 with the reason."""
    return Inventory(parse_errors=tuple(ParseError(Location(link_rel(s.path, root), 1, 1), s.reason) for s in skipped))


def _load_data_file(f: SourceFile, prefilter: bool = True, limits: Limits = Limits()) -> Inventory:
    try:
        text = f.path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        return Inventory(parse_errors=(ParseError(Location(f.rel, line, 1), f"not UTF-8 text: {exc.reason} at byte {exc.start}"),))
    except OSError as exc:
        return Inventory(parse_errors=(ParseError(Location(f.rel, 1, 1), f"cannot read file: {exc.strerror or exc}"),))
    if f.kind != "plan" and (nested := too_deep(f.rel, text, limits.max_nesting_depth)) is not None:  # the plan decoder guards its own depth
        return Inventory(parse_errors=(nested,))
    if f.kind == "cloudformation":
        from .loaders.sniff import template_matters

        if prefilter and not template_matters(text):
            return Inventory()  # no key, alias or monitoring: skip the cost of cfn-lint
        from .loaders.cloudformation import load_template

        return load_template(f.rel, text)
    if f.kind == "policy":
        from .loaders.policy_json import load_policy_file

        return load_policy_file(f.rel, text)
    if f.kind == "plan":
        from .loaders.plan import load_plan

        return load_plan(f.rel, text)
    if f.kind == "terraform-json":
        return unsupported_terraform_json(f.rel, text)
    return Inventory()


def unsupported_terraform_json(rel: str, text: str) -> Inventory:
    """kmslint does not read Terraform's JSON syntax (``*.tf.json``, e.g. CDK for Terraform output).
    Keys declared there would go unchecked without a word, so a file that names a KMS or monitoring
    resource type is reported (KMS000) at the first one; a file that names none cannot matter."""
    from .loaders.terraform.prefilter import first_declaration

    where = first_declaration(text)
    if where is None:
        return Inventory()
    reason = (
        "Terraform JSON syntax (.tf.json) is not supported yet, so the KMS and monitoring resources in this file "
        "are not checked. Write them in HCL (.tf), or exclude this file and check them another way"
    )
    return Inventory(parse_errors=(ParseError(Location(rel, *where), reason),))


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


def run_scan(opts: ScanOptions, rules: Sequence[Rule]) -> tuple[ScanResult, Inventory]:
    root = opts.root.resolve()
    # Explicit files (a pre-commit hook): also load the rest of their Terraform directories for context,
    # and report only findings located in the given files. Directories are scanned as given.
    focus = focus_for(opts.paths, root)
    files, skipped = discover_all(focus.load_paths, root, opts.config.exclude)
    inv = load_inventory(files, root, opts.var_files, opts.jobs, opts.prefilter, opts.config.limits)
    inv = inv.merge(_skipped_inventory(skipped, root))
    by_id = {r.id: r for r in rules}
    active = [
        (r, opts.config.levels.get(r.id, r.level), rule_params(r, opts.config, by_id))
        for r in selected_rules(rules, opts.config, opts.select, opts.ignore)
    ]
    findings, errors, unknowns = run_rules(active, inv)
    kept, suppressed, problems = apply_suppressions(findings, root, inv.ignores)
    result = ScanResult(
        findings=tuple(sorted(kept + problems)),
        suppressed=tuple(sorted(suppressed)),
        errors=tuple(errors),
        unknowns=tuple(unknowns),
        files_scanned=len(files),
        unchecked=tuple(sorted(set(inv.unchecked) | {Unchecked(u.location, f"{u.rule_id}: {u.detail}") for u in unknowns if u.unchecked})),
    )
    return focus.narrow(result), inv

