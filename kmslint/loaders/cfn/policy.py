"""``KeyPolicy`` (a map, a JSON string, or JSON built by ``Fn::Sub``/``Fn::Join``) -> Policy.

Statement locations: for a map, where each statement starts. For JSON text inside a YAML
literal block scalar (``KeyPolicy: !Sub |``), the statement's own line in the file, since the
block's lines are the file's lines; for any other string, the string's start. Statements with
parts kmslint cannot resolve are marked unknown, so rules skip them rather than guess.

What the result says about a policy kmslint cannot check:
- one it cannot *see* (a macro's ``Fn::Transform``, ``AWS::Include``, ``!Ref`` to a parameter
  without a Default, ``!ImportValue``) is unknown and listed as :class:`Unchecked`: the policy
  rules stay silent and the user is told why, not handed a parse error;
- one that differs between ``Fn::If`` branches is unknown in the merged view only; each
  branch's variant carries the branch's own policy (see :mod:`.template`);
- one that is present but invalid (a JSON string AWS cannot parse, a statement without a
  principal) is unknown with ``parse_error`` set: AWS rejects it, which is reported (KMS000,
  "AWS will reject this key policy") at the policy, not as a file that cannot be parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ...model.policy import Policy, policy_from_json
from ...model.resources import Unchecked
from ...model.values import UNKNOWN, Location
from .. import jsonpos
from .resolve import DEPENDS, UNKNOWN_MARK, RNode, Template, contains_unknown, plain

__all__ = ["PolicyRead", "key_policy"]

_POLICY_RULES = "KMS001, KMS012 and KMS014"


@dataclass(frozen=True)
class PolicyRead:
    """A key's policy (None when the template gives none) and what could not be checked."""

    policy: Optional[Policy] = None
    unchecked: tuple[Unchecked, ...] = ()
    by_condition: bool = False  # unknown only because Fn::If branches differ (variants check it)


def _unseen(loc: Location, owner: str, why: str) -> PolicyRead:
    reason = (
        f"the key policy of {owner} cannot be checked ({why}), so {_POLICY_RULES} did not check it; "
        "write the policy in the template to have it checked"
    )
    return PolicyRead(Policy(location=loc, origin="inline", known=False), (Unchecked(loc, reason),))


def _rejected(loc: Location, why: str) -> Policy:
    return Policy(location=loc, origin="inline", known=False, parse_error=why)

_BLOCK_HEADER = re.compile(r"^(?:!\S+\s+)?\|[-+0-9]*\s*(?:#.*)?$")
_INDENT = re.compile(r"^[ ]*")


def _no_principal(items: Any) -> Optional[int]:
    """The (1-based) number of the first statement without Principal or NotPrincipal: AWS
    rejects a key policy with one (a key policy is a resource policy)."""
    for i, item in enumerate(items if isinstance(items, list) else [items], 1):
        if isinstance(item, dict) and "Principal" not in item and "NotPrincipal" not in item:
            return i
    return None


def _validated(policy: Policy, doc: Any) -> Policy:
    """``policy``, or a rejected one when AWS would refuse ``doc``."""
    if policy.parse_error:
        return policy
    missing = _no_principal(doc.get("Statement")) if isinstance(doc, dict) else None
    if missing is not None:
        return _rejected(policy.location, f"statement {missing} has no Principal")
    return policy


def _map_policy(node: RNode, owner: str) -> PolicyRead:
    doc = plain(node)
    statements = node.get("Statement")
    if statements is not None and not statements.known:
        if statements.depends_on_condition:
            return PolicyRead(Policy(location=node.loc, origin="inline", known=False), (), True)
        return _unseen(statements.loc, owner, f"its Statement: {statements.note}")
    if statements is None:
        return PolicyRead(_validated(policy_from_json(doc, node.loc), doc))
    items = statements.value if isinstance(statements.value, tuple) else (statements,)
    locations = [item.loc for item in items]
    unknown = [i for i, item in enumerate(items) if contains_unknown(plain(item))]
    policy = _validated(policy_from_json(doc, node.loc, locations, unknown_statements=unknown), doc)
    unseen = tuple(u for i in unknown if (u := _unseen_statement(items[i], i, owner)) is not None)
    return PolicyRead(policy, unseen, any(_notes(items[i]) and all(n.startswith(DEPENDS) for n in _notes(items[i])) for i in unknown))


def _notes(node: RNode) -> list[str]:
    """Why the UNKNOWN values inside ``node`` are unknown."""
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if not item.known:
            found.append(item.note or "a value cannot be resolved")
        elif isinstance(item.value, dict):
            stack.extend(item.value.values())
        elif isinstance(item.value, tuple):
            stack.extend(item.value)
    return found


def _unseen_statement(item: RNode, index: int, owner: str) -> Optional[Unchecked]:
    """A statement the policy rules skip because part of it cannot be resolved (a principal
    imported from another stack): unchecked, unless only Fn::If branches differ (the key's
    variants check each branch)."""
    notes = list(dict.fromkeys(_notes(item)))
    if not notes or all(n.startswith(DEPENDS) for n in notes):
        return None
    reason = (
        f"statement {index + 1} of the key policy of {owner} has values kmslint cannot resolve ({'; '.join(notes)}), "
        f"so {_POLICY_RULES} did not check it"
    )
    return Unchecked(item.loc, reason)


def _block_mapper(tpl: Template, src: Location) -> Optional[Callable[[int, int], Location]]:
    """For a literal block scalar starting at ``src``: (line, col) in its text -> file Location."""
    lines = tpl.lines
    if not 0 < src.line <= len(lines) or not _BLOCK_HEADER.match(lines[src.line - 1][src.column - 1 :].rstrip()):
        return None
    body = [ln for ln in lines[src.line :] if ln.strip()]
    indent = len(_INDENT.match(body[0]).group(0)) if body else 0  # type: ignore[union-attr]
    return lambda line, col: Location(tpl.rel, src.line + line, indent + col)


def _text_policy(tpl: Template, node: RNode, text: str, owner: str) -> PolicyRead:
    partial = UNKNOWN_MARK in text
    try:
        doc = jsonpos.loads(text)
    except (jsonpos.JSONDecodeError, jsonpos.DuplicateKeyError, RecursionError) as err:
        if partial:
            return _unseen(node.loc, owner, f"its JSON cannot be read with unresolved parts: {node.note}")
        detail = err.msg if isinstance(err, jsonpos.JSONDecodeError) else str(err)
        where = f" (line {err.lineno}, column {err.colno} of the policy)" if isinstance(err, jsonpos.JSONDecodeError) else ""
        return PolicyRead(_rejected(node.src, f"it is not valid JSON: {detail}{where}"))
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    items = [statements] if isinstance(statements, dict) else statements if isinstance(statements, list) else []
    mapper = _block_mapper(tpl, node.src)
    index = jsonpos.LineIndex(text)
    locations = [
        mapper(*index.line_col(item.start)) if mapper and isinstance(item, jsonpos.JObject) else node.src for item in items
    ]
    unknown = [i for i, item in enumerate(items) if contains_unknown(item)]
    return PolicyRead(_validated(policy_from_json(doc, node.loc, locations, unknown_statements=unknown), doc))


def key_policy(tpl: Template, node: Optional[RNode], owner: str) -> PolicyRead:
    """The key's policy as the template gives it (None: AWS's default policy)."""
    if node is None:
        return PolicyRead()
    if isinstance(node.value, dict):
        return _map_policy(node, owner)
    if isinstance(node.value, str):
        return _text_policy(tpl, node, node.value, owner)
    if node.value is UNKNOWN and node.partial is not None:
        return _text_policy(tpl, node, node.partial, owner)
    if node.value is UNKNOWN and node.depends_on_condition:
        return PolicyRead(Policy(location=node.loc, origin="inline", known=False), (), True)
    if node.value is UNKNOWN:
        return _unseen(node.loc, owner, node.note or "KeyPolicy cannot be resolved")
    return PolicyRead(_rejected(node.loc, "it is neither a map nor a JSON string"))
