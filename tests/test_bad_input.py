"""Bad input never crashes kmslint, never hangs it, never hides a file (issue 9).

The committed cases are in ``fixtures/bad/`` and ``tests/test_fixtures.py`` checks their exact
(path, rule, line) sets. This file adds what cannot be committed (binary, UTF-16, symlinks, a
50 MB file, an unreadable file, a FIFO), checks the *reason* every KMS000 gives, and runs the
whole corpus through the command line as one scan: exit code 1, parseable JSON, no traceback,
every case's findings present (so no bad file stopped another from being scanned).

Every generated case sits next to ``neighbour.tf``, whose KMS003 proves the scan went on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest

from kmslint.config import Config
from kmslint.engine.rules import load_rules
from kmslint.findings import ScanResult
from kmslint.scan import ScanOptions, run_scan

REPO = Path(__file__).resolve().parent.parent
BAD = REPO / "fixtures" / "bad"
HANG_GUARD_S = 120  # a subprocess still running after this is a hang; not a performance assertion

NEIGHBOUR = 'resource "aws_kms_key" "neighbour" {\n  enable_key_rotation = false\n}\n'
NEIGHBOUR_FINDING = ("neighbour.tf", "KMS003", 2)
KEY_TF = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n'
TEMPLATE = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n'
POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]}\n'

Triple = tuple[str, str, int]


def scan(root: Path) -> ScanResult:
    """Scan ``root`` in-process with the corpus' rule selection (KMS000 and KMS003)."""
    result, _ = run_scan(ScanOptions((root,), root, Config(select=("KMS003",))), load_rules())
    return result


def triples(result: ScanResult) -> set[Triple]:
    return {(f.location.path, f.rule_id, f.location.line) for f in result.findings}


def reason(result: ScanResult, path: str) -> str:
    found = [f.message for f in result.findings if f.rule_id == "KMS000" and f.location.path == path]
    assert len(found) == 1, f"expected one KMS000 for {path}, got {found}"
    return found[0]


# --- generated cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Files to create, and the KMS000 (path, line, reason fragment) each bad file must give."""

    build: Callable[[Path], None]
    kms000: tuple[tuple[str, int, str], ...]
    clean: tuple[str, ...] = field(default=())  # files that must produce no finding at all


def _binary(root: Path) -> None:
    data = bytearray(os.urandom(4096))
    prefix = b'resource "aws_kms_key" "x" {\n# binary\n\n#'  # 40 bytes: line 4 starts at byte 39
    assert len(prefix) == 40  # a shorter slice would shrink the array and leave a random byte (maybe a newline) before 0xFF
    data[:40] = prefix
    data[40] = 0xFF  # never valid in UTF-8, on line 4
    (root / "firmware.tf").write_bytes(bytes(data))


def _utf16(name: str, text: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        (root / name).write_bytes(text.encode("utf-16"))  # with a BOM, as PowerShell writes it

    return build


def _invalid_utf8_template(root: Path) -> None:
    (root / "template.yaml").write_bytes(TEMPLATE.encode() + b"      Description: cl\xe9\n")


def _big(name: str, head: str, filler: bytes) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        with (root / name).open("wb") as fh:
            fh.write(head.encode())
            chunk = filler * (1024 * 1024 // len(filler))
            for _ in range(50):
                fh.write(chunk)

    return build


CASES: dict[str, Case] = {
    "binary file named .tf": Case(_binary, (("firmware.tf", 4, "not UTF-8"),)),
    "UTF-16 .tf": Case(_utf16("main.tf", KEY_TF), (("main.tf", 1, "not UTF-8"),)),
    "UTF-16 CloudFormation template": Case(_utf16("template.yaml", TEMPLATE), (("template.yaml", 1, "not UTF-8"),)),
    "UTF-16 key policy": Case(_utf16("policy.json", POLICY), (("policy.json", 1, "not UTF-8"),)),
    "invalid UTF-8 in a template": Case(_invalid_utf8_template, (("template.yaml", 7, "not UTF-8"),)),
    "50 MB .tf": Case(_big("huge.tf", 'resource "aws_kms_key" "h" {}\n', b"# padding\n"), (("huge.tf", 1, "limit"),)),
    "50 MB template": Case(_big("huge.yaml", TEMPLATE, b"# padding\n"), (("huge.yaml", 1, "limit"),)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_generated_bad_input_gives_kms000_with_line_and_reason(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    (tmp_path / "neighbour.tf").write_text(NEIGHBOUR)
    case.build(tmp_path)
    result = scan(tmp_path)
    assert not result.errors
    expected = {(path, "KMS000", line) for path, line, _ in case.kms000} | {NEIGHBOUR_FINDING}
    assert triples(result) == expected
    for path, _, fragment in case.kms000:
        assert fragment in reason(result, path)


# --- the file system: directories, FIFOs, symlinks, permissions --------------------------------


def test_a_fifo_named_like_a_source_is_never_opened(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: discovery must not open one (no hang)."""
    (tmp_path / "neighbour.tf").write_text(NEIGHBOUR)
    os.mkfifo(tmp_path / "pipe.tf")
    os.mkfifo(tmp_path / "pipe.yaml")
    rc, doc, _ = run_cli(tmp_path)
    assert rc == 1
    assert {(f["path"], f["rule_id"], f["line"]) for f in doc["findings"]} == {NEIGHBOUR_FINDING}


def test_symlink_to_a_file_inside_the_root_is_scanned_once(tmp_path: Path) -> None:
    (tmp_path / "neighbour.tf").write_text(NEIGHBOUR)
    other = tmp_path / "other"
    other.mkdir()
    (other / "alias.tf").symlink_to(tmp_path / "neighbour.tf")
    result = scan(tmp_path)
    assert triples(result) == {NEIGHBOUR_FINDING}


def test_symlink_loop_is_reported_not_followed(tmp_path: Path) -> None:
    (tmp_path / "neighbour.tf").write_text(NEIGHBOUR)
    (tmp_path / "a.tf").symlink_to(tmp_path / "b.tf")
    (tmp_path / "b.tf").symlink_to(tmp_path / "a.tf")
    result = scan(tmp_path)
    assert {t for t in triples(result) if t[1] == "KMS000"} == {("a.tf", "KMS000", 1), ("b.tf", "KMS000", 1)}


def test_symlink_loop_does_not_hang_or_crash(tmp_path: Path) -> None:
    (tmp_path / "neighbour.tf").write_text(NEIGHBOUR)
    (tmp_path / "a.tf").symlink_to(tmp_path / "b.tf")
    (tmp_path / "b.tf").symlink_to(tmp_path / "a.tf")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)  # a directory loop too
    rc, doc, stderr = run_cli(tmp_path)
    assert rc in (0, 1) and "Traceback" not in stderr
    assert NEIGHBOUR_FINDING in {(f["path"], f["rule_id"], f["line"]) for f in doc["findings"]}



def test_symlink_out_of_the_root_is_reported_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "shared.tf").write_text(NEIGHBOUR.replace("neighbour", "shared"))
    (root / "neighbour.tf").write_text(NEIGHBOUR)
    (root / "shared.tf").symlink_to(outside / "shared.tf")
    result = scan(root)
    assert triples(result) == {NEIGHBOUR_FINDING, ("shared.tf", "KMS000", 1)}
    assert "outside" in reason(result, "shared.tf")


def test_symlink_out_of_the_root_is_not_scanned(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "shared.tf").write_text(NEIGHBOUR.replace("neighbour", "shared"))
    (root / "neighbour.tf").write_text(NEIGHBOUR)
    (root / "shared.tf").symlink_to(outside / "shared.tf")
    (root / "up").symlink_to(outside, target_is_directory=True)
    result = scan(root)
    assert not any(f.resource.endswith(".shared") or "shared" in f.location.path for f in result.findings if f.rule_id != "KMS000")
    assert NEIGHBOUR_FINDING in triples(result)


@contextmanager
def readable_as_user() -> Iterator[None]:
    """Root reads anything, even chmod 000. As root, drop the *effective* uid to ``nobody`` for the
    scan (imports are warmed up first: nobody cannot read root's Python), then take it back."""
    if os.geteuid() != 0:
        yield
        return
    scan(BAD / "hcl_empty")  # import every loader lazily used by a scan while still root
    scan(BAD / "cfn_bom.yaml")
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def _world_readable_dir(factory: pytest.TempPathFactory) -> Path:
    """pytest's tmp dirs are private to root; ``nobody`` must be able to enter this one."""
    root = factory.mktemp("shared")
    for p in (root, *root.parents):
        if p == Path("/tmp") or p == Path(p.anchor):
            break
        p.chmod(p.stat().st_mode | 0o755)
    return root


def test_unreadable_file_is_reported(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = _world_readable_dir(tmp_path_factory)
    (root / "neighbour.tf").write_text(NEIGHBOUR)
    (root / "secret.tf").write_text(KEY_TF)
    (root / "secret.tf").chmod(0)
    with readable_as_user():
        result = scan(root)
    assert triples(result) == {NEIGHBOUR_FINDING, ("secret.tf", "KMS000", 1)}
    assert "Permission denied" in reason(result, "secret.tf")


def test_unreadable_yaml_is_reported(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = _world_readable_dir(tmp_path_factory)
    (root / "neighbour.tf").write_text(NEIGHBOUR)
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "template.yaml").chmod(0)
    with readable_as_user():
        result = scan(root)
    assert ("template.yaml", "KMS000", 1) in triples(result)


def test_oversized_file_in_a_called_module_directory_is_reported(tmp_path: Path) -> None:
    """A module reached only through a call is read by the loader, not discovery: same limit."""
    (tmp_path / "neighbour.tf").write_text(NEIGHBOUR + 'module "m" {\n  source = "./mod"\n}\n')
    (tmp_path / "mod").mkdir()
    _big("big.tf", "locals {}\n", b"# padding\n")(tmp_path / "mod")
    result = scan(tmp_path)
    assert triples(result) == {NEIGHBOUR_FINDING, ("mod/big.tf", "KMS000", 1)}
    assert "limit" in reason(result, "mod/big.tf")


# --- the whole corpus, through the command line -------------------------------------------------


def run_cli(cwd: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    """``kmslint scan . --format json --select KMS003`` in a fresh process (KMS000 is always on)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "kmslint", "scan", ".", "--format", "json", "--select", "KMS003", *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def _corpus_expectations(root: Path) -> set[Triple]:
    sys.path.insert(0, str(Path(__file__).parent))
    from test_fixtures import expectations

    expected: set[Triple] = set()
    for case in sorted(BAD.iterdir()):
        if case.name.startswith(".") or case.name.endswith(".expect.yaml"):
            continue
        prefix = f"{case.name}/" if case.is_dir() else ""
        expected |= {(prefix + path, rule, line) for path, rule, line in expectations(case)[0]}
    return expected


def test_whole_corpus_in_one_cli_scan(tmp_path: Path) -> None:
    """One scan over every bad case at once: each still gives its own findings, exit code 1."""
    root = tmp_path / "corpus"
    shutil.copytree(BAD, root, symlinks=True)
    _binary(root)
    _utf16("utf16.tf", KEY_TF)(root)
    _utf16("utf16.yaml", TEMPLATE)(root)
    rc, doc, stderr = run_cli(root)
    got = {(f["path"], f["rule_id"], f["line"]) for f in doc["findings"]}
    expected = _corpus_expectations(root) | {("firmware.tf", "KMS000", 4), ("utf16.tf", "KMS000", 1), ("utf16.yaml", "KMS000", 1)}
    assert doc["errors"] == []
    assert sorted(expected - got) == [] and sorted(got - expected) == []
    assert rc == 1
    assert stderr == ""


def test_every_kms000_in_the_corpus_says_why() -> None:
    result = run_scan(ScanOptions((BAD,), BAD, Config(select=("KMS003",))), load_rules())[0]
    parse_errors = [f for f in result.findings if f.rule_id == "KMS000"]
    assert len(parse_errors) >= 15
    for f in parse_errors:
        why = f.message.split(":", 1)[-1].strip()
        assert len(why) > 10, f"{f.location.path}: {f.message!r} gives no reason"
        assert "Traceback" not in f.message and "object at 0x" not in f.message


@pytest.mark.parametrize(
    "path,fragment",
    [
        ("cfn_alias_bomb.yaml", "alias"),
        ("cfn_duplicate_keys.yaml", "duplicate key 'EnableKeyRotation'"),
        ("cfn_tab_indent.yaml", "tab"),
        ("policy_statement_string.json", "Statement must be an object or a list of objects, not a string"),
        ("policy_statement_item_string.json", "Statement[0] must be an object, not a string"),
        ("policy_malformed.json", "not valid JSON"),
        ("hcl_unclosed_block/main.tf", "end of file"),
        ("hcl_invalid_utf8/main.tf", "not UTF-8"),
    ],
)
def test_corpus_reasons_name_the_problem(path: str, fragment: str) -> None:
    result = run_scan(ScanOptions((BAD / path.split("/")[0],), BAD if "/" not in path else BAD / path.split("/")[0], Config(select=("KMS003",))), load_rules())[0]
    rel = path.split("/", 1)[-1]
    assert fragment in reason(result, rel)


@pytest.mark.parametrize("path", ["cfn_nested_10000.yaml", "cfn_nested_10000.json", "policy_nested_10000.json", "hcl_nested_10000/main.tf"])
def test_deep_nesting_reason_says_so(path: str) -> None:
    case = BAD / path.split("/")[0]
    base = case if case.is_dir() else BAD
    result = run_scan(ScanOptions((case,), base, Config(select=("KMS003",))), load_rules())[0]
    message = reason(result, path.split("/", 1)[-1])
    assert any(word in message for word in ("nest", "deep")), message
