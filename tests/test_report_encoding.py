"""JSON and SARIF are always valid UTF-8 (issue 17): a lone surrogate in a plan address or a file name
that is not UTF-8 is written as escaped text instead of crashing the report."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmslint.cli import main
from kmslint.engine.rules import load_rules
from kmslint.findings import Finding, ScanResult
from kmslint.model.resources import Unchecked
from kmslint.model.values import Location
from kmslint.report import json_report, sarif

RULES = load_rules()


def result_with(text: str) -> ScanResult:
    finding = Finding(Location(f"{text}.tf", 2, 3), "KMS003", "error", f"rotation off for {text}", rule_name="rotation-enabled", resource=text)
    return ScanResult(findings=(finding,), unchecked=(Unchecked(Location(f"{text}.tf", 1, 1), text),))


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(max_codepoint=0x2FF), min_size=1, max_size=6))
def test_reports_are_utf8_whatever_the_strings_hold(text: str) -> None:
    for report in (json_report.render(result_with(text), RULES), sarif.render(result_with(text), RULES, root=Path.cwd())):
        doc = json.loads(report.encode("utf-8").decode("utf-8"))
        dumped = json.dumps(doc, ensure_ascii=False)
        dumped.encode("utf-8")  # no unpaired surrogate survives, even as a JSON escape


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
def test_a_file_name_that_is_not_utf8_is_reported_in_sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = os.fsdecode(b"key-\xff.tf")
    (tmp_path / name).write_text('resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n')
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main(["scan", ".", "--format", "sarif", "--select", "KMS003", "--output", "out.sarif"], stdout=out, stderr=io.StringIO()) == 1
    doc = json.loads((tmp_path / "out.sarif").read_bytes().decode("utf-8"))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]]
    assert uris == ["key-%FF.tf"]
