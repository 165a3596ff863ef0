"""CloudWatch Logs filter patterns: AWS's documented examples, KMS patterns, and malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmslint.monitoring.cloudtrail import cloudtrail_record, pending_deletion_record
from kmslint.monitoring.filter_pattern import (
    AllOf,
    AnyOf,
    Comparison,
    FilterPatternError,
    Check,
    filter_pattern_matches,
    parse_filter_pattern,
    wildcard_matches,
)

# --- AWS's documented examples ("Filter and pattern syntax", JSON metric filter examples) -----

AWS_EVENT: dict[str, Any] = {
    "eventType": "UpdateTrail",
    "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None,
    "ThisFlag": True,
}


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "UpdateTrail" }',
        "{ $.sourceIPAddress != 123.123.* }",
        '{ $.arrayKey[0] = "value" }',
        "{ $.objectList[1].id = 2 }",
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
    ],
)
def test_aws_documented_json_examples_match(pattern: str) -> None:
    assert filter_pattern_matches(pattern, AWS_EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "CreateTrail" }',
        "{ $.sourceIPAddress != 111.111.* }",
        '{ $.arrayKey[1] = "value" }',
        "{ $.objectList[0].id = 2 }",
        "{ $.objectList[5].id = 2 }",
        "{ $.eventType IS NULL }",  # a string, not null
        "{ $.SomeOtherObject IS NULL }",  # absent, not null
        "{ $.SomeObject NOT EXISTS }",  # present (as null)
        "{ $.ThisFlag IS FALSE }",
        "{ $.eventType IS TRUE }",
        '{ $.eventType.name = "UpdateTrail" }',  # a string has no properties
        '{ $.eventType[0] = "U" }',  # a string is not an array
    ],
)
def test_aws_documented_json_examples_counterparts_do_not_match(pattern: str) -> None:
    assert not filter_pattern_matches(pattern, AWS_EVENT)


COMPOUND_EVENT: dict[str, Any] = {
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
        ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', True),
        ('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', False),
        ("{ $.coordinates[2][0] = 7 }", True),
        ("{ $.coordinates[2][0] = 8 }", False),
    ],
)
def test_aws_documented_compound_examples(pattern: str, expected: bool) -> None:
    assert filter_pattern_matches(pattern, COMPOUND_EVENT) is expected


def test_and_binds_tighter_than_or() -> None:
    parsed = parse_filter_pattern("{ $.a = 1 || $.b = 2 && $.c = 3 }")
    assert isinstance(parsed.root, AnyOf)
    assert isinstance(parsed.root.parts[1], AllOf)
    assert filter_pattern_matches("{ $.a = 1 || $.b = 2 && $.c = 3 }", {"a": 1, "b": 0, "c": 0})
    assert not filter_pattern_matches("{ ($.a = 1 || $.b = 2) && $.c = 3 }", {"a": 1, "b": 0, "c": 0})


def test_selector_pointing_at_array_or_object_matches_neither_eq_nor_ne() -> None:
    # AWS: both {$.users = 1} and {$.users != 1} fail on {"users": [1, 2, 3]}.
    event = {"users": [1, 2, 3], "obj": {"a": 1}}
    for pattern in ("{ $.users = 1 }", "{ $.users != 1 }", "{ $.obj = 1 }", "{ $.obj != 1 }"):
        assert not filter_pattern_matches(pattern, event), pattern


def test_or_pattern_aws_example() -> None:
    assert filter_pattern_matches("{$.foo = bar}", {"foo": "bar"})
    assert not filter_pattern_matches("{$.foo = bar}", {"foo": "baz"})
    assert filter_pattern_matches("{$.foo = bar || $.foo = baz }", {"foo": "baz"})
    assert not filter_pattern_matches("{$.foo = bar || $.foo = baz }", {"foo": "qux"})


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ("{ $.latency >= 500 }", {"latency": 500}, True),
        ("{ $.latency >= 500 }", {"latency": 499.9}, False),
        ("{ $.numbers[0] < 10e3 }", {"numbers": [9999]}, True),
        ("{ $.numbers[0] < 10e-3 }", {"numbers": [0.5]}, False),
        ("{ $.processes[4].averageRuntime <= 55.5 }", {"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}, True),
        ("{ $.errorCode = 400 }", {"errorCode": 400}, True),
        ("{ $.errorCode = 400 }", {"errorCode": 400.0}, True),
        ("{ $.errorCode != 500 }", {"errorCode": 400}, True),
        ("{ $.errorCode != 500 }", {"errorCode": 500}, False),
        ("{ $.latency > +1000 }", {"latency": 1001}, True),
        ("{ $.latency > -1 }", {"latency": "5"}, False),  # ordering needs a number node
        ("{ $.latency < 5 }", {"latency": True}, False),  # booleans are not numbers
        ("{ $.latency > 1 }", {}, False),
        ("{ $.latency < 500 }", {"latency": 500}, False),
        ("{ $.latency < 500 }", {"latency": 499}, True),
        ("{ $.latency > 500 }", {"latency": 500}, False),
        ("{ $.latency <= 500 }", {"latency": 500}, True),
        ("{ $.latency <= 500 }", {"latency": 501}, False),
    ],
)
def test_numeric_comparisons(pattern: str, event: dict[str, Any], expected: bool) -> None:
    assert filter_pattern_matches(pattern, event) is expected


def test_unquoted_number_compares_as_text_against_string_node() -> None:
    # CloudTrail's recipientAccountId is a string; AWS's docs compare it unquoted.
    record = cloudtrail_record("DisableKey")
    assert filter_pattern_matches("{ $.recipientAccountId = 111122223333 }", record)
    assert not filter_pattern_matches("{ $.recipientAccountId = 999999999999 }", record)


# --- string matching and wildcards ----------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual", "result"),
    [
        ("*Event", "PutEvent", True),
        ("*Event", "EventPut", False),
        ("Event*", "EventName", True),
        ("Event*", "MyEventName", False),
        ("Ev*ent", "Ev*ent", True),  # AWS: an inner * is literal
        ("Ev*ent", "Event", False),
        ("Ev*ent", "Evxxent", False),
        ("*Key*", "ScheduleKeyDeletion", True),
        ("*Key*", "ScheduleDeletion", False),
        ("*", "", True),
        ("kms*", "kms.amazonaws.com", True),
        ("kms*", "KMS.amazonaws.com", False),  # case-sensitive
        ("* is pending deletion.", "arn:aws:kms:...:key/x is pending deletion.", True),
        ("* is pending deletion.", "arn:aws:kms:...:key/x is disabled.", False),
        ("DisableKey", "DisableKeyRotation", False),
    ],
)
def test_wildcard_matches(expected: str, actual: str, result: bool) -> None:
    assert wildcard_matches(expected, actual) is result


def test_lone_star_matches_any_scalar_but_not_absent_or_null() -> None:
    assert filter_pattern_matches("{ $.latency = * }", {"latency": 12})
    assert filter_pattern_matches("{ $.latency = * }", {"latency": "slow"})
    assert not filter_pattern_matches("{ $.latency = * }", {})
    assert not filter_pattern_matches("{ $.latency = * }", {"latency": None})


def test_ne_on_absent_field_is_false() -> None:
    assert not filter_pattern_matches('{ $.errorCode != "AccessDenied" }', {"eventName": "DisableKey"})
    assert filter_pattern_matches('{ $.errorCode != "AccessDenied" }', {"errorCode": "Throttled"})


def test_quoted_string_escapes() -> None:
    assert filter_pattern_matches(r'{ $.msg = "say \"hi\"" }', {"msg": 'say "hi"'})
    assert not filter_pattern_matches(r'{ $.msg = "say \"hi\"" }', {"msg": "say hi"})


def test_quoted_value_keeps_spaces_and_operators() -> None:
    pattern = '{ $.m = "a && b || (c)" }'
    assert filter_pattern_matches(pattern, {"m": "a && b || (c)"})
    assert not filter_pattern_matches(pattern, {"m": "a"})


def test_regex_value() -> None:
    assert filter_pattern_matches("{ $.eventName = %^[DS]% }", {"eventName": "DisableKey"})
    assert not filter_pattern_matches("{ $.eventName = %^[DS]% }", {"eventName": "EnableKey"})
    assert filter_pattern_matches("{ $.eventName = %Key$% }", {"eventName": "DisableKey"})
    assert not filter_pattern_matches("{ $.eventName = %Key$% }", {"eventName": "DisableKeyRotation"})


def test_keywords_are_case_insensitive_and_spacing_free() -> None:
    assert filter_pattern_matches("{$.a is null}", {"a": None})
    assert filter_pattern_matches("{$.b   not   exists}", {"a": None})
    assert filter_pattern_matches("{$.a=1&&$.b=2}", {"a": 1, "b": 2})


def test_hyphen_and_underscore_in_property_names() -> None:
    assert filter_pattern_matches('{ $.detail-type = "x" && $.a_b = y }', {"detail-type": "x", "a_b": "y"})


def test_parsed_structure() -> None:
    parsed = parse_filter_pattern('{ $.a.b[2] != "x" }')
    assert parsed.is_json
    assert isinstance(parsed.root, Comparison)
    assert parsed.root.selector.path == ("a", "b", 2)
    assert parsed.root.op == "!="
    assert parsed.root.literal.text == "x"
    test = parse_filter_pattern("{ $.a NOT EXISTS }").root
    assert isinstance(test, Check) and test.test == "not-exists"


# --- the KMS patterns this module exists for ---------------------------------------------------

CIS = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
AWS_PENDING = '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion."}'


@pytest.mark.parametrize("event_name", ["DisableKey", "ScheduleKeyDeletion"])
def test_cis_pattern_matches_kms_deletion_events(event_name: str) -> None:
    assert filter_pattern_matches(CIS, cloudtrail_record(event_name))


@pytest.mark.parametrize(
    "record",
    [
        cloudtrail_record("DisableKey", "s3.amazonaws.com"),
        cloudtrail_record("EnableKey"),
        cloudtrail_record("DisableKeyRotation"),
        cloudtrail_record("Decrypt"),
    ],
)
def test_cis_pattern_does_not_match_other_events(record: dict[str, Any]) -> None:
    assert not filter_pattern_matches(CIS, record)


def test_aws_pending_deletion_pattern() -> None:
    assert filter_pattern_matches(AWS_PENDING, pending_deletion_record("Decrypt"))
    assert filter_pattern_matches(AWS_PENDING, pending_deletion_record("GenerateDataKey"))
    assert not filter_pattern_matches(AWS_PENDING, cloudtrail_record("Decrypt"))
    assert not filter_pattern_matches(AWS_PENDING, pending_deletion_record("Decrypt", "s3.amazonaws.com"))
    disabled = cloudtrail_record("Decrypt", error_code="KMSInvalidStateException", error_message="k is disabled.")
    assert not filter_pattern_matches(AWS_PENDING, disabled)


# --- plain-text patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        ('"ERROR"', "[ERROR] A fatal exception has occurred", True),
        ('"ERROR"', "Exiting with ERRORCODE: -1", True),
        ('"ERROR" - "Exiting"', "Exiting with ERRORCODE: -1", False),
        ('"ERROR" - "Exiting"', "[ERROR] A fatal exception has occurred", True),
        ('"ERROR Exception"', "[ERROR] Unhandled Exception", False),  # a quoted phrase is one term
        ("ERROR Exception", "[ERROR] Caught IllegalArgumentException", True),
        ("ERROR Exception", "[ERROR] all fine", False),
        ("?ERROR ?WARN", "WARN message", True),
        ("?ERROR ?WARN", "INFO message", False),
        ("ERROR WARN", "ERROR message", False),
        ("ERROR -WARN", "ERROR message", True),
        ("ERROR -WARN", "ERROR WARN message", False),
        ("error", "ERROR message", False),  # case-sensitive
        ("", "anything at all", True),
        ("   ", "anything at all", True),
        ("%ERR[O]R%", "ERROR message", True),
    ],
)
def test_aws_documented_text_examples(pattern: str, message: str, expected: bool) -> None:
    assert parse_filter_pattern(pattern).matches_message(message) is expected


def test_text_pattern_on_record_uses_serialised_json() -> None:
    record = cloudtrail_record("DisableKey")
    assert filter_pattern_matches("DisableKey kms.amazonaws.com", record)
    assert not filter_pattern_matches("DisableKey -kms.amazonaws.com", record)
    assert filter_pattern_matches('"\\"eventName\\":\\"DisableKey\\""', record)
    assert not parse_filter_pattern("DisableKey").is_json


def test_json_pattern_on_non_json_message_does_not_match() -> None:
    parsed = parse_filter_pattern("{ $.a = 1 }")
    assert not parsed.matches_message("a = 1")
    assert not parsed.matches_message("[1, 2]")
    assert parsed.matches_message(json.dumps({"a": 1}))


# --- malformed patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "column"),
    [
        ("{", 2),
        ("{ }", 3),
        ("{ $.a = 1", 10),
        ("{ $.a = }", 9),
        ("{ $.a }", 7),
        ("{ $.a == 1 }", 8),
        ("{ $ = 1 }", 3),
        ("{ $. = 1 }", 5),
        ("{ $.a[x] = 1 }", 7),
        ("{ $.a[0 = 1 }", 8),
        ("{ $.a > abc }", 9),
        ('{ $.a < "5" }', 9),
        ("{ $.a = 1 & $.b = 2 }", 11),
        ("{ $.a = 1 | $.b = 2 }", 11),
        ("{ ($.a = 1 }", 12),
        ("{ $.a = 1 )", 11),
        ("{ $.a = 1 } trailing", 13),
        ('{ $.a = "open }', 9),
        ("{ $.a IS MAYBE }", 7),
        ("{ $.a NOT THERE }", 7),
        ("{ a = 1 }", 3),
        ("{ $.a = %(x)% }", 9),
        ("{ $.a = %x }", 9),
        ("{ $.a = %[% }", 9),
        ("[ip, user, status_code = 4*]", 1),
        ('"unterminated', 1),
        ("ERROR -", 7),
        ("{ $.a[*] = 1 }", 7),
    ],
)
def test_malformed_patterns_raise_typed_error_with_position(pattern: str, column: int) -> None:
    with pytest.raises(FilterPatternError) as info:
        parse_filter_pattern(pattern)
    assert info.value.position == column - 1
    assert f"column {column}" in str(info.value)
    assert info.value.pattern == pattern


def test_deep_nesting_is_a_typed_error_not_a_recursion_crash() -> None:
    with pytest.raises(FilterPatternError, match="nested too deeply"):
        parse_filter_pattern("{" + "(" * 5000 + "$.a = 1" + ")" * 5000 + "}")
    assert filter_pattern_matches("{" + "(" * 30 + "$.a = 1" + ")" * 30 + "}", {"a": 1})


def test_non_string_pattern_is_a_typed_error() -> None:
    with pytest.raises(FilterPatternError):
        parse_filter_pattern(None)  # type: ignore[arg-type]


_ALPHABET = st.sampled_from(list('{}()$.[]0123456789abAB=!<>&|"*%\\ -?ISNULTREXF\t'))


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=40))
def test_parser_never_raises_anything_but_filter_pattern_error(text: str) -> None:
    try:
        parsed = parse_filter_pattern(text)
    except FilterPatternError as exc:
        assert 0 <= exc.position <= len(text)
        return
    assert isinstance(parsed.matches(COMPOUND_EVENT), bool)
    assert isinstance(parsed.matches_message(text), bool)
