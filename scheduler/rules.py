"""The rules nudges follow, from LDBOT_NUDGE_* variables (validated once, like the main settings).

Defaults follow common UK practice: a yearly appraisal, a 30-day "due soon" window, escalation to the
manager's manager after 14 days overdue, a weekly digest on Monday at 09:00 UK time, snooze for a week,
and bank holidays for England and Wales.
"""

from __future__ import annotations

from datetime import date, time
from functools import cached_property, lru_cache

import holidays
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError, valid_timezone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_hours(text: str) -> tuple[time, time]:
    """"09:00-17:00" -> (09:00, 17:00); an end before the start means the shift runs past midnight."""
    start, sep, end = text.replace(" ", "").partition("-")
    if not sep:
        raise ValueError(f"hours must look like 09:00-17:00, not {text!r}")
    first, last = time.fromisoformat(start), time.fromisoformat(end)
    if first == last:
        raise ValueError(f"hours {text!r} start and end at the same time")
    return first, last


class NudgeRules(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LDBOT_NUDGE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    appraisal_months: int = Field(default=12, ge=1, le=60)
    due_soon_days: int = Field(default=30, ge=0, le=365)
    escalate_after_days: int = Field(default=14, ge=0, le=365)
    digest_day: str = "monday"
    digest_time: time = time(9, 0)
    timezone: str = "Europe/London"
    snooze_days: int = Field(default=7, ge=1, le=90)
    holiday_country: str = "GB"
    holiday_subdiv: str | None = "ENG"
    # Office hours for people without a rota, and the usual day and night shift hours for a rota.
    office_hours: str = "09:00-17:00"
    day_shift_hours: str = "08:00-18:00"
    night_shift_hours: str = "18:00-08:00"
    # How often the scan runs inside `ldbot serve` / `ldbot worker` (each run is idempotent).
    scan_every_minutes: int = Field(default=15, ge=1, le=24 * 60)

    @field_validator("digest_day")
    @classmethod
    def _check_day(cls, value: str) -> str:
        value = value.strip().lower()
        for day in WEEKDAYS:
            if value in (day, day[:3]):
                return day
        raise ValueError("must be a day of the week, e.g. monday")

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

    @property
    def digest_weekday(self) -> int:
        return WEEKDAYS.index(self.digest_day)

    @cached_property
    def bank_holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdiv)

    def is_bank_holiday(self, day: date) -> bool:
        return day in self.bank_holidays


def load_rules(**overrides: object) -> NudgeRules:
    """Rules from the environment, with a readable message naming the bad LDBOT_NUDGE_* variable."""
    try:
        rules = NudgeRules(**overrides)  # type: ignore[arg-type]
        rules.bank_holidays  # noqa: B018 - fail now on a bad subdivision, not mid-scan
        return rules
    except ValidationError as exc:
        lines = [f"LDBOT_NUDGE_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors() if e["loc"]]
        raise SettingsError("Bad setting: " + "; ".join(lines)) from None
    except NotImplementedError as exc:
        raise SettingsError(f"Bad setting: LDBOT_NUDGE_HOLIDAY_SUBDIV: {exc}") from None


@lru_cache(maxsize=1)
def get_rules() -> NudgeRules:
    """The process's rules, read once (handlers and jobs share them)."""
    return load_rules()
