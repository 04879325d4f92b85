"""ISO 8601 durations and cron expressions: pure helpers, safe to use inside workflow code."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta
from typing import Any

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<weeks>{_NUMBER})W)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:(?P<time>T)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?"
)
_SECONDS_PER = {
    "years": 365 * 86400,
    "months": 30 * 86400,
    "weeks": 7 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}


def parse_duration(text: Any) -> timedelta:
    """An ISO 8601 duration (``PnYnMnWnDTnHnMnS``, e.g. ``PT15M``, ``P1DT2H``, ``PT0.5S``) as a timedelta.

    Calendar units are fixed, as workflow timers need: a year is 365 days and a month 30 days. Only the last
    component may have a fraction (``PT1.5S``, ``P0.5D``). Raises ValueError with the reason.
    """
    if not isinstance(text, str):
        raise ValueError(f"a duration must be a string such as 'PT15M', not {text!r}")
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None:
        if text.strip().startswith("-"):
            raise ValueError(f"{text!r}: negative durations are not allowed")
        raise ValueError(f"{text!r} is not an ISO 8601 duration (such as PT15M, P1DT2H or PT0.5S)")
    parts = [(unit, match.group(unit)) for unit in _SECONDS_PER if match.group(unit) is not None]
    if not parts:
        raise ValueError(f"{text!r} has no components (write PT0S for a zero duration)")
    if match.group("time") and not any(unit in ("hours", "minutes", "seconds") for unit, _ in parts):
        raise ValueError(f"{text!r}: 'T' must be followed by hours, minutes or seconds")
    if any(("." in value or "," in value) for _, value in parts[:-1]):
        raise ValueError(f"{text!r}: only the last component may have a fraction")
    seconds = sum(float(value.replace(",", ".")) * _SECONDS_PER[unit] for unit, value in parts)
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def to_seconds(text: Any) -> float:
    """The duration ``text`` in seconds (see :func:`parse_duration`)."""
    return parse_duration(text).total_seconds()


def format_duration(value: timedelta) -> str:
    """A timedelta as an ISO 8601 duration with days, hours, minutes and seconds: ``P1DT2H0.5S``-like."""
    if value < timedelta(0):
        raise ValueError(f"negative durations have no ISO 8601 form here: {value}")
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"P{value.days}D" if value.days else "P"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or value.microseconds:
        fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
        clock += f"{seconds}{fraction}S"
    if clock:
        text += "T" + clock
    return text if text != "P" else "PT0S"


# ---------------------------------------------------------------------------------------------------------
# Cron


_MONTHS = {
    name: number for number, name in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)
}
_WEEKDAYS = {name: number for number, name in enumerate("SUN MON TUE WED THU FRI SAT".split())}


class _Field:
    def __init__(
        self, name: str, low: int, high: int, names: dict[str, int] | None = None, question: bool = False
    ):
        self.name, self.low, self.high = name, low, high
        self.names = names or {}
        self.question = question


_SECOND = _Field("second", 0, 59)
_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31, question=True)
_MONTH = _Field("month", 1, 12, _MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 0, 7, _WEEKDAYS, question=True)  # 0 and 7 are both Sunday
_LAYOUTS = {
    5: (_MINUTE, _HOUR, _DAY_OF_MONTH, _MONTH, _DAY_OF_WEEK),
    6: (_SECOND, _MINUTE, _HOUR, _DAY_OF_MONTH, _MONTH, _DAY_OF_WEEK),
}


def check_cron(text: Any) -> str | None:
    """Why ``text`` is not a 5-field (minute first) or 6-field (second first) cron expression, or None.

    Each field takes ``*``, values, ranges ``a-b``, steps ``*/n``, ``a/n``, ``a-b/n`` and lists ``a,b``;
    months and weekdays also take names (``JAN``, ``MON``); day-of-month and day-of-week also take ``?``.
    """
    if not isinstance(text, str):
        return f"a cron expression must be a string, not {text!r}"
    fields = text.split()
    layout = _LAYOUTS.get(len(fields))
    if layout is None:
        return (
            f"expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), "
            f"found {len(fields)}"
        )
    for number, (spec, value) in enumerate(zip(layout, fields, strict=True), 1):
        error = _check_field(spec, value)
        if error:
            return f"field {number} ({spec.name}) {value!r}: {error}"
    return None


def _check_field(spec: _Field, value: str) -> str | None:
    if value == "?":
        return None if spec.question else "'?' is only allowed in day-of-month and day-of-week"
    for item in value.split(","):
        error = _check_item(spec, item)
        if error:
            return error
    return None


def _check_item(spec: _Field, item: str) -> str | None:
    base, slash, step = item.partition("/")
    if slash:
        if not (step.isascii() and step.isdigit()) or not 1 <= int(step) <= spec.high:
            return f"step {step!r} must be a number from 1 to {spec.high}"
    if base == "*":
        return None
    low_text, dash, high_text = base.partition("-")
    low = _value(spec, low_text)
    if low is None:
        return _bad_value(spec, low_text)
    if not dash:
        return None
    high = _value(spec, high_text)
    if high is None:
        return _bad_value(spec, high_text)
    if low > high:
        return f"range {base!r} runs backwards"
    return None


def _value(spec: _Field, text: str) -> int | None:
    number = int(text) if text.isascii() and text.isdigit() else spec.names.get(text.upper())
    return number if number is not None and spec.low <= number <= spec.high else None


def _bad_value(spec: _Field, text: str) -> str:
    names = f" or a name ({', '.join(spec.names)})" if spec.names else ""
    if text == "":
        return "empty value"
    return f"{text!r} is not a number from {spec.low} to {spec.high}{names}"


DURATION_UNITS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "milliseconds": 0.001}
"""A 1.0 duration object's units, in seconds."""


def duration_of(value: str | dict[str, Any]) -> timedelta:
    """A 1.0 duration: an ISO 8601 text or an object of units (``{seconds: 5}``); raises ValueError."""
    if isinstance(value, str):
        return parse_duration(value)
    return timedelta(
        seconds=sum(float(value.get(unit, 0)) * factor for unit, factor in DURATION_UNITS.items())
    )


SHORTEST_SCHEDULE = timedelta(seconds=1)
"""Temporal refuses a schedule that repeats more often: such a definition is refused when validated, not at
deploy (where the refusal came after the version was stored) or at ``serve``'s start (where it stopped it)."""


def schedule_problem(
    every: timedelta | None = None, timezone: str | None = None, until: str | None = None
) -> str | None:
    """Why a schedule's interval, time zone or end could not be a Temporal schedule, or None."""
    if every is not None and every < SHORTEST_SCHEDULE:
        return f"a schedule may repeat at most once a second, not every {every.total_seconds():g} s"
    if timezone is not None and not _known_zone(timezone):
        return f"{timezone!r} is not a time zone (an IANA name such as Europe/Paris)"
    if until is not None:
        try:
            datetime.fromisoformat(until.replace("Z", "+00:00"))
        except ValueError:
            return f"validUntil {until!r} is not an ISO 8601 date and time"
    return None


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return not zoneinfo.available_timezones()  # no time zone data here at all: leave it to Temporal
    return True
