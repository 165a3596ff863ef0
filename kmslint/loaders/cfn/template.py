"""One CloudFormation template (YAML, JSON, SAM, CDK output) -> an Inventory.

``Fn::If`` strategy: a key whose properties (or DeletionPolicy/UpdateReplacePolicy) use
``Fn::If`` is modelled once per feasible combination of those conditions (at most 16; see
:mod:`.conditions`), restricted to combinations where the resource's own ``Condition`` holds. Within a combination,
parameters the conditions test take the value the combination forces (or UNKNOWN), not their
Default, so ``KeySpec: !Ref KeySpec`` agrees with ``!If [HasSymmetricKey, ...]``.
Every variant keeps the key's logical id, and each value taken from a branch carries the note
``when IsProd is false``. A finding therefore fires only if it fires in some deployment, at the
property that causes it. The first Key emitted for a logical id is always the *merged* view,
in which a value the branches disagree on is UNKNOWN, so cross-resource lookups
(``Inventory.key``: a replica's primary) never pick one branch arbitrarily. Findings that are
the same in every variant are identical objects and the engine de-duplicates them. Aliases
count for a key if any branch targets it (fewer KMS011 findings, never a false one).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Optional

from ...model.resources import Alias, Ignore, Inventory, Key, ParseError, Unchecked
from ...model.values import Location, Value
from .conditions import feasible_branches, if_conditions
from .decode import decode_template, node_location
from .foreach import PREFIX, expand_loops
from .ignores import resource_ignores
from .keys import KEY_KINDS, KeyBuild, alias_targets, build_key, located
from .keys import _as_str as as_text
from .monitoring import MONITORING_TYPES, monitoring_resource
from .resolve import RNode, Resolver, Template

__all__ = ["load_template"]

MAX_VARIANTS = 16
_VARYING = ("Properties", "DeletionPolicy", "UpdateReplacePolicy")


def _section(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = doc.get(name)
    return value if isinstance(value, dict) else {}


def _key_builds(tpl: Template, lid: str, res: Mapping[str, Any], header: Location) -> list[KeyBuild]:
    """The merged key, then one variant per distinct feasible Fn::If combination."""
    merged = build_key(tpl, lid, res, header, Resolver(tpl))
    names = if_conditions({k: res.get(k) for k in _VARYING})
    own = res.get("Condition")
    own_condition = own if isinstance(own, str) and own in tpl.conditions else None
    if not names:
        return [merged]
    branches = feasible_branches(tpl, names | ({own_condition} if own_condition else set()), MAX_VARIANTS)
    if branches is None:
        if merged.by_condition:
            reason = (
                f"the key policy of {lid} depends on more than {MAX_VARIANTS} combinations of conditions "
                f"({', '.join(sorted(names))}), so KMS001, KMS012 and KMS014 did not check it"
            )
            merged = replace(merged, unchecked=merged.unchecked + (Unchecked(header, reason),))
        return [merged]
    variants: dict[str, KeyBuild] = {}
    for branch in branches:
        if own_condition and not branch.conditions[own_condition]:
            continue
        chosen = {n: v for n, v in branch.conditions.items() if n in names}
        build = build_key(tpl, lid, res, header, Resolver(tpl, chosen, branch.parameters))
        kept = variants.setdefault(build.signature, build)
        if kept is not build:  # the same key under another combination: its policy holds there too
            merged_branches = tuple(dict.fromkeys(kept.key.policy_branches + build.key.policy_branches))
            variants[build.signature] = replace(kept, key=replace(kept.key, policy_branches=merged_branches))
    if len(variants) == 1:
        return list(variants.values())
    return [merged] + [b for sig, b in variants.items() if sig != merged.signature]


def _alias(tpl: Template, lid: str, res: Mapping[str, Any], header: Location) -> tuple[Alias, set[str], bool]:
    resolver = Resolver(tpl)
    found, unresolved, target = alias_targets(tpl, res, header, resolver)
    props = resolver.member(res, "Properties", header)
    name_node = props.get("AliasName") if isinstance(props, RNode) else None
    name = located(name_node, as_text, "AliasName") if name_node else Value(None, header)
    return Alias(lid, tpl.rel, header, name, target), found, unresolved


class _Collector:
    """Accumulates what one template declares."""

    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self.keys: list[Key] = []
        self.aliases: list[Alias] = []
        self.aliased: dict[str, list[str]] = {}
        self.alias_unknown = False
        self.monitoring = Inventory()
        self.errors: list[ParseError] = []
        self.ignores: list[Ignore] = []
        self.unchecked: list[Unchecked] = []

    def add(self, lid: str, res: Mapping[str, Any], header: Location) -> None:
        rtype = res.get("Type")
        if not isinstance(rtype, str):
            return  # a Rain module (Type: !Rain::Module x.yml) or a malformed Type: no KMS resource to read
        self.ignores.extend(resource_ignores(self.tpl.rel, self.tpl.lines, res, header))
        if rtype in KEY_KINDS:
            for build in _key_builds(self.tpl, lid, res, header):
                self.keys.append(build.key)
                self.unchecked.extend(u for u in build.unchecked if u not in self.unchecked)
        elif rtype == "AWS::KMS::Alias":
            alias, found, unresolved = _alias(self.tpl, lid, res, header)
            self.aliases.append(alias)
            self.alias_unknown |= unresolved
            for key_id in found:
                self.aliased.setdefault(key_id, []).append(lid)
        elif rtype in MONITORING_TYPES:
            self.monitoring = self.monitoring.merge(monitoring_resource(self.tpl, lid, res, header, Resolver(self.tpl)))

    def inventory(self) -> Inventory:
        keys = tuple(
            replace(k, aliases=tuple(self.aliased.get(k.address, ())), alias_unknown=self.alias_unknown) for k in self.keys
        )
        return Inventory(
            keys=keys,
            aliases=tuple(self.aliases),
            metric_filters=self.monitoring.metric_filters,
            alarms=self.monitoring.alarms,
            event_rules=self.monitoring.event_rules,
            trails=self.monitoring.trails,
            log_groups=self.monitoring.log_groups,
            parse_errors=tuple(self.errors),
            ignores=tuple(self.ignores),
            units=(self.tpl.rel,),
            unchecked=tuple(self.unchecked),
        )


def _structure_error(rel: str, doc: Any) -> Optional[ParseError]:
    top = Location(rel, 1, 1)
    if not isinstance(doc, dict):
        return ParseError(top, "CloudFormation template could not be parsed: the top level must be a mapping")
    resources = doc.get("Resources")
    if resources is not None and not isinstance(resources, dict):
        key = next(k for k in doc if k == "Resources")
        return ParseError(node_location(rel, key, top), "CloudFormation template: Resources must be a mapping of logical ids to resources")
    return None


_AWS_TRANSFORMS = frozenset({"AWS::Serverless-2016-10-31", "AWS::LanguageExtensions", "AWS::CodeDeployBlueGreen"})


def _macro_transforms(rel: str, doc: Mapping[str, Any]) -> tuple[Unchecked, ...]:
    """A template-level ``Transform`` naming a macro: the macro may rewrite any resource at deploy
    time, so what kmslint checked is the template as written. (AWS's own transforms do not touch
    KMS keys; AWS::LanguageExtensions is expanded here.)"""
    raw = doc.get("Transform")
    names = raw if isinstance(raw, list) else [raw] if raw is not None else []
    key = next((k for k in doc if k == "Transform"), None)
    where = node_location(rel, key, Location(rel, 1, 1))
    shown = [n.get("Name") if isinstance(n, dict) else n for n in names]
    return tuple(
        Unchecked(where, f"the macro {n} rewrites this template at deploy time; kmslint checked the template as written, not the macro's output")
        for n in shown
        if n not in _AWS_TRANSFORMS
    )


def load_template(rel: str, text: str) -> Inventory:
    """Parse one template; bad input becomes a ParseError (KMS000), never an exception.

    A YAML/JSON document without a ``Resources`` section (e.g. a Serverless Framework file)
    is not a template: the inventory is empty.
    """
    doc = decode_template(rel, text)
    if isinstance(doc, ParseError):
        return Inventory(parse_errors=(doc,))
    problem = _structure_error(rel, doc)
    if problem is not None:
        return Inventory(parse_errors=(problem,))
    if not isinstance(doc.get("Resources"), dict):  # absent, or "Resources:" with nothing under it
        return Inventory()
    tpl = Template(rel, text, _section(doc, "Parameters"), doc["Resources"], _section(doc, "Conditions"), _section(doc, "Mappings"))
    resources, loops_unchecked = expand_loops(tpl)  # Fn::ForEach (AWS::LanguageExtensions)
    tpl = replace(tpl, resources=resources)
    collector = _Collector(tpl)
    collector.unchecked.extend(loops_unchecked)
    top = Location(rel, 1, 1)
    for lid, res in resources.items():
        if str(lid).startswith(PREFIX):
            continue  # a loop that could not be expanded (listed as unchecked when it declares KMS resources)
        header = node_location(rel, lid, top)
        if not isinstance(res, dict):
            collector.errors.append(ParseError(header, f"CloudFormation template: resource {lid} must be a mapping"))
            continue
        collector.add(str(lid), res, header)
    macros = _macro_transforms(rel, doc) if collector.keys else ()
    return collector.inventory().merge(Inventory(unchecked=macros))
