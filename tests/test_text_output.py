"""Default text output: one short line per finding, escaped input, colour only when wanted, -v details."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from kmslint.cli import main, use_color
from kmslint.engine.rules import load_rules
from kmslint.findings import Finding, ScanResult
from kmslint.model.values import Location
from kmslint.report import text

PROJECT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^[^\s:]+:\d+:\d+: KMS\d{3} \[(error|warning|note)\] [a-z0-9-]+: \S")
FORGED = "Key\nx.tf:1:1: KMS999 [error] forged\x1b[31m\u202e"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main(list(argv), stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


def test_every_line_on_the_fixtures_is_short_and_editor_shaped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    rc, out, _ = run("scan", "fixtures")
    lines = out.splitlines()
    findings, summary = lines[:-1], lines[-1]
    assert rc == 1 and summary.startswith("kmslint: ") and "scanned:" in summary
    assert [x for x in findings if not LINE.match(x)] == []
    longest = max(lines, key=len)
    assert len(longest) <= text.MAX_LINE, longest
    # JSON keeps the whole message that text cuts to its first sentence.
    doc = json.loads(run("scan", "fixtures/terraform/window", "--format", "json")[1])
    assert any(". Use 30" in f["message"] for f in doc["findings"])


def test_the_line_is_the_first_sentence_and_verbose_adds_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT / "fixtures" / "terraform")
    _, out, _ = run("scan", "window", "--select", "KMS002")
    first = out.splitlines()[0]
    assert first.startswith("window/main.tf:28:3: KMS002 [error] deletion-window: The deletion waiting period is 5 days")
    assert "Use 30" not in out
    _, out, _ = run("scan", "window", "--select", "KMS002", "-v")
    lines = out.splitlines()
    assert lines[0] == first
    assert lines[1] == "    Use 30, or remove the attribute to get AWS's default of 30."
    assert lines[2].startswith("    why: After ScheduleKeyDeletion, AWS waits 7 to 30 days")
    assert lines[3] == "    more: kmslint explain KMS002"


def test_split_message_keeps_addresses_and_abbreviations_whole() -> None:
    assert text.split_message("Rotation is off for aws_kms_key.k, e.g. a test. Set it.") == ("Rotation is off for aws_kms_key.k, e.g. a test.", "Set it.")
    assert text.split_message("No sentence end") == ("No sentence end", "")


def test_input_cannot_forge_a_line_or_reach_the_terminal() -> None:
    finding = Finding(Location("dir\n/a\x1b].tf", 3, 1), "KMS003", "error", f"Rotation is off for {FORGED}. Fix it.", "rotation-enabled", FORGED)
    out = text.render(ScanResult(findings=(finding,), files_scanned=1), load_rules())
    lines = out.splitlines()
    assert len(lines) == 2  # the finding and the summary: the newline did not start a line
    verbose = text.render(ScanResult(findings=(finding,), files_scanned=1), load_rules(), verbose=True)
    assert not any(x.startswith("x.tf") for x in verbose.splitlines())
    assert "\x1b" not in out + verbose and "\u202e" not in out + verbose
    assert lines[0].startswith("dir\\n/a\\x1b].tf:3:1: KMS003 [error] rotation-enabled: Rotation is off for Key\\nx.tf")
    assert "\\x1b[31m\\u202e" in lines[0]


def test_a_logical_id_with_a_newline_stays_on_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    template = {"Resources": {FORGED: {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": False}}}}
    (tmp_path / "t.json").write_text(json.dumps(template))
    _, out, _ = run("scan", ".", "--select", "KMS003", "--color", "always")
    assert [x for x in out.splitlines() if "KMS999" in x and not x.startswith("\x1b[1mt.json:")] == []
    assert "\x1b[31m\\u202e" not in out and "\\x1b[31m\\u202e" in out  # only kmslint's own colour codes are raw


@pytest.mark.parametrize(
    ("choice", "env", "tty", "expected"),
    [
        ("auto", {}, False, False),
        ("auto", {}, True, True),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # set but empty: ignored, as no-color.org says
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_choice(choice: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert use_color(choice, Stream(), env) is expected


def test_colour_on_the_command_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(PROJECT / "fixtures" / "terraform")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" not in run("scan", "window")[1]  # not a terminal
    coloured = run("scan", "window", "--color", "always")[1]
    assert "\x1b[31;1m[error]\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == run("scan", "window")[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run("scan", "window")[1]
    target = tmp_path / "report.txt"
    run("scan", "window", "--output", str(target))  # a file is never coloured by FORCE_COLOR
    assert "\x1b[" not in target.read_text()
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("scan", "window")[1]


def test_a_long_first_sentence_is_cut_at_a_clause_or_a_word_never_mid_word() -> None:
    words = "word " * 60
    lead = "The window is 5 days " + "and more " * 7
    finding = Finding(Location("a.tf", 1, 1), "KMS002", "error", f"{lead}then: {words}end.", "deletion-window")
    assert text.format_finding(finding) == f"a.tf:1:1: KMS002 [error] deletion-window: {lead}then..."
    finding = Finding(Location("a.tf", 1, 1), "KMS002", "error", f"Long {words}end.", "deletion-window")
    line = text.format_finding(finding)
    assert len(line) <= text.MAX_LINE and line.endswith(" word...")


def test_an_ascii_only_stream_gets_escapes_not_an_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clé.tf").write_text('resource "aws_kms_key" "clé" {\n}\n', encoding="utf-8")
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    rc = main(["scan", ".", "--select", "KMS003"], stdout=stream, stderr=io.StringIO())
    stream.flush()
    assert rc == 1
    assert raw.getvalue().decode("ascii").startswith("cl\\xe9.tf:1:1: KMS003 [error] rotation-enabled: Automatic key rotation is off for aws_kms_key.cl\\xe9")
