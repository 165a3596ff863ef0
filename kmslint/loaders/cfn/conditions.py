"""Which combinations of a template's conditions can actually occur together.

A key whose properties use ``Fn::If`` is modelled once per feasible combination of the
conditions it uses (see :mod:`.template`). Conditions are boolean formulas (``Fn::Equals``,
``Fn::And``, ``Fn::Or``, ``Fn::Not``, ``Condition``) over parameters and pseudo parameters,
which vary per deployment. Each such input is a variable whose domain is its
``AllowedValues``, or the literals it is compared with plus "anything else"; an
``Fn::Equals`` kmslint cannot read is a free boolean. Enumerating the variables and keeping
the distinct truth tables means ``IsProd`` and ``IsNotProd = !Not [IsProd]`` are never both
true, and ``Env == prod`` and ``Env == dev`` are never both true. Parameter *defaults* are not
used here: a condition exists precisely because deployments differ; and within a branch, a
parameter the conditions test is pinned to what the branch allows (see :class:`Branch`).

Conditions are built from conditions (``C1: !Or [!Condition C0, !Condition C0]``), so every walk
here visits a condition once: collecting its variables once per template, evaluating it once per
environment (a memo), which keeps the work polynomial in the template's size. A condition that
refers to itself, directly or through others, is unreadable (CloudFormation rejects it too).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from ...model.values import UNKNOWN
from .resolve import PSEUDO, Template

__all__ = ["Branch", "feasible_branches", "if_conditions"]

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
        self.done: set[str] = set()  # conditions whose variables are collected (each is walked once)

    def collect(self, name: str, seen: frozenset[str] = frozenset()) -> None:
        if name in seen or name not in self.tpl.conditions:
            raise _Unreadable(f"condition {name}")  # a cycle, or a condition the template does not declare
        if name in self.done:
            return
        self._walk(self.tpl.conditions[name], seen | {name})
        self.done.add(name)

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


def _evaluate(tpl: Template, node: Any, env: Mapping[str, Any], memo: dict[str, bool]) -> bool:
    """``node`` (a formula :class:`_Space` has collected, so acyclic) in one environment;
    ``memo`` holds the conditions already evaluated in it."""
    (fn, arg), = node.items()
    if fn == "Condition":
        if arg not in memo:
            memo[arg] = _evaluate(tpl, tpl.conditions[arg], env, memo)
        return memo[arg]
    if fn == "Fn::And":
        return all(_evaluate(tpl, a, env, memo) for a in arg)
    if fn == "Fn::Or":
        return any(_evaluate(tpl, a, env, memo) for a in arg)
    if fn == "Fn::Not":
        return not _evaluate(tpl, arg[0], env, memo)
    try:
        sides = [_operand(tpl, a) for a in arg]
    except _Unreadable:
        return bool(env[_atom_key(arg)])
    values = [text if kind == "lit" else env[text] for kind, text in sides]
    return values[0] == values[1] and values[0] != _OTHER


@dataclass(frozen=True)
class Branch:
    """One feasible combination of conditions, and the parameters it pins down.

    A parameter a condition tests takes, in this branch, the one value the branch allows, or
    UNKNOWN when it allows several (``KeySpec`` is anything but SYMMETRIC_DEFAULT when
    ``HasSymmetricKey`` is false): never its Default, which may contradict the branch.
    """

    conditions: Mapping[str, bool]
    parameters: Mapping[str, Any] = field(default_factory=dict)


def _tested_parameters(tpl: Template, names: Iterable[str]) -> set[str]:
    """Parameters referenced by the formulas of ``names``, following ``Condition`` links."""
    found: set[str] = set()
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        stack = [tpl.conditions.get(name)]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                ref, cond = item.get("Ref"), item.get("Condition")
                if isinstance(ref, str) and ref in tpl.parameters:
                    found.add(ref)
                if isinstance(cond, str):
                    todo.append(cond)
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return found


def _free(names: Sequence[str], tested: set[str], limit: int) -> Optional[list[Branch]]:
    if 2 ** len(names) > limit:
        return None
    unknown = {p: UNKNOWN for p in tested}
    return [Branch(dict(zip(names, combo)), unknown) for combo in itertools.product((True, False), repeat=len(names))]


def _pinned(values: set[Any]) -> Any:
    if len(values) == 1:
        (value,) = values
        if value != _OTHER:
            return value
    return UNKNOWN


def feasible_branches(tpl: Template, names: Iterable[str], limit: int = 16) -> Optional[list[Branch]]:
    """The distinct truth assignments of ``names`` that some deployment can produce, each with
    the values it forces on the parameters those conditions test.

    Conditions kmslint cannot read are free booleans (and their parameters UNKNOWN). None when
    there would be more than ``limit`` combinations (the caller then falls back to UNKNOWN for
    values that differ between branches).
    """
    ordered = sorted(set(names))
    tested = _tested_parameters(tpl, ordered)
    space = _Space(tpl)
    try:
        for name in ordered:
            space.collect(name)
    except _Unreadable:
        return _free(ordered, tested, limit)
    envs = space.environments()
    if envs is None:
        return _free(ordered, tested, limit)
    rows: dict[tuple[bool, ...], dict[str, set[Any]]] = {}
    for env in envs:
        memo: dict[str, bool] = {}
        row = tuple(_evaluate(tpl, {"Condition": n}, env, memo) for n in ordered)
        seen = rows.setdefault(row, {p: set() for p in tested})
        for p in tested:
            seen[p].add(env.get(p, _OTHER))  # a parameter only inside an unreadable Equals varies freely
        if len(rows) > limit:
            return None
    return [Branch(dict(zip(ordered, row)), {p: _pinned(v) for p, v in values.items()}) for row, values in rows.items()]
