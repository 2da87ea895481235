"""Dates as UK staff type them: 21/11/2026, 21 Nov, yesterday, last Tuesday, 3 days ago, or ISO from a date picker.

dateparser does the general work (DMY order, dates from the past preferred, relative to the injected
`today`); the rules in front of it cover what it gets wrong or refuses: "last Tuesday", bare weekdays,
"the 5th", "a couple of days ago", two-digit years, and "23 November" when that is still to come.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Every spelling of a weekday we accept, so "month" is never mistaken for "mon".
_WEEKDAY_WORDS = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name[:3]: i for i, name in enumerate(WEEKDAYS)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_WEEKDAY = "(" + "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True)) + ")"
_MONTHS = r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a couple of": 2,
    "couple of": 2,
    "a few": 3,
    "few": 3,
}
_COUNT = "(" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r"|\d+)"
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_AGO = re.compile(rf"^{_COUNT} (day|week|fortnight|month|year)s? ago$")
_AHEAD = re.compile(rf"^in {_COUNT} (day|week)s?$")
_LAST_WEEKDAY = re.compile(rf"^(last |this |on |this past )?{_WEEKDAY}\.?$")
_WEEKDAY_LAST_WEEK = re.compile(rf"^{_WEEKDAY}\.? (of )?last week$")
_NEXT_WEEKDAY = re.compile(rf"^(next|this coming|coming) {_WEEKDAY}\.?$")
_ORDINAL_DAY = re.compile(r"^(\d{1,2})(st|nd|rd|th)?( of (this|the) month)?$")
_FIXED = {
    "today": 0,
    "now": 0,
    "this morning": 0,
    "this afternoon": 0,
    "earlier today": 0,
    "tonight": 0,
    "yesterday": 1,
    "last night": 1,
    "day before yesterday": 2,
    "last week": 7,
    "a week ago": 7,
    "tomorrow": -1,
    "next week": -7,
}


class DateParseError(ValueError):
    """`reason` is "empty", "unparseable" or "future", for the reply template to explain."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


def parse_uk_date(text: str, today: date) -> date:
    """The date `text` names, read the UK way (03/04/2026 is 3 April), relative to `today`."""
    cleaned = _clean(text)
    if not cleaned:
        raise DateParseError("empty", text)
    for rule in (_fixed, _relative, _weekday, _numeric, _ordinal_day):
        found = rule(cleaned, today, text)
        if found is not None:
            return found
    return _with_dateparser(cleaned, today, text)


def parse_past_date(text: str, today: date) -> date:
    """Like parse_uk_date, but a date in the future is refused (evidence is of something that happened)."""
    result = parse_uk_date(text, today)
    if result > today:
        raise DateParseError("future", text)
    return result


def year_given(text: str) -> bool:
    """Whether the person said which year (or a relative day, which implies it): "14 Dec" and "14/12" did not."""
    cleaned = _clean(text)
    if re.search(r"\b\d{4}\b", cleaned) or _ISO.match(cleaned):
        return True
    m = _NUMERIC.match(cleaned)
    if m:
        return m.group(3) is not None
    return not (re.search(_MONTHS, cleaned) or _ORDINAL_DAY.match(cleaned))


def _clean(text: str) -> str:
    cleaned = re.sub(r"\s+", " ", (text or "").strip().lower()).strip(" .,!")
    return re.sub(r"^(on|the|on the)\s+", "", cleaned)


def _count(word: str) -> int:
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else int(word)


def _fixed(cleaned: str, today: date, text: str) -> date | None:
    days_back = _FIXED.get(cleaned)
    return None if days_back is None else today - timedelta(days=days_back)


def _relative(cleaned: str, today: date, text: str) -> date | None:
    """Counting back (or forward): "3 days ago", "a couple of weeks ago", "2 months ago", "in 2 weeks"."""
    if cleaned == "last month":
        return today - relativedelta(months=1)
    m = _AGO.match(cleaned)
    if m:
        count, unit = _count(m.group(1)), m.group(2)
        if unit in ("month", "year"):
            return today - relativedelta(**{f"{unit}s": count})
        return today - timedelta(days=count * {"day": 1, "week": 7, "fortnight": 14}[unit])
    m = _AHEAD.match(cleaned)
    if m:
        return today + timedelta(days=_count(m.group(1)) * (7 if m.group(2) == "week" else 1))
    return None


def _weekday(cleaned: str, today: date, text: str) -> date | None:
    """Weekdays: "Tuesday" is the most recent one (today if it is Tuesday); "last Tuesday" is never today."""
    m = _LAST_WEEKDAY.match(cleaned)
    if m:
        back = (today.weekday() - _WEEKDAY_WORDS[m.group(2)]) % 7
        if back == 0 and m.group(1) == "last ":
            back = 7
        return today - timedelta(days=back)
    m = _WEEKDAY_LAST_WEEK.match(cleaned)
    if m:
        monday_last_week = today - timedelta(days=today.weekday() + 7)
        return monday_last_week + timedelta(days=_WEEKDAY_WORDS[m.group(1)])
    m = _NEXT_WEEKDAY.match(cleaned)
    if m:
        return today + timedelta(days=(_WEEKDAY_WORDS[m.group(2)] - today.weekday() - 1) % 7 + 1)
    return None


def _numeric(cleaned: str, today: date, text: str) -> date | None:
    """ISO from a date picker, or day first: 23/11/2026, 23-11-26, 23.11.2026, 23/11."""
    m = _ISO.match(cleaned)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _NUMERIC.match(cleaned)
    if not m:
        return None
    day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
    if year is None:
        return _recent(day, month, today, text)
    return _make(_full_year(year, today), month, day, text)


def _full_year(year: str, today: date) -> int:
    """Two-digit years: 26 is 2026, but 99 is 1999 rather than 2099."""
    if len(year) == 4:
        return int(year)
    candidate = 2000 + int(year)
    return candidate if candidate <= today.year + 10 else candidate - 100


def _ordinal_day(cleaned: str, today: date, text: str) -> date | None:
    """A bare day, "the 5th": this month, or last month if the 5th is still to come."""
    m = _ORDINAL_DAY.match(cleaned)
    if not m or not (m.group(2) or m.group(3)):
        return None
    day = int(m.group(1))
    if m.group(3) or day <= today.day:
        return _make(today.year, today.month, day, text)
    previous = today.replace(day=1) - timedelta(days=1)
    return _make(previous.year, previous.month, day, text)


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError("unparseable", text) from None


def _recent(day: int, month: int, today: date, text: str) -> date:
    """A day and month with no year: this year, or last year if that would be in the future."""
    try:
        candidate = date(today.year, month, day)
    except ValueError:  # 29 February in a year without one: try last year, then give up
        return _make(today.year - 1, month, day, text)
    return candidate if candidate <= today else _make(today.year - 1, month, day, text)


def _with_dateparser(cleaned: str, today: date, text: str) -> date:
    import dateparser

    if re.search(r"\b(before|after)\b", cleaned):  # dateparser drops these words and answers wrongly
        raise DateParseError("unparseable", text)

    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    if parsed is None:
        raise DateParseError("unparseable", text)
    result = parsed.date()
    # "23 November" with no year means the last one, even when dateparser picks this year's.
    written_year = re.search(r"\b\d{4}\b", cleaned) or len(re.findall(r"\d+", cleaned)) >= 2
    if re.search(_MONTHS, cleaned) and not written_year and result > today:
        result = _recent(result.day, result.month, today, text)
    return result
