"""Terraform directories -> the common model.

Each directory is a module. A directory that no other scanned directory calls as a local module
is a root module: a configuration unit. Local module calls (``source = "../x"``) are instantiated
with the caller's arguments, so a value passed by the caller flows into the module's resources
and a finding caused by it points at the caller's argument.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar, Union, cast

from ...limits import MAX_FILE_BYTES, Limits
from ...model.policy import Policy
from ...model.resources import TERRAFORM_KEY_KINDS, Alarm, Alias, EventRule, EventTarget, Inventory, Key, MetricFilter, ParseError, PrimaryRef, Unchecked
from ...model.values import UNKNOWN, Location, Presence, Value
from ...repository import repository_root
from ..coerce import as_bool
from .blocks import rule_reads
from .convert import as_str, model_value, policy_from_value
from .evaluate import BudgetExceeded, Evaluator, ResourceRef
from .hcl import Attribute, Block, HclSyntaxError, Lit, Traversal, parse
from .module import MAX_MODULE_DEPTH, Instance, ModuleDef, call_arguments, load_module_dir
from .monitoring import monitoring_resource
from .parallel import parse_files
from .policydoc import policy_document
from .prefilter import read_text
from .relocate import relocate
from .sources import Followed, follow, is_downloaded_path, is_local, read_modules_json
from .tfvalues import Encoded, Text, clear_facts, contains_unknown, is_partial, plainify

KEY_TYPES = TERRAFORM_KEY_KINDS  # resource type -> key kind (the model owns the mapping)

# Terraform argument -> (model attribute, conversion)
KEY_ARGS: dict[str, tuple[str, str]] = {
    "key_spec": ("spec", "str"),
    "customer_master_key_spec": ("spec", "str"),
    "key_usage": ("usage", "str"),
    "custom_key_store_id": ("custom_key_store", "presence"),
    "xks_key_id": ("custom_key_store", "presence"),
    "multi_region": ("multi_region", "bool"),
    "is_enabled": ("enabled", "bool"),
    "enabled": ("enabled", "bool"),
    "enable_key_rotation": ("rotation", "bool"),
    "rotation_period_in_days": ("rotation_period", "int"),
    "deletion_window_in_days": ("deletion_window", "int"),
    "bypass_policy_lockout_safety_check": ("bypass_lockout", "bool"),
    "valid_to": ("material_expires", "presence"),
}

RelOf = Callable[[Path], str]
_R = TypeVar("_R")
# What building one resource instance or one module instance costs, in evaluation steps (a key is
# about 50 expression nodes' worth of work), so 24 million instances from count = 30 at five levels
# meet the budget long before they meet the memory limit.
RESOURCE_STEPS = 50
INSTANCE_STEPS = 20
_T = TypeVar("_T")


@dataclass
class _Unit:
    name: str
    keys: list[Key] = field(default_factory=list)
    key_policies: list[tuple[Any, Policy, Optional[Value[Any]]]] = field(default_factory=list)
    aliases: list[tuple[Alias, bool]] = field(default_factory=list)  # (alias, count unknown)
    inv: Inventory = field(default_factory=Inventory)


class TerraformLoader:
    def __init__(
        self,
        scan_root: Path,
        rel_of: RelOf,
        var_files: list[Path],
        jobs: int = 1,
        max_file_bytes: int = MAX_FILE_BYTES,
        limits: Optional[Limits] = None,
        boundary: Optional[Path] = None,
        lazy: bool = True,
    ) -> None:
        self.jobs, self.max_file_bytes = jobs, max_file_bytes
        self.lazy = lazy  # parse only the blocks a rule can need (blocks.py); --no-prefilter parses all
        self.scan_root = scan_root.resolve()
        # Module sources and file() are followed anywhere inside the repository, never outside it.
        self.boundary = (boundary or repository_root(self.scan_root)).resolve()
        self.rel_of = _memoized(rel_of)  # each file's and directory's path is resolved once per scan
        self.real = _memoized(Path.resolve)  # directories, likewise
        self.var_files = var_files
        self.modules: dict[Path, ModuleDef] = {}
        self.errors: list[ParseError] = []
        self.unchecked: list[Unchecked] = []
        self.installed: dict[Path, Optional[dict[str, Path]]] = {}  # root module dir -> modules.json
        self.followed: dict[tuple[Any, ...], Union[Followed, str]] = {}  # (call, source, caller, path, root) -> follow()
        self.ev = Evaluator(self.boundary, self._module_output, self._data_source, rel_of)
        if limits is not None:
            self.ev.max_analysis_steps, self.ev.max_value_size = limits.max_analysis_steps, limits.max_value_size
        self.children: dict[tuple[int, str, str], list[Instance]] = {}
        # Caches here and in the evaluator are keyed by id(instance): every instance stays alive until
        # its configuration is done (then the caches are cleared with it), so a later instance can never
        # reuse an earlier id and inherit its module children or instance keys.
        self.instances_seen: list[Instance] = []

    # --- modules ----------------------------------------------------------------------

    def module(self, directory: Path, files: Optional[list[Path]] = None, parsed: Optional[dict[Path, Any]] = None) -> Optional[ModuleDef]:
        directory = self.real(directory)
        if directory in self.modules:
            return self.modules[directory]
        if not directory.is_relative_to(self.boundary) or not directory.is_dir():
            return None
        # A module reached only through a call was not discovered: keep its symlinks inside the repository too.
        found = [*directory.glob("*.tf"), *directory.glob("*.tf.json")]
        inside = (p for p in found if p.is_file() and p.resolve().is_relative_to(self.boundary))
        tf_files = files if files is not None else sorted(inside)
        mdef = load_module_dir(directory, self.rel_of, tf_files, parsed, self.max_file_bytes, self.lazy)
        self.modules[directory] = mdef
        if not any(is_downloaded_path(e.location.path) for e in mdef.parse_errors):
            self.errors.extend(mdef.parse_errors)
        return mdef

    def child_instances(self, inst: Instance, name: str) -> list[Instance]:
        key = (id(inst), name, "")
        if key in self.children:
            return self.children[key]
        self.instances_seen.append(inst)
        self.children[key] = []
        block = inst.mdef.modules.get(name)
        where = self.follow(inst, name, block) if block is not None else None
        if block is None or where is None or _in_call_chain(inst, where.directory):
            return []  # a module that (indirectly) calls itself is evaluated once, not recursively
        mdef = self.module(where.directory)
        if mdef is None:
            return []
        call_loc = self.located(inst, block.loc)
        for error in mdef.parse_errors if where.downloaded else ():
            # Code under .terraform is not the user's to fix (terraform init rewrites it): not checked, no KMS000.
            at = f"{error.location.path}:{error.location.line}"
            self.unchecked.append(Unchecked(call_loc, f'module "{name}": {at} cannot be read ({error.reason}), so its resources there are not checked'))
        args = {n: (a, inst) for n, a in call_arguments(block).items()}
        keys = self.ev.instance_keys(block, inst)
        self.ev.spend(INSTANCE_STEPS * (len(keys) if isinstance(keys, list) else 1))
        bindings_list = [{}] if keys is UNKNOWN or keys == [None] else [self.ev.instance_bindings(block, inst, k) for k in keys]
        result = []
        for i, bindings in enumerate(bindings_list):
            suffix = "" if len(bindings_list) == 1 and keys in ([None], UNKNOWN) else f"[{keys[i]!r}]".replace("'", '"')
            child = Instance(
                mdef,
                prefix=f"{inst.prefix}module.{name}{suffix}.",
                parent=inst,
                args=args,
                depth=inst.depth + 1,
                anchor=inst.anchor or call_loc,
                call_bindings=bindings,
                path=inst.path + (name,),
                downloaded_call=inst.downloaded_call or (call_loc if where.downloaded else None),
            )
            result.append(child)
        self.children[key] = result
        return result

    def follow(self, inst: Instance, name: str, block: Block) -> Optional[Followed]:
        """The directory a call leads to; a call that cannot be followed is listed as not checked."""
        src = block.body.attributes.get("source")
        if src is None or not isinstance(src.expr, Lit) or not isinstance(src.expr.value, str):
            return None  # Terraform requires a literal source and rejects the configuration
        source = src.expr.value
        if inst.depth >= MAX_MODULE_DEPTH:
            reason: Union[Followed, str] = f'module "{name}": nested more than {MAX_MODULE_DEPTH} modules deep, so it is not checked'
        else:
            root = _root_of(inst)
            local = is_local(source)
            installed = None if local else self.modules_json(root.mdef.dir)
            # The same call is followed once per instance of its module: resolve it once (issue 19).
            key = (name, source, inst.mdef.dir, () if local else inst.path, None if local else root.mdef.dir)
            if key not in self.followed:
                self.followed[key] = follow(name, source, inst.mdef.dir, inst.path + (name,), root.mdef.dir, self.boundary, installed)
            reason = self.followed[key]
        if isinstance(reason, Followed):
            return reason
        self.unchecked.append(Unchecked(self.located(inst, block.loc), reason))
        return None

    def modules_json(self, root_dir: Path) -> Optional[dict[str, Path]]:
        if root_dir not in self.installed:
            self.installed[root_dir] = read_modules_json(root_dir)
        return self.installed[root_dir]

    def located(self, inst: Instance, obj: _T) -> _T:
        """``obj`` with locations in a downloaded module moved to the user's call of it."""
        if inst.downloaded_call is None:
            return obj
        return cast(_T, relocate(obj, is_downloaded_path, inst.downloaded_call))

    def _module_output(self, inst: Instance, name: str, output: str, index: Any) -> Any:
        children = self.child_instances(inst, name)
        if not children:
            return UNKNOWN
        child = children[int(index)] if isinstance(index, int) and 0 <= index < len(children) else children[0]
        attr = child.mdef.outputs.get(output)
        return UNKNOWN if attr is None else self.ev.value(attr.expr, child)

    def _data_source(self, ref: ResourceRef, attr: str) -> Any:
        if ref.block.labels[0] == "aws_iam_policy_document" and attr in ("json", "minified_json"):
            inst = ref.inst
            saved = inst.bindings
            inst.bindings = {**saved, **ref.bindings}
            try:
                return Encoded(policy_document(self.ev, ref.block, inst), ref.block.loc)
            finally:
                inst.bindings = saved
        from .tfvalues import placeholder

        return placeholder(ref.inst.address(ref.address), attr, ref.block.loc)

    # --- entry -------------------------------------------------------------------------------

    def load(self, tf_by_dir: dict[Path, list[Path]], tfvars_by_dir: dict[Path, list[Path]]) -> Inventory:
        """Every directory of ``tf_by_dir`` (the caller drops those that cannot matter: ``prefilter``)."""
        with _parsing_without_gc():
            parsed = parse_files([(p, self.rel_of(p)) for fs in tf_by_dir.values() for p in fs], self.jobs, self.max_file_bytes, self.lazy)
            for directory, files in sorted(tf_by_dir.items()):
                self.module(directory, files, parsed)
        try:
            return self._evaluate(tf_by_dir, tfvars_by_dir)
        finally:
            gc.unfreeze()  # a long-lived process (the tests, an editor) collects these again once they are garbage

    def _evaluate(self, tf_by_dir: dict[Path, list[Path]], tfvars_by_dir: dict[Path, list[Path]]) -> Inventory:
        roots = root_modules({self.real(d): set(self.modules[self.real(d)].local_sources().values()) for d in tf_by_dir})
        inv = Inventory()
        for directory in sorted(tf_by_dir):
            d = self.real(directory)
            if d not in roots:
                continue
            inv = inv.merge(self.guarded_unit(self.modules[d], tfvars_by_dir.get(directory, [])))
        unchecked = tuple(dict.fromkeys((*self.unchecked, *self.ev.unchecked.values())))
        late = [e for m in self.modules.values() for e in m.late_errors if not is_downloaded_path(e.location.path)]
        return inv.merge(Inventory(parse_errors=(*self.errors, *late), unchecked=unchecked))

    def guarded_unit(self, mdef: ModuleDef, tfvars: list[Path]) -> Inventory:
        """One configuration's inventory. Spending its step budget, or any failure while evaluating it,
        is one KMS000 for this configuration; the others are still checked."""
        self.ev.begin_configuration()
        try:
            root = Instance(mdef, tfvars=self.tfvars(tfvars))
            return self.unit_inventory(mdef.rel, root)
        except BudgetExceeded as exc:
            where = exc.where or Location(mdef.files[0] if mdef.files else mdef.rel, 1, 1)
            spent = "ran out of time" if exc.timed_out else f"spent its budget of {exc.budget:,} evaluation steps (max-analysis-steps)"
            what = f"the configuration in {mdef.rel or '.'} {spent} while evaluating this expression"
            return Inventory(parse_errors=(ParseError(where, _stopped(what)),))
        except Exception as exc:  # noqa: BLE001 - a bug or a Python limit in one configuration is its KMS000, not a lost scan
            where = Location(mdef.files[0] if mdef.files else mdef.rel, 1, 1)
            return Inventory(parse_errors=(ParseError(where, _stopped(f"evaluating the configuration in {mdef.rel or '.'} failed ({type(exc).__name__})")),))
        finally:
            self.children.clear()  # instances, their caches and the facts of their values are per configuration
            self.instances_seen.clear()
            clear_facts()

    def tfvars(self, files: list[Path]) -> dict[str, tuple[Any, Location]]:
        out: dict[str, tuple[Any, Location]] = {}
        # Terraform's order: terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) by name, -var-file.
        named = [f for n in ("terraform.tfvars", "terraform.tfvars.json") for f in files if f.name == n]
        ordered = named + sorted((f for f in files if f.name.endswith((".auto.tfvars", ".auto.tfvars.json"))), key=lambda f: f.name)
        for path in ordered + list(self.var_files):
            rel = self.rel_of(path)
            json_syntax = path.name.endswith(".json")
            try:
                text = read_text(path)
                if json_syntax:
                    from .jsonsyntax import parse_tfvars_json  # imports python-hcl2's parser: only when needed

                    body = parse_tfvars_json(text, rel)
                else:
                    body = parse(text, rel)
            except HclSyntaxError as exc:
                reason = exc.reason if json_syntax else f"HCL syntax error: {exc.reason}"
                self.errors.append(ParseError(Location(rel, max(exc.line, 1), max(exc.column, 1)), reason))
                continue
            except (OSError, UnicodeDecodeError) as exc:
                self.errors.append(ParseError(Location(rel, 1, 1), f"cannot read variables file: {exc}"))
                continue
            dummy = Instance(ModuleDef(path.parent, rel))
            for name, attr in body.attributes.items():
                out[name] = (self.ev.value(attr.expr, dummy), attr.loc)
        return out

    def unit_inventory(self, unit_name: str, root: Instance) -> Inventory:
        self.instances_seen.append(root)
        unit = _Unit(unit_name)
        self.collect(unit, root)
        return _link(unit)

    def instances(self, inst: Instance) -> Iterator[Instance]:
        yield inst
        for name in inst.mdef.modules:
            for child in self.child_instances(inst, name):
                yield from self.instances(child)

    def collect(self, unit: _Unit, root: Instance) -> None:
        for inst in self.instances(root):
            for address, block in inst.mdef.all_resources(rule_reads):  # others are never parsed, nor expanded
                rtype = block.labels[0]
                for bindings, suffix, count_unknown in self.expand(block, inst):
                    addr = inst.address(address) + suffix
                    self.resource(unit, inst, block, rtype, addr, bindings, count_unknown)

    def expand(self, block: Block, inst: Instance) -> list[tuple[dict[str, Any], str, bool]]:
        keys = self.ev.instance_keys(block, inst)
        if keys is UNKNOWN:
            return [({}, "", True)]
        if keys == [None]:
            return [({}, "", False)]
        if "count" in block.body.attributes:
            return [(self.ev.instance_bindings(block, inst, 0), "", False)] if keys else []
        return [(self.ev.instance_bindings(block, inst, k), f'["{k}"]', False) for k in keys]

    def resource(self, unit: _Unit, inst: Instance, block: Block, rtype: str, addr: str, b: dict[str, Any], count_unknown: bool) -> None:
        self.ev.spend(RESOURCE_STEPS)
        saved = inst.bindings
        inst.bindings = {**saved, **b}
        try:
            if rtype in KEY_TYPES:
                unit.keys.append(self.located(inst, self.key(inst, block, rtype, addr, unit.name)))
                unit.inv = unit.inv.merge(_key_region(self, inst, block, addr, unit.name))
            elif rtype == "aws_kms_key_policy":
                self.key_policy(unit, inst, block)
            elif rtype == "aws_kms_alias":
                unit.aliases.append((self.located(inst, self.alias(inst, block, addr, unit.name)), count_unknown))
            else:
                extra = _monitoring(self, inst, block, rtype, addr, unit.name)
                if extra is not None:
                    unit.inv = unit.inv.merge(self.located(inst, extra))
        finally:
            inst.bindings = saved

    # --- values ----------------------------------------------------------------------------

    def origin(self, attr: Attribute, inst: Instance) -> Location:
        """Where a fix goes: the caller's argument when the value is passed in as a variable."""
        return self.trace(attr, inst)[0]

    def trace(self, attr: Attribute, inst: Instance, depth: int = 0) -> list[Location]:
        """Where a fix goes, then the other places the value comes through: the attribute itself,
        the module argument or tfvars line that set the variable, or its default; locals on the way."""
        e = attr.expr
        if not isinstance(e, Traversal) or not e.steps or depth >= MAX_MODULE_DEPTH or e.root not in ("var", "local"):
            return [attr.loc]
        name = str(e.steps[0])
        exact = len(e.steps) == 1
        if e.root == "local":
            local = inst.mdef.locals.get(name)
            return [attr.loc] + (self.trace(local, inst, depth + 1) if local is not None else [])
        if name in inst.args:
            arg, caller = inst.args[name]
            chain = self.trace(arg, caller, depth + 1)
            return chain + [attr.loc] if exact else [attr.loc] + chain
        if name in inst.tfvars:
            where = inst.tfvars[name][1]
            return [where, attr.loc] if exact else [attr.loc, where]
        block = inst.mdef.variables.get(name)
        default = block.body.attributes.get("default") if block is not None else None
        return [attr.loc] + ([default.loc] if default is not None else [])

    def arg(self, inst: Instance, block: Block, name: str) -> tuple[Any, Location]:
        a = block.body.attributes[name]
        return self.ev.value(a.expr, inst, dict(inst.bindings)), self.origin(a, inst)

    def located_arg(self, inst: Instance, block: Block, name: str, kind: str) -> Optional[Value[Any]]:
        """An argument as a model value, located where a fix goes, with the places it comes through."""
        a = block.body.attributes[name]
        chain = self.trace(a, inst)
        value = model_value(self.ev.value(a.expr, inst, dict(inst.bindings)), kind, chain[0])
        return replace(value, related=tuple(chain[1:])) if value is not None and len(chain) > 1 else value

    def key(self, inst: Instance, block: Block, rtype: str, addr: str, unit: str) -> Key:
        attrs: dict[str, Value[Any]] = {}
        for arg_name, (model_name, kind) in KEY_ARGS.items():
            if arg_name in block.body.attributes:
                value = self.located_arg(inst, block, arg_name, kind)
                if value is not None and (model_name not in attrs or value.value not in (False, None)):
                    attrs[model_name] = value
        protection = _prevent_destroy(block)
        if protection is not None:
            attrs["deletion_protection"] = protection
        if "primary_key_arn" in block.body.attributes:
            raw, loc = self.arg(inst, block, "primary_key_arn")
            attrs["primary"] = _primary_ref(raw, loc, inst)
        policy = None
        if "policy" in block.body.attributes:
            raw, loc = self.arg(inst, block, "policy")
            policy = policy_from_value(raw, loc, "inline")
        return Key(
            address=addr, resource_type=rtype, kind=KEY_TYPES[rtype], unit=unit, location=block.loc, attrs=attrs, policy=policy, anchor=inst.anchor
        )

    def key_policy(self, unit: _Unit, inst: Instance, block: Block) -> None:
        if "key_id" not in block.body.attributes or "policy" not in block.body.attributes:
            return
        key_ref, _ = self.arg(inst, block, "key_id")
        raw, loc = self.arg(inst, block, "policy")
        policy = policy_from_value(raw, loc, "aws_kms_key_policy") or Policy(location=loc, origin="aws_kms_key_policy", known=False)
        bypass = None
        if "bypass_policy_lockout_safety_check" in block.body.attributes:
            bypass = self.located_arg(inst, block, "bypass_policy_lockout_safety_check", "bool")
        unit.key_policies.append((_ref_address(key_ref, inst), self.located(inst, policy), self.located(inst, bypass)))

    def alias(self, inst: Instance, block: Block, addr: str, unit: str) -> Alias:
        name_raw = self.ev.attr(block, "name", inst, dict(inst.bindings))
        target: Value[Any]
        if "target_key_id" in block.body.attributes:
            raw, loc = self.arg(inst, block, "target_key_id")
            resolved = _ref_address(raw, inst)
            target = Value(resolved, loc) if resolved is not UNKNOWN else Value(UNKNOWN, loc, Presence.UNKNOWN)
        else:
            target = Value(UNKNOWN, block.loc, Presence.UNKNOWN)
        return Alias(addr, unit, block.loc, Value(as_str(name_raw) if name_raw is not None else None, block.loc), target)


def _memoized(fn: Callable[[Path], _R]) -> Callable[[Path], _R]:
    """``fn`` computed once per path (per loader, that is per scan: the tree does not change under it)."""
    known: dict[Path, _R] = {}

    def once(path: Path) -> _R:
        if path not in known:
            known[path] = fn(path)
        return known[path]

    return once


@contextmanager
def _parsing_without_gc() -> Iterator[None]:
    """Python's cyclic collector off while the files are parsed, and their objects frozen after.

    Parsing allocates millions of objects that all stay alive to the end of the scan, so each
    collection during parsing walks more of them and frees nothing: 14-18 % of CPU on the dense
    3,000-file repository (issue 19). Freezing them keeps the collections during evaluation (which
    stays collected: hostile inputs make garbage there) from walking them again. Memory freed by
    reference counting is freed as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _stopped(what: str) -> str:
    return f"analysis stopped: {what}; its keys and monitoring are not checked"


def _root_of(inst: Instance) -> Instance:
    while inst.parent is not None:
        inst = inst.parent
    return inst


def _in_call_chain(inst: Instance, directory: Path) -> bool:
    node: Optional[Instance] = inst
    while node is not None:
        if node.mdef.dir.resolve() == directory:
            return True
        node = node.parent
    return False


def root_modules(calls: dict[Path, set[Path]]) -> set[Path]:
    """Directories no other directory calls are roots. Calls that come back (a module calling
    itself, or two calling each other) do not make a directory a mere module: Terraform refuses
    such cycles, and kmslint still evaluates the directory rather than dropping its keys."""

    def reachable(start: Path) -> set[Path]:
        seen: set[Path] = set()
        todo = list(calls.get(start, ()))
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo.extend(calls.get(d, ()))
        return seen

    reach = {d: reachable(d) for d in calls}
    return {d for d in calls if all(c == d or c in reach[d] for c, targets in calls.items() if d in targets)}


def _prevent_destroy(block: Block) -> Optional[Value[Any]]:
    for lc in block.body.blocks_of("lifecycle"):
        a = lc.body.attributes.get("prevent_destroy")
        if a is not None:
            from .hcl import Lit

            if isinstance(a.expr, Lit) and isinstance(a.expr.value, bool):
                return Value(a.expr.value, a.loc)
            return Value(UNKNOWN, a.loc, Presence.UNKNOWN)
    return None


def _ref_address(raw: Any, inst: Instance) -> Any:
    """The model address of a key a reference points at (``aws_kms_key.a.arn`` -> address)."""
    if raw is UNKNOWN:
        return UNKNOWN
    if isinstance(raw, Text) and raw.ref:
        return raw.ref  # placeholders carry the full address, module prefix included
    if isinstance(raw, Text) and raw.partial:
        return UNKNOWN  # computed, but not traceable to one resource
    if isinstance(raw, str):
        return str(raw)  # a literal key id or ARN: not a key of this configuration
    return UNKNOWN


def _primary_ref(raw: Any, loc: Location, inst: Instance) -> Value[Any]:
    if raw is UNKNOWN:
        return Value(UNKNOWN, loc, Presence.UNKNOWN)
    if isinstance(raw, Text) and raw.ref and raw.attr == "arn" and raw.ref.split(".")[-2] in KEY_TYPES:
        return Value(PrimaryRef("resource", _ref_address(raw, inst)), loc)
    if isinstance(raw, str):
        return Value(PrimaryRef("literal", str(raw)), loc)
    return Value(UNKNOWN, loc, Presence.UNKNOWN)


def _link(unit: _Unit) -> Inventory:
    """Attach aws_kms_key_policy resources and aliases to their keys."""
    keys = list(unit.keys)
    by_address: dict[str, list[int]] = {}  # a duplicate declaration shares its address (KMS000)
    for i, k in enumerate(keys):
        by_address.setdefault(k.address, []).append(i)
    for target, policy, bypass in unit.key_policies:
        for i in by_address.get(target, []) if isinstance(target, str) else []:
            attrs = dict(keys[i].attrs)
            if bypass is not None:
                attrs["bypass_lockout"] = bypass
            keys[i] = replace(keys[i], policy=policy, attrs=attrs)
    unknown_all = any(not a.target.known for a, _ in unit.aliases)
    for alias, count_unknown in unit.aliases:
        target = alias.target.value
        for i in by_address.get(target, []) if isinstance(target, str) else []:
            if count_unknown:
                keys[i] = replace(keys[i], alias_unknown=True)
            else:
                keys[i] = replace(keys[i], aliases=keys[i].aliases + (alias.address,))
    final = tuple(replace(k, alias_unknown=k.alias_unknown or unknown_all) for k in keys)
    return unit.inv.merge(Inventory(keys=final, aliases=tuple(a for a, _ in unit.aliases), units=(unit.name,)))


def _key_region(loader: TerraformLoader, inst: Instance, block: Block, addr: str, unit: str) -> Inventory:
    from .monitoring import key_region

    return key_region(loader, inst, block, addr, unit)


def _monitoring(loader: TerraformLoader, inst: Instance, block: Block, rtype: str, addr: str, unit: str) -> Optional[Inventory]:
    return monitoring_resource(loader, inst, block, rtype, addr, unit)


__all__ = ["TerraformLoader", "as_bool", "contains_unknown", "is_partial", "plainify"]
