"""The Terraform loader and its evaluator: what resolves, what stays UNKNOWN, where values point."""

from __future__ import annotations

from pathlib import Path

from kmslint.discover import rel_path
from kmslint.loaders.terraform.loader import TerraformLoader
from kmslint.model import UNKNOWN, Inventory, Key, PrimaryRef


def load(tmp_path: Path, files: dict[str, str | bytes]) -> Inventory:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
    by_dir: dict[Path, list[Path]] = {}
    tfvars: dict[Path, list[Path]] = {}
    for p in sorted(tmp_path.rglob("*")):
        if p.suffix == ".tf":
            by_dir.setdefault(p.parent, []).append(p)
        elif p.suffix == ".tfvars":
            tfvars.setdefault(p.parent, []).append(p)
    return TerraformLoader(tmp_path, lambda p: rel_path(p, tmp_path.resolve()), []).load(by_dir, tfvars)


def only_key(inv: Inventory) -> Key:
    assert len(inv.keys) == 1, inv.keys
    return inv.keys[0]


def test_locals_conditionals_and_functions(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": '''
locals {
  env    = "prod"
  window = local.env == "prod" ? max(7, 30) : 7
  specs  = { for k, v in { a = "x" } : k => upper(v) }
}
resource "aws_kms_key" "k" {
  deletion_window_in_days = local.window
  enable_key_rotation     = try(local.missing.value, tobool("true"))
  description             = "${local.specs["a"]}-key"
}
'''})
    k = only_key(inv)
    assert k.get("deletion_window").value == 30
    assert k.get("rotation").value is True


def test_unresolvable_values_are_unknown_and_null_means_absent(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": '''
variable "r" {}
resource "aws_kms_key" "k" {
  enable_key_rotation     = var.r
  deletion_window_in_days = null
  key_usage               = data.aws_something.x.usage
}
'''})
    k = only_key(inv)
    assert k.get("rotation").value is UNKNOWN
    assert k.get("deletion_window").value == 30 and not k.get("deletion_window").is_set
    assert k.get("usage").value is UNKNOWN


def test_count_zero_resources_do_not_exist(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": 'variable "create" {\n  default = false\n}\nresource "aws_kms_key" "k" {\n  count = var.create ? 1 : 0\n}\n'})
    assert inv.keys == ()


def test_module_arguments_flow_in_and_point_at_the_caller(tmp_path: Path) -> None:
    inv = load(tmp_path, {
        "main.tf": 'module "m" {\n  source = "./mod"\n  rotate = false\n}\nresource "aws_kms_replica_key" "r" {\n  primary_key_arn = module.m.arn\n}\n',
        "mod/main.tf": 'variable "rotate" {\n  default = true\n}\nresource "aws_kms_key" "this" {\n  enable_key_rotation = var.rotate\n  multi_region = true\n}\noutput "arn" {\n  value = aws_kms_key.this.arn\n}\n',
    })
    keys = {k.address: k for k in inv.keys}
    inner = keys["module.m.aws_kms_key.this"]
    assert inner.get("rotation").value is False
    assert (inner.get("rotation").location.path, inner.get("rotation").location.line) == ("main.tf", 3)
    assert inner.unit == "." and inner.anchor is not None and inner.anchor.line == 1
    assert keys["aws_kms_replica_key.r"].get("primary").value == PrimaryRef("resource", "module.m.aws_kms_key.this")


def test_tfvars_override_defaults_and_are_the_location(tmp_path: Path) -> None:
    inv = load(tmp_path, {
        "main.tf": 'variable "w" {\n  default = 30\n}\nresource "aws_kms_key" "k" {\n  deletion_window_in_days = var.w\n}\n',
        "terraform.tfvars": "w = 9\n",
    })
    w = only_key(inv).get("deletion_window")
    assert w.value == 9 and w.location.path == "terraform.tfvars"


def test_bom_and_crlf(tmp_path: Path) -> None:
    text = '\ufeffresource "aws_kms_key" "k" {\r\n  enable_key_rotation = true\r\n  policy = <<EOT\r\n{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*"}]}\r\nEOT\r\n}\r\n'
    k = only_key(load(tmp_path, {"main.tf": text.encode("utf-8")}))
    assert k.get("rotation").value is True and k.get("rotation").location.line == 2
    assert k.policy is not None and k.policy.statements[0].everyone


def test_heredoc_statement_lines(tmp_path: Path) -> None:
    k = only_key(load(tmp_path, {"main.tf": '''resource "aws_kms_key" "k" {
  policy = <<-EOT
    {
      "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*"},
        {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"}
      ]
    }
  EOT
}
'''}))
    assert k.policy is not None
    assert [s.location.line for s in k.policy.statements] == [5, 6]


def test_file_reads_inside_the_root_only(tmp_path: Path) -> None:
    outside = tmp_path.parent / "outside-policy.json"
    outside.write_text('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*"}]}')
    root = tmp_path / "repo"
    root.mkdir()
    inv = load(root, {
        "policy.json": '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*"}]}',
        "main.tf": f'resource "aws_kms_key" "inside" {{\n  policy = file("${{path.module}}/policy.json")\n}}\nresource "aws_kms_key" "outside" {{\n  policy = file("{outside}")\n}}\n',
    })
    keys = {k.address: k for k in inv.keys}
    inside, out = keys["aws_kms_key.inside"].policy, keys["aws_kms_key.outside"].policy
    assert inside is not None and inside.known and inside.statements[0].location.path == "policy.json"
    assert out is not None and not out.known


def test_policy_document_source_and_override(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": '''
data "aws_iam_policy_document" "base" {
  statement {
    sid     = "A"
    actions = ["kms:Decrypt"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}
data "aws_iam_policy_document" "final" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  override_policy_documents = [jsonencode({Statement = [{Sid = "A", Effect = "Deny", Action = "kms:Decrypt", Principal = "*"}]})]
}
resource "aws_kms_key" "k" {
  policy = data.aws_iam_policy_document.final.json
}
'''})
    p = only_key(inv).policy
    assert p is not None and [(s.sid, s.effect) for s in p.statements] == [("A", "Deny")]


def test_aliases_link_to_keys_and_unknown_targets_make_alias_unknown(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": '''
variable "target" {}
resource "aws_kms_key" "a" {}
resource "aws_kms_alias" "a" {
  name          = "alias/a"
  target_key_id = aws_kms_key.a.key_id
}
'''})
    assert only_key(inv).has_alias is True
    inv2 = load(tmp_path / "two", {"main.tf": 'variable "t" {}\nresource "aws_kms_key" "b" {}\nresource "aws_kms_alias" "x" {\n  name = "alias/x"\n  target_key_id = var.t\n}\n'})
    assert only_key(inv2).has_alias is UNKNOWN


def test_a_parse_error_keeps_the_other_files(tmp_path: Path) -> None:
    inv = load(tmp_path, {"a.tf": 'resource "aws_kms_key" "a" {}\n', "b.tf": 'resource "aws_kms_key" "b" {\n'})
    assert [k.address for k in inv.keys] == ["aws_kms_key.a"]
    assert [(e.location.path, e.location.line) for e in inv.parse_errors] == [("b.tf", 2)]


def test_for_each_keys_and_their_aliases_are_matched_by_instance(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": '''
resource "aws_kms_key" "k" {
  for_each = toset(["a", "b"])
}
resource "aws_kms_alias" "x" {
  name          = "alias/a"
  target_key_id = aws_kms_key.k["a"].key_id
}
'''})
    aliases = {k.address: k.has_alias for k in inv.keys}
    assert aliases == {'aws_kms_key.k["a"]': True, 'aws_kms_key.k["b"]': False}


def test_module_for_each_arguments_see_each_value(tmp_path: Path) -> None:
    inv = load(tmp_path, {
        "main.tf": 'module "m" {\n  source   = "./mod"\n  for_each = { a = 3, b = 30 }\n  window   = each.value\n}\n',
        "mod/main.tf": 'variable "window" {}\nresource "aws_kms_key" "this" {\n  deletion_window_in_days = var.window\n}\n',
    })
    windows = {k.address: k.get("deletion_window").value for k in inv.keys}
    assert windows == {'module.m["a"].aws_kms_key.this': 3, 'module.m["b"].aws_kms_key.this': 30}


def test_runaway_expressions_become_unknown_instead_of_hanging(tmp_path: Path) -> None:
    doubling = "\n".join(f"  l{i} = concat(local.l{i - 1}, local.l{i - 1})" for i in range(1, 40))
    inv = load(tmp_path, {"main.tf": f'''
locals {{
  l0 = [1, 2]
{doubling}
  cube = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]
}}
resource "aws_kms_key" "k" {{
  deletion_window_in_days = length(local.l39)
  rotation_period_in_days = length(local.cube)
}}
'''})
    k = only_key(inv)
    assert k.get("deletion_window").value is UNKNOWN and k.get("rotation_period").value is UNKNOWN


def test_module_cycles_do_not_drop_keys(tmp_path: Path) -> None:
    inv = load(tmp_path, {
        "self/main.tf": 'module "me" {\n  source = "./"\n}\nresource "aws_kms_key" "a" {}\n',
        "x/main.tf": 'module "y" {\n  source = "../y"\n}\nresource "aws_kms_key" "x" {}\n',
        "y/main.tf": 'module "x" {\n  source = "../x"\n}\nresource "aws_kms_key" "y" {}\n',
    })
    assert {"aws_kms_key.a", "aws_kms_key.x", "aws_kms_key.y"} <= {k.address for k in inv.keys}
    assert all("module.me" not in k.address for k in inv.keys)  # no recursive self-instantiation


def test_string_functions_kmslint_does_not_compute_are_set_but_unknown_text(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": '''
resource "aws_kms_external_key" "k" {
  valid_to = replace(timeadd(plantimestamp(), "4380h"), "/T.*/", "T00:00:00Z")
}
'''})
    assert only_key(inv).get("material_expires").value is True


def test_unresolved_values_inside_text_keep_its_shape(tmp_path: Path) -> None:
    inv = load(tmp_path, {"main.tf": '''
variable "account" {}
variable "whole" {}
resource "aws_kms_key" "k" {
  description = var.whole
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.account}:root" }, Action = "kms:*" },
    { Effect = "Allow", Principal = { AWS = "${var.whole}" }, Action = "kms:Decrypt" },
  ] })
}
'''})
    p = only_key(inv).policy
    assert p is not None
    first, second = p.statements
    assert first.known and first.to_account_root  # the account is unknown, the shape is not
    # a value that is nothing but an unresolved variable stays UNKNOWN: some AWS principal, never guessed
    assert second.principal_unresolved and not second.to_account_root and not second.everyone
