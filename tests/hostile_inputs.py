"""Hostile inputs, generated (issue 17): each is a few hundred bytes to a few KB of text that once cost
minutes, gigabytes or the whole scan. Shared by ``tests/test_bounded_work.py`` and
``benchmarks/hostile.py`` (which grows them to show linear cost)."""

from __future__ import annotations

from pathlib import Path

KEY = 'resource "aws_kms_key" "k" {{\n  enable_key_rotation = false\n  deletion_window_in_days = {window}\n}}\n'
NEIGHBOUR = 'resource "aws_kms_key" "neighbour" {\n  enable_key_rotation = false\n}\n'


def shared_locals(n: int) -> str:
    """``a1 = [local.a0, local.a0]`` ... ``a<n>``: a tree of 2**n leaves built from n small lists, each
    evaluated in turn (so no evaluation depth limit cuts the chain short)."""
    body = "".join(f"  a{i} = [local.a{i - 1}, local.a{i - 1}]\n" for i in range(1, n + 1))
    every = ", ".join(f"local.a{i}" for i in range(1, n + 1))
    return f'locals {{\n  a0 = "x"\n{body}}}\n' + (
        'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n'
        f'  policy = jsonencode({{"Statement" = [{{"Effect" = "Allow", "Principal" = "*", "Action" = "kms:*", "Resource" = "*", '
        f'"Condition" = {{"StringEquals" = {{"aws:PrincipalTag/x" = [{every}]}}}}}}]}})\n}}\n'
    )


def string_times_number() -> str:
    return 'locals {\n  s = "ab" * 3000000000\n}\n' + KEY.format(window="length(local.s)")


def repeated_squaring(n: int) -> str:
    body = "".join(f"  n{i} = local.n{i - 1} * local.n{i - 1}\n" for i in range(1, n + 1))
    return f"locals {{\n  n0 = 10\n{body}}}\n" + KEY.format(window=f'"${{local.n{n}}}"')


def huge_division(digits: int) -> str:
    return f"locals {{\n  big = 1{'0' * digits}\n  q = local.big / 7\n  r = 1e400 / 1e400\n}}\n" + KEY.format(window='"${local.q}${local.r}"')


def deep_list(n: int) -> str:
    """``d<i> = [local.d<i-1>]``, each evaluated in turn, so the last is ``n`` lists deep."""
    body = "".join(f"  d{i} = [local.d{i - 1}]\n" for i in range(1, n + 1))
    refs = ", ".join(f"local.d{i}" for i in range(1, n + 1))
    return f"locals {{\n  d0 = []\n{body}}}\n" + (
        f'resource "aws_kms_key" "k" {{\n  enable_key_rotation = false\n  policy = jsonencode({{"Statement" = [{refs}]}})\n}}\n'
    )


def expensive_for_each(items: int) -> str:
    """``items`` keys, each deciding its window with ~100,000 steps of work."""
    return (
        'resource "aws_kms_key" "k" {\n'
        f"  for_each = toset([for i in range({items}) : tostring(i)])\n"
        "  enable_key_rotation = false\n"
        "  deletion_window_in_days = length(flatten([for i in range(1000) : [for j in range(100) : j]])) > 0 ? 7 : 30\n"
        "}\n"
    )


def module_chain(root: Path, levels: int, count: int) -> None:
    """A root calling ``m1`` ``count`` times, each calling ``m2`` ``count`` times, ... ``levels`` deep."""
    write(root / "main.tf", f'module "m" {{\n  source = "./m1"\n  count = {count}\n}}\n')
    for i in range(1, levels + 1):
        d = root / f"m{i}"
        d.mkdir(parents=True, exist_ok=True)
        call = f'module "m" {{\n  source = "../m{i + 1}"\n  count = {count}\n}}\n' if i < levels else ""
        (d / "main.tf").write_text(call + 'resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n', encoding="utf-8")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
