"""The text of policy values: ARNs, policy variables and deploy-time placeholders.

Loaders leave a value computed at deploy time in policy text as ``${...}`` (Terraform's
``${data.aws_caller_identity.current.account_id}``, CloudFormation's ``${AWS::AccountId}``) or
``<...>`` (AWS's default policy's ``<account>``): a concrete value, unknown only in text. IAM's own
policy variables (``${aws:PrincipalAccount}``, ``${saml:sub}``, ``${*}``) also use ``${...}``, but
they are replaced per request, so a value holding one is not fixed. The two are told apart by
their names: a policy variable is ``${service:key}`` (one colon) or ``${*}``/``${?}``/``${$}``;
CloudFormation pseudo parameters have two colons, Terraform addresses none.

Plain string scanning, no regular expressions: every match here is ASCII and case-insensitive as
IAM's is (see ``kmslint.wildcard``).
"""

from __future__ import annotations

from typing import Optional

from ..wildcard import ascii_lower

_SPECIAL_VARIABLES = frozenset({"*", "?", "$"})
ARN_FIELDS = 6  # arn:partition:service:region:account:resource


def _braced(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of every ``${...}`` in ``text``; end is one past the ``}``."""
    spans: list[tuple[int, int]] = []
    i = text.find("${")
    while i >= 0:
        end = text.find("}", i + 2)
        if end < 0:
            break
        spans.append((i, end + 1))
        i = text.find("${", end + 1)
    return spans


def is_policy_variable(name: str) -> bool:
    """``name`` (the text between ``${`` and ``}``) is an IAM policy variable."""
    if name in _SPECIAL_VARIABLES:
        return True
    return name.count(":") >= 1 and "::" not in name and not name.startswith(":")


def has_policy_variable(text: str) -> bool:
    return any(is_policy_variable(text[s + 2 : e - 1]) for s, e in _braced(text))


def is_placeholder(text: str) -> bool:
    """The whole of ``text`` is one deploy-time value: ``${data.x.y}``, ``${AWS::AccountId}``, ``<account>``."""
    if text.startswith("<") and text.endswith(">") and len(text) > 2 and ">" not in text[1:-1]:
        return True
    spans = _braced(text)
    return spans == [(0, len(text))] and not is_policy_variable(text[2:-1])


def has_wildcard(text: str) -> bool:
    """``*`` or ``?`` outside placeholders (inside ``${*}`` they are policy variables: checked apart)."""
    outside = text
    for s, e in reversed(_braced(text)):
        outside = outside[:s] + outside[e:]
    return "*" in outside or "?" in outside


def is_fixed(text: str) -> bool:
    """One concrete value: not empty, no wildcard, no policy variable."""
    return bool(text) and not has_wildcard(text) and not has_policy_variable(text)


def arn_fields(text: str) -> Optional[list[str]]:
    """``text`` split at the colons that separate ARN fields (not those inside ``${...}``); None
    when it is not an ARN."""
    fields: list[str] = []
    start, i = 0, 0
    spans = _braced(text)
    while i < len(text):
        inside = next((e for s, e in spans if s == i), None)
        if inside is not None:
            i = inside
            continue
        if text[i] == ":":
            fields.append(text[start:i])
            start = i + 1
            if len(fields) == ARN_FIELDS - 1:
                break
        i += 1
    fields.append(text[start:])
    if len(fields) < ARN_FIELDS or ascii_lower(fields[0]) != "arn":
        return None
    return fields


def account_of_arn(text: str) -> Optional[str]:
    """The account field of an ARN (may be empty, as in S3 bucket ARNs); None if not an ARN."""
    fields = arn_fields(text)
    return fields[4] if fields is not None else None


def is_account_id(text: str) -> bool:
    """Twelve digits, or a deploy-time placeholder standing for one."""
    return (len(text) == 12 and text.isascii() and text.isdigit()) or is_placeholder(text)


def is_root_arn(text: str) -> bool:
    """``arn:<partition>:iam::<account>:root`` (parts may be deploy-time placeholders)."""
    fields = arn_fields(text)
    if fields is None:
        return False
    _, partition, service, region, account, resource = fields
    return (
        bool(partition)
        and not has_wildcard(partition)
        and ascii_lower(service) == "iam"
        and region == ""
        and (is_account_id(account) or _braced(account) == [(0, len(account))])
        and resource == "root"
    )


def display_value(text: str) -> str:
    """A value as its author wrote it: a Terraform placeholder computed inside a module call
    (``${module.x.data.aws_caller_identity.current.account_id}``) shows the module's own
    reference (``${data.aws_caller_identity.current.account_id}``), which is what the module
    source says; everything else is shown unchanged."""
    out: list[str] = []
    last = 0
    for s, e in _braced(text):
        out.append(text[last:s])
        out.append("${" + _local_address(text[s + 2 : e - 1]) + "}")
        last = e
    out.append(text[last:])
    return "".join(out)


def _local_address(name: str) -> str:
    """``module.a.module.b["k"].data.x.y`` -> ``data.x.y``; other names are returned unchanged."""
    while name.startswith("module."):
        rest = name[len("module.") :]
        dot = _end_of_module_label(rest)
        if dot < 0:
            return name
        name = rest[dot + 1 :]
    return name


def _end_of_module_label(rest: str) -> int:
    """Index of the dot after a module call's label and optional ``[key]`` index, or -1."""
    i = 0
    while i < len(rest) and rest[i] not in ".[":
        i += 1
    if i < len(rest) and rest[i] == "[":
        close = rest.find("]", i)
        if close < 0:
            return -1
        i = close + 1
    return i if i < len(rest) and rest[i] == "." else -1


__all__ = [
    "account_of_arn",
    "arn_fields",
    "display_value",
    "has_policy_variable",
    "has_wildcard",
    "is_account_id",
    "is_fixed",
    "is_placeholder",
    "is_policy_variable",
    "is_root_arn",
]
