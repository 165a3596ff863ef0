"""Terraform directories -> the common model.

Each directory is a module. A directory that no other scanned directory calls as a local module
is a root module: a configuration unit. Local module calls (``source = "../x"``) are instantiated
with the caller's arguments, so a value passed by the caller flows into the module's resources
and a finding caused by it points at the caller's argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from ...limits import MAX_FILE_BYTES
from ...model.policy import Policy
from ...model.resources import TERRAFORM_KEY_KINDS, Alarm, Alias, EventRule, EventTarget, Inventory, Key, MetricFilter, ParseError, PrimaryRef
from ...model.values import UNKNOWN, Location, Presence, Value
from ..coerce import as_bool
from .convert import as_str, model_value, policy_from_value
from .evaluate import Evaluator, ResourceRef
from .hcl import Attribute, Block, HclSyntaxError, Traversal, parse
from .module import MAX_MODULE_DEPTH, Instance, ModuleDef, call_arguments, load_module_dir
from .parallel import parse_files
from .prefilter import read_text
from .policydoc import policy_document
from .tfvalues import Encoded, Text, contains_unknown, is_partial, plainify

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


@dataclass
class _Unit:
    name: str
    keys: list[Key] = field(default_factory=list)
    key_policies: list[tuple[Any, Policy, Optional[Value[Any]]]] = field(default_factory=list)
    aliases: list[tuple[Alias, bool]] = field(default_factory=list)  # (alias, count unknown)
    inv: Inventory = field(default_factory=Inventory)


class TerraformLoader:
    def __init__(self, scan_root: Path, rel_of: RelOf, var_files: list[Path], jobs: int = 1, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.jobs, self.max_file_bytes = jobs, max_file_bytes
        self.scan_root = scan_root.resolve()
        self.rel_of = rel_of
        self.var_files = var_files
        self.modules: dict[Path, ModuleDef] = {}
        self.errors: list[ParseError] = []
        self.ev = Evaluator(self.scan_root, self._module_output, self._data_source)
        self.children: dict[tuple[int, str, str], list[Instance]] = {}

    # --- modules ----------------------------------------------------------------------

    def module(self, directory: Path, files: Optional[list[Path]] = None, parsed: Optional[dict[Path, Any]] = None) -> Optional[ModuleDef]:
        directory = directory.resolve()
        if directory in self.modules:
            return self.modules[directory]
        if not directory.is_relative_to(self.scan_root) or not directory.is_dir():
            return None
        # A module reached only through a call was not discovered: keep its symlinks inside the root too.
        inside = (p for p in directory.glob("*.tf") if p.is_file() and p.resolve().is_relative_to(self.scan_root))
        tf_files = files if files is not None else sorted(inside)
        mdef = load_module_dir(directory, self.rel_of, tf_files, parsed, self.max_file_bytes)
        self.modules[directory] = mdef
        self.errors.extend(mdef.parse_errors)
        return mdef

    def child_instances(self, inst: Instance, name: str) -> list[Instance]:
        key = (id(inst), name, "")
        if key in self.children:
            return self.children[key]
        self.children[key] = []
        block = inst.mdef.modules.get(name)
        target = inst.mdef.local_sources().get(name)
        if block is None or target is None or inst.depth >= MAX_MODULE_DEPTH or _in_call_chain(inst, target):
            return []  # a module that (indirectly) calls itself is evaluated once, not recursively
        mdef = self.module(target)
        if mdef is None:
            return []
        args = {n: (a, inst) for n, a in call_arguments(block).items()}
        keys = self.ev.instance_keys(block, inst)
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
                anchor=inst.anchor or block.loc,
                call_bindings=bindings,
            )
            result.append(child)
        self.children[key] = result
        return result

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
        parsed = parse_files([(p, self.rel_of(p)) for fs in tf_by_dir.values() for p in fs], self.jobs, self.max_file_bytes)
        for directory, files in sorted(tf_by_dir.items()):
            self.module(directory, files, parsed)
        roots = root_modules({d.resolve(): set(self.modules[d.resolve()].local_sources().values()) for d in tf_by_dir})
        inv = Inventory()
        for directory in sorted(tf_by_dir):
            d = directory.resolve()
            if d not in roots:
                continue
            mdef = self.modules[d]
            root = Instance(mdef, tfvars=self.tfvars(tfvars_by_dir.get(directory, [])))
            inv = inv.merge(self.unit_inventory(mdef.rel, root))
        return inv.merge(Inventory(parse_errors=tuple(self.errors)))

    def tfvars(self, files: list[Path]) -> dict[str, tuple[Any, Location]]:
        out: dict[str, tuple[Any, Location]] = {}
        ordered = sorted(f for f in files if f.name == "terraform.tfvars") + sorted(f for f in files if f.name.endswith(".auto.tfvars"))
        for path in ordered + list(self.var_files):
            rel = self.rel_of(path)
            try:
                body = parse(read_text(path), rel)
            except HclSyntaxError as exc:
                self.errors.append(ParseError(Location(rel, max(exc.line, 1), max(exc.column, 1)), f"HCL syntax error: {exc.reason}"))
                continue
            except (OSError, UnicodeDecodeError) as exc:
                self.errors.append(ParseError(Location(rel, 1, 1), f"cannot read variables file: {exc}"))
                continue
            dummy = Instance(ModuleDef(path.parent, rel))
            for name, attr in body.attributes.items():
                out[name] = (self.ev.value(attr.expr, dummy), attr.loc)
        return out

    def unit_inventory(self, unit_name: str, root: Instance) -> Inventory:
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
            for address, block in inst.mdef.resources.items():
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
        saved = inst.bindings
        inst.bindings = {**saved, **b}
        try:
            if rtype in KEY_TYPES:
                unit.keys.append(self.key(inst, block, rtype, addr, unit.name))
                unit.inv = unit.inv.merge(_key_region(self, inst, block, addr, unit.name))
            elif rtype == "aws_kms_key_policy":
                self.key_policy(unit, inst, block)
            elif rtype == "aws_kms_alias":
                unit.aliases.append((self.alias(inst, block, addr, unit.name), count_unknown))
            else:
                extra = _monitoring(self, inst, block, rtype, addr, unit.name)
                if extra is not None:
                    unit.inv = unit.inv.merge(extra)
        finally:
            inst.bindings = saved

    # --- values ----------------------------------------------------------------------------

    def origin(self, attr: Attribute, inst: Instance, depth: int = 0) -> Location:
        """Where a fix goes: the caller's argument when the value is passed in as a variable."""
        e = attr.expr
        if isinstance(e, Traversal) and e.root == "var" and len(e.steps) == 1 and depth < MAX_MODULE_DEPTH:
            name = str(e.steps[0])
            if name in inst.args:
                arg, caller = inst.args[name]
                return self.origin(arg, caller, depth + 1)
            if name in inst.tfvars:
                return inst.tfvars[name][1]
        return attr.loc

    def arg(self, inst: Instance, block: Block, name: str) -> tuple[Any, Location]:
        a = block.body.attributes[name]
        return self.ev.value(a.expr, inst, dict(inst.bindings)), self.origin(a, inst)

    def key(self, inst: Instance, block: Block, rtype: str, addr: str, unit: str) -> Key:
        attrs: dict[str, Value[Any]] = {}
        for arg_name, (model_name, kind) in KEY_ARGS.items():
            if arg_name in block.body.attributes:
                raw, loc = self.arg(inst, block, arg_name)
                value = model_value(raw, kind, loc)
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
            b_raw, b_loc = self.arg(inst, block, "bypass_policy_lockout_safety_check")
            bypass = model_value(b_raw, "bool", b_loc)
        unit.key_policies.append((_ref_address(key_ref, inst), policy, bypass))

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
    keys = {k.address: k for k in unit.keys}
    for target, policy, bypass in unit.key_policies:
        key = keys.get(target) if isinstance(target, str) else None
        if key is None:
            continue
        attrs = dict(key.attrs)
        if bypass is not None:
            attrs["bypass_lockout"] = bypass
        keys[target] = replace(key, policy=policy, attrs=attrs)
    unknown_all = any(not a.target.known for a, _ in unit.aliases)
    for alias, count_unknown in unit.aliases:
        target = alias.target.value
        if isinstance(target, str) and target in keys:
            key = keys[target]
            if count_unknown:
                keys[target] = replace(key, alias_unknown=True)
            else:
                keys[target] = replace(key, aliases=key.aliases + (alias.address,))
    final = tuple(replace(k, alias_unknown=k.alias_unknown or unknown_all) for k in keys.values())
    return unit.inv.merge(Inventory(keys=final, aliases=tuple(a for a, _ in unit.aliases), units=(unit.name,)))


def _key_region(loader: TerraformLoader, inst: Instance, block: Block, addr: str, unit: str) -> Inventory:
    from .monitoring import key_region

    return key_region(loader, inst, block, addr, unit)


def _monitoring(loader: TerraformLoader, inst: Instance, block: Block, rtype: str, addr: str, unit: str) -> Optional[Inventory]:
    from .monitoring import monitoring_resource

    return monitoring_resource(loader, inst, block, rtype, addr, unit)


__all__ = ["TerraformLoader", "as_bool", "contains_unknown", "is_partial", "plainify"]
