"""EventBridge event patterns: AWS's documented examples, KMS patterns, and malformed input."""

from __future__ import annotations

from typing import Any

import pytest

from kmslint.monitoring.cloudtrail import cloudtrail_record, eventbridge_event, pending_deletion_record
from kmslint.monitoring.event_pattern import (
    EventPatternError,
    event_pattern_matches,
    parse_event_pattern,
    validate_event_pattern,
    wildcard_matches,
)

# An EC2 state-change event in the shape AWS's event-pattern documentation uses.
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0",
        "state": "terminated",
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.123",
        "location": "us-east-1a",
        "flag": True,
        "nothing": None,
        "tags": ["prod", "web"],
    },
}


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": ["aws.ec2"]},
        {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]},
        {"detail": {"state": ["running", "terminated"]}},
        {"detail": {"state": [{"prefix": "term"}]}},
        {"detail": {"state": [{"prefix": {"equals-ignore-case": "TERM"}}]}},
        {"detail": {"state": [{"suffix": "ated"}]}},
        {"detail": {"state": [{"suffix": {"equals-ignore-case": "ATED"}}]}},
        {"detail": {"state": [{"equals-ignore-case": "TERMINATED"}]}},
        {"detail": {"state": [{"anything-but": "running"}]}},
        {"detail": {"state": [{"anything-but": ["running", "stopped"]}]}},
        {"detail": {"state": [{"anything-but": {"prefix": "run"}}]}},
        {"detail": {"state": [{"anything-but": {"suffix": "ing"}}]}},
        {"detail": {"state": [{"anything-but": {"wildcard": "*ing"}}]}},
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["RUNNING", "STOPPED"]}}]}},
        {"detail": {"c-count": [{"anything-but": 4}]}},
        {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
        {"detail": {"x-limit": [{"numeric": ["=", 301.8]}]}},
        {"detail": {"c-count": [5.0]}},
        {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}},
        {"detail": {"location": [{"exists": True}]}},
        {"detail": {"absent": [{"exists": False}]}},
        {"detail": {"instance-id": [{"wildcard": "i-*"}]}},
        {"detail": {"instance-id": [{"wildcard": "i-*abc*0"}]}},
        {"detail": {"flag": [True]}},
        {"detail": {"nothing": [None]}},
        {"detail": {"tags": ["web"]}},  # an array value matches if any element matches
        {"resources": [{"prefix": "arn:aws:ec2:"}]},
        {"source": ["aws.ec2"], "$or": [{"detail": {"state": ["running"]}}, {"detail": {"c-count": [5]}}]},
        {"detail": {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"d-count": [{"numeric": ["<", 5]}]}]}},
        {"source": ["aws.s3", "aws.ec2"]},
    ],
)
def test_documented_forms_match(pattern: dict[str, Any]) -> None:
    assert event_pattern_matches(pattern, EC2_EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": ["aws.s3"]},
        {"source": ["AWS.EC2"]},  # exact matching is case-sensitive
        {"source": ["aws.ec2"], "detail-type": ["Other"]},  # fields are ANDed
        {"detail": {"state": ["running"]}},
        {"detail": {"state": [{"prefix": "TERM"}]}},
        {"detail": {"state": [{"suffix": "ing"}]}},
        {"detail": {"state": [{"equals-ignore-case": "TERMINATE"}]}},
        {"detail": {"state": [{"anything-but": "terminated"}]}},
        {"detail": {"state": [{"anything-but": ["running", "terminated"]}]}},
        {"detail": {"state": [{"anything-but": {"prefix": "term"}}]}},
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": "TERMINATED"}}]}},
        {"detail": {"absent": [{"anything-but": "x"}]}},  # anything-but needs the field
        {"detail": {"nothing": [{"anything-but": "x"}]}},  # ... with a string or number
        {"detail": {"c-count": [{"numeric": [">", 5]}]}},
        {"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}},
        {"detail": {"state": [{"numeric": [">", 0]}]}},  # numeric needs a number
        {"detail": {"flag": [{"numeric": [">", 0]}]}},  # booleans are not numbers
        {"detail": {"flag": [1]}},  # true is not 1
        {"detail": {"c-count": ["5"]}},  # 5 is not "5"
        {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}},
        {"detail": {"state": [{"cidr": "10.0.0.0/8"}]}},  # not an IP address
        {"detail": {"location": [{"exists": False}]}},
        {"detail": {"absent": [{"exists": True}]}},
        {"detail": {"absent": ["x"]}},
        {"detail": {"absent": [None]}},  # null matches a null value, not an absent field
        {"detail": [{"exists": True}]},  # exists applies to leaf values only
        {"detail": {"instance-id": [{"wildcard": "j-*"}]}},
        {"detail": {"instance-id": [{"wildcard": "i-1234"}]}},  # wildcard matches the whole value
        {"detail": {"tags": ["dev"]}},
        {"detail": {"state": {"nested": ["x"]}}},  # a string is not an object
        {"missing": {"nested": ["x"]}},
        {"source": ["aws.ec2"], "$or": [{"detail": {"state": ["running"]}}, {"detail": {"c-count": [6]}}]},
    ],
)
def test_non_matching_patterns(pattern: dict[str, Any]) -> None:
    assert not event_pattern_matches(pattern, EC2_EVENT)


def test_wildcard_escape_is_a_literal_star() -> None:
    assert wildcard_matches(r"a\*b", "a*b")
    assert not wildcard_matches(r"a\*b", "axxb")
    assert wildcard_matches("a*b", "axxb")
    assert wildcard_matches("a.b", "a.b")
    assert not wildcard_matches("a.b", "axb")  # "." is not a regex here


def test_nested_objects_inside_arrays() -> None:
    event = {"detail": {"items": [{"k": "a"}, {"k": "b"}]}}
    assert event_pattern_matches({"detail": {"items": {"k": ["b"]}}}, event)
    assert not event_pattern_matches({"detail": {"items": {"k": ["c"]}}}, event)


def test_empty_pattern_matches_everything() -> None:
    assert event_pattern_matches({}, EC2_EVENT)
    assert event_pattern_matches({}, {})


# --- KMS -------------------------------------------------------------------------------------

KMS_RULE: dict[str, Any] = {
    "source": ["aws.kms"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["kms.amazonaws.com"], "eventName": ["DisableKey", "ScheduleKeyDeletion"]},
}


@pytest.mark.parametrize("event_name", ["DisableKey", "ScheduleKeyDeletion"])
def test_kms_rule_matches_deletion_events(event_name: str) -> None:
    assert event_pattern_matches(KMS_RULE, eventbridge_event(cloudtrail_record(event_name)))


@pytest.mark.parametrize(
    "record",
    [
        cloudtrail_record("EnableKey"),
        cloudtrail_record("Decrypt"),
        cloudtrail_record("DisableKey", "s3.amazonaws.com"),
    ],
)
def test_kms_rule_does_not_match_other_events(record: dict[str, Any]) -> None:
    assert not event_pattern_matches(KMS_RULE, eventbridge_event(record))


def test_envelope_shape() -> None:
    event = eventbridge_event(cloudtrail_record("DisableKey", "s3.amazonaws.com"))
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert event["detail"]["eventName"] == "DisableKey"


def test_pending_deletion_rule() -> None:
    pattern = {
        "source": ["aws.kms"],
        "detail": {"errorCode": ["KMSInvalidStateException"], "errorMessage": [{"suffix": " is pending deletion."}]},
    }
    assert event_pattern_matches(pattern, eventbridge_event(pending_deletion_record("Decrypt")))
    assert not event_pattern_matches(pattern, eventbridge_event(cloudtrail_record("Decrypt")))


# --- malformed patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ([], ""),
        ("source", ""),
        ({"source": "aws.kms"}, "source"),
        ({"source": []}, "source"),
        ({"source": [["aws.kms"]]}, "source[0]"),
        ({"detail": {"eventName": "DisableKey"}}, "detail.eventName"),
        ({"detail": {"x": [{"prefix": 1}]}}, "detail.x[0].prefix"),
        ({"detail": {"x": [{"prefix": {"equals-ignore-case": 1}}]}}, "detail.x[0].prefix.equals-ignore-case"),
        ({"detail": {"x": [{"prefix": {"bogus": "a"}}]}}, "detail.x[0].prefix"),
        ({"x": [{"suffix": None}]}, "x[0].suffix"),
        ({"x": [{"equals-ignore-case": 3}]}, "x[0].equals-ignore-case"),
        ({"x": [{"wildcard": ["a"]}]}, "x[0].wildcard"),
        ({"x": [{"exists": "true"}]}, "x[0].exists"),
        ({"x": [{"numeric": [">"]}]}, "x[0].numeric"),
        ({"x": [{"numeric": []}]}, "x[0].numeric"),
        ({"x": [{"numeric": ["~", 1]}]}, "x[0].numeric[0]"),
        ({"x": [{"numeric": [">", "1"]}]}, "x[0].numeric[0]"),
        ({"x": [{"numeric": [">", True]}]}, "x[0].numeric[0]"),
        ({"x": [{"cidr": "10.0.0.0/33"}]}, "x[0].cidr"),
        ({"x": [{"anything-but": []}]}, "x[0].anything-but"),
        ({"x": [{"anything-but": [None]}]}, "x[0].anything-but"),
        ({"x": [{"anything-but": {"numeric": [">", 1]}}]}, "x[0].anything-but"),
        ({"x": [{"anything-but": {"prefix": ["a"]}}]}, "x[0].anything-but.prefix"),
        ({"x": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}, "x[0].anything-but"),
        ({"x": [{"prefix": "a", "suffix": "b"}]}, "x[0]"),
        ({"x": [{}]}, "x[0]"),
        ({"x": [{"regex": "a"}]}, "x[0]"),
        ({"$or": []}, "$or"),
        ({"$or": {"a": ["b"]}}, "$or"),
        ({"$or": [{"a": ["b"]}, "c"]}, "$or[1]"),
        ({"$or": [{"a": "b"}]}, "$or[0].a"),
    ],
)
def test_malformed_patterns_raise_typed_error_with_path(pattern: Any, path: str) -> None:
    with pytest.raises(EventPatternError) as info:
        validate_event_pattern(pattern)
    assert info.value.path == path
    with pytest.raises(EventPatternError):
        event_pattern_matches(pattern, EC2_EVENT)


def test_malformed_part_is_reported_even_when_an_earlier_field_fails_to_match() -> None:
    with pytest.raises(EventPatternError):
        event_pattern_matches({"source": ["aws.s3"], "detail": {"x": "bad"}}, EC2_EVENT)


def test_parse_event_pattern_from_json_text() -> None:
    assert parse_event_pattern('{"source": ["aws.kms"]}') == {"source": ["aws.kms"]}
    with pytest.raises(EventPatternError, match="not valid JSON"):
        parse_event_pattern('{"source": ["aws.kms"]')
    with pytest.raises(EventPatternError):
        parse_event_pattern('["aws.kms"]')
