"""Standalone key-policy files, the position-recording JSON decoder, and the file sniffers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmslint.loaders import jsonpos
from kmslint.loaders.policy_json import load_policy_file
from kmslint.loaders.sniff import looks_like_cloudformation, looks_like_key_policy, looks_like_plan
from kmslint.model import Inventory, Location

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Root",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
      {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
  ]
}
"""


def test_statements_are_located_where_they_start() -> None:
    inv = load_policy_file("keys/p.json", POLICY)
    (doc,) = inv.policy_documents
    assert (doc.address, doc.unit, doc.location) == ("keys/p.json", "keys/p.json", Location("keys/p.json", 1, 1))
    root, open_ = doc.policy.statements
    assert (root.location.line, root.location.column) == (4, 5)
    assert (open_.location.line, open_.location.column) == (11, 7)
    assert root.to_account_root and open_.everyone
    assert doc.policy.known and doc.policy.origin == "file"
    assert inv.units == ("keys/p.json",)


def test_a_single_statement_object_is_accepted() -> None:
    text = '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}}'
    (stmt,) = load_policy_file("p.json", text).policy_documents[0].policy.statements
    assert stmt.everyone and stmt.location == Location("p.json", 1, 15)


def test_get_key_policy_output_shape() -> None:
    text = json.dumps({"Policy": POLICY, "PolicyName": "default"}, indent=2)
    (doc,) = load_policy_file("out.json", text).policy_documents
    assert doc.location == Location("out.json", 2, 13)
    assert [s.sid for s in doc.policy.statements] == ["Root", "Open"]
    assert all(s.location == doc.location for s in doc.policy.statements)


def test_bom_and_crlf() -> None:
    text = "\ufeff" + POLICY.replace("\n", "\r\n")
    (doc,) = load_policy_file("p.json", text).policy_documents
    assert doc.policy.statements[1].location.line == 11


@pytest.mark.parametrize(
    "text, line, column, words",
    [
        ('{\n  "Statement": [\n    {"Effect": "Allow"\n     "Action": "kms:*"}\n  ]\n}', 4, 6, "Expecting ',' delimiter"),
        ('{\n  "Statement": [],\n  "Statement": []\n}', 3, 3, "repeats the key 'Statement' (first at line 2)"),
        ('{\n  "Statement": "kms:*"\n}', 2, 16, "Statement must be an object or a list of objects, not a string"),
        ('{\n  "Statement": [{}, "x"]\n}', 2, 21, "Statement[1] must be an object, not a string"),
        ('{"Statement": [' * 3000, 1, 1, "nested too deeply"),
        ("", 1, 1, "Expecting value"),
        (json.dumps({"Policy": "{not json"}), 1, 12, "the Policy string is not valid JSON"),
    ],
)
def test_bad_policy_files_are_parse_errors(text: str, line: int, column: int, words: str) -> None:
    inv = load_policy_file("bad.json", text)
    assert inv.policy_documents == ()
    (error,) = inv.parse_errors
    assert (error.location.line, error.location.column) == (line, column)
    assert words in error.reason


@pytest.mark.parametrize("text", ["[1, 2]", '{"Version": "2012-10-17"}', '"just a string"', '{"Policy": 3}'])
def test_json_that_is_not_a_policy_is_ignored(text: str) -> None:
    assert load_policy_file("x.json", text) == Inventory()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]":,\n tfnul0123456789.-eE\\"Statementkms*', max_size=60))
def test_arbitrary_text_never_raises(text: str) -> None:
    assert isinstance(load_policy_file("f.json", text), Inventory)


# --- jsonpos -------------------------------------------------------------------------------


def test_jsonpos_records_starts_of_objects_arrays_strings_and_keys() -> None:
    text = '{"a": [1, {"b": "x"}],\r\n "c": "y"}'
    doc = jsonpos.loads(text)
    index = jsonpos.LineIndex(text)
    assert doc == {"a": [1, {"b": "x"}], "c": "y"}
    assert index.line_col(doc.start) == (1, 1)
    assert index.line_col(doc["a"].start) == (1, 7)
    assert index.line_col(doc["a"][1].start) == (1, 11)
    assert index.line_col(doc.key_offsets["c"]) == (2, 2)
    assert index.line_col(doc["c"].start) == (2, 7)


def test_line_index_counts_cr_lf_and_crlf_as_one_break_each() -> None:
    index = jsonpos.LineIndex("a\rb\r\nc\nd")
    assert [index.line_col(i) for i in (0, 2, 5, 7)] == [(1, 1), (2, 1), (3, 1), (4, 1)]
    assert index.line_count == 4


def test_jsonpos_rejects_what_json_rejects() -> None:
    for bad in ['{"a": 1,}', "[1,]", "{} {}", "{'a': 1}", "[NaN"]:
        with pytest.raises(jsonpos.JSONDecodeError):
            jsonpos.loads(bad)
    with pytest.raises(jsonpos.DuplicateKeyError) as err:
        jsonpos.loads('{"a": 1, "a": 2}')
    assert (err.value.key, err.value.first, err.value.offset) == ("a", 1, 9)


# --- sniffers --------------------------------------------------------------------------------

CFN_YAML = "AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n"
SAM = "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
NO_VERSION = "Resources:\n  K:\n    Type: 'AWS::KMS::Key'\n"
CDK = '{\n "Resources": {\n  "K": {\n   "Type": "AWS::KMS::Key"\n  }\n }\n}'
SERVERLESS = "service: x\nresources:\n  Resources:\n    K:\n      Type: AWS::KMS::Key\n"
K8S = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - resources: {}\n"
KEY_POLICY = '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"}]}'
CLI_OUTPUT = json.dumps({"Policy": json.dumps(json.loads(KEY_POLICY)), "PolicyName": "default"})
IDENTITY = '{"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}'
BUCKET = '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}'
PLAN = '{"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": []}'
STATE = '{"format_version": "1.0", "values": {}}'


@pytest.mark.parametrize("text, expected", [(CFN_YAML, True), (SAM, True), (NO_VERSION, True), (CDK, True), (SERVERLESS, False), (K8S, False), (KEY_POLICY, False)])
def test_looks_like_cloudformation(text: str, expected: bool) -> None:
    assert looks_like_cloudformation(text) is expected


@pytest.mark.parametrize("text, expected", [(KEY_POLICY, True), (CLI_OUTPUT, True), (IDENTITY, False), (BUCKET, False), (CDK, False), ("Statement: kms:* Principal:", False)])
def test_looks_like_key_policy(text: str, expected: bool) -> None:
    assert looks_like_key_policy(text) is expected


@pytest.mark.parametrize("text, expected", [(PLAN, True), (STATE, False), (KEY_POLICY, False), ("format_version resource_changes", False)])
def test_looks_like_plan(text: str, expected: bool) -> None:
    assert looks_like_plan(text) is expected
