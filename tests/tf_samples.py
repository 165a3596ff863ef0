"""Small Terraform modules for the integration tests: one clean only with its siblings, one bad.

``kms/key.tf`` holds a key that is clean *only* together with the other files of its directory: its
deletion window comes from ``variables.tf``, its policy from ``policy.tf``, its alias from
``alias.tf`` and its deletion alarms from ``monitoring.tf``. ``kms/legacy.tf`` is a sibling with a
finding of its own, which a scan of ``key.tf`` alone must not report. ``app/bad.tf`` turns rotation
off through a variable whose default sits in ``app/variables.tf``.
"""

from __future__ import annotations

from pathlib import Path

KEY_TF = """\
resource "aws_kms_key" "main" {
  enable_key_rotation     = true
  deletion_window_in_days = var.window
  policy                  = data.aws_iam_policy_document.key.json
  lifecycle {
    prevent_destroy = true
  }
}
"""

LEGACY_TF = """\
resource "aws_kms_key" "legacy" {
  policy = data.aws_iam_policy_document.key.json
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "legacy" {
  name          = "alias/legacy"
  target_key_id = aws_kms_key.legacy.key_id
}
"""
LEGACY_ROTATION_LINE = 1  # KMS003 at the header: rotation is absent

VARIABLES_TF = """\
variable "window" {
  type    = number
  default = 30
}
"""

POLICY_TF = """\
data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Root"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
  }
  statement {
    sid       = "RequireMFAForKeyDeletion"
    effect    = "Deny"
    actions   = ["kms:ScheduleKeyDeletion", "kms:DeleteImportedKeyMaterial"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}
"""

ALIAS_TF = """\
resource "aws_kms_alias" "main" {
  name          = "alias/main"
  target_key_id = aws_kms_key.main.key_id
}
"""

MONITORING_TF = """\
resource "aws_sns_topic" "security" {
  name = "security-alerts"
}

resource "aws_cloudwatch_log_metric_filter" "kms_deletion" {
  name           = "kms-deletion"
  log_group_name = "cloudtrail"
  pattern        = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
  metric_transformation {
    name      = "KmsDeletion"
    namespace = "CISBenchmark"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "kms_deletion" {
  alarm_name          = "kms-deletion"
  metric_name         = "KmsDeletion"
  namespace           = "CISBenchmark"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.security.arn]
}

resource "aws_cloudwatch_log_metric_filter" "pending" {
  name           = "kms-pending-deletion-use"
  log_group_name = "cloudtrail"
  pattern        = "{ $.eventSource = kms* && $.errorMessage = \\"* is pending deletion.\\" }"
  metric_transformation {
    name      = "KmsPendingDeletionUse"
    namespace = "Security"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "pending" {
  alarm_name          = "kms-pending-deletion-use"
  metric_name         = "KmsPendingDeletionUse"
  namespace           = "Security"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.security.arn]
}
"""

BAD_TF = """\
resource "aws_kms_key" "bad" {
  enable_key_rotation = var.rotate
}
"""
BAD_ROTATION_LINE = 2

BAD_VARIABLES_TF = """\
variable "rotate" {
  type    = bool
  default = false
}
"""

GOOD_MODULE = {
    "kms/key.tf": KEY_TF,
    "kms/legacy.tf": LEGACY_TF,
    "kms/variables.tf": VARIABLES_TF,
    "kms/policy.tf": POLICY_TF,
    "kms/alias.tf": ALIAS_TF,
    "kms/monitoring.tf": MONITORING_TF,
}
BAD_MODULE = {"app/bad.tf": BAD_TF, "app/variables.tf": BAD_VARIABLES_TF}


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
