"""ISO 8601 durations and cron expressions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from swengine.core.durations import check_cron, format_duration, parse_duration, to_seconds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("PT1S", timedelta(seconds=1)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("PT0,25S", timedelta(milliseconds=250)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P2W", timedelta(weeks=2)),
        ("P1Y", timedelta(days=365)),  # calendar units are fixed
        ("P1M", timedelta(days=30)),
        ("P1Y2M3W4DT5H6M7.25S", timedelta(days=365 + 60 + 21 + 4, hours=5, minutes=6, seconds=7.25)),
        ("PT36H", timedelta(hours=36)),
        ("P0.5D", timedelta(hours=12)),
        ("PT0S", timedelta(0)),
        (" pt2m ", timedelta(minutes=2)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert to_seconds(text) == expected.total_seconds()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not an ISO 8601 duration"),
        ("15m", "not an ISO 8601 duration"),
        ("P", "no components"),
        ("PT", "no components"),
        ("P1DT", "'T' must be followed"),
        ("P1H", "not an ISO 8601 duration"),  # hours need the T
        ("PT1D", "not an ISO 8601 duration"),
        ("P1S", "not an ISO 8601 duration"),
        ("-P1D", "negative"),
        ("PT1.5H30M", "only the last component"),
        ("P1D2Y", "not an ISO 8601 duration"),  # out of order
        ("PT" + "9" * 30 + "S", "too long"),
        (15, "must be a string"),
        (None, "must be a string"),
    ],
)
def test_parse_duration_refuses_with_a_reason(text: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(minutes=15), "PT15M"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(days=3), "P3D"),
        (timedelta(seconds=90.5), "PT1M30.5S"),
        (timedelta(microseconds=1), "PT0.000001S"),
    ],
)
def test_format_duration_round_trips(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


def test_format_duration_refuses_negative_values() -> None:
    with pytest.raises(ValueError):
        format_duration(timedelta(seconds=-1))


@pytest.mark.parametrize(
    "text",
    [
        "* * * * *",
        "*/5 * * * *",
        "0 9 * * MON-FRI",
        "0 0 1 JAN,jul ?",
        "15,45 8-18/2 1-31/3 1-12 0-7",
        "0 0/15 * * * ?",  # six fields, seconds first (Quartz style, as in the 0.8 examples)
        "30 0 12 ? * SUN",
        "  0 12 * * sat  ",
    ],
)
def test_valid_cron_expressions(text: str) -> None:
    assert check_cron(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("* * * *", "expected 5 fields"),
        ("* * * * * * *", "found 7"),
        ("60 * * * *", "field 1 (minute) '60'"),
        ("* 24 * * *", "field 2 (hour)"),
        ("* * 0 * *", "field 3 (day-of-month)"),
        ("* * * 13 *", "field 4 (month)"),
        ("* * * * 8", "field 5 (day-of-week)"),
        ("* * * FOO *", "'FOO' is not a number from 1 to 12 or a name"),
        ("5-1 * * * *", "runs backwards"),
        ("*/0 * * * *", "step '0'"),
        ("*/x * * * *", "step 'x'"),
        ("? * * * *", "'?' is only allowed"),
        ("1,,2 * * * *", "empty value"),
        ("0 0 L * ?", "'L' is not a number"),
        ("61 * * * * *", "field 1 (second)"),
        (5, "must be a string"),
    ],
)
def test_invalid_cron_expressions_say_why(text: Any, reason: str) -> None:
    error = check_cron(text)
    assert error is not None and reason in error
