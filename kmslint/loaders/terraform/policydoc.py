"""``data "aws_iam_policy_document"``: evaluated into policy JSON with statement locations.

Supports statement blocks (sid, effect, actions, not_actions, resources, not_resources,
principals, not_principals, condition), ``dynamic "statement"`` over a known collection,
``source_policy_documents``/``override_policy_documents`` (and the older ``source_json``/
``override_json``). A statement that cannot be evaluated is kept as UNKNOWN.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ...model.values import UNKNOWN
from .evaluate import Bindings, Evaluator
from .hcl import Block, Traversal
from .module import Instance
from .tfvalues import Encoded, LocDict, LocList, Text, contains_unknown, with_loc


def _list(v: Any) -> Any:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _principals(evaluator: Evaluator, blocks: list[Block], inst: Instance, b: Bindings) -> Any:
    out: dict[str, list[Any]] = {}
    for pb in blocks:
        kind = evaluator.attr(pb, "type", inst, b)
        ids = evaluator.attr(pb, "identifiers", inst, b)
        if kind is UNKNOWN or ids is UNKNOWN or contains_unknown(ids):
            return UNKNOWN
        if kind == "*":
            return "*"
        out.setdefault(str(kind), []).extend(_list(ids))
    return out


def _conditions(evaluator: Evaluator, pairs: list[tuple[Block, Bindings]], inst: Instance) -> Any:
    """Static and ``dynamic "condition"`` blocks alike: a condition that is dropped would make a
    pinned statement look public (KMS012), so an unknowable one makes the whole set UNKNOWN."""
    out: dict[str, dict[str, list[Any]]] = {}
    for cb, b in pairs:
        if b.get("__unknown__"):
            return UNKNOWN
        test = evaluator.attr(cb, "test", inst, b)
        var = evaluator.attr(cb, "variable", inst, b)
        values = evaluator.attr(cb, "values", inst, b)
        if UNKNOWN in (test, var) or values is UNKNOWN or contains_unknown(values):
            return UNKNOWN
        out.setdefault(str(test), {}).setdefault(str(var), []).extend(_list(values))
    return out


def _statement(evaluator: Evaluator, block: Block, inst: Instance, b: Bindings) -> Any:
    stmt = LocDict()
    stmt.loc = block.loc
    effect = evaluator.attr(block, "effect", inst, b)
    stmt["Effect"] = "Allow" if effect is None else effect
    for hcl_name, json_name in (("sid", "Sid"), ("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")):
        v = evaluator.attr(block, hcl_name, inst, b)
        if v is not None:
            stmt[json_name] = v
    for hcl_name, json_name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        pairs = [(pb, b) for pb in block.body.blocks_of(hcl_name)] + _dynamic(evaluator, block, hcl_name, inst, b)
        if pairs:
            stmt[json_name] = _principals_dyn(evaluator, pairs, inst)
    cond_pairs = [(cb, b) for cb in block.body.blocks_of("condition")] + _dynamic(evaluator, block, "condition", inst, b)
    if cond_pairs:
        stmt["Condition"] = _conditions(evaluator, cond_pairs, inst)
    return stmt


def _principals_dyn(evaluator: Evaluator, pairs: list[tuple[Block, Bindings]], inst: Instance) -> Any:
    out: dict[str, list[Any]] = {}
    for blk, bind in pairs:
        one = UNKNOWN if bind.get("__unknown__") else _principals(evaluator, [blk], inst, bind)
        if one is UNKNOWN or one == "*":
            return one
        for k, v in one.items():
            out.setdefault(k, []).extend(v)
    return out


def _dynamic(evaluator: Evaluator, block: Block, name: str, inst: Instance, b: Bindings) -> list[Any]:
    """Expand ``dynamic "name"`` blocks into (content block, bindings) pairs; UNKNOWN if unknowable."""
    out: list[Any] = []
    for dyn in block.body.blocks_of("dynamic"):
        if dyn.labels[:1] != (name,):
            continue
        coll = evaluator.attr(dyn, "for_each", inst, b)
        it_expr = dyn.body.attributes["iterator"].expr if "iterator" in dyn.body.attributes else None
        it_name = it_expr.root if isinstance(it_expr, Traversal) and isinstance(it_expr.root, str) else name
        content = dyn.body.blocks_of("content")
        if not content:
            continue
        if coll is UNKNOWN or not isinstance(coll, (list, dict)):
            out.append((content[0], {**b, "__unknown__": True}))
            continue
        pairs = coll.items() if isinstance(coll, dict) else enumerate(coll)
        for k, v in pairs:
            out.append((content[0], {**b, str(it_name): LocDict(key=k, value=v)}))
    return out


def policy_document(evaluator: Evaluator, block: Block, inst: Instance) -> Any:
    """The document's JSON structure: a LocDict whose statements are LocDicts (or UNKNOWN)."""
    base = dict(inst.bindings)
    statements: list[Any] = []
    for src_name in ("source_policy_documents", "source_json"):
        for doc in _list(evaluator.attr(block, src_name, inst, base)):
            statements.extend(_statements_of(doc))
    own: list[Any] = [_statement(evaluator, sb, inst, base) for sb in block.body.blocks_of("statement")]
    for content, bind in _dynamic(evaluator, block, "statement", inst, base):
        own.append(UNKNOWN if bind.get("__unknown__") else _statement(evaluator, content, inst, bind))
    statements = _override(statements, own)
    for ovr_name in ("override_policy_documents", "override_json"):
        for doc in _list(evaluator.attr(block, ovr_name, inst, base)):
            statements = _override(statements, _statements_of(doc))
    doc = LocDict(Version=evaluator.attr(block, "version", inst, base) or "2012-10-17", Statement=LocList(statements))
    doc.loc = block.loc
    return doc


def _sid(stmt: Any) -> Optional[str]:
    return str(stmt["Sid"]) if isinstance(stmt, dict) and stmt.get("Sid") not in (None, "") else None


def _override(base: list[Any], newer: list[Any]) -> list[Any]:
    """Statements with the same Sid are replaced; others are appended (Terraform's merge)."""
    result = list(base)
    for stmt in newer:
        sid = _sid(stmt)
        idx = next((i for i, s in enumerate(result) if sid is not None and _sid(s) == sid), None)
        if idx is None:
            result.append(stmt)
        else:
            result[idx] = stmt
    return result


def _statements_of(doc: Any) -> list[Any]:
    if doc is UNKNOWN:
        return [UNKNOWN]
    if isinstance(doc, Encoded):
        doc = doc.value
    if isinstance(doc, str):
        if isinstance(doc, Text) and doc.partial and doc.startswith("${"):
            return [UNKNOWN]
        try:
            doc = json.loads(doc)
        except ValueError:
            return [UNKNOWN]
    if not isinstance(doc, dict):
        return [UNKNOWN]
    stmts = doc.get("Statement", [])
    return [with_loc(s, getattr(doc, "loc", None)) for s in _list(stmts)]
