"""kmslint's rules as checkov checks. checkov loads this file; it imports only checkov and the standard library.

One check per kmslint rule, ``CKV_KMSLINT_<nnn>`` for ``KMS<nnn>``, registered for the KMS key resource
types of Terraform and CloudFormation. kmslint cannot run inside checkov's environment (both own an
``hcl2`` module), so the verdicts come from the ``kmslint`` executable of kmslint's own environment
(``KMSLINT_BIN``, else ``kmslint`` on PATH): run once per scan root and process with ``--format json``,
then mapped to the resource checkov asks about. A finding belongs to a Terraform resource when it names
that resource's address in the same module directory (or through a module call), to a CloudFormation
resource when it names its logical id in the same template, and otherwise when it lies inside the
resource's line range.

No verdict is ever a silent pass: when kmslint is missing, fails, or a rule raised inside it, the check
is FAILED with the reason in checkov's "Details" and logged once (checkov 3.3 shows no details for
CloudFormation results). checkov turns an exception in a check into an unreported UNKNOWN, so every
error is caught and reported that way. Findings that kmslint suppressed
(``# kmslint:ignore KMS00n -- reason``) are SKIPPED with their justification.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import posixpath
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CloudFormationCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TerraformCheck

TERRAFORM_KEYS = ("aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key", "aws_kms_replica_external_key")
CLOUDFORMATION_KEYS = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey")
CATALOG = Path(__file__).with_name("rules.jsonl")
TIMEOUT_S = 600
NOT_FOUND = (
    "the kmslint executable was not found: install kmslint in its own environment from a checkout "
    "(python3 -m venv ~/.venvs/kmslint && ~/.venvs/kmslint/bin/pip install /path/to/kmslint) or a git URL "
    "(pipx install git+<repository URL>), then put its bin directory on PATH or set KMSLINT_BIN to the kmslint executable"
)
# Tag -> checkov category, first match wins.
CATEGORIES = (
    ("monitoring", CheckCategories.LOGGING),
    ("key-policy", CheckCategories.IAM),
    ("mfa", CheckCategories.IAM),
    ("rotation", CheckCategories.ENCRYPTION),
    ("deletion", CheckCategories.BACKUP_AND_RECOVERY),
)
NO_VERDICT = "no kmslint verdict"
SEVERITY = {"error": "HIGH", "warning": "MEDIUM", "note": "LOW"}
LOG = logging.getLogger("kmslint.checkov")

Finding = dict[str, Any]


@dataclass(frozen=True)
class Entity:
    """The resource checkov asks about. ``path`` is relative to checkov's scan root, with ``/``."""

    framework: str  # terraform | cloudformation
    path: str
    address: str  # aws_kms_key.k, module.m.aws_kms_key.this, or a CloudFormation logical id
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Verdicts:
    """kmslint's JSON report for one scan root, or why there is none."""

    findings: tuple[Finding, ...] = ()
    suppressed: tuple[Finding, ...] = ()
    rule_errors: dict[str, str] = field(default_factory=dict)  # rule id ("" for any rule) -> message
    failure: str = ""


# --- rule catalog -----------------------------------------------------------------------------------


def load_catalog(path: Path = CATALOG) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_id(rule: dict[str, Any]) -> str:
    return "CKV_KMSLINT_" + str(rule["id"])[len("KMS"):]


def check_name(rule: dict[str, Any]) -> str:
    return f"{rule['title']} (kmslint {rule['id']} {rule['name']})"


def category(rule: dict[str, Any]) -> Any:
    tags = set(rule.get("tags", ()))
    return next((cat for tag, cat in CATEGORIES if tag in tags), CheckCategories.GENERAL_SECURITY)


def applies_to(rule: dict[str, Any], framework: str) -> bool:
    formats = rule.get("formats") or ()
    return not formats or framework in formats


# --- running kmslint --------------------------------------------------------------------------------


def kmslint_executable() -> Optional[str]:
    return os.environ.get("KMSLINT_BIN") or shutil.which("kmslint")


def run_kmslint(root: Path) -> Verdicts:
    exe = kmslint_executable()
    if not exe:
        return Verdicts(failure=NOT_FOUND)
    cmd = [exe, "scan", ".", "--format", "json", "--fail-on", "none"]
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as exc:
        return Verdicts(failure=f"running {exe} in {root} failed: {exc}")
    return parse_report(proc.stdout, proc.returncode, proc.stderr)


def parse_report(stdout: str, returncode: int, stderr: str) -> Verdicts:
    try:
        doc = json.loads(stdout)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        why = stderr.strip()[-800:] or stdout.strip()[-800:] or "no output"
        return Verdicts(failure=f"kmslint exited {returncode} without a JSON report: {why}")
    # Entries with level "warning" (a suppression comment naming an unknown rule) are about the input, not a
    # failed check: they must not fail every check of the scan.
    problems = [e for e in doc.get("errors", []) if isinstance(e, dict) and e.get("level") != "warning"]
    errors = {str(e.get("rule_id") or ""): f"{e.get('path', '')}: {e.get('message', '')}" for e in problems}
    return Verdicts(tuple(doc["findings"]), tuple(doc.get("suppressed", [])), errors)


@functools.lru_cache(maxsize=None)
def verdicts_for(root: Path) -> Verdicts:
    """One kmslint run per scan root and process."""
    return run_kmslint(root)


@functools.lru_cache(maxsize=None)
def log_once(message: str) -> None:
    """Also log why a check has no verdict: checkov shows no details for CloudFormation results."""
    LOG.error("kmslint checkov pack: %s", message)


# --- where checkov's resource lives -------------------------------------------------------------------


def checkov_roots() -> list[Path]:
    """checkov's scan roots: the ``-d`` directories, and the common folder of the ``-f`` files."""
    try:
        from checkov.common.bridgecrew.platform_integration import bc_integration

        dirs, files = list(bc_integration.scan_dir or []), [os.path.abspath(f) for f in bc_integration.scan_file or []]
    except (ImportError, AttributeError):  # another checkov layout: only the working directory is known
        return []
    roots = [Path(d).resolve() for d in dirs]
    if files:
        roots.append(Path(os.path.split(os.path.commonprefix(files))[0]).resolve())
    return list(dict.fromkeys(roots))


@functools.lru_cache(maxsize=1024)
def file_lines(path: Path) -> tuple[str, ...]:
    try:
        return tuple(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return ()


def names_entity(path: Path, entity: Entity) -> bool:
    """The file declares the entity: its name on the first line (Terraform) or anywhere (no lines known)."""
    lines = file_lines(path)
    if entity.start > 0:
        return 0 < entity.start <= len(lines) and entity.name in lines[entity.start - 1]
    return any(entity.name in line for line in lines)


def locate_file(entity: Entity) -> Optional[Path]:
    """checkov's path is relative to a scan root it does not pass to checks: try each, then the working directory."""
    for base in [*checkov_roots(), Path.cwd()]:
        candidate = (base / entity.path).resolve()
        if names_entity(candidate, entity):
            return candidate
    return None


def kmslint_root(file: Path) -> Path:
    """Where kmslint runs: the checkov root holding the file, so it sees what checkov sees; else the file's folder."""
    return next((root for root in checkov_roots() if file.is_relative_to(root)), file.parent)


def split_entity_path(entity_path: str, entity_type: str) -> tuple[str, str]:
    """checkov's ``/<file>:<type>:<name>`` into (file relative to the root, name)."""
    head, sep, name = entity_path.rpartition(f":{entity_type}:")
    if not sep:
        raise ValueError(f"unexpected checkov entity path {entity_path!r}")
    return head.lstrip("/\\").replace(os.sep, "/"), name


def terraform_entity(entity_path: str, entity_type: str, conf: dict[str, Any]) -> Entity:
    path, name = split_entity_path(entity_path, entity_type)
    address = str(conf.get("__address__") or f"{entity_type}.{name}")
    return Entity("terraform", path, address, name, int(conf.get("__start_line__", 0)), int(conf.get("__end_line__", 0)))


def cloudformation_entity(entity_path: str, entity_type: str, conf: dict[str, Any]) -> Entity:
    path, name = split_entity_path(entity_path, entity_type)
    return Entity("cloudformation", path, name, name, 0, 0)  # checkov gives CloudFormation checks no line numbers


# --- verdicts -----------------------------------------------------------------------------------------


def belongs_to(f: Finding, entity: Entity) -> bool:
    resource = str(f.get("resource") or "")
    if not resource:
        return f.get("path") == entity.path and entity.start <= int(f.get("line", 0)) <= entity.end
    if resource != entity.address:
        return False
    if entity.framework == "cloudformation":
        return f.get("path") == entity.path
    # Terraform addresses are unique per module directory; a module instance's finding may sit at its call.
    return posixpath.dirname(str(f.get("path", ""))) == posixpath.dirname(entity.path) or resource.startswith("module.")


def describe(f: Finding) -> str:
    return f"{f.get('path')}:{f.get('line')}:{f.get('column')}: {f.get('rule_id')} [{f.get('level')}] {f.get('message')}"


def judge(rule_id: str, entity: Entity, verdicts: Verdicts) -> tuple[Any, list[str]]:
    """(checkov result, details) for one rule on one resource."""
    if verdicts.failure:
        return CheckResult.FAILED, [f"{NO_VERDICT}: {verdicts.failure}"]
    error = verdicts.rule_errors.get(rule_id) or verdicts.rule_errors.get("")
    if error:
        return CheckResult.FAILED, [f"{NO_VERDICT}: {rule_id} failed inside kmslint: {error}"]
    hits = [describe(f) for f in verdicts.findings if f.get("rule_id") == rule_id and belongs_to(f, entity)]
    if hits:
        return CheckResult.FAILED, hits
    quiet = [f for f in verdicts.suppressed if f.get("rule_id") == rule_id and belongs_to(f, entity)]
    if quiet:
        return CheckResult.SKIPPED, [f"suppressed in kmslint: {(f.get('suppression') or {}).get('justification', '')}" for f in quiet]
    return CheckResult.PASSED, []


class KmslintCheck:
    """What both frameworks' checks share: the rule, and turning a resource into a verdict."""

    rule_id: str
    details: list[str]

    def verdict(self, make_entity: Callable[[], Entity]) -> Any:
        try:
            result, details = resource_verdict(self.rule_id, make_entity())
        except Exception as exc:  # never a silent UNKNOWN: checkov drops checks that raise
            LOG.exception("kmslint checkov pack: %s failed", self.rule_id)
            result, details = CheckResult.FAILED, [f"{NO_VERDICT}: internal error in the kmslint checkov pack: {exc!r}"]
        if result == CheckResult.FAILED and details[0].startswith(NO_VERDICT):
            log_once(details[0])
        self.details.extend(details)
        return result


def resource_verdict(rule_id: str, entity: Entity) -> tuple[Any, list[str]]:
    if entity.framework == "terraform" and entity.path.endswith(".json"):
        return CheckResult.UNKNOWN, []  # Terraform JSON and plan files: run kmslint itself on them
    file = locate_file(entity)
    if file is None:
        return CheckResult.FAILED, [f"{NO_VERDICT}: cannot find {entity.path} (checkov roots {checkov_roots()})"]
    root = kmslint_root(file)
    return judge(rule_id, replace(entity, path=file.relative_to(root).as_posix()), verdicts_for(root))


def check_args(rule: dict[str, Any], resources: tuple[str, ...]) -> dict[str, Any]:
    return {"name": check_name(rule), "id": check_id(rule), "categories": [category(rule)], "supported_resources": resources,
            "guideline": f"kmslint explain {rule['id']}"}


def severity(rule: dict[str, Any]) -> Any:
    try:
        from checkov.common.bridgecrew.severities import Severities
    except ImportError:
        return None
    return Severities.get(SEVERITY.get(rule["level"], ""))


class KmslintTerraformCheck(KmslintCheck, TerraformCheck):  # type: ignore[misc]
    def __init__(self, rule: dict[str, Any]) -> None:
        self.rule_id = rule["id"]
        super().__init__(**check_args(rule, TERRAFORM_KEYS))
        self.severity = severity(rule)

    def scan_resource_conf(self, conf: dict[str, Any]) -> Any:
        return self.verdict(lambda: terraform_entity(self.entity_path, self.entity_type, conf))


class KmslintCloudFormationCheck(KmslintCheck, CloudFormationCheck):  # type: ignore[misc]
    def __init__(self, rule: dict[str, Any]) -> None:
        self.rule_id = rule["id"]
        super().__init__(**check_args(rule, CLOUDFORMATION_KEYS))
        self.severity = severity(rule)

    def scan_resource_conf(self, conf: dict[str, Any]) -> Any:
        return self.verdict(lambda: cloudformation_entity(self.entity_path, self.entity_type, conf))


def register_all() -> list[KmslintCheck]:
    """Construct (and so register with checkov) one check per rule and framework."""
    checks: list[KmslintCheck] = []
    for rule in load_catalog():
        if applies_to(rule, "terraform"):
            checks.append(KmslintTerraformCheck(rule))
        if applies_to(rule, "cloudformation"):
            checks.append(KmslintCloudFormationCheck(rule))
    return checks


CHECKS = register_all()  # checkov's registries learn about checks when they are constructed
