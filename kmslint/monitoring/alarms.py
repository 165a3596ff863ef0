"""Would this alarm fire on one matching event? (KMS006/KMS007: an alarm that cannot is no alarm.)

A metric filter publishes its ``value`` (default 1) each time an event matches, with the
filter's dimensions and no others. One deletion therefore gives one datapoint, in one period:

- an alarm asking for dimensions the metric does not have (or not asking for those it has)
  watches a metric that never receives data;
- the datapoint is ``value`` for Sum, Average, Minimum and Maximum and 1 for SampleCount; the
  comparison operator must accept it against the threshold;
- with ``datapoints_to_alarm`` (default: ``evaluation_periods``) above 1 the other periods are
  missing data, which breach only with ``treat_missing_data = breaching``.

Anything UNKNOWN (a ``$.field`` value, an extended statistic, a variable) is assumed to fire:
these checks only report alarms that provably cannot.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Optional

from ..model.resources import Alarm, MetricFilter
from ..model.values import UNKNOWN

__all__ = ["why_alarm_never_fires"]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
_SYMBOL = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}


def _number(raw: Any) -> Optional[float]:
    if raw is UNKNOWN or raw is None or isinstance(raw, bool):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError, OverflowError):
        return None


def _names(raw: Any) -> Optional[frozenset[str]]:
    if raw is UNKNOWN or raw is None:
        return None
    try:
        return frozenset(str(n) for n in raw)
    except TypeError:
        return None


def _dimension_problem(alarm: Alarm, mf: MetricFilter) -> Optional[str]:
    wanted, published = _names(alarm.dimensions.value), _names(mf.dimensions.value)
    if wanted is None or published is None or wanted == published:
        return None
    if not published:
        return f"it asks for dimensions ({', '.join(sorted(wanted))}) that the filter's metric does not have"
    return f"its dimensions ({', '.join(sorted(wanted)) or 'none'}) differ from the filter's ({', '.join(sorted(published))})"


def _threshold_problem(alarm: Alarm, mf: MetricFilter) -> Optional[str]:
    statistic, comparison = alarm.statistic.value, alarm.comparison.value
    threshold = _number(alarm.threshold.value)
    if comparison not in _COMPARE or threshold is None or statistic is UNKNOWN:
        return None
    if statistic == "SampleCount":
        datapoint: Optional[float] = 1.0
    elif statistic in ("Sum", "Average", "Minimum", "Maximum"):
        datapoint = _number(mf.metric_value.value)
    else:
        return None
    if datapoint is None or _COMPARE[comparison](datapoint, threshold):
        return None
    shown = f"{datapoint:g}"
    return (
        f"one matching event gives a {statistic} of {shown} in a period, and {shown} "
        f"{_SYMBOL[comparison]} {threshold:g} (the threshold) is false"
    )


def _periods_problem(alarm: Alarm) -> Optional[str]:
    needed = _number(alarm.datapoints_to_alarm.value)
    if needed is None:
        needed = _number(alarm.evaluation_periods.value)
    missing = alarm.treat_missing_data.value
    if needed is None or needed <= 1 or missing is UNKNOWN or missing == "breaching":
        return None
    return (
        f"it needs {needed:g} breaching periods, and one event fills one period "
        f"(treat_missing_data is {missing})"
    )


def why_alarm_never_fires(alarm: Alarm, mf: MetricFilter) -> Optional[str]:
    """Why ``alarm`` cannot fire on one event matched by ``mf``, or None when it can (or may)."""
    return _dimension_problem(alarm, mf) or _threshold_problem(alarm, mf) or _periods_problem(alarm)
