"""Issue 16: messages, parameters and facts behind KMS006/KMS007 that fixtures cannot show."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kmslint.engine.api import Hit, Undecided
from kmslint.model.resources import Inventory, KeyRegion, Trail
from kmslint.monitoring.alarms import why_alarm_never_fires
from kmslint.monitoring.regions import same_region
from kmslint.predicates.monitoring import deletion_alarm, pending_deletion_alarm

from test_monitoring_predicates import alarm, event_rule, inventory, key, known, metric_filter, only_hit, run, target


def test_finding_says_how_many_keys_the_configuration_declares() -> None:
    inv = inventory(keys=(key("aws_kms_key.a"), key("aws_kms_key.b", line=9)))
    hit = only_hit(run(deletion_alarm, inv))
    assert "(this configuration declares 2 keys)" in hit.message
    assert hit.location.line == 1  # once, at the configuration's anchor (its first key)


def test_require_metric_filter_ignores_eventbridge() -> None:
    inv = inventory(event_rule(), target())
    assert run(deletion_alarm, inv) == []
    hit = only_hit(run(deletion_alarm, inv, require_metric_filter=True))
    assert "require_metric_filter" in hit.message


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"threshold": "100"}, "1 >= 100 (the threshold) is false"),
        ({"threshold": "1", "comparison": "GreaterThanThreshold"}, "1 > 1 (the threshold) is false"),
        ({"statistic": "SampleCount", "threshold": "2"}, "SampleCount of 1"),
        ({"evaluation_periods": "3"}, "it needs 3 breaching periods"),
        ({"evaluation_periods": "3", "datapoints_to_alarm": "1"}, None),
        ({"evaluation_periods": "3", "treat_missing_data": "breaching"}, None),
        ({"dimensions": ("KeyId",)}, "dimensions (KeyId) that the filter's metric does not have"),
        ({"threshold": "1"}, None),
        ({"statistic": "p99", "threshold": "100"}, None),  # extended statistic: assumed to fire
    ],
)
def test_alarm_that_cannot_fire_on_one_event(changes: dict[str, Any], why: str | None) -> None:
    base = {"statistic": "Sum", "comparison": "GreaterThanOrEqualToThreshold", "threshold": "1"}
    a = replace(alarm(), **{k: known(v) for k, v in {**base, **changes}.items()})
    found = why_alarm_never_fires(a, metric_filter())
    assert (found is None) if why is None else (why in (found or ""))


def test_value_of_the_filter_decides_the_threshold() -> None:
    a = replace(alarm(), statistic=known("Sum"), comparison=known("GreaterThanOrEqualToThreshold"), threshold=known("5"))
    assert why_alarm_never_fires(a, metric_filter()) is not None
    assert why_alarm_never_fires(a, replace(metric_filter(), metric_value=known("5"))) is None
    assert why_alarm_never_fires(a, replace(metric_filter(), metric_value=known("$.count"))) is None


def test_alarm_linked_through_filter_id_is_judged() -> None:
    mf = replace(metric_filter("{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }", metric="kms-deletion"), name=known("kms-deletion"))
    a = replace(alarm(metric=known("${aws_cloudwatch_log_metric_filter.kms.id}")), metric_filter=known("aws_cloudwatch_log_metric_filter.kms"))
    hit = only_hit(run(deletion_alarm, inventory(mf, a)))
    assert "matches ScheduleKeyDeletion but not DisableKey" in hit.message


def test_eventbridge_state_decides_kms007() -> None:
    pattern = {"source": ["aws.kms"], "detail": {"errorCode": ["KMSInvalidStateException"]}}
    enabled = run(pending_deletion_alarm, inventory(event_rule(pattern, state="ENABLED"), target()))
    assert "does not receive read-only management events" in only_hit(enabled).message
    assert run(pending_deletion_alarm, inventory(event_rule(pattern, state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"), target())) == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("region:eu-west-1", "region:eu-west-1", True),
        ("region:eu-west-1", "region:us-east-1", False),
        ("provider:aws", "provider:aws", True),
        ("provider:aws", "provider:aws.eu", None),
        ("region:eu-west-1", "provider:aws", None),
        ("", "", True),
    ],
)
def test_regions_compare_only_what_is_known(a: str, b: str, same: bool | None) -> None:
    result = same_region(a, b)
    assert (result is same) if same is not None else (result not in (True, False))


def test_unknown_region_is_unchecked_not_a_finding() -> None:
    inv = inventory(replace(event_rule(), region=known("provider:aws")), target())
    inv = Inventory(**{**inv.__dict__, "key_regions": (KeyRegion("aws_kms_key.a", "infra", known("provider:aws.eu")),)})
    out = run(deletion_alarm, inv)
    # Undecided, never a finding; every undecided verdict is listed in ``unchecked`` (scan.run_scan).
    assert out and all(isinstance(o, Undecided) and "Region" in o.detail for o in out)


def test_multi_region_trail_feeds_a_filter_in_another_region() -> None:
    mf = replace(metric_filter(), region=known("region:us-east-1"), log_group=known("trail"))
    regions = (KeyRegion("aws_kms_key.a", "infra", known("region:eu-west-1")),)
    for multi, covered in ((True, True), (False, False)):
        trail = Trail("aws_cloudtrail.t", "infra", key().location, known("trail"), known(multi), known("region:us-east-1"))
        inv = Inventory(**{**inventory(mf, alarm()).__dict__, "key_regions": regions, "trails": (trail,)})
        out = run(deletion_alarm, inv)
        assert (out == []) if covered else isinstance(only_hit(out), Hit)


def test_unresolved_filter_on_a_log_group_no_trail_feeds_is_ignored() -> None:
    from kmslint.model.resources import LogGroup
    from test_monitoring_predicates import unknown

    mf = replace(metric_filter(pattern=unknown(21)), log_group=known("app"))
    trail = Trail("aws_cloudtrail.t", "infra", key().location, known("cloudtrail"), known(True))
    groups = (LogGroup("aws_cloudwatch_log_group.app", "infra", key().location, known("app")),)
    base = inventory(mf, alarm()).__dict__
    assert all(isinstance(o, Undecided) for o in run(deletion_alarm, Inventory(**base)))  # source unknown
    blind = Inventory(**{**base, "trails": (trail,), "log_groups": groups})
    assert isinstance(only_hit(run(deletion_alarm, blind)), Hit)
    fed = Inventory(**{**base, "trails": (replace(trail, log_group=known("app")),), "log_groups": groups})
    assert all(isinstance(o, Undecided) for o in run(deletion_alarm, fed))
