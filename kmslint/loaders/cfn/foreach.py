"""``Fn::ForEach`` (``Transform: AWS::LanguageExtensions``) expanded as CloudFormation does.

``Fn::ForEach::Name: [Identifier, Collection, OutputMapping]`` repeats ``OutputMapping`` once per
item of ``Collection``; in it, ``${Identifier}`` and ``&{Identifier}`` (the item without its
non-alphanumeric characters, for logical ids) are replaced in keys and strings, and
``Ref: Identifier`` becomes the item. Loops nest (an OutputMapping may hold another
``Fn::ForEach::``), and may appear wherever a mapping may (Resources, Properties). A collection is a
list, or anything :class:`~.resolve.Resolver` resolves to a list of known strings (``!Ref`` to a
``CommaDelimitedList`` parameter with a Default, ``!Split``, ``!FindInMap``).

Every expanded node keeps the source mark of the node it was copied from, so findings point at the
loop's lines in the template. A loop whose collection kmslint cannot resolve is dropped and, when
it declares KMS resources, listed as unchecked.

Written here rather than calling cfn-lint's language-extensions transform: that transform is private
to cfn-lint (``cfnlint.template.transforms._language_extensions``), needs cfn-lint's whole template
context, and does not promise to keep source marks, which every kmslint finding depends on.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from ...model.resources import Unchecked
from ...model.values import Location
from .decode import node_location
from .nodes import MarkedDict, MarkedList, MarkedStr, marked
from .resolve import RNode, Resolver, Template

__all__ = ["PREFIX", "expand_loops"]

PREFIX = "Fn::ForEach::"
MAX_EXPANDED = 2000  # mappings produced by loops per template: the scan stays bounded by input size
_ALNUM = re.compile(r"[^A-Za-z0-9]")


class _Expander:
    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self.unchecked: list[Unchecked] = []
        self.produced = 0

    # --- substitution ------------------------------------------------------------------------

    def _text(self, text: str, bindings: Mapping[str, str]) -> Any:
        if "{" not in text:
            return text
        out = text
        for name, value in bindings.items():
            out = out.replace("${" + name + "}", value).replace("&{" + name + "}", _ALNUM.sub("", value))
        return text if out == text else marked(MarkedStr(out), text)

    def node(self, node: Any, bindings: Mapping[str, str]) -> Any:
        if isinstance(node, dict):
            if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str) and node["Ref"] in bindings:
                return marked(MarkedStr(bindings[node["Ref"]]), node["Ref"])
            return self.mapping(node, bindings)
        if isinstance(node, list):
            return marked(MarkedList(self.node(item, bindings) for item in node), node)
        if isinstance(node, str):
            return self._text(node, bindings)
        return node

    def mapping(self, node: Mapping[Any, Any], bindings: Mapping[str, str]) -> Any:
        out = marked(MarkedDict(), node)
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(PREFIX):
                out.update(self.loop(key, value, bindings))
            else:
                out[self._text(key, bindings) if isinstance(key, str) else key] = self.node(value, bindings)
        return out

    # --- loops -----------------------------------------------------------------------------

    def loop(self, key: str, spec: Any, bindings: Mapping[str, str]) -> dict[Any, Any]:
        where = node_location(self.tpl.rel, key, Location(self.tpl.rel, 1, 1))
        if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str) and isinstance(spec[2], dict)):
            return self._skip(key, spec, where, "it is not [Identifier, Collection, OutputMapping]")
        items = self.collection(spec[1], bindings, where)
        if isinstance(items, str):
            return self._skip(key, spec, where, items)
        out: dict[Any, Any] = {}
        for item in items:
            self.produced += 1
            if self.produced > MAX_EXPANDED:
                return self._skip(key, spec, where, f"the template's loops produce more than {MAX_EXPANDED} items")
            out.update(self.mapping(spec[2], {**bindings, str(spec[0]): item}))
        return out

    def collection(self, raw: Any, bindings: Mapping[str, str], where: Location) -> "list[str] | str":
        """The items, or why they cannot be known."""
        node = self.node(raw, bindings)
        if isinstance(node, list) and all(isinstance(i, (str, int, float)) and not isinstance(i, bool) for i in node):
            return [str(i) for i in node]
        resolved = Resolver(self.tpl).resolve(node, where)
        if isinstance(resolved, RNode) and isinstance(resolved.value, tuple):
            values = [i.value for i in resolved.value]
            if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) and "${" not in str(v) for v in values):
                return [str(v) for v in values]
        note = resolved.note if isinstance(resolved, RNode) and resolved.note else "it is not a list of known values"
        return f"its collection cannot be resolved ({note})"

    def _skip(self, key: str, spec: Any, where: Location, why: str) -> dict[Any, Any]:
        if _declares_kms(spec):
            self.unchecked.append(
                Unchecked(where, f"{key}: {why}, so the KMS resources this loop creates were not checked; give the collection literal values or a parameter Default")
            )
        return {}


def _declares_kms(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            kind = item.get("Type")
            if isinstance(kind, str) and kind.startswith("AWS::KMS::"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def expand_loops(tpl: Template) -> tuple[Mapping[Any, Any], tuple[Unchecked, ...]]:
    """The template's Resources with every ``Fn::ForEach`` expanded, and the loops left unchecked."""
    if not _contains_loop(tpl.resources):
        return tpl.resources, ()
    expander = _Expander(tpl)
    expanded: Optional[Mapping[Any, Any]] = expander.mapping(tpl.resources, {})
    return expanded or {}, tuple(expander.unchecked)


def _contains_loop(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(isinstance(k, str) and k.startswith(PREFIX) for k in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
