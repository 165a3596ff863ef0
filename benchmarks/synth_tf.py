"""Synthetic Terraform modules for the kmslint benchmarks.

Every function takes a seeded ``random.Random`` and returns HCL text; nothing here touches the file system.
Templates use ``@name@`` placeholders (HCL already uses ``{}``, ``${}`` and ``%``), filled by ``fill``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

THEMES: tuple[str, ...] = ("vpc", "s3", "iam", "security_group", "lambda", "dynamodb", "queue", "rds")

KMS_SHARED_MODULE = "kms"


@dataclass(frozen=True)
class ModulePlan:
    """What one generated module contains; decided up front so the file list is known before writing."""

    name: str
    theme: str
    kms: str | None  # None, "direct" (kms.tf) or "module" (calls ../kms)
    kms_vars: bool  # a direct key takes its window and rotation from variables with defaults
    monitoring: bool
    extra_files: tuple[str, ...]  # optional files beyond main/variables/versions


PLACEHOLDER = re.compile(r"@([a-z_]+)@")


def fill(template: str, **values: object) -> str:
    """Replace each ``@key@`` in ``template`` with ``str(values[key])``; a missing key is a KeyError."""
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), template)


def align(lines: list[str]) -> list[str]:
    """Align the ``=`` of consecutive ``  name = value`` lines the way ``terraform fmt`` does."""
    pairs = [line.split(" = ", 1) for line in lines]
    width = max(len(name.rstrip()) for name, _ in pairs)
    return [f"{name.rstrip():<{width}} = {value}" for name, value in pairs]


def spread(index: int, ratio: float, phase: float) -> bool:
    """True for ``ratio`` of consecutive indexes, evenly spaced, so even a small repository gets its share."""
    return int(index * ratio + phase) > int((index - 1) * ratio + phase)


def plan_module(rng: random.Random, index: int, kms_ratio: float, monitoring_ratio: float) -> ModulePlan:
    """Choose a module's theme and which KMS-related content it carries."""
    theme = rng.choice(THEMES)
    kms = None
    if spread(index, kms_ratio, 0.5):
        kms = "direct" if rng.random() < 0.65 else "module"
    kms_vars = kms == "direct" and rng.random() < 0.5
    monitoring = spread(index, monitoring_ratio, 0.25)
    extras = [name for name, p in (("outputs.tf", 0.8), ("iam.tf", 0.3), ("locals.tf", 0.2)) if rng.random() < p]
    if rng.random() < 0.12:
        extras.append("terraform.tfvars")
    name = f"svc-{index:05d}-{theme.replace('_', '-')}"
    return ModulePlan(name, theme, kms, kms_vars, monitoring, tuple(extras))


def module_files(plan: ModulePlan) -> list[str]:
    """File names of a module in priority order (``main.tf`` first, so truncation keeps a valid module)."""
    files = ["main.tf", "variables.tf", "versions.tf"]
    if plan.kms == "direct":
        files.append("kms.tf")
    if plan.monitoring:
        files.append("monitoring.tf")
    return files + list(plan.extra_files)


def render_module(rng: random.Random, plan: ModulePlan) -> dict[str, str]:
    """Render every file of ``plan``: file name -> HCL text."""
    out: dict[str, str] = {
        "main.tf": render_main(rng, plan),
        "variables.tf": render_variables(rng, plan),
        "versions.tf": render_versions(rng),
    }
    if plan.kms == "direct":
        out["kms.tf"] = render_kms(rng, plan.name, plan.kms_vars)
    if plan.monitoring:
        out["monitoring.tf"] = render_monitoring(rng, plan.name)
    renderers = {"outputs.tf": render_outputs, "iam.tf": render_iam, "locals.tf": render_locals,
                 "terraform.tfvars": render_tfvars}
    for name in plan.extra_files:
        out[name] = renderers[name](rng, plan)
    return out


# --- versions / variables / locals / outputs -------------------------------------------------------------

VERSIONS = """terraform {
  required_version = ">= 1.@tf_minor@.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> @aws_major@.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      ManagedBy = "terraform"
      Team      = "@team@"
    }
  }
}
"""


def render_versions(rng: random.Random) -> str:
    return fill(VERSIONS, tf_minor=rng.choice((3, 5, 6, 8)), aws_major=rng.choice((4, 5)),
                team=rng.choice(("platform", "payments", "data", "identity", "edge")))


VARIABLE = """variable "@name@" {
  description = "@description@"
  type        = @type@
@default@}
"""

VALIDATED_WINDOW = """variable "kms_deletion_window" {
  description = "Waiting period before a scheduled key deletion completes."
  type        = number
  default     = @days@

  validation {
    condition     = var.kms_deletion_window >= 7 && var.kms_deletion_window <= 30
    error_message = "The deletion window must be between 7 and 30 days."
  }
}
"""


def variable(name: str, description: str, type_: str, default: str | None) -> str:
    default_line = "" if default is None else f"  default     = {default}\n"
    return fill(VARIABLE, name=name, description=description, type=type_, default=default_line)


def render_variables(rng: random.Random, plan: ModulePlan) -> str:
    blocks = [
        variable("region", "AWS region to deploy into.", "string", '"eu-west-1"'),
        variable("environment", "Deployment environment name.", "string",
                 rng.choice(('"dev"', '"staging"', '"prod"', None))),
        variable("tags", "Extra tags for every resource.", "map(string)", "{}"),
    ]
    if plan.theme in ("vpc", "security_group", "rds"):
        blocks.append(variable("cidr_block", "Primary CIDR block.", "string", f'"10.{rng.randrange(256)}.0.0/16"'))
    if plan.theme == "lambda":
        blocks.append(variable("memory_size", "Lambda memory in MB.", "number", str(rng.choice((128, 256, 512)))))
    if plan.kms_vars:
        blocks.append(fill(VALIDATED_WINDOW, days=rng.choice((7, 14, 30))))
        blocks.append(variable("kms_rotation", "Rotate the key material yearly.", "bool",
                               rng.choice(("true", "false"))))
    return "\n".join(blocks)


def render_locals(rng: random.Random, plan: ModulePlan) -> str:
    return fill("""locals {
  name_prefix = "${var.environment}-@name@"
  common_tags = merge(var.tags, {
    Service = "@name@"
    Tier    = "@tier@"
  })
  is_prod = var.environment == "prod"
}
""", name=plan.name, tier=rng.choice(("web", "worker", "batch", "data")))


def render_tfvars(rng: random.Random, plan: ModulePlan) -> str:
    lines = [f'region = "{rng.choice(("eu-west-1", "us-east-1", "ap-southeast-2"))}"',
             f'environment = "{rng.choice(("dev", "staging", "prod"))}"']
    if plan.kms_vars and rng.random() < 0.5:
        lines.append(f"kms_deletion_window = {rng.choice((7, 10, 30))}")
    return "\n".join(align(lines)) + "\n"


OUTPUT = """output "@name@" {
  description = "@description@"
  value       = @value@
}
"""

THEME_OUTPUTS: dict[str, tuple[str, str]] = {
    "vpc": ("vpc_id", "aws_vpc.this.id"),
    "s3": ("bucket_arn", "aws_s3_bucket.this.arn"),
    "iam": ("role_arn", "aws_iam_role.this.arn"),
    "security_group": ("security_group_id", "aws_security_group.this.id"),
    "lambda": ("function_arn", "aws_lambda_function.this.arn"),
    "dynamodb": ("table_name", "aws_dynamodb_table.this.name"),
    "queue": ("queue_url", "aws_sqs_queue.this.url"),
    "rds": ("db_endpoint", "aws_db_instance.this.endpoint"),
}


def render_outputs(rng: random.Random, plan: ModulePlan) -> str:
    name, value = THEME_OUTPUTS[plan.theme]
    blocks = [fill(OUTPUT, name=name, description=f"Primary {plan.theme} resource.", value=value)]
    if plan.kms == "direct":
        blocks.append(fill(OUTPUT, name="kms_key_arn", description="ARN of the data key.",
                           value="aws_kms_key.data.arn"))
    elif plan.kms == "module":
        blocks.append(fill(OUTPUT, name="kms_key_arn", description="ARN of the data key.",
                           value="module.kms.key_arn"))
    return "\n".join(blocks)


# --- main.tf: non-KMS infrastructure ----------------------------------------------------------------------

MAIN_VPC = """resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = "@name@" })
}

resource "aws_subnet" "private" {
  count             = @subnets@
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr_block, 8, count.index)
  availability_zone = element(data.aws_availability_zones.available.names, count.index)
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }
}
"""

MAIN_S3 = """resource "aws_s3_bucket" "this" {
  bucket        = "@name@-${var.environment}"
  force_destroy = @force_destroy@
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "@sse@"
    }
  }
}
"""

MAIN_IAM = """resource "aws_iam_role" "this" {
  name = "@name@"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "@service@.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "readonly" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/@managed@"
}
"""

MAIN_SG = """resource "aws_security_group" "this" {
  name        = "@name@"
  description = "Traffic for @name@"
  vpc_id      = "@vpc@"

  dynamic "ingress" {
    for_each = [@ports@]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [var.cidr_block]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""

MAIN_LAMBDA = """resource "aws_iam_role" "lambda" {
  name = "@name@-lambda"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_lambda_function" "this" {
  function_name = "@name@"
  role          = aws_iam_role.lambda.arn
  handler       = "app.handler"
  runtime       = "@runtime@"
  filename      = "${path.module}/build/app.zip"
  memory_size   = var.memory_size
  timeout       = @timeout@

  environment {
    variables = {
      LOG_LEVEL = "INFO"
      STAGE     = var.environment
    }
  }
}

resource "aws_cloudwatch_log_group" "lambda" {
  name              = "/aws/lambda/@name@"
  retention_in_days = @retention@
}
"""

MAIN_DYNAMODB = """resource "aws_dynamodb_table" "this" {
  name         = "@name@"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = @pitr@
  }
}
"""

MAIN_QUEUE = """resource "aws_sqs_queue" "dlq" {
  name                      = "@name@-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "this" {
  name                       = "@name@"
  visibility_timeout_seconds = @visibility@
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sns_topic" "this" {
  name = "@name@-events"
}

resource "aws_sns_topic_subscription" "queue" {
  topic_arn = aws_sns_topic.this.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.this.arn
}
"""

MAIN_RDS = """resource "aws_db_subnet_group" "this" {
  name       = "@name@"
  subnet_ids = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
}

resource "aws_db_instance" "this" {
  identifier                  = "@name@"
  engine                      = "postgres"
  engine_version              = "@pg@"
  instance_class              = "db.t3.medium"
  allocated_storage           = 20
  db_subnet_group_name        = aws_db_subnet_group.this.name
  username                    = "app"
  manage_master_user_password = true
  backup_retention_period     = 7
  skip_final_snapshot         = @skip@
}
"""


def render_main(rng: random.Random, plan: ModulePlan) -> str:
    """The module's main.tf: its theme's resources, plus a call to ../kms when planned."""
    name = plan.name
    theme_text = {
        "vpc": lambda: fill(MAIN_VPC, name=name, subnets=rng.choice((2, 3))),
        "s3": lambda: fill(MAIN_S3, name=name, force_destroy=rng.choice(("true", "false")),
                           sse=rng.choice(("AES256", "aws:kms"))),
        "iam": lambda: fill(MAIN_IAM, name=name, service=rng.choice(("ec2", "ecs-tasks", "glue")),
                            managed=rng.choice(("ReadOnlyAccess", "AmazonS3ReadOnlyAccess"))),
        "security_group": lambda: fill(MAIN_SG, name=name, vpc=f"vpc-{rng.getrandbits(32):08x}",
                                       ports=", ".join(str(p) for p in rng.sample((22, 80, 443, 5432, 8080), 2))),
        "lambda": lambda: fill(MAIN_LAMBDA, name=name, runtime=rng.choice(("python3.11", "nodejs20.x")),
                               timeout=rng.choice((3, 30, 60)), retention=rng.choice((7, 30, 90))),
        "dynamodb": lambda: fill(MAIN_DYNAMODB, name=name, pitr=rng.choice(("true", "false"))),
        "queue": lambda: fill(MAIN_QUEUE, name=name, visibility=rng.choice((30, 60, 300))),
        "rds": lambda: fill(MAIN_RDS, name=name, pg=rng.choice(("15.4", "16.1")),
                            skip=rng.choice(("true", "false"))),
    }[plan.theme]()
    if plan.kms == "module":
        theme_text += "\n" + render_module_call(rng, name)
    return theme_text


MODULE_CALL = """module "kms" {
  source = "../kms"

@args@
}
"""


def render_module_call(rng: random.Random, name: str) -> str:
    args = [f'  description = "Data key for {name}"', f'  alias = "alias/{name}"']
    if rng.random() < 0.7:
        args.append(f"  deletion_window_in_days = {rng.choice((7, 10, 20, 30))}")
    if rng.random() < 0.6:
        args.append(f"  enable_key_rotation     = {rng.choice(('true', 'false'))}")
    return fill(MODULE_CALL, args="\n".join(align(args)))


# --- iam.tf -------------------------------------------------------------------------------------------------

IAM_POLICY = """data "aws_iam_policy_document" "app" {
  statement {
    sid       = "ReadConfig"
    actions   = ["ssm:GetParameter", "ssm:GetParametersByPath"]
    resources = ["arn:aws:ssm:*:*:parameter/@name@/*"]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "app" {
  name   = "@name@-app"
  policy = data.aws_iam_policy_document.app.json
}
"""


def render_iam(rng: random.Random, plan: ModulePlan) -> str:
    return fill(IAM_POLICY, name=plan.name)


# --- kms.tf: the keys ---------------------------------------------------------------------------------------

KEY_SPECS: tuple[tuple[str | None, str | None], ...] = (
    (None, None), (None, None), (None, None), ("SYMMETRIC_DEFAULT", None),
    ("HMAC_256", "GENERATE_VERIFY_MAC"), ("RSA_2048", "ENCRYPT_DECRYPT"), ("ECC_NIST_P256", "SIGN_VERIFY"),
)


def key_attributes(rng: random.Random, kms_vars: bool) -> list[str]:
    """Attribute lines of one ``aws_kms_key``: spec, rotation, window, enabled flag."""
    spec, usage = rng.choice(KEY_SPECS)
    lines = [f'  description = "{rng.choice(("Application data", "Backups", "Signing", "Session tokens"))} key"']
    if spec:
        lines.append(f'  customer_master_key_spec = "{spec}"')
    if usage:
        lines.append(f'  key_usage                = "{usage}"')
    if kms_vars:
        lines.append("  enable_key_rotation     = var.kms_rotation")
        lines.append("  deletion_window_in_days = var.kms_deletion_window")
        return lines
    rotation = rng.choice(("true", "true", "false", None))
    if rotation is not None:
        lines.append(f"  enable_key_rotation = {rotation}")
    if rotation == "true" and rng.random() < 0.3:
        lines.append(f"  rotation_period_in_days = {rng.choice((90, 180, 365))}")
    window = rng.choice((7, 10, 14, 30, None))
    if window is not None:
        lines.append(f"  deletion_window_in_days = {window}")
    if rng.random() < 0.08:
        lines.append("  is_enabled = false")
    if rng.random() < 0.05:
        lines.append("  bypass_policy_lockout_safety_check = true")
    return lines


KEY = """resource "aws_kms_key" "data" {
@attributes@
@policy@@lifecycle@}
"""

JSONENCODE_POLICY = """
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EnableRootAccess"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
@extra@    ]
  })
"""

JSON_DENY_NO_MFA = """      {
        Sid       = "DenyDeletionWithoutMFA"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DeleteImportedKeyMaterial"]
        Resource  = "*"
        Condition = {
          @operator@ = { "aws:MultiFactorAuthPresent" = "false" }
        }
      },
"""

JSON_SERVICE_USE = """      {
        Sid       = "AllowServiceUse"
        Effect    = "Allow"
        Principal = { Service = "@service@.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
"""

HEREDOC_POLICY = """
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EnableRootAccess",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Sid": "AllowAdminsToSchedule",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/KeyAdmin"},
      "Action": ["kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
      "Resource": "*"@mfa@
    }
  ]
}
POLICY
"""

HEREDOC_MFA = """,
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}"""

POLICY_DOCUMENT = """data "aws_iam_policy_document" "key" {
  statement {
    sid       = "EnableRootAccess"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
@deny@}
"""

DOCUMENT_DENY = """
  statement {
    sid       = "DenyDeletionWithoutMFA"
    effect    = "Deny"
    actions   = ["kms:ScheduleKeyDeletion", "kms:DisableKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "@operator@"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
"""

CALLER = """data "aws_caller_identity" "current" {}
"""

KEY_POLICY_RESOURCE = """resource "aws_kms_key_policy" "data" {
  key_id = aws_kms_key.data.id
  policy = data.aws_iam_policy_document.key.json
}
"""

ALIAS = """resource "aws_kms_alias" "data" {
  name          = "alias/@name@"
  target_key_id = aws_kms_key.data.key_id
}
"""

LIFECYCLE = """
  lifecycle {
    prevent_destroy = true
  }
"""


def render_kms(rng: random.Random, name: str, kms_vars: bool) -> str:
    """kms.tf: one key with a policy in one of five styles, often an alias, sometimes prevent_destroy."""
    style = rng.choice(("none", "jsonencode", "jsonencode", "document", "key_policy", "heredoc"))
    policy, blocks = policy_style(rng, style)
    lifecycle = LIFECYCLE if rng.random() < 0.3 else ""
    key = fill(KEY, attributes="\n".join(align(key_attributes(rng, kms_vars))), policy=policy, lifecycle=lifecycle)
    parts = [CALLER, key] if style != "none" else [key]
    parts.extend(blocks)
    if rng.random() < 0.7:
        parts.append(fill(ALIAS, name=name))
    return "\n".join(parts)


def policy_style(rng: random.Random, style: str) -> tuple[str, list[str]]:
    """(policy attribute text for the key, extra top-level blocks) for one policy style."""
    operator = rng.choice(("Bool", "BoolIfExists"))
    if style == "jsonencode":
        extra = ""
        if rng.random() < 0.5:
            extra += fill(JSON_DENY_NO_MFA, operator=operator)
        if rng.random() < 0.5:
            extra += fill(JSON_SERVICE_USE, service=rng.choice(("logs", "sns", "s3")))
        return fill(JSONENCODE_POLICY, extra=extra), []
    if style == "heredoc":
        return fill(HEREDOC_POLICY, mfa=HEREDOC_MFA if rng.random() < 0.5 else ""), []
    deny = fill(DOCUMENT_DENY, operator=operator) if rng.random() < 0.5 else ""
    document = fill(POLICY_DOCUMENT, deny=deny)
    if style == "document":
        return "\n  policy = data.aws_iam_policy_document.key.json\n", [document]
    if style == "key_policy":
        return "", [document, KEY_POLICY_RESOURCE]
    return "", []


# --- monitoring.tf: CloudTrail metric filters, alarms, EventBridge -----------------------------------------

METRIC_FILTER = """resource "aws_sns_topic" "security_alerts" {
  name = "@name@-security-alerts"
}

resource "aws_cloudwatch_log_metric_filter" "kms_deletion" {
  name           = "@name@-kms-deletion"
  log_group_name = "@log_group@"
  pattern        = "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"

  metric_transformation {
    name      = "KmsKeyDeletion"
    namespace = "@namespace@"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "kms_deletion" {
  alarm_name          = "@name@-kms-deletion"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = aws_cloudwatch_log_metric_filter.kms_deletion.metric_transformation[0].name
  namespace           = "@namespace@"
  period              = @period@
  statistic           = "Sum"
  threshold           = 1
  alarm_actions       = [aws_sns_topic.security_alerts.arn]
  treat_missing_data  = "notBreaching"
}
"""

EVENT_RULE = """
resource "aws_cloudwatch_event_rule" "kms_deletion" {
  name        = "@name@-kms-deletion"
  description = "KMS key scheduled for deletion or disabled"
  event_pattern = jsonencode({
    source        = ["aws.kms"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource = ["kms.amazonaws.com"]
      eventName   = [@events@]
    }
  })
}

resource "aws_cloudwatch_event_target" "kms_deletion" {
  rule      = aws_cloudwatch_event_rule.kms_deletion.name
  target_id = "notify"
  arn       = aws_sns_topic.security_alerts.arn
}
"""


def render_monitoring(rng: random.Random, name: str) -> str:
    text = fill(METRIC_FILTER, name=name, log_group=rng.choice(("cloudtrail/org", "aws-cloudtrail-logs")),
                namespace=rng.choice(("CISBenchmark", "Security/KMS")), period=rng.choice((60, 300)))
    if rng.random() < 0.6:
        events = rng.choice(('"ScheduleKeyDeletion", "DisableKey"', '"ScheduleKeyDeletion"'))
        text += fill(EVENT_RULE, name=name, events=events)
    return text


# --- the shared local module ../kms -------------------------------------------------------------------------

SHARED_MAIN = """resource "aws_kms_key" "this" {
  description             = var.description
  deletion_window_in_days = var.deletion_window_in_days
  enable_key_rotation     = var.enable_key_rotation
  policy                  = var.policy

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = var.alias
  target_key_id = aws_kms_key.this.key_id
}
"""

SHARED_OUTPUTS = """output "key_arn" {
  description = "ARN of the key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the key."
  value       = aws_kms_key.this.key_id
}
"""


def render_shared_kms_module() -> dict[str, str]:
    """The local module every ``kms = "module"`` plan calls with ``source = "../kms"``."""
    variables = "\n".join([
        variable("description", "What the key protects.", "string", None),
        variable("alias", "Alias name, including the alias/ prefix.", "string", None),
        variable("deletion_window_in_days", "Waiting period before deletion.", "number", "30"),
        variable("enable_key_rotation", "Rotate key material yearly.", "bool", "true"),
        variable("policy", "Key policy JSON; null keeps the default policy.", "string", "null"),
        variable("tags", "Tags for the key.", "map(string)", "{}"),
    ])
    versions = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 4.0"
    }
  }
}
"""
    return {"main.tf": SHARED_MAIN, "variables.tf": variables, "outputs.tf": SHARED_OUTPUTS,
            "versions.tf": versions}
