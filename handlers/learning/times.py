"""Session times as L&D write them, in UK time: "2027-01-12 09:00", "12/01/2027 9:30", "12 January 2027 2pm".

Stored as aware UTC; shown back in the service's zone. A date with no year is the next one to come (a
course is always in the future), and a time on its own ("17:00") is on the day it follows.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$")
_SPLIT = re.compile(
    r"^(?P<date>.+?)(?:\s*(?:,|\bat\b)\s*|\s+)(?P<time>\d{1,2}(?:[:.]\d{2})?(?::\d{2})?\s*(?:am|pm)?)$"
)
_BEFORE = re.compile(r"^(\d{1,3})\s*(day|hour)s?\s+before$")


class TimeProblem(ValueError):
    """`reason`: "empty", "unparseable", "no_time" — for a template (chat) or a message (command line)."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


def parse_clock(text: str) -> time | None:
    """ "09:00", "9.30", "2pm", "14:00:00" -> a time, or None."""
    cleaned = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d{1,2}:\d{2}:\d{2}", cleaned):
        cleaned = cleaned[:-3]
    m = _TIME.match(cleaned)
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_day(text: str, today: date) -> date | None:
    """A calendar day, day first; with no year, the next one on or after today."""
    cleaned = re.sub(r"\s+", " ", text.strip().lower()).strip(" ,.")
    cleaned = re.sub(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,? ", "", cleaned)
    try:
        m = _ISO_DATE.match(cleaned)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _UK_DATE.match(cleaned)
        if m:
            day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
            if year is None:
                return _next(day, month, today)
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    except ValueError:
        return None
    if not re.search(r"[a-z]{3}", cleaned):
        return None
    try:
        default = datetime(1900, 1, 1)
        parsed = dateutil_parser.parse(cleaned, dayfirst=True, default=default)
    except (ValueError, OverflowError):
        return None
    if parsed.time() != time(0):
        return None
    if parsed.year == 1900 and not re.search(r"\b1900\b", cleaned):
        return _next(parsed.day, parsed.month, today)
    return parsed.date()


def _next(day: int, month: int, today: date) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def parse_local(value: object, tz: ZoneInfo, today: date, *, day: date | None = None) -> datetime:
    """A moment in `tz` from a YAML/JSON value or typed text, as aware UTC. `day` lets a bare time through."""
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=tz)
        return local.astimezone(UTC)
    if isinstance(value, date):
        raise TimeProblem("no_time", value.isoformat())
    text = str(value or "").strip()
    if not text:
        raise TimeProblem("empty", text)
    clock = parse_clock(text)
    if clock is not None:
        if day is None:
            raise TimeProblem("no_time", text)
        return datetime.combine(day, clock, tz).astimezone(UTC)
    m = _SPLIT.match(re.sub(r"(\d)t(\d)", r"\1 \2", text.strip().lower()))
    if not m:
        raise TimeProblem("no_time" if parse_day(text, today) else "unparseable", text)
    on, clock = parse_day(m.group("date"), today), parse_clock(m.group("time"))
    if on is None or clock is None:
        raise TimeProblem("unparseable", text)
    return datetime.combine(on, clock, tz).astimezone(UTC)


def parse_cutoff(value: object, tz: ZoneInfo, today: date, starts_at: datetime) -> datetime:
    """A booking cut-off: a moment, a day (bookings close at its end), or "2 days before" / "12 hours before"."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(23, 59), tz).astimezone(UTC)
    text = str(value or "").strip().lower()
    m = _BEFORE.match(text)
    if m:
        amount = int(m.group(1))
        return starts_at - (timedelta(days=amount) if m.group(2) == "day" else timedelta(hours=amount))
    if not isinstance(value, datetime):
        on = parse_day(text, today)
        if on is not None:
            return datetime.combine(on, time(23, 59), tz).astimezone(UTC)
    return parse_local(value, tz, today)


def when_context(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> dict[str, str]:
    """What templates need to say when a session is (in UK date style, by the `ukdate` filter)."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return {
        "date": start.date().isoformat(),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "end_date": end.date().isoformat() if end.date() != start.date() else "",
    }


def moment_context(moment: datetime | None, tz: ZoneInfo) -> dict[str, str]:
    if moment is None:
        return {"date": "", "time": ""}
    there = moment.astimezone(tz)
    return {"date": there.date().isoformat(), "time": f"{there:%H:%M}"}
