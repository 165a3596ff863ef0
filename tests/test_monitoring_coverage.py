"""Coverage decisions: do these patterns watch KMS deletion (KMS006) / pending-deletion use (KMS007)?"""

from __future__ import annotations

from typing import Any

import pytest

from kmslint.monitoring.cloudtrail import (
    KEY_ARN,
    PENDING_DELETION_ERROR_CODE,
    cloudtrail_record,
    eventbridge_event,
    pending_deletion_message,
    pending_deletion_record,
)
from kmslint.monitoring.coverage import (
    CIS_FILTER_PATTERN,
    PENDING_DELETION_FILTER_PATTERN,
    deletion_probes,
    describe_match,
    event_pattern_covers,
    event_pattern_covers_pending_deletion,
    filter_covers,
    filter_covers_pending_deletion,
    judge_filter_pattern,
)

CIS_VERBATIM = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
EVENTS = ["DisableKey", "ScheduleKeyDeletion"]


def test_cis_constant_is_the_cis_text() -> None:
    assert CIS_FILTER_PATTERN == CIS_VERBATIM


# --- CloudWatch filter patterns, KMS006 -----------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        CIS_VERBATIM,
        # reordered clauses
        "{ (($.eventName=ScheduleKeyDeletion)||($.eventName=DisableKey)) && ($.eventSource = kms.amazonaws.com) }",
        # quoted values
        '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion")) }',
        # no spaces at all
        "{($.eventSource=kms.amazonaws.com)&&(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}",
        # generous whitespace and newlines
        "\n{\n  ( $.eventSource   =   kms.amazonaws.com )\n  &&\n  ( ( $.eventName = DisableKey ) || ( $.eventName = ScheduleKeyDeletion ) )\n}\n",
        # distributed && over ||, without parentheses (&& binds tighter)
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey || "
        "$.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }",
        # wildcards
        "{ $.eventSource = kms* && ($.eventName = DisableKey || $.eventName = Schedule*) }",
        # a broader KMS change filter that still names specific events
        "{ $.eventSource = kms.amazonaws.com && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion "
        "|| $.eventName = PutKeyPolicy || $.eventName = DeleteAlias) }",
        # KMS write events only
        "{ $.eventSource = kms.amazonaws.com && $.readOnly IS FALSE }",
    ],
)
def test_filter_variants_that_cover(pattern: str) -> None:
    result = filter_covers([pattern], EVENTS)
    assert result.covered, result.verdicts
    assert result.matched == ("DisableKey", "ScheduleKeyDeletion")
    assert result.missed == ()
    assert result.describe() == "filter matches DisableKey and ScheduleKeyDeletion"


def test_two_separate_filters_cover_together() -> None:
    patterns = [
        "{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }",
        '{ $.eventName = "DisableKey" && $.eventSource = "kms.amazonaws.com" }',
    ]
    result = filter_covers(patterns, EVENTS)
    assert result.covered
    assert [v.matched for v in result.verdicts] == [("ScheduleKeyDeletion",), ("DisableKey",)]
    assert not filter_covers(patterns[:1], EVENTS).covered


def test_or_instead_of_and_is_too_broad_and_does_not_count() -> None:
    pattern = CIS_VERBATIM.replace("&&", "||")
    result = filter_covers([pattern], EVENTS)
    assert not result.covered
    assert result.matched == ()
    verdict = result.verdicts[0]
    assert verdict.matched == ("DisableKey", "ScheduleKeyDeletion")  # it does match them...
    assert "a successful Decrypt from kms.amazonaws.com" in verdict.too_broad  # ...and every KMS call
    assert not verdict.usable
    assert verdict.describe(EVENTS).startswith("is too broad: it also matches a successful Decrypt from kms.amazonaws.com")


def test_missing_event_name_is_reported_by_name() -> None:
    result = filter_covers(["{ ($.eventSource = kms.amazonaws.com) && ($.eventName = ScheduleKeyDeletion) }"], EVENTS)
    assert not result.covered
    assert result.matched == ("ScheduleKeyDeletion",)
    assert result.missed == ("DisableKey",)
    assert result.describe() == "filter matches ScheduleKeyDeletion but not DisableKey"


@pytest.mark.parametrize(
    ("pattern", "decoy"),
    [
        ("{ $.eventSource = kms.amazonaws.com }", "a successful Decrypt from kms.amazonaws.com"),
        ("{ $.eventSource = * }", "ConsoleLogin from signin.amazonaws.com"),
        ("", "ConsoleLogin from signin.amazonaws.com"),  # the empty pattern matches every event
        ("kms.amazonaws.com", "a successful Decrypt from kms.amazonaws.com"),
    ],
)
def test_too_broad_patterns_do_not_count(pattern: str, decoy: str) -> None:
    result = filter_covers([pattern], EVENTS)
    assert not result.covered
    assert decoy in result.verdicts[0].too_broad


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.eventName = DisableKey || $.eventName = ScheduleKeyDeletion }",
        "{ ($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion) }",
        "?DisableKey ?ScheduleKeyDeletion",
    ],
)
def test_broader_than_cis_still_covers(pattern: str) -> None:
    """Issue 16 point 2: no other service has DisableKey or ScheduleKeyDeletion; no decoy is invented."""
    result = filter_covers([pattern], EVENTS)
    assert result.covered, result.verdicts
    assert result.verdicts[0].too_broad == ()


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.eventSource = kms.amazonaws.com && $.eventName = EnableKey }",
        "{ $.eventSource = s3.amazonaws.com && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKeyRotation }",
        "{ $.eventSource = kms.amazonaws.com && $.eventName = disablekey }",  # case matters
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey && $.eventName = ScheduleKeyDeletion }",
        "{ $.eventSource = kms.amazonaws.com && $.errorCode = * && $.eventName = DisableKey }",
        '{ $.eventSource = "kms.amazonaws.com " && $.eventName = DisableKey }',  # stray space in quotes
        "{ $.source = kms.amazonaws.com && $.eventName = DisableKey }",  # wrong field
        "{ $.eventType = AwsConsoleSignIn }",
    ],
)
def test_patterns_that_must_not_match(pattern: str) -> None:
    result = filter_covers([pattern], EVENTS)
    assert not result.covered
    assert result.verdicts[0].matched == ()
    assert not result.verdicts[0].relevant
    assert result.describe() == "filter matches neither DisableKey nor ScheduleKeyDeletion"
    assert result.verdicts[0].describe(EVENTS) == "matches neither DisableKey nor ScheduleKeyDeletion"


def test_ne_exclusion_pattern_counts_when_source_pinned() -> None:
    pattern = "{ $.eventSource = kms.amazonaws.com && $.readOnly IS FALSE && $.eventName != CreateKey }"
    assert filter_covers([pattern], EVENTS).covered


def test_unparseable_pattern_makes_result_undecidable_not_covered() -> None:
    result = filter_covers(["{ $.eventSource = kms.amazonaws.com && "], EVENTS)
    assert not result.covered
    assert result.undecidable
    assert "column" in result.verdicts[0].error
    assert result.verdicts[0].describe(EVENTS).startswith("cannot be evaluated:")


def test_unparseable_pattern_does_not_spoil_a_covering_one() -> None:
    result = filter_covers(["[ip, user, ...]", CIS_VERBATIM], EVENTS)
    assert result.covered
    assert not result.undecidable


def test_too_broad_pattern_does_not_fill_a_gap() -> None:
    patterns = [
        "{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }",
        "{ $.eventName = DisableKey || $.eventName = Decrypt }",
    ]
    result = filter_covers(patterns, EVENTS)
    assert not result.covered
    assert result.missed == ("DisableKey",)


def test_no_patterns() -> None:
    result = filter_covers([], EVENTS)
    assert not result.covered
    assert result.missed == tuple(EVENTS)
    assert not result.undecidable


def test_single_event_list() -> None:
    assert filter_covers(["{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"], ["DisableKey"]).covered


def test_probes_are_what_the_docstring_says() -> None:
    probes = deletion_probes(EVENTS)
    assert probes.labels == ("DisableKey", "ScheduleKeyDeletion")
    assert all(p.record["eventSource"] == "kms.amazonaws.com" for p in probes.targets)
    assert {p.record["eventSource"] for p in probes.decoys} == {
        "kms.amazonaws.com",
        "signin.amazonaws.com",
    }
    assert probes.subject == "DisableKey and ScheduleKeyDeletion from kms.amazonaws.com"


def test_describe_match_wording() -> None:
    assert describe_match(["ScheduleKeyDeletion"], EVENTS) == "matches ScheduleKeyDeletion but not DisableKey"
    assert describe_match([], EVENTS) == "matches neither DisableKey nor ScheduleKeyDeletion"
    assert describe_match([], ["A", "B", "C"]) == "matches none of A, B, C"
    assert describe_match(["A"], ["A", "B", "C"]) == "matches A but not B and C"


# --- EventBridge event patterns, KMS006 ---------------------------------------------------------

KMS_RULE: dict[str, Any] = {
    "source": ["aws.kms"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["kms.amazonaws.com"], "eventName": ["DisableKey", "ScheduleKeyDeletion"]},
}


@pytest.mark.parametrize(
    "pattern",
    [
        KMS_RULE,
        {"source": ["aws.kms"], "detail": {"eventName": ["ScheduleKeyDeletion", "DisableKey"]}},
        {"detail": {"eventSource": ["kms.amazonaws.com"], "eventName": ["DisableKey", "ScheduleKeyDeletion"]}},
        {"source": ["aws.kms"], "detail": {"eventName": [{"prefix": "Disable"}, {"prefix": "Schedule"}]}},
        {"source": ["aws.kms"], "detail": {"eventName": [{"suffix": "Key"}, {"suffix": "KeyDeletion"}], "readOnly": [False]}},
        {"source": ["aws.kms"], "detail": {"eventName": [{"equals-ignore-case": "disablekey"}, "ScheduleKeyDeletion"]}},
        {
            "source": ["aws.kms"],
            "$or": [{"detail": {"eventName": ["DisableKey"]}}, {"detail": {"eventName": ["ScheduleKeyDeletion"]}}],
        },
        {"source": [{"prefix": "aws.km"}], "detail": {"eventName": [{"wildcard": "*Key*"}], "readOnly": [False]}},
    ],
)
def test_event_pattern_variants_that_cover(pattern: dict[str, Any]) -> None:
    result = event_pattern_covers([pattern], EVENTS)
    assert result.covered, result.verdicts


def test_two_event_rules_cover_together() -> None:
    patterns = [
        {"source": ["aws.kms"], "detail": {"eventName": ["DisableKey"]}},
        {"source": ["aws.kms"], "detail": {"eventName": ["ScheduleKeyDeletion"]}},
    ]
    assert event_pattern_covers(patterns, EVENTS).covered
    assert event_pattern_covers(patterns[1:], EVENTS).describe("EventBridge rule") == (
        "EventBridge rule matches ScheduleKeyDeletion but not DisableKey"
    )


@pytest.mark.parametrize(
    ("pattern", "decoy"),
    [
        ({"source": ["aws.kms"]}, "a successful Decrypt from kms.amazonaws.com"),
        ({"detail-type": ["AWS API Call via CloudTrail"]}, "ConsoleLogin from signin.amazonaws.com"),
        ({"source": ["aws.kms"], "detail": {"eventName": [{"anything-but": "Encrypt"}]}}, "a successful Decrypt from kms.amazonaws.com"),
    ],
)
def test_too_broad_event_patterns(pattern: dict[str, Any], decoy: str) -> None:
    result = event_pattern_covers([pattern], EVENTS)
    assert not result.covered
    assert decoy in result.verdicts[0].too_broad


@pytest.mark.parametrize(
    "pattern",
    [
        {"detail": {"eventName": ["DisableKey", "ScheduleKeyDeletion"]}},
        {"source": [{"anything-but": {"prefix": "aws.ec2"}}], "detail": {"eventName": ["DisableKey", "ScheduleKeyDeletion"]}},
    ],
)
def test_event_patterns_broader_than_cis_cover(pattern: dict[str, Any]) -> None:
    assert event_pattern_covers([pattern], EVENTS).covered


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": ["aws.kms"], "detail": {"eventName": ["DisableKey"]}},
        {"source": ["aws.kms"], "detail-type": ["KMS CMK Deletion"]},
        {"source": ["aws.kms"], "detail": {"eventName": ["disablekey", "schedulekeydeletion"]}},
        {"source": ["aws.s3"], "detail": {"eventName": ["DisableKey", "ScheduleKeyDeletion"]}},
        {"source": ["aws.kms"], "detail": {"eventName": [{"prefix": "Enable"}]}},
        {"source": ["aws.kms"], "detail": {"errorCode": [{"exists": True}]}},
    ],
)
def test_event_patterns_that_do_not_cover(pattern: dict[str, Any]) -> None:
    assert not event_pattern_covers([pattern], EVENTS).covered


def test_malformed_event_pattern_is_undecidable() -> None:
    result = event_pattern_covers([{"source": "aws.kms"}], EVENTS)
    assert result.undecidable
    assert "must be an array" in result.verdicts[0].error


# --- KMS007: use of a key pending deletion --------------------------------------------------------


def test_pending_deletion_record_shape() -> None:
    record = pending_deletion_record("Decrypt")
    assert record["eventSource"] == "kms.amazonaws.com"
    assert record["eventName"] == "Decrypt"
    assert record["errorCode"] == PENDING_DELETION_ERROR_CODE == "KMSInvalidStateException"
    assert record["errorMessage"] == pending_deletion_message() == f"{KEY_ARN} is pending deletion."
    assert record["responseElements"] is None
    assert "errorCode" not in cloudtrail_record("Decrypt")


def test_aws_pending_deletion_filter_covers() -> None:
    assert PENDING_DELETION_FILTER_PATTERN == '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion."}'
    result = filter_covers_pending_deletion([PENDING_DELETION_FILTER_PATTERN])
    assert result.covered
    assert result.matched == ("Decrypt", "Encrypt", "GenerateDataKey")


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventSource = kms.amazonaws.com && $.errorCode = "KMSInvalidStateException" }',
        '{ ($.errorMessage = "*pending deletion*") && ($.eventSource = "kms.amazonaws.com") }',
        "{ $.eventSource = kms.amazonaws.com && $.errorCode = KMSInvalidStateException }",
    ],
)
def test_pending_deletion_filter_variants(pattern: str) -> None:
    assert filter_covers_pending_deletion([pattern]).covered


def test_pending_deletion_filter_for_one_operation_names_the_rest() -> None:
    pattern = '{ $.eventSource = kms* && $.eventName = Decrypt && $.errorMessage = "* is pending deletion." }'
    result = filter_covers_pending_deletion([pattern])
    assert not result.covered
    assert result.describe() == "filter matches Decrypt but not Encrypt and GenerateDataKey"


@pytest.mark.parametrize(
    ("pattern", "decoy"),
    [
        ("{ $.eventSource = kms* }", "a successful Decrypt from kms.amazonaws.com"),
        ("{ $.eventSource = kms* || $.errorCode = KMSInvalidStateException }", "a successful Decrypt from kms.amazonaws.com"),
    ],
)
def test_pending_deletion_too_broad(pattern: str, decoy: str) -> None:
    result = filter_covers_pending_deletion([pattern])
    assert not result.covered
    assert decoy in result.verdicts[0].too_broad


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventSource = kms* && $.errorMessage = "is pending deletion." }',  # no wildcard: exact
        '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion" }',  # missing full stop
        '{ $.eventSource = kms* && $.errorCode = "KMSInvalidState" }',
        "{ $.eventSource = kms* && $.errorCode NOT EXISTS }",
        CIS_VERBATIM,
    ],
)
def test_pending_deletion_patterns_that_do_not_cover(pattern: str) -> None:
    result = filter_covers_pending_deletion([pattern])
    assert not result.covered
    assert result.verdicts[0].matched == ()


def test_pending_deletion_event_pattern() -> None:
    good = {
        "source": ["aws.kms"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"errorCode": ["KMSInvalidStateException"], "errorMessage": [{"suffix": "is pending deletion."}]},
    }
    assert event_pattern_covers_pending_deletion([good]).covered
    no_source = {"detail": {"errorMessage": [{"wildcard": "* is pending deletion."}]}}
    assert event_pattern_covers_pending_deletion([no_source]).covered  # only KMS says "pending deletion"
    assert filter_covers_pending_deletion(['{ $.errorMessage = "* is pending deletion." }']).covered
    only_decrypt = {"source": ["aws.kms"], "detail": {"eventName": ["Decrypt"], "errorCode": ["KMSInvalidStateException"]}}
    assert event_pattern_covers_pending_deletion([only_decrypt]).missed == ("Encrypt", "GenerateDataKey")


def test_judging_uses_envelope_for_event_patterns_only() -> None:
    probes = deletion_probes(EVENTS)
    # A filter pattern sees the bare record (no "detail"); an event pattern sees the envelope.
    assert judge_filter_pattern("{ $.detail.eventName = DisableKey }", probes).matched == ()
    assert eventbridge_event(probes.targets[0].record)["detail"]["eventName"] == "DisableKey"


@pytest.mark.parametrize(
    ("pattern", "can_match"),
    [
        ('[version, account, eni, source, destination, srcport, destport="22", protocol, packets]', False),
        ("[ip, user, timestamp]", True),  # no condition: any event with enough fields
        ("{ $.eventSource = ec2.amazonaws.com && $.items[*].id = x }", False),
        ("{ $.eventSource = kms.amazonaws.com && $.items[*].id = x }", True),
        ("{ $.eventSource = ec2.amazonaws.com && $.eventName = %a{5000}% }", False),
        ("{ $.eventSource = kms.amazonaws.com && $.eventName = %a{5000}% }", True),
    ],
)
def test_unknown_parts_decide_per_filter(pattern: str, can_match: bool) -> None:
    """Issue 16 point 1: a filter kmslint cannot fully evaluate is undecidable only if it could match."""
    result = filter_covers([pattern], EVENTS)
    assert not result.covered
    assert result.undecidable is can_match
    assert result.verdicts[0].could_match is can_match
