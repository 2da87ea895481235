"""Dates as UK staff type them: 21/11/2026, 21 Nov, yesterday, last Tuesday, 3 days ago, or ISO from a date picker."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_AGO = re.compile(r"^(a|an|one|two|three|four|five|six|seven|\d+)\s+(day|week|month)s?\s+ago$")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


class DateParseError(ValueError):
    """`reason` is "unparseable" or "future", for the reply template to explain."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


def parse_uk_date(text: str, today: date) -> date:
    cleaned = re.sub(r"\s+", " ", text.strip().lower()).strip(" .,")
    cleaned = re.sub(r"^(on|the)\s+", "", cleaned)
    if not cleaned:
        raise DateParseError("unparseable", text)
    if cleaned == "today":
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if cleaned in ("day before yesterday", "the day before yesterday"):
        return today - timedelta(days=2)
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    if cleaned == "last week":
        return today - timedelta(days=7)
    if cleaned == "next week":
        return today + timedelta(days=7)
    ahead = re.match(r"^in (a|an|one|two|three|four|five|six|seven|\d+) (day|week)s?$", cleaned)
    if ahead:
        count = _NUMBER_WORDS.get(ahead.group(1)) or int(ahead.group(1))
        return today + timedelta(days=count * (7 if ahead.group(2) == "week" else 1))
    upcoming = re.match(r"^(next|this coming|coming) (mon|tues?|wed|thur?s?|fri|sat|sun)[a-z]*$", cleaned)
    if upcoming:
        index = next(i for i, name in enumerate(WEEKDAYS) if name.startswith(upcoming.group(2)[:3]))
        return today + timedelta(days=(index - today.weekday() - 1) % 7 + 1)
    m = _AGO.match(cleaned)
    if m:
        count = _NUMBER_WORDS.get(m.group(1)) or int(m.group(1))
        unit = m.group(2)
        if unit == "month":
            from dateutil.relativedelta import relativedelta

            return today - relativedelta(months=count)
        return today - timedelta(days=count * (7 if unit == "week" else 1))
    weekday = re.match(r"^(last |this |on )?(mon|tues?|wed|thur?s?|fri|sat|sun)[a-z]*$", cleaned)
    if weekday:
        index = next(i for i, name in enumerate(WEEKDAYS) if name.startswith(weekday.group(2)[:3]))
        back = (today.weekday() - index) % 7
        if back == 0:
            back = 7 if weekday.group(1) == "last " else 0
        return today - timedelta(days=back)
    m = _ISO.match(cleaned)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _NUMERIC.match(cleaned)
    if m:
        day, month = int(m.group(1)), int(m.group(2))
        year = m.group(3)
        if year is None:
            return _recent(day, month, today, text)
        return _make(int(year) + (2000 if len(year) == 2 else 0), month, day, text)
    return _with_dateparser(cleaned, today, text)


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError("unparseable", text) from None


def _recent(day: int, month: int, today: date, text: str) -> date:
    """A day and month with no year: this year, or last year if that would be in the future."""
    candidate = _make(today.year, month, day, text)
    return candidate if candidate <= today else _make(today.year - 1, month, day, text)


def _with_dateparser(cleaned: str, today: date, text: str) -> date:
    import dateparser

    has_year = bool(re.search(r"\b\d{4}\b", cleaned))
    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
            "STRICT_PARSING": False,
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    if parsed is None:
        raise DateParseError("unparseable", text)
    result = parsed.date()
    if not has_year and result > today:
        result = _recent(result.day, result.month, today, text)
    return result


def parse_past_date(text: str, today: date) -> date:
    """Like parse_uk_date, but a date in the future is refused (evidence is of something that happened)."""
    result = parse_uk_date(text, today)
    if result > today:
        raise DateParseError("future", text)
    return result
