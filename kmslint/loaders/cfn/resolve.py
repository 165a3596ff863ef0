"""Resolving CloudFormation intrinsic functions into located, three-valued values.

:class:`Resolver` turns a decoded template node into an :class:`RNode` tree: plain scalars,
tuples and dicts, each with the location where a fix goes. What it resolves:

- ``Ref`` to a parameter with a ``Default`` (list types split on commas; SSM parameter types
  and parameters without a default are UNKNOWN), to a pseudo parameter (``AWS::Partition`` is
  ``aws``, ``AWS::URLSuffix`` is ``amazonaws.com``, ``AWS::AccountId`` is ``<this account>``, the
  rest stay known-shape placeholders such as ``${AWS::Region}``), to a resource (placeholder ``${Logical}``), ``AWS::NoValue``
  (the property or list item disappears);
- ``Fn::GetAtt`` (placeholder ``${Logical.Attr}``), ``Fn::Sub`` (both forms, ``${!x}``
  escapes), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``,
  ``Fn::ToJsonString``, ``Fn::Length``;
- ``Fn::If``: with an ``assignment`` for the condition, the chosen branch, remembering the
  decision in ``via`` (``"IsProd is false"``); without one, the branches' common value, or
  UNKNOWN when they differ;
- everything else (``Fn::ImportValue``, ``Fn::GetAZs``, dynamic ``{{resolve:...}}``
  references, unknown names) is UNKNOWN with a note saying why.

A string built by ``Fn::Sub``/``Fn::Join`` with unknown parts is UNKNOWN but keeps its text in
``partial`` with :data:`UNKNOWN_MARK` where the unknown parts were, so a JSON key policy
inside ``Fn::Sub`` can still be read statement by statement.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Callable, Mapping, Optional, Union

from ...model.values import UNKNOWN, Location
from .decode import node_location, source_lines

__all__ = ["NO_VALUE", "UNKNOWN_MARK", "RNode", "Resolver", "Template", "contains_unknown", "plain"]

UNKNOWN_MARK = "\u27e6kmslint:unknown\u27e7"
ACCOUNT = "<this account>"
DEPENDS = "depends on condition "
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_MAX_DEPTH = 100  # nested resolve() calls (about 6 Python frames each: well inside the recursion limit)
PSEUDO: dict[str, str] = {
    # The deploying account: a fixed value the model reads as a concrete account (an account root ARN,
    # a pinning condition) and messages print as this account, never as ``${AWS::AccountId}`` text.
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::Region": "${AWS::Region}",
    "AWS::StackName": "${AWS::StackName}",
    "AWS::StackId": "${AWS::StackId}",
}


class _NoValue:
    """``Ref: AWS::NoValue``: the enclosing property or list item is removed."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class RNode:
    """A resolved value. Containers hold RNodes: ``tuple`` for lists, ``dict`` for maps."""

    value: Any
    loc: Location  # where a fix goes: a property's key, a list item's start
    src: Location  # where the value itself is written (for a string: its first character)
    via: tuple[str, ...] = ()  # Fn::If decisions taken inside, e.g. "IsProd is false"
    note: str = ""  # why the value is UNKNOWN
    partial: Optional[str] = None  # an UNKNOWN string's text with UNKNOWN_MARK in the gaps

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    @property
    def depends_on_condition(self) -> bool:
        return self.note.startswith(DEPENDS)

    def get(self, name: str) -> Optional["RNode"]:
        return self.value.get(name) if isinstance(self.value, dict) else None


Resolved = Union[RNode, _NoValue]


def plain(node: Any) -> Any:
    """The RNode tree as plain Python values (UNKNOWN stays UNKNOWN)."""
    if isinstance(node, RNode):
        node = node.value
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, tuple):
        return [plain(v) for v in node]
    return node


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return isinstance(value, str) and UNKNOWN_MARK in value


@dataclass(frozen=True)
class Template:
    """The parts of a decoded template that resolution needs."""

    rel: str
    text: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    resources: Mapping[str, Any] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def lines(self) -> list[str]:
        return source_lines(self.text)

    def resource_type(self, logical_id: str) -> Optional[str]:
        res = self.resources.get(logical_id)
        kind = res.get("Type") if isinstance(res, dict) else None
        return kind if isinstance(kind, str) else None


def _merge_via(nodes: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for n in nodes for v in n.via))


def _text(node: RNode) -> Optional[str]:
    """A scalar as the text Fn::Sub/Fn::Join would insert, or None if it cannot be text."""
    v = node.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    return None


class Resolver:
    """Resolves nodes of one template under one assignment of its conditions (or none).

    ``parameters`` overrides parameter values for that assignment (see
    :class:`~kmslint.loaders.cfn.conditions.Branch`).
    """

    def __init__(
        self, tpl: Template, assignment: Optional[Mapping[str, bool]] = None, parameters: Optional[Mapping[str, Any]] = None
    ) -> None:
        self.tpl = tpl
        self.assignment = assignment
        self.overrides = parameters or {}  # parameter values a condition branch forces (or UNKNOWN)
        self._depth = 0
        self._defaults: dict[str, RNode] = {}  # each parameter's Default is resolved once (memo)
        self._resolving: set[str] = set()  # parameters whose Default is being resolved (cycle guard)
        self._functions: dict[str, Callable[[Any, Location, Location], Resolved]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Length": self._length,
        }

    # --- entry points ------------------------------------------------------------------

    def resolve(self, node: Any, fallback: Location) -> Resolved:
        """Resolve ``node``; ``fallback`` is its location when it carries no mark."""
        if self._depth > _MAX_DEPTH:
            return self.unknown(fallback, "nested too deeply to evaluate")
        self._depth += 1
        try:
            return self._resolve(node, node_location(self.tpl.rel, node, fallback))
        finally:
            self._depth -= 1

    def member(self, mapping: Any, name: str, fallback: Location) -> Optional[Resolved]:
        """Resolve ``mapping[name]`` located at its key; None when the key is absent."""
        if not isinstance(mapping, dict) or name not in mapping:
            return None
        key = next(k for k in mapping if k == name)  # the key object carries the mark
        return self._keyed(key, mapping[name], fallback)

    def _keyed(self, key: Any, value: Any, fallback: Location) -> Resolved:
        key_loc = node_location(self.tpl.rel, key, fallback)
        out = self.resolve(value, key_loc)
        return out if isinstance(out, _NoValue) else replace(out, loc=key_loc)

    def unknown(self, loc: Location, note: str, src: Optional[Location] = None) -> RNode:
        return RNode(UNKNOWN, loc, src or loc, note=note)

    # --- structure ---------------------------------------------------------------------

    def _resolve(self, node: Any, loc: Location) -> Resolved:
        if isinstance(node, dict):
            if len(node) == 1:
                (name,) = node.keys()
                if name == "Ref" or (isinstance(name, str) and name.startswith("Fn::")):
                    return self._intrinsic(str(name), node[name], loc)
            return self._mapping(node, loc)
        if isinstance(node, list):
            return self._sequence(node, loc)
        return self._scalar(node, loc)

    def _mapping(self, node: dict[Any, Any], loc: Location) -> RNode:
        if "Fn::Transform" in node:  # a macro (or AWS::Include) replaces this mapping at deploy time
            return self.unknown(loc, _transform_note(node["Fn::Transform"]))
        out: dict[str, RNode] = {}
        for key, value in node.items():
            member = self._keyed(key, value, loc)
            if isinstance(member, RNode):
                out[str(key)] = member
        return RNode(out, loc, loc, _merge_via(out.values()))

    def _sequence(self, node: list[Any], loc: Location) -> RNode:
        items = tuple(r for r in (self.resolve(item, loc) for item in node) if isinstance(r, RNode))
        return RNode(items, loc, loc, _merge_via(items))

    def _scalar(self, node: Any, loc: Location) -> RNode:
        if isinstance(node, str):
            if "{{resolve:" in node:
                return self.unknown(loc, "a dynamic reference ({{resolve:...}}) is read at deploy time")
            return RNode(str(node), loc, loc)
        if isinstance(node, (datetime.date, datetime.datetime)):
            return RNode(node.isoformat(), loc, loc)  # unquoted YAML dates, e.g. Version: 2012-10-17
        if node is None or isinstance(node, (bool, int, float)):
            return RNode(node, loc, loc)
        return RNode(str(node), loc, loc)

    def _intrinsic(self, name: str, arg: Any, loc: Location) -> Resolved:
        fn = self._functions.get(name)
        if name == "Fn::Transform":
            return self.unknown(loc, _transform_note(arg))
        if name == "Fn::ImportValue":
            return self.unknown(loc, "it is imported from another stack (Fn::ImportValue) at deploy time")
        if fn is None:
            return self.unknown(loc, f"{name} is not evaluated by kmslint")
        return fn(arg, loc, node_location(self.tpl.rel, arg, loc))

    # --- references --------------------------------------------------------------------

    def _ref(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if not isinstance(arg, str):
            return self.unknown(loc, "Ref to a computed name")
        if arg == "AWS::NoValue":
            return NO_VALUE
        if arg in PSEUDO:
            return RNode(PSEUDO[arg], loc, src)
        if arg in self.tpl.parameters:
            return self.parameter(arg, loc)
        if arg in self.tpl.resources:
            return RNode("${" + arg + "}", loc, src)
        return self.unknown(loc, f"Ref {arg} names nothing kmslint can resolve")

    def parameter(self, name: str, loc: Location) -> RNode:
        """A parameter's value: its Default (list types split on commas), else UNKNOWN."""
        if name in self.overrides:
            forced = self.overrides[name]
            if forced is UNKNOWN:
                return self.unknown(loc, f"parameter {name} takes several values in this condition branch")
            return RNode(forced, loc, loc)
        param = self.tpl.parameters.get(name)
        if not isinstance(param, dict):
            return self.unknown(loc, f"parameter {name} is malformed")
        ptype = str(param.get("Type", "String"))
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            return self.unknown(loc, f"parameter {name} is read from SSM at deploy time")
        if "Default" not in param:
            return self.unknown(loc, f"parameter {name} has no Default")
        default = param["Default"]
        if ptype == "CommaDelimitedList" or ptype.startswith("List<"):
            parts = default.split(",") if isinstance(default, str) else default if isinstance(default, list) else [default]
            return RNode(tuple(RNode(str(p).strip(), loc, loc) for p in parts), loc, loc)
        return replace(self._default(name, default, loc), loc=loc)

    def _default(self, name: str, default: Any, loc: Location) -> RNode:
        """A parameter's Default, resolved once per resolver: a Default written with intrinsics that
        refer to other parameters (``!If [C, !Ref P0, !Ref P0]`` nested 40 deep) would otherwise be
        resolved once per path, exponentially many times. A Default that refers to itself is UNKNOWN."""
        if name in self._defaults:
            return self._defaults[name]
        if name in self._resolving:
            return self.unknown(loc, f"parameter {name} refers to itself")
        self._resolving.add(name)
        try:
            out = self.resolve(default, loc)
        finally:
            self._resolving.discard(name)
        node = self.unknown(loc, f"parameter {name} has no value") if isinstance(out, _NoValue) else out
        self._defaults[name] = node
        return node

    def _get_att(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if isinstance(arg, str) and "." in arg:
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], str)):
            return self.unknown(loc, "Fn::GetAtt with a computed name")
        if arg[0] not in self.tpl.resources:
            return self.unknown(loc, f"Fn::GetAtt names an unknown resource {arg[0]}")
        return RNode("${" + f"{arg[0]}.{arg[1]}" + "}", loc, src)

    # --- strings -----------------------------------------------------------------------

    def _sub(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            template, variables = arg[0], arg[1]
            src = node_location(self.tpl.rel, arg[0], loc)
        elif isinstance(arg, str):
            template, variables = arg, {}
        else:
            return self.unknown(loc, "Fn::Sub with a computed template")
        bound = {str(k): self.resolve(v, loc) for k, v in variables.items()}
        pieces: list[str] = []
        notes: list[str] = []
        used: list[RNode] = []
        pos = 0
        for m in _SUB_VAR.finditer(template):
            pieces.append(template[pos : m.start()])
            pos = m.end()
            name = m.group(1).strip()
            if name.startswith("!"):
                pieces.append("${" + name[1:] + "}")
                continue
            value = bound[name] if name in bound else self._sub_name(name, loc)
            text = _text(value) if isinstance(value, RNode) else None
            if isinstance(value, RNode):
                used.append(value)
            if text is None:
                pieces.append(UNKNOWN_MARK)
                notes.append(value.note if isinstance(value, RNode) and value.note else f"${{{name}}} cannot be resolved")
            else:
                pieces.append(text)
        pieces.append(template[pos:])
        return self._built_text("".join(pieces), notes, used, loc, src)

    def _sub_name(self, name: str, loc: Location) -> Resolved:
        if name in PSEUDO:
            return RNode(PSEUDO[name], loc, loc)
        if "." in name:
            return self._get_att(name.split(".", 1), loc, loc)
        return self._ref(name, loc, loc)

    def _built_text(self, text: str, notes: list[str], used: list[RNode], loc: Location, src: Location) -> RNode:
        via = _merge_via(used)
        if notes:
            return RNode(UNKNOWN, loc, src, via, note="; ".join(dict.fromkeys(notes)), partial=text)
        if "{{resolve:" in text:
            return RNode(UNKNOWN, loc, src, via, note="a dynamic reference is read at deploy time")
        return RNode(text, loc, src, via)

    def _join(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return self.unknown(loc, "Fn::Join with a malformed argument")
        items = self.resolve(arg[1], loc)
        if not isinstance(items, RNode) or not isinstance(items.value, tuple):
            return self.unknown(loc, "Fn::Join over a list kmslint cannot resolve")
        texts: list[str] = []
        notes: list[str] = []
        for item in items.value:
            text = _text(item)
            texts.append(UNKNOWN_MARK if text is None else text)
            if text is None:
                notes.append(item.note or "a Fn::Join item cannot be resolved")
        return self._built_text(arg[0].join(texts), notes, list(items.value), loc, src)

    def _split(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return self.unknown(loc, "Fn::Split with a malformed argument")
        source = self.resolve(arg[1], loc)
        if not isinstance(source, RNode) or not isinstance(source.value, str):
            return self.unknown(loc, "Fn::Split of a value kmslint cannot resolve")
        parts = tuple(RNode(p, loc, src) for p in source.value.split(arg[0])) if arg[0] else ()
        return RNode(parts, loc, src, source.via)

    def _select(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if not (isinstance(arg, list) and len(arg) == 2):
            return self.unknown(loc, "Fn::Select with a malformed argument")
        index, items = self.resolve(arg[0], loc), self.resolve(arg[1], loc)
        i = _as_index(index.value) if isinstance(index, RNode) else None
        if i is None or not isinstance(items, RNode) or not isinstance(items.value, tuple):
            return self.unknown(loc, "Fn::Select over values kmslint cannot resolve")
        if not 0 <= i < len(items.value):
            return self.unknown(loc, f"Fn::Select index {i} is out of range")
        chosen: RNode = items.value[i]
        return chosen

    def _find_in_map(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            return self.unknown(loc, "Fn::FindInMap with a malformed argument")
        keys = [self.resolve(a, loc) for a in arg[:3]]
        names = [k.value if isinstance(k, RNode) and isinstance(k.value, str) and "${" not in k.value else None for k in keys]
        table = self.tpl.mappings.get(names[0]) if names[0] is not None else None
        row = table.get(names[1]) if isinstance(table, dict) and names[1] is not None else None
        if isinstance(row, dict) and names[2] is not None and names[2] in row:
            return self.resolve(row[names[2]], loc)
        if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            return self.resolve(arg[3]["DefaultValue"], loc)
        return self.unknown(loc, "Fn::FindInMap keys cannot be resolved")

    def _to_json_string(self, arg: Any, loc: Location, src: Location) -> Resolved:
        value = self.resolve(arg, loc)
        data = plain(value) if isinstance(value, RNode) else None
        if data is None or contains_unknown(data):
            return self.unknown(loc, "Fn::ToJsonString of values kmslint cannot resolve")
        return RNode(json.dumps(data), loc, src, value.via if isinstance(value, RNode) else ())

    def _length(self, arg: Any, loc: Location, src: Location) -> Resolved:
        value = self.resolve(arg, loc)
        if isinstance(value, RNode) and isinstance(value.value, tuple):
            return RNode(len(value.value), loc, src, value.via)
        return self.unknown(loc, "Fn::Length of a value kmslint cannot resolve")

    # --- conditions --------------------------------------------------------------------

    def _if(self, arg: Any, loc: Location, src: Location) -> Resolved:
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return self.unknown(loc, "Fn::If with a malformed argument")
        cond = str(arg[0])
        if self.assignment is not None and cond in self.assignment:
            chosen = self.assignment[cond]
            out = self.resolve(arg[1] if chosen else arg[2], loc)
            decision = f"{cond} is {'true' if chosen else 'false'}"
            return out if isinstance(out, _NoValue) else replace(out, via=(decision,) + out.via)
        when_true, when_false = self.resolve(arg[1], loc), self.resolve(arg[2], loc)
        if isinstance(when_true, _NoValue) and isinstance(when_false, _NoValue):
            return NO_VALUE
        if isinstance(when_true, RNode) and isinstance(when_false, RNode) and plain(when_true) == plain(when_false):
            return when_true
        return self.unknown(loc, f"{DEPENDS}{cond}", src)


def _transform_note(arg: Any) -> str:
    """Why a ``Fn::Transform`` value is UNKNOWN, naming the macro (``AWS::Include``: its file)."""
    name = arg.get("Name") if isinstance(arg, dict) else None
    if name == "AWS::Include":
        params = arg.get("Parameters") if isinstance(arg, dict) else None
        where = params.get("Location") if isinstance(params, dict) else None
        return "AWS::Include inserts it at deploy time" + (f" from {where}" if isinstance(where, str) else "")
    return f"the macro {name} produces it at deploy time (Fn::Transform)" if isinstance(name, str) else "a macro (Fn::Transform) produces it at deploy time"


def _as_index(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
