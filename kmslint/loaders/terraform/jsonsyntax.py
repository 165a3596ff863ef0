"""Terraform's JSON syntax (``*.tf.json``, ``*.tfvars.json``) read into the same tree as HCL.

CDK for Terraform and other generators write configuration as JSON. Terraform reads it with the
rules of HCL's JSON syntax, which this module follows so the rest of the loader sees one model:

- the top-level object's properties are blocks; a block's labels are nested object keys
  (``{"resource": {"aws_kms_key": {"k": {...}}}}``), and any level may be an array of objects;
- inside a body, a property is a nested block when the schema says so (``lifecycle``,
  ``statement``, ...) and an attribute otherwise. kmslint has no provider schemas, so it knows the
  block names its loaders read (:data:`NESTED_BLOCKS`); any other object is an attribute value,
  which is what Terraform's evaluator would give for it too;
- strings are templates (``"${var.window}"``), except a variable's ``default`` (a literal value)
  and its ``type`` (a type expression); a string that is one interpolation is that expression's
  value, not its text, as in HCL;
- ``"//"`` properties are comments.

Positions come from :mod:`kmslint.loaders.jsonpos`: an attribute is located at its property name,
a block at its last label (or its type when it has none). ``*.tfvars.json`` values are literal
values, never templates.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from ...model.values import Location
from ..jsonpos import DuplicateKeyError, JSONDecodeError, LineIndex, loads
from .hcl import Attribute, Block, Body, Expr, HclSyntaxError, Lit, ObjectExpr, Template, TupleExpr
from .hcl_lark import _Converter, _parse_fragment  # expressions inside JSON strings are HCL

TOP_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1, "check": 1, "locals": 0, "terraform": 0}
# Nested blocks the loaders read (label counts): policy documents, lifecycle, dynamic blocks, alarms.
NESTED_BLOCKS = {
    "lifecycle": 0,
    "statement": 0,
    "principals": 0,
    "not_principals": 0,
    "condition": 0,
    "dynamic": 1,
    "content": 0,
    "metric_transformation": 0,
    "metric_query": 0,
    "metric": 0,
    "validation": 0,
}
COMMENT = "//"


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = LineIndex(text)

    def at(self, offset: Optional[int]) -> Location:
        line, col = self.lines.line_col(offset or 0)
        return Location(self.path, line, col)

    def key_loc(self, obj: Any, key: str) -> Location:
        return self.at(getattr(obj, "key_offsets", {}).get(key, getattr(obj, "start", 0)))

    # --- structure -------------------------------------------------------------------------

    def top(self, doc: Any) -> Body:
        if not isinstance(doc, dict):
            raise HclSyntaxError("a Terraform JSON file must hold an object", 1, 1)
        blocks: list[Block] = []
        for btype, value in doc.items():
            if btype == COMMENT:
                continue
            labels = TOP_LABELS.get(btype)
            if labels is None:
                continue  # a block type Terraform would reject or kmslint does not read
            blocks.extend(self.blocks(btype, value, labels, (), self.key_loc(doc, btype)))
        return Body({}, tuple(blocks))

    def blocks(self, btype: str, value: Any, labels_left: int, labels: tuple[str, ...], where: Location) -> list[Block]:
        items = value if isinstance(value, list) else [value]
        out: list[Block] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            if labels_left == 0:  # one of several blocks in an array is located at its own "{"
                here = self.at(getattr(item, "start", None)) if isinstance(value, list) else where
                out.append(Block(btype, labels, self.body(item, btype), here))
                continue
            for label, inner in item.items():
                if label != COMMENT:
                    out.extend(self.blocks(btype, inner, labels_left - 1, labels + (label,), self.key_loc(item, label)))
        return out

    def body(self, obj: dict[str, Any], btype: str) -> Body:
        attrs: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for name, value in obj.items():
            if name == COMMENT:
                continue
            loc = self.key_loc(obj, name)
            nested = NESTED_BLOCKS.get(name)
            if nested is not None and btype not in ("locals",) and _block_shaped(value):
                blocks.extend(self.blocks(name, value, nested, (), loc))
            elif btype == "variable" and name == "default":
                attrs[name] = Attribute(name, self.literal(value, loc), loc)
            elif btype == "variable" and name == "type" and isinstance(value, str):
                attrs[name] = Attribute(name, _parse_fragment(value, self.path, loc), loc)
            else:
                attrs[name] = Attribute(name, self.expr(value, loc), loc)
        return Body(attrs, tuple(blocks))

    # --- expressions -----------------------------------------------------------------------

    def expr(self, value: Any, loc: Location) -> Expr:
        if isinstance(value, str):
            return self.template(value, self.at(getattr(value, "start", None)) if hasattr(value, "start") else loc)
        if isinstance(value, list):
            return TupleExpr(tuple(self.expr(v, loc) for v in value), self.at(getattr(value, "start", None)))
        if isinstance(value, dict):
            items: list[tuple[Union[str, Expr], Expr]] = [(k, self.expr(v, self.key_loc(value, k))) for k, v in value.items() if k != COMMENT]
            return ObjectExpr(tuple(items), self.at(getattr(value, "start", None)))
        return Lit(value, loc)

    def template(self, text: str, loc: Location) -> Expr:
        if "${" not in text and "%{" not in text:
            return Lit(str(text), loc)
        result = _Converter(self.path).template_text(str(text), loc, first_line=loc.line)
        if isinstance(result, Template) and len(result.parts) == 1 and not isinstance(result.parts[0], str):
            return result.parts[0]  # "${expr}" is the expression's value, as in HCL
        return result

    def literal(self, value: Any, loc: Location) -> Expr:
        if isinstance(value, list):
            return TupleExpr(tuple(self.literal(v, loc) for v in value), loc)
        if isinstance(value, dict):
            return ObjectExpr(tuple((k, self.literal(v, self.key_loc(value, k))) for k, v in value.items()), loc)
        return Lit(str(value) if isinstance(value, str) else value, loc)


def _block_shaped(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value))


def _decode(text: str) -> Any:
    try:
        return loads(text)
    except JSONDecodeError as exc:
        raise HclSyntaxError(f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno) from None
    except DuplicateKeyError as exc:
        line, col = LineIndex(text).line_col(exc.offset)
        raise HclSyntaxError(f"JSON syntax error: duplicate key {exc.key!r}", line, col) from None
    except RecursionError:
        raise HclSyntaxError("nesting is too deep to parse", 1, 1) from None


def parse_json(text: str, path: str) -> Body:
    """A ``.tf.json`` file as a Body. Raises :class:`HclSyntaxError` with the position of the problem."""
    return _Reader(text, path).top(_decode(text))


def parse_tfvars_json(text: str, path: str) -> Body:
    """A ``.tfvars.json`` file: each property is a variable's literal value."""
    doc = _decode(text)
    if not isinstance(doc, dict):
        raise HclSyntaxError("a variables file in JSON must hold an object", 1, 1)
    reader = _Reader(text, path)
    attrs = {}
    for name, value in doc.items():
        if name != COMMENT:
            loc = reader.key_loc(doc, name)
            attrs[name] = Attribute(name, reader.literal(value, loc), loc)
    return Body(attrs, ())


def is_json_path(path: str) -> bool:
    return path.endswith(".json")
