"""Terraform modules: the blocks of one directory, and instances of it with their inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ...limits import MAX_FILE_BYTES
from ...model.resources import ParseError
from ...model.values import Location
from .hcl import Attribute, Block, Body, Expr, Lit

MAX_MODULE_DEPTH = 12
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1}  # Terraform's block schema


@dataclass
class ModuleDef:
    """Everything declared in one directory's ``*.tf`` files."""

    dir: Path
    rel: str
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    resources: dict[str, Block] = field(default_factory=dict)  # "aws_kms_key.a"
    data: dict[str, Block] = field(default_factory=dict)  # "aws_iam_policy_document.p"
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Attribute] = field(default_factory=dict)
    providers: dict[str, Block] = field(default_factory=dict)  # "aws", "aws.eu" (alias): for Regions (KMS006/KMS007)
    parse_errors: list[ParseError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add_body(self, body: Body) -> None:
        for block in body.blocks:
            labels = block.labels
            expected = _LABELS.get(block.type)
            if expected is not None and len(labels) != expected:
                self.parse_errors.append(
                    ParseError(block.loc, f"a {block.type} block needs {expected} label{'s' if expected > 1 else ''}, not {len(labels)}: Terraform rejects it")
                )
                continue
            if block.type == "variable" and labels:
                self.variables[labels[0]] = block
            elif block.type == "locals":
                self.locals.update(block.body.attributes)
            elif block.type == "resource" and len(labels) == 2:
                self.resources[f"{labels[0]}.{labels[1]}"] = block
            elif block.type == "data" and len(labels) == 2:
                self.data[f"{labels[0]}.{labels[1]}"] = block
            elif block.type == "module" and labels:
                self.modules[labels[0]] = block
            elif block.type == "output" and labels and "value" in block.body.attributes:
                self.outputs[labels[0]] = block.body.attributes["value"]
            elif block.type == "provider" and labels:
                alias = block.body.attributes.get("alias")
                name = alias.expr.value if alias is not None and isinstance(alias.expr, Lit) else None
                self.providers[f"{labels[0]}.{name}" if isinstance(name, str) else labels[0]] = block

    def local_sources(self) -> dict[str, Path]:
        """Module calls whose ``source`` is a local path (``./x``, ``../x``)."""
        out: dict[str, Path] = {}
        for name, block in self.modules.items():
            src = block.body.attributes.get("source")
            if src is not None and isinstance(src.expr, Lit) and isinstance(src.expr.value, str):
                value = src.expr.value
                if value.startswith(("./", "../")) or value in (".", ".."):
                    out[name] = (self.dir / value).resolve()
        return out


def load_module_dir(
    directory: Path, rel_of: "Any", files: list[Path], parsed: "Optional[dict[Path, Any]]" = None, max_bytes: int = MAX_FILE_BYTES
) -> ModuleDef:
    """Build a module from its files; a file that failed to parse becomes a ParseError."""
    from .parallel import parse_file

    mdef = ModuleDef(directory, rel_of(directory))
    for path in sorted(files):
        rel = rel_of(path)
        mdef.files.append(rel)
        outcome = parsed[path] if parsed is not None and path in parsed else parse_file(path, rel, max_bytes)
        if isinstance(outcome, ParseError):
            mdef.parse_errors.append(outcome)
        else:
            mdef.add_body(outcome)
    return mdef


@dataclass
class Instance:
    """One use of a module: the root itself, or a ``module`` call with its arguments.

    ``args`` maps a variable name to the caller's argument expression and the caller instance;
    ``tfvars`` holds root-module values from ``*.tfvars`` with their locations.
    """

    mdef: ModuleDef
    prefix: str = ""
    parent: Optional["Instance"] = None
    args: dict[str, tuple[Attribute, "Instance"]] = field(default_factory=dict)
    tfvars: dict[str, tuple[Any, Location]] = field(default_factory=dict)
    depth: int = 0
    anchor: Optional[Location] = None  # the root module's call that leads here
    bindings: dict[str, Any] = field(default_factory=dict)  # each/count of the resource being evaluated
    call_bindings: dict[str, Any] = field(default_factory=dict)  # each/count of the module call, for its arguments
    cache: dict[str, Any] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)

    def address(self, local: str) -> str:
        return f"{self.prefix}{local}"


def call_arguments(block: Block) -> dict[str, Attribute]:
    meta = {"source", "version", "count", "for_each", "providers", "depends_on"}
    return {n: a for n, a in block.body.attributes.items() if n not in meta}


__all__ = ["Expr", "Instance", "ModuleDef", "call_arguments", "load_module_dir", "MAX_MODULE_DEPTH"]
