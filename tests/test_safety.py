"""Scanning is safe (issue 9): kmslint reads the scanned tree and nothing else, runs nothing from
it, opens no network connection, and a rule that breaks on one file is an error result (exit 2)
while every other rule and file still runs.

Proof is by audit hooks (PEP 578), which see every ``open``, socket, process and code-execution
event in the interpreter, whoever triggers it, rather than by mocking kmslint's own functions.
An audit hook cannot be removed, so one inert hook is installed for the session and records
only inside ``audited()``.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import kmslint
from kmslint import predicates
from kmslint.cli import main
from kmslint.config import Config, ConfigError, load_config
from kmslint.engine.rules import load_rules, rules_dir
from kmslint.scan import ScanOptions, run_scan

Event = tuple[str, tuple[Any, ...]]
WATCHED = frozenset(
    {
        "open",
        "exec",
        "compile",
        "socket.connect",
        "socket.bind",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.sendto",
        "urllib.Request",
        "http.client.connect",
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.startfile",
        "ctypes.dlopen",
    }
)
PROCESS_OR_NETWORK = WATCHED - {"open", "exec", "compile"}
_recording: Optional[list[Event]] = None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _recording is not None and event in WATCHED:
        _recording.append((event, args))


sys.addaudithook(_hook)


@contextmanager
def audited() -> Iterator[list[Event]]:
    global _recording
    events: list[Event] = []
    _recording = events
    try:
        yield events
    finally:
        _recording = None


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"kmslint tried to reach the network: {args!r}")


class _NoSocket(socket.socket):
    """A socket class that cannot be instantiated (a subclass, so ``class SSLSocket(socket)`` still imports)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _refuse(*args)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "socket", _NoSocket)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


def _warm_up() -> None:
    """Import what scans import lazily, so the audited scan's opens are only about input."""
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    for case in ("terraform/clean", "bad/cfn_bom.yaml", "bad/policy_malformed.json"):
        run_scan(ScanOptions((fixtures / case,), (fixtures / case).parent), load_rules())


# --- a hostile repository ------------------------------------------------------------------------

HOSTILE_TF = """
resource "aws_kms_key" "reads_passwd" {
  enable_key_rotation = true
  policy              = file("/etc/passwd")
}

resource "aws_kms_key" "climbs_out" {
  enable_key_rotation = true
  policy              = file("../../../../../../../../etc/passwd")
}

resource "aws_kms_key" "climbs_to_sibling" {
  enable_key_rotation = true
  policy              = file("${path.module}/../outside/secret.json")
}

resource "aws_kms_key" "template_out" {
  enable_key_rotation = true
  policy              = templatefile("../outside/secret.tpl", { account = "111122223333" })
}

resource "aws_kms_key" "via_link" {
  enable_key_rotation = true
  policy              = file("link-to-secret.json")
}

module "outside_module" {
  source = "../outside/module"
}

module "linked_module" {
  source = "./mod" # holds only a symlink out of the root, so discovery never lists it
}

module "remote" {
  source = "git::https://example.invalid/kms.git"
}

data "external" "runs_a_program" {
  program = ["sh", "-c", "touch SENTINEL"]
}

data "http" "fetches" {
  url = "https://example.invalid/policy.json"
}

resource "null_resource" "local_exec" {
  provisioner "local-exec" {
    command = "touch SENTINEL"
  }
}
"""

HOSTILE_TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Transform:
  Name: AWS::Include
  Parameters:
    Location: https://example.invalid/snippet.yaml
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: !!python/object/apply:os.system ["touch SENTINEL"]
"""

HOSTILE_TEMPLATE_2 = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !!python/object/apply:subprocess.check_call [["touch", "SENTINEL"]]
      KeyPolicy: !!python/name:os.system
"""


def hostile_tree(base: Path) -> tuple[Path, Path, Path]:
    """A scan root full of attempts to reach out, a sibling ``outside`` dir, and a sentinel path."""
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "module").mkdir()
    (outside / "module" / "main.tf").write_text('resource "aws_kms_key" "from_outside" {}\n')
    secret = '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}'
    (outside / "secret.json").write_text(secret)
    (outside / "secret.tpl").write_text(secret)
    (outside / "secret.tf").write_text('resource "aws_kms_key" "secret" {}\n')
    sentinel = base / "SENTINEL"
    (root / "main.tf").write_text(HOSTILE_TF.replace("SENTINEL", str(sentinel)))
    (root / "template.yaml").write_text(HOSTILE_TEMPLATE.replace("SENTINEL", str(sentinel)))
    (root / "template2.yaml").write_text(HOSTILE_TEMPLATE_2.replace("SENTINEL", str(sentinel)))
    (root / "link-to-secret.json").symlink_to(outside / "secret.json")
    (root / "linked.tf").symlink_to(outside / "secret.tf")
    (root / "mod").mkdir()
    (root / "mod" / "link.tf").symlink_to(outside / "secret.tf")
    (root / "up").symlink_to(outside, target_is_directory=True)
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    return root, outside, sentinel


def _opened(events: list[Event]) -> list[Path]:
    out = []
    for name, args in events:
        if name == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            out.append(Path(os.fsdecode(args[0])).resolve())
    return out


def _allowed_outside_root() -> list[Path]:
    """Where kmslint may read besides the scan root: its own code and data, the interpreter, libraries."""
    places = {Path(kmslint.__file__).resolve().parent, rules_dir().resolve(), Path(sys.prefix), Path(sys.base_prefix)}
    places |= {Path(p).resolve() for p in sys.path if p}
    places.add(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kmslint")  # python-hcl2 grammar cache
    return sorted(places)


def test_hostile_tree_reads_nothing_outside_the_root_and_runs_nothing(tmp_path: Path, no_network: None) -> None:
    root, outside, sentinel = hostile_tree(tmp_path)
    _warm_up()
    with audited() as events:
        result, inv = run_scan(ScanOptions((root,), root, Config()), load_rules())
    opened = _opened(events)
    assert opened, "the audit hook saw no open at all: it is not recording"
    assert [p for p in opened if p.is_relative_to(outside)] == []
    assert Path("/etc/passwd").resolve() not in opened
    allowed = _allowed_outside_root()
    strays = [p for p in opened if not p.is_relative_to(root) and not any(p.is_relative_to(a) for a in allowed)]
    assert strays == []
    assert [e for e in events if e[0] in PROCESS_OR_NETWORK] == []
    assert not sentinel.exists()
    assert not result.errors


def test_file_and_templatefile_outside_the_root_are_unknown(tmp_path: Path, no_network: None) -> None:
    root, _, _ = hostile_tree(tmp_path)
    _, inv = run_scan(ScanOptions((root,), root, Config()), load_rules())
    policies = {k.address: k.policy for k in inv.keys}
    for address in ("reads_passwd", "climbs_out", "climbs_to_sibling", "template_out", "via_link"):
        policy = policies[f"aws_kms_key.{address}"]
        assert policy is not None and not policy.known, f"{address}: {policy}"
    assert "aws_kms_key.from_outside" not in {k.address for k in inv.keys} | {a.split(".", 2)[-1] for a in policies}
    assert not any("secret" in k.address for k in inv.keys)


def test_yaml_python_tags_are_parse_errors_not_code(tmp_path: Path) -> None:
    root, _, sentinel = hostile_tree(tmp_path)
    result, _ = run_scan(ScanOptions((root,), root, Config(select=("KMS000",))), load_rules())
    kms000 = {f.location.path: f.message for f in result.findings if f.rule_id == "KMS000"}
    assert "python/object/apply" in kms000["template.yaml"]
    assert "template2.yaml" in kms000
    assert not sentinel.exists()


def test_no_code_from_the_scanned_tree_is_compiled_or_executed(tmp_path: Path) -> None:
    root, _, _ = hostile_tree(tmp_path)
    (root / "conftest.py").write_text("raise SystemExit('kmslint imported a scanned file')\n")
    (root / "setup.py").write_text("raise SystemExit('kmslint ran a scanned file')\n")
    _warm_up()
    with audited() as events:
        run_scan(ScanOptions((root,), root, Config()), load_rules())
    executed = [args[0].co_filename for name, args in events if name == "exec" and hasattr(args[0], "co_filename")]
    compiled = [str(args[1]) for name, args in events if name == "compile" and len(args) > 1]
    assert [f for f in executed + compiled if str(root) in f] == []


def test_cfn_lint_yaml_loader_constructs_no_python_objects() -> None:
    """cfn-lint's ``CfnFullLoader`` is, despite its name, a SafeConstructor with intrinsic tags only."""
    import yaml
    from cfnlint.decode import cfn_yaml

    loader = cfn_yaml.CfnFullLoader
    assert issubclass(loader, yaml.constructor.SafeConstructor)
    assert not issubclass(loader, (yaml.constructor.FullConstructor, yaml.constructor.UnsafeConstructor))
    tags = [str(t) for t in {**loader.yaml_constructors, **loader.yaml_multi_constructors} if t]
    assert [t for t in tags if "python" in t] == []


def test_kmslint_never_names_an_unsafe_yaml_loader() -> None:
    package = Path(kmslint.__file__).resolve().parent
    unsafe = re.compile(r"yaml\.(unsafe_load|full_load|Loader\b|CLoader|UnsafeLoader|FullLoader|CFullLoader|CUnsafeLoader)")
    hits = [f"{p.relative_to(package)}: {m.group(0)}" for p in package.rglob("*.py") for m in unsafe.finditer(p.read_text("utf-8"))]
    assert hits == []


def test_python_tag_in_a_rule_file_is_a_rule_error_not_code(tmp_path: Path) -> None:
    from kmslint.engine.rules import RuleError, load_rule_file

    sentinel = tmp_path / "SENTINEL"
    rule = tmp_path / "KMS098-test-python-tag.yaml"
    rule.write_text(BROKEN_RULE.replace("KMS099", "KMS098") + f'x: !!python/object/apply:os.system ["touch {sentinel}"]\n')
    with pytest.raises(RuleError):
        load_rule_file(rule)
    assert not sentinel.exists()


def test_python_tag_in_config_is_a_config_error_not_code(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    (tmp_path / ".kmslint.yaml").write_text(f'select: !!python/object/apply:os.system ["touch {sentinel}"]\n')
    with pytest.raises(ConfigError):
        load_config(tmp_path)
    assert not sentinel.exists()


def billion_laughs(indent: str = "") -> str:
    """Nine levels of nine aliases: 9**9 (387 million) nodes once expanded."""
    lines = [f'{indent}a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{indent}{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("key", ["exclude", "select"])
def test_alias_bomb_in_config_is_refused_not_expanded(key: str, tmp_path: Path) -> None:
    (tmp_path / ".kmslint.yaml").write_text("x-anchors:\n" + billion_laughs("  ") + f"{key}: *i\n")
    with pytest.raises(ConfigError, match="aliases"):
        load_config(tmp_path)


# --- a rule that breaks --------------------------------------------------------------------------

BROKEN_RULE = """id: KMS099
name: test-broken-check
title: A test-only rule whose predicate raises on one file
level: error
security-severity: "1.0"
precision: high
tags: [test]
target: key
description: Registered only by tests/test_safety.py to prove a crashing check is an error result.
remediation:
  general: Nothing to fix; this rule exists only in a test.
checks:
  - predicate: test.broken_on_one_file
"""


def broken_on_one_file(key: Any, params: Any, inv: Any) -> list[Any]:
    from kmslint.engine.api import Hit

    if key.location.path == "bad.tf":
        raise ZeroDivisionError("boom in a test-only predicate")
    return [Hit(key.location, f"test rule saw {key.address}")]


@pytest.fixture
def broken_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary rule directory: the real catalog plus KMS099, whose predicate raises on bad.tf."""
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    (rules / "KMS099-test-broken-check.yaml").write_text(BROKEN_RULE)
    monkeypatch.setitem(predicates.PREDICATES, "test.broken_on_one_file", broken_on_one_file)
    monkeypatch.setattr("kmslint.engine.rules.load_rules", lambda: load_rules(rules))  # the CLI imports it when it runs
    return rules


def test_a_rule_that_raises_is_an_error_naming_rule_and_file_and_the_rest_still_runs(
    broken_rule: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "bad.tf").write_text('resource "aws_kms_key" "bad" {\n  enable_key_rotation = false\n}\n')
    (tree / "good.tf").write_text('resource "aws_kms_key" "good" {\n  enable_key_rotation = false\n}\n')
    monkeypatch.chdir(tree)
    out, err = io.StringIO(), io.StringIO()
    rc = main(["scan", ".", "--format", "json"], stdout=out, stderr=err)
    doc = json.loads(out.getvalue())
    assert rc == 2
    assert [(e["rule_id"], e["path"]) for e in doc["errors"]] == [("KMS099", "bad.tf")]
    assert "ZeroDivisionError: boom in a test-only predicate" in doc["errors"][0]["message"]
    found = {(f["rule_id"], f["path"], f["line"]) for f in doc["findings"]}
    assert ("KMS099", "good.tf", 1) in found  # the broken rule still ran on the other file
    assert {("KMS003", "bad.tf", 2), ("KMS003", "good.tf", 2)} <= found  # every other rule ran on both
    assert "Traceback" not in err.getvalue()


def test_a_rule_that_raises_is_never_a_pass_even_with_fail_on_none(broken_rule: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.tf").write_text('resource "aws_kms_key" "bad" {}\n')
    monkeypatch.chdir(tmp_path)
    rc = main(["scan", ".", "--fail-on", "none", "--select", "KMS099"], stdout=io.StringIO(), stderr=io.StringIO())
    assert rc == 2
