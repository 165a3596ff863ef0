"""Small Terraform modules for the integration tests: one clean only with its siblings, one bad.

``kms/key.tf`` holds a key that is clean *only* together with the other files of its directory: its
deletion window comes from ``variables.tf``, its policy from ``policy.tf``, its alias from
``alias.tf`` and its deletion alarms from ``monitoring.tf``. ``kms/legacy.tf`` is a sibling with a
finding of its own, which a scan of ``key.tf`` alone must not report. ``app/bad.tf`` turns rotation
off through a variable whose default sits in ``app/variables.tf``. The policy and the alarms are the
clean ones of ``fixtures/terraform`` (``rotation/policy.tf``, ``clean/monitoring.tf``).
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "terraform"

KEY_TF = """\
resource "aws_kms_key" "main" {
  enable_key_rotation     = true
  deletion_window_in_days = var.window
  policy                  = data.aws_iam_policy_document.safe.json
  lifecycle {
    prevent_destroy = true
  }
}
"""

LEGACY_TF = """\
resource "aws_kms_key" "legacy" {
  policy = data.aws_iam_policy_document.safe.json
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

POLICY_TF = (FIXTURES / "rotation" / "policy.tf").read_text(encoding="utf-8")  # data.aws_iam_policy_document.safe

ALIAS_TF = """\
resource "aws_kms_alias" "main" {
  name          = "alias/main"
  target_key_id = aws_kms_key.main.key_id
}
"""

MONITORING_TF = (FIXTURES / "clean" / "monitoring.tf").read_text(encoding="utf-8")  # CIS and pending-deletion alarms

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
