"""Which combinations of a template's conditions can actually occur together.

A key whose properties use ``Fn::If`` is modelled once per feasible combination of the
conditions it uses (see :mod:`.template`). Conditions are boolean formulas (``Fn::Equals``,
``Fn::And``, ``Fn::Or``, ``Fn::Not``, ``Condition``) over parameters and pseudo parameters,
which vary per deployment. Each such input is a variable whose domain is its
``AllowedValues``, or the literals it is compared with plus "anything else"; an
``Fn::Equals`` kmslint cannot read is a free boolean. Enumerating the variables and keeping
the distinct truth tables means ``IsProd`` and ``IsNotProd = !Not [IsProd]`` are never both
true, and ``Env == prod`` and ``Env == dev`` are never both true. Parameter *defaults* are not
used here: a condition exists precisely because deployments differ.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Iterable, Mapping, Optional, Sequence

from .resolve import PSEUDO, Template

__all__ = ["feasible_assignments", "if_conditions"]

_OTHER = "\u27e6any other value\u27e7"
_MAX_ENVIRONMENTS = 4096


class _Unreadable(ValueError):
    """A condition kmslint cannot evaluate structurally."""


def if_conditions(node: Any) -> set[str]:
    """The condition names used by ``Fn::If`` anywhere inside ``node``."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            arg = item.get("Fn::If") if len(item) == 1 else None
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                found.add(str(arg[0]))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _operand(tpl: Template, node: Any) -> tuple[str, str]:
    """("lit", text) for a literal, ("var", name) for a parameter or pseudo parameter."""
    if isinstance(node, bool):
        return "lit", "true" if node else "false"
    if isinstance(node, (str, int, float)):
        return "lit", str(node)
    if isinstance(node, dict) and len(node) == 1 and isinstance(node.get("Ref"), str):
        name = str(node["Ref"])
        if name in tpl.parameters or name in PSEUDO:
            return "var", name
    raise _Unreadable("operand")


def _atom_key(node: Any) -> str:
    return "atom:" + json.dumps(node, sort_keys=True, default=str)


class _Space:
    """Variables of the formulas reachable from some condition names."""

    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self.literals: dict[str, set[str]] = {}
        self.atoms: set[str] = set()

    def collect(self, name: str, seen: frozenset[str] = frozenset()) -> None:
        if name in seen or name not in self.tpl.conditions:
            raise _Unreadable(f"condition {name}")
        self._walk(self.tpl.conditions[name], seen | {name})

    def _walk(self, node: Any, seen: frozenset[str]) -> None:
        if not (isinstance(node, dict) and len(node) == 1):
            raise _Unreadable("formula")
        (fn, arg), = node.items()
        if fn == "Condition" and isinstance(arg, str):
            self.collect(arg, seen)
        elif fn in ("Fn::And", "Fn::Or", "Fn::Not") and isinstance(arg, list) and (fn != "Fn::Not" or len(arg) == 1):
            for sub in arg:
                self._walk(sub, seen)
        elif fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            self._equals(arg)
        else:
            raise _Unreadable(str(fn))

    def _equals(self, arg: list[Any]) -> None:
        try:
            sides = [_operand(self.tpl, a) for a in arg]
        except _Unreadable:
            self.atoms.add(_atom_key(arg))
            return
        lits = [text for kind, text in sides if kind == "lit"]
        for kind, name in sides:
            if kind == "var":
                self.literals.setdefault(name, set()).update(lits)

    def domain(self, var: str) -> list[str]:
        param = self.tpl.parameters.get(var)
        allowed = param.get("AllowedValues") if isinstance(param, dict) else None
        if isinstance(allowed, list) and allowed and all(isinstance(a, (str, int, float, bool)) for a in allowed):
            return sorted({_operand(self.tpl, a)[1] for a in allowed})
        return sorted(self.literals.get(var, set())) + [_OTHER]

    def environments(self) -> Optional[list[dict[str, Any]]]:
        names = sorted(self.literals) + sorted(self.atoms)
        domains: list[Sequence[Any]] = [self.domain(v) for v in sorted(self.literals)] + [[True, False]] * len(self.atoms)
        size = 1
        for d in domains:
            size *= len(d)
        if size > _MAX_ENVIRONMENTS:
            return None
        return [dict(zip(names, combo)) for combo in itertools.product(*domains)]


def _evaluate(tpl: Template, node: Any, env: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    (fn, arg), = node.items()
    if fn == "Condition":
        return _evaluate(tpl, tpl.conditions[arg], env, seen | {arg})
    if fn == "Fn::And":
        return all(_evaluate(tpl, a, env, seen) for a in arg)
    if fn == "Fn::Or":
        return any(_evaluate(tpl, a, env, seen) for a in arg)
    if fn == "Fn::Not":
        return not _evaluate(tpl, arg[0], env, seen)
    try:
        sides = [_operand(tpl, a) for a in arg]
    except _Unreadable:
        return bool(env[_atom_key(arg)])
    values = [text if kind == "lit" else env[text] for kind, text in sides]
    return values[0] == values[1] and values[0] != _OTHER


def _free(names: Sequence[str], limit: int) -> Optional[list[dict[str, bool]]]:
    if 2 ** len(names) > limit:
        return None
    return [dict(zip(names, combo)) for combo in itertools.product((True, False), repeat=len(names))]


def feasible_assignments(tpl: Template, names: Iterable[str], limit: int = 16) -> Optional[list[dict[str, bool]]]:
    """The distinct truth assignments of ``names`` that some deployment can produce.

    Conditions kmslint cannot read are treated as free booleans. None when there would be
    more than ``limit`` combinations (the caller then falls back to UNKNOWN for values that
    differ between branches).
    """
    ordered = sorted(set(names))
    space = _Space(tpl)
    try:
        for name in ordered:
            space.collect(name)
    except _Unreadable:
        return _free(ordered, limit)
    envs = space.environments()
    if envs is None:
        return _free(ordered, limit)
    seen: dict[tuple[bool, ...], None] = {}
    for env in envs:
        seen.setdefault(tuple(_evaluate(tpl, tpl.conditions[n], env) for n in ordered), None)
        if len(seen) > limit:
            return None
    return [dict(zip(ordered, row)) for row in seen]
