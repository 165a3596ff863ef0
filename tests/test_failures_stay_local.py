"""Failures stay local (issue 17): an exception while loading one file or one Terraform configuration,
or a parser process that dies, is a KMS000 for that file or configuration; every other finding stays.
Also the two line-level scans an attacker controls, now linear: suppression comments and the
statement positions of a heredoc policy."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmslint.config import Config
from kmslint.engine.rules import load_rules
from kmslint.findings import ScanResult
from kmslint.loaders.terraform import parallel
from kmslint.loaders.terraform.convert import policy_from_value
from kmslint.loaders.terraform.loader import TerraformLoader
from kmslint.loaders.terraform.tfvalues import Text
from kmslint.model.resources import ParseError
from kmslint.model.values import Location
from kmslint.scan import ScanOptions, run_scan
from kmslint.suppress import parse_directive

NEIGHBOUR = 'resource "aws_kms_key" "neighbour" {\n  enable_key_rotation = false\n}\n'
POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]}\n'


def scan(root: Path, jobs: int = 1) -> ScanResult:
    result, _ = run_scan(ScanOptions((root,), root, Config(select=("KMS003",)), jobs=jobs), load_rules())
    return result


def kms000(result: ScanResult) -> dict[str, str]:
    return {f.location.path: f.message for f in result.findings if f.rule_id == "KMS000"}


def kms003(result: ScanResult) -> set[str]:
    return {f.location.path for f in result.findings if f.rule_id == "KMS003"}


def test_a_loader_that_raises_on_one_file_is_its_kms000(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kmslint.loaders.policy_json as policy_json

    def broken(rel: str, text: str) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(policy_json, "load_policy_file", broken)
    (tmp_path / "key-policy.json").write_text(POLICY)
    (tmp_path / "main.tf").write_text(NEIGHBOUR)
    result = scan(tmp_path)
    assert kms003(result) == {"main.tf"}
    assert "analysis stopped: loading this file failed (RecursionError)" in kms000(result)["key-policy.json"]


def test_a_configuration_that_raises_is_its_kms000_and_others_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = TerraformLoader.key

    def key(self: TerraformLoader, inst: Any, block: Any, rtype: str, addr: str, unit: str) -> Any:
        if addr == "aws_kms_key.bad":
            raise MemoryError()
        return original(self, inst, block, rtype, addr, unit)

    monkeypatch.setattr(TerraformLoader, "key", key)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "main.tf").write_text('resource "aws_kms_key" "bad" {\n  enable_key_rotation = false\n}\n')
    (tmp_path / "main.tf").write_text(NEIGHBOUR)
    result = scan(tmp_path)
    assert kms003(result) == {"main.tf"}
    assert "analysis stopped: evaluating the configuration in bad failed (MemoryError)" in kms000(result)["bad/main.tf"]


def _dies_on_killer(path: Path, rel: str, max_bytes: int = 0, lazy: bool = False) -> Any:
    if path.name == "killer.tf":
        os._exit(9)  # what the kernel's OOM killer does to a worker
    return _REAL_PARSE(path, rel, max_bytes, lazy) if max_bytes else _REAL_PARSE(path, rel, lazy=lazy)


_REAL_PARSE = parallel.parse_file


def test_a_dead_worker_loses_only_the_file_that_killed_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(parallel, "parse_file", _dies_on_killer)
    files = [tmp_path / f"f{i}.tf" for i in range(6)] + [tmp_path / "killer.tf"]
    for f in files:
        f.write_text('resource "aws_kms_key" "k" {}\n')
    out = parallel.parse_files([(f, f.name) for f in files], jobs=2)
    killed = out[tmp_path / "killer.tf"]
    assert isinstance(killed, ParseError) and "the process parsing this file died" in killed.reason
    assert all(not isinstance(out[f], ParseError) for f in files[:-1])


# --- suppression comments: the old expression is the oracle --------------------------------------

_OLD_DIRECTIVE = re.compile(
    r"(?:^|(?<=\s))(?:#+|//+)\s*kmslint:ignore\b[ \t]*"
    r"(?P<ids>[A-Za-z]+[0-9]+(?:[ \t]*,[ \t]*[A-Za-z]+[0-9]+)*)?"
    r"(?P<rest>.*)$"
)
_OLD_REASON = re.compile(r"^\s*--\s*(?P<reason>.*?)\s*$")


def _old(text: str) -> Optional[tuple[frozenset[str], str, bool]]:
    match = _OLD_DIRECTIVE.search(text)
    if match is None:
        return None
    ids = frozenset(x.strip().upper() for x in (match.group("ids") or "").split(",") if x.strip())
    reason_match = _OLD_REASON.match(match.group("rest"))
    return ids, reason_match.group("reason") if reason_match else "", not text[: match.start()].strip()


_PIECES = st.sampled_from(["#", "//", "/", " ", "\t", "kmslint:ignore", "KMS001", "kms2", ",", "--", "x", "reason", "é", "_"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_suppression_comments_parse_as_before(line: str) -> None:
    new = parse_directive(line, 1)
    assert (None if new is None else (new.rule_ids, new.reason, new.own_line)) == _old(line)


@pytest.mark.parametrize("filler", ["#", " ", "/", "kmslint:ignore"])
def test_a_long_hostile_comment_line_is_parsed(filler: str) -> None:
    line = filler * 200_000 + " # kmslint:ignore KMS001 --" + " " * 200_000 + "why"
    found = parse_directive(line, 7)
    assert found is not None and found.rule_ids == {"KMS001"}


# --- heredoc statement positions --------------------------------------------------------------------


def test_every_statement_of_a_long_heredoc_policy_keeps_its_line() -> None:
    statement = '    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}'
    body = '{\n  "Statement": [\n' + ",\n".join([statement] * 3000) + "\n  ]\n}\n"
    policy = policy_from_value(Text(body, Location("p.tf", 10, 3)), Location("p.tf", 9, 1), "inline")
    assert policy is not None
    lines = [s.location.line for s in policy.statements]
    assert lines == list(range(12, 12 + 3000))
    assert {s.location.column for s in policy.statements} == {5}
