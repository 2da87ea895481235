"""When a person is at work, so that nudges and broadcasts land on their working days, within their hours.

A person's `working_pattern` (from the people CSV) is one of:

- empty: Monday to Friday, office hours (LDBOT_NUDGE_OFFICE_HOURS, default 09:00-17:00);
- `weekdays=mon,tue,wed,thu;hours=07:00-15:00`: fixed days (either key may be left out);
- `anchor=2026-01-05;pattern=D,D,N,N,O,O,O,O`: a repeating rota starting on the anchor date, one letter a
  day: `D` day shift, `N` night shift, `O` off. Shift hours default to LDBOT_NUDGE_DAY_SHIFT_HOURS and
  LDBOT_NUDGE_NIGHT_SHIFT_HOURS and may be given as `;day=07:00-19:00;night=19:00-07:00`.

A rota decides its own days (a Saturday shift is a working day). Bank holidays are never working days for
messages the bot starts. A message for a day is delivered at the preferred time (LDBOT_NUDGE_DIGEST_TIME)
if that falls within the shift, otherwise at the start of the shift (a night shift hears at 18:00, not 09:00).
The settings keep their LDBOT_NUDGE_ names: nudges used them first, and every message the bot starts follows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays
from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError, valid_timezone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHIFT_LETTERS = {"D": "day", "N": "night", "O": None}


def parse_hours(text: str) -> tuple[time, time]:
    """"09:00-17:00" -> (09:00, 17:00); an end before the start means the shift runs past midnight."""
    start, sep, end = text.replace(" ", "").partition("-")
    if not sep:
        raise ValueError(f"hours must look like 09:00-17:00, not {text!r}")
    first, last = time.fromisoformat(start), time.fromisoformat(end)
    if first == last:
        raise ValueError(f"hours {text!r} start and end at the same time")
    return first, last


class WorkingTimeRules(BaseSettings):
    """Office and shift hours, bank holidays, the service's time zone and the preferred delivery time."""

    model_config = SettingsConfigDict(
        env_prefix="LDBOT_NUDGE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    timezone: str = "Europe/London"
    digest_time: time = time(9, 0)
    holiday_country: str = "GB"
    holiday_subdiv: str | None = "ENG"
    # Office hours for people without a rota, and the usual day and night shift hours for a rota.
    office_hours: str = "09:00-17:00"
    day_shift_hours: str = "08:00-18:00"
    night_shift_hours: str = "18:00-08:00"

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        return valid_timezone(value)

    @field_validator("holiday_country")
    @classmethod
    def _check_country(cls, value: str) -> str:
        value = value.strip().upper()
        value = "GB" if value == "UK" else value
        if value not in holidays.list_supported_countries():
            raise ValueError(f"holidays has no country {value!r} (GB for the UK)")
        return value

    @field_validator("holiday_subdiv")
    @classmethod
    def _check_subdiv(cls, value: str | None) -> str | None:
        return value.strip().upper() or None if value else None

    @field_validator("office_hours", "day_shift_hours", "night_shift_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @cached_property
    def bank_holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdiv)

    def is_bank_holiday(self, day: date) -> bool:
        return day in self.bank_holidays

    @classmethod
    def load(cls, **overrides: object):  # noqa: ANN206 - an instance of cls
        """From the environment, with a readable message naming the bad LDBOT_NUDGE_* variable."""
        try:
            rules = cls(**overrides)  # type: ignore[arg-type]
            rules.bank_holidays  # noqa: B018 - fail now on a bad subdivision, not mid-scan
            return rules
        except ValidationError as exc:
            lines = [f"LDBOT_NUDGE_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors() if e["loc"]]
            raise SettingsError("Bad setting: " + "; ".join(lines)) from None
        except NotImplementedError as exc:
            raise SettingsError(f"Bad setting: LDBOT_NUDGE_HOLIDAY_SUBDIV: {exc}") from None


class PatternError(ValueError):
    """A working pattern that cannot be read; the message says what is expected."""


@dataclass(frozen=True, slots=True)
class WorkingPattern:
    """Which days someone works and the hours of each; bank holidays are applied by `WorkingTime`."""

    weekdays: frozenset[int] = frozenset(range(5))
    hours: tuple[time, time] = (time(9), time(17))
    anchor: date | None = None
    rota: tuple[str, ...] = ()
    shift_hours: tuple[tuple[str, tuple[time, time]], ...] = ()

    def shift_on(self, day: date) -> tuple[time, time] | None:
        """Start and end of the shift that starts on `day` (end may be the next morning), or None."""
        if self.anchor is not None and self.rota:
            letter = self.rota[(day - self.anchor).days % len(self.rota)]
            kind = SHIFT_LETTERS[letter]
            return dict(self.shift_hours)[kind] if kind else None
        return self.hours if day.weekday() in self.weekdays else None


def parse_pattern(text: str | None, rules: WorkingTimeRules) -> WorkingPattern:
    """Read a `working_pattern` value (see the module docstring); raises PatternError."""
    office = parse_hours(rules.office_hours)
    if not text or not text.strip():
        return WorkingPattern(hours=office)
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        if not chunk.strip():
            continue
        key, sep, value = chunk.partition("=")
        if not sep:
            raise PatternError(f"{chunk.strip()!r} should be key=value (e.g. anchor=2026-01-05)")
        parts[key.strip().lower()] = value.strip()
    unknown = set(parts) - {"anchor", "pattern", "day", "night", "weekdays", "hours"}
    if unknown:
        raise PatternError(f"unknown setting {sorted(unknown)[0]!r} (use anchor, pattern, day, night, weekdays, hours)")
    try:
        if "pattern" in parts or "anchor" in parts:
            return _rota(parts, rules)
        days = frozenset(range(5))
        if "weekdays" in parts:
            days = frozenset(_weekday(d) for d in parts["weekdays"].split(",") if d.strip())
            if not days:
                raise PatternError("weekdays lists no days")
        return WorkingPattern(weekdays=days, hours=parse_hours(parts["hours"]) if "hours" in parts else office)
    except PatternError:
        raise
    except ValueError as exc:
        raise PatternError(str(exc)) from None


def _weekday(text: str) -> int:
    text = text.strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if text in (name, name[:3]):
            return number
    raise PatternError(f"{text!r} is not a day of the week")


def _rota(parts: dict[str, str], rules: WorkingTimeRules) -> WorkingPattern:
    if "anchor" not in parts or "pattern" not in parts:
        raise PatternError("a rota needs both anchor=YYYY-MM-DD and pattern=D,N,O,...")
    try:
        anchor = date.fromisoformat(parts["anchor"])
    except ValueError:
        raise PatternError(f"anchor {parts['anchor']!r} is not a date (YYYY-MM-DD)") from None
    letters = tuple(p.strip().upper() for p in parts["pattern"].replace(" ", "").split(",") if p.strip())
    if not letters or any(letter not in SHIFT_LETTERS for letter in letters):
        raise PatternError("pattern must be letters D (day), N (night) or O (off), e.g. D,D,N,N,O,O,O,O")
    if all(letter == "O" for letter in letters):
        raise PatternError("pattern has no working days")
    shifts = (
        ("day", parse_hours(parts.get("day", rules.day_shift_hours))),
        ("night", parse_hours(parts.get("night", rules.night_shift_hours))),
    )
    return WorkingPattern(anchor=anchor, rota=letters, shift_hours=shifts)


class WorkingTime:
    """Working days and delivery moments for many people, parsing each distinct pattern once."""

    def __init__(self, rules: WorkingTimeRules) -> None:
        self.rules = rules
        self._pattern = lru_cache(maxsize=4096)(self._parse_or_default)
        self._zone = lru_cache(maxsize=256)(self._zone_or_default)

    def _parse_or_default(self, text: str | None) -> WorkingPattern:
        try:
            return parse_pattern(text, self.rules)
        except PatternError:
            # A bad stored pattern must not stop everyone's nudges: fall back to office days.
            return parse_pattern(None, self.rules)

    def _zone_or_default(self, name: str | None) -> ZoneInfo:
        try:
            return ZoneInfo(name or self.rules.timezone)
        except (ValueError, KeyError):
            return ZoneInfo(self.rules.timezone)

    def is_working_day(self, pattern: str | None, day: date) -> bool:
        return not self.rules.is_bank_holiday(day) and self._pattern(pattern).shift_on(day) is not None

    def shift(self, pattern: str | None, tz: str | None, day: date) -> tuple[datetime, datetime] | None:
        """The working window starting on `day`, as aware UTC datetimes, or None on a day off."""
        if self.rules.is_bank_holiday(day):
            return None
        hours = self._pattern(pattern).shift_on(day)
        if hours is None:
            return None
        zone = self._zone(tz)
        start = datetime.combine(day, hours[0], zone)
        end_day = day + timedelta(days=1) if hours[1] <= hours[0] else day
        end = datetime.combine(end_day, hours[1], zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def slot(self, pattern: str | None, tz: str | None, day: date) -> datetime | None:
        """When a nudge for `day` is due: the digest time if inside the shift, else the shift's start."""
        window = self.shift(pattern, tz, day)
        if window is None:
            return None
        wanted = datetime.combine(day, self.rules.digest_time, self._zone(tz)).astimezone(UTC)
        return wanted if window[0] <= wanted < window[1] else window[0]

    def deliver_at(self, pattern: str | None, tz: str | None, day: date, now: datetime) -> datetime:
        """The moment to deliver a nudge decided for `day`: its slot, now if the shift is on, or the next shift."""
        slot = self.slot(pattern, tz, day)
        if slot is not None and now <= slot:
            return slot
        window = self.shift(pattern, tz, day)
        if window is not None and now < window[1]:
            return now
        for ahead in range(1, 60):
            later = self.slot(pattern, tz, day + timedelta(days=ahead))
            if later is not None and later >= now:
                return later
        return now
