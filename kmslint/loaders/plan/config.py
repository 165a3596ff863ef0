"""What a plan's ``configuration`` section says about references between resources.

A plan carries resolved values, but not *how* an argument was written. The ``configuration``
section keeps each argument's ``references`` (``["aws_kms_key.primary.arn",
"aws_kms_key.primary"]``), which is how kmslint tells ``primary_key_arn = aws_kms_key.p.arn``
(Terraform orders the deletions) from a literal ARN or a variable (it cannot). References are
followed through module outputs and module arguments, as the HCL loader does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from .facts import as_list

__all__ = ["ConfigIndex", "ResourceRef"]

MAX_DEPTH = 12
_NOT_RESOURCES = frozenset({"var", "local", "module", "data", "each", "count", "path", "terraform", "self"})
_RESOURCE = re.compile(r"^(?P<type>[A-Za-z][\w-]*)\.(?P<name>[\w-]+)(?:\[[^\]]*\])?(?:\.(?P<attr>[\w-]+))?")


@dataclass(frozen=True)
class ResourceRef:
    """A resource an argument refers to: its address without instance keys, and the attribute."""

    address: str  # module.x.aws_kms_key.primary
    attr: str  # arn, id, key_id, "" for the whole object


@dataclass
class _Module:
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # "aws_kms_key.a" -> expressions
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # module name -> call expressions
    outputs: dict[str, Any] = field(default_factory=dict)  # output name -> expression


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _references(expression: Any) -> list[str]:
    refs = _mapping(expression).get("references")
    return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []


class ConfigIndex:
    """The modules of a plan's ``configuration``, by module prefix (``""``, ``"module.x."``)."""

    def __init__(self, configuration: Any) -> None:
        self.modules: dict[str, _Module] = {}
        self.present = isinstance(configuration, dict) and isinstance(configuration.get("root_module"), dict)
        if self.present:
            self._add("", configuration["root_module"], 0)

    def _add(self, prefix: str, module: dict[str, Any], depth: int) -> None:
        mod = _Module()
        self.modules[prefix] = mod
        for res in as_list(module.get("resources")):
            if isinstance(res, dict) and isinstance(res.get("address"), str) and res.get("mode", "managed") == "managed":
                mod.resources[res["address"]] = _mapping(res.get("expressions"))
        mod.outputs = {n: _mapping(o).get("expression") for n, o in _mapping(module.get("outputs")).items()}
        for name, call in _mapping(module.get("module_calls")).items():
            mod.calls[name] = _mapping(_mapping(call).get("expressions"))
            child = _mapping(call).get("module")
            if isinstance(child, dict) and depth < MAX_DEPTH:
                self._add(f"{prefix}module.{name}.", child, depth + 1)

    def declares(self, address: str) -> bool:
        """Whether the configuration declares the resource (address without instance keys)."""
        prefix, local = _split(address)
        mod = self.modules.get(prefix)
        return mod is not None and local in mod.resources

    def is_set(self, address: str, argument: str) -> Optional[bool]:
        """Whether the configuration sets ``argument`` on the resource; None when it is not known."""
        prefix, local = _split(address)
        mod = self.modules.get(prefix)
        if mod is None or local not in mod.resources:
            return None
        return argument in mod.resources[local]

    def argument_ref(self, address: str, argument: str) -> Optional[ResourceRef]:
        """The resource the argument of a resource refers to, following modules; None if none."""
        prefix, local = _split(address)
        mod = self.modules.get(prefix)
        if mod is None or local not in mod.resources:
            return None
        return self._resolve(prefix, _references(mod.resources[local].get(argument)), 0)

    def _resolve(self, prefix: str, refs: list[str], depth: int) -> Optional[ResourceRef]:
        if depth > MAX_DEPTH or not refs:
            return None
        ref = refs[0]  # the most specific traversal comes first
        head = ref.split(".", 1)[0]
        if head == "var":
            return self._through_argument(prefix, ref.split(".")[1], depth)
        if head == "module":
            return self._through_output(prefix, ref.split("."), depth)
        m = _RESOURCE.match(ref)
        if m is None or head in _NOT_RESOURCES:
            return None
        return ResourceRef(f"{prefix}{m['type']}.{m['name']}", m["attr"] or "")

    def _through_argument(self, prefix: str, variable: str, depth: int) -> Optional[ResourceRef]:
        """``var.x`` inside a module: what its caller passes (a root variable is not a resource)."""
        if not prefix:
            return None
        parent, name = _parent(prefix)
        call = self.modules.get(parent, _Module()).calls.get(name, {})
        return self._resolve(parent, _references(call.get(variable)), depth + 1)

    def _through_output(self, prefix: str, parts: list[str], depth: int) -> Optional[ResourceRef]:
        if len(parts) < 3:
            return None
        child = f"{prefix}module.{parts[1].split('[')[0]}."
        mod = self.modules.get(child)
        if mod is None:
            return None
        return self._resolve(child, _references(mod.outputs.get(parts[2])), depth + 1)


def _split(address: str) -> tuple[str, str]:
    """``module.x.aws_kms_key.a`` -> (``module.x.``, ``aws_kms_key.a``); addresses without instance keys."""
    parts = address.split(".")
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        i += 2
    return ".".join(parts[:i]) + ("." if i else ""), ".".join(parts[i:])


def _parent(prefix: str) -> tuple[str, str]:
    """``module.a.module.b.`` -> (``module.a.``, ``b``)."""
    parts = prefix.rstrip(".").split(".")
    return ".".join(parts[:-2]) + ("." if len(parts) > 2 else ""), parts[-1]
