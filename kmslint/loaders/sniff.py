"""Cheap text checks that decide which loader a YAML/JSON file goes to.

Pure string tests, no parsing: they must be fast on large files and must still recognise a file
that is broken, so that a template or policy that fails to parse becomes a KMS000 finding while
unrelated YAML/JSON is skipped silently.

They see what the parsers see: ``\\uXXXX``, ``\\UXXXXXXXX`` and ``\\xXX`` escapes (JSON, YAML double-quoted
strings, HCL) are decoded first, so ``"AWS::\\u004bMS::Key"`` is a KMS key here as it is to cfn-lint.
Decoding an escape the format would not decode (a YAML plain scalar) only makes a file look relevant
and be parsed; it never hides one.
"""

from __future__ import annotations

import re

from .escapes import unescaped

__all__ = ["looks_like_cloudformation", "looks_like_key_policy", "looks_like_plan", "template_matters", "unescaped"]

_TEMPLATE_VERSION = re.compile(r"""["']?AWSTemplateFormatVersion["']?\s*:""")
_RESOURCES = re.compile(r"""^(?:Resources|["']Resources["'])\s*:|"Resources"\s*:""", re.M)
_AWS_TYPE = re.compile(r"""["']?Type["']?\s*:\s*["']?AWS::""")
_TRANSFORM = re.compile(r"""^["']?Transform["']?\s*:|"Transform"\s*:""", re.M)
_STATEMENT = re.compile(r'"Statement"\s*:')
_PRINCIPAL = re.compile(r'\\?"(?:Not)?Principal\\?"\s*:')
_KMS_TEXT = re.compile(r'\\?"kms:', re.I)
_POLICY_STRING = re.compile(r'"Policy"\s*:\s*"')
_FORMAT_VERSION = re.compile(r'"format_version"\s*:')
_PLAN_BODY = re.compile(r'"(?:resource_changes|planned_values)"\s*:')


def _is_json_object(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("{")


def looks_like_cloudformation(text: str) -> bool:
    """A CloudFormation (or SAM, or CDK-synthesised) template, YAML or JSON.

    ``AWSTemplateFormatVersion`` anywhere, or a top-level ``Resources`` section together with a
    ``Type: AWS::...`` resource (or a SAM ``Transform``). An indented ``Resources:`` (the
    Serverless Framework's ``resources: Resources:``) is not a template.
    """
    text = unescaped(text)
    if _TEMPLATE_VERSION.search(text):
        return True
    if not _RESOURCES.search(text):
        return False
    return bool(_AWS_TYPE.search(text) or _TRANSFORM.search(text))


def looks_like_key_policy(text: str) -> bool:
    """A standalone KMS key policy: a JSON object with ``Statement`` that names principals and
    KMS actions or condition keys, or the ``aws kms get-key-policy`` output ``{"Policy": "<json>"}``.

    Principals and ``kms:`` are required so IAM identity policies (no principal) and S3/SNS/SQS
    resource policies (no KMS action) are not mistaken for key policies.
    """
    text = unescaped(text)
    if not _is_json_object(text) or _RESOURCES.search(text):
        return False
    if not _KMS_TEXT.search(text):
        return False
    if _STATEMENT.search(text) and _PRINCIPAL.search(text):
        return True
    return bool(_POLICY_STRING.search(text) and "Statement" in text)


def looks_like_plan(text: str) -> bool:
    """``terraform show -json`` output: ``format_version`` and ``resource_changes``/``planned_values``."""
    text = unescaped(text)
    return _is_json_object(text) and bool(_FORMAT_VERSION.search(text) and _PLAN_BODY.search(text))


# A template matters only if it declares a key, an alias, or the monitoring that KMS006/KMS007
# look for. The check is on raw text, so a broken template that mentions them is still parsed
# (and reported), while the many templates of a large repository that never touch KMS are not.
_TEMPLATE_RELEVANT = re.compile(r"AWS::(?:KMS::|Logs::MetricFilter|CloudWatch::Alarm|Events::Rule)")


def template_matters(text: str) -> bool:
    text = unescaped(text)
    return _TEMPLATE_RELEVANT.search(text) is not None
