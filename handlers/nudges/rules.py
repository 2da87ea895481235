"""The rules nudges follow, from LDBOT_NUDGE_* variables (validated once, like the main settings).

Defaults follow common UK practice: a yearly appraisal, a 30-day "due soon" window, escalation to the
manager's manager after 14 days overdue, a weekly digest on Monday at 09:00 UK time, snooze for a week,
and bank holidays for England and Wales. One instance per process (`services.config(NudgeRules)`), shared
by the chat handlers and the scan job.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from scheduler.working_time import WEEKDAYS, WorkingTimeRules


class NudgeRules(WorkingTimeRules):
    appraisal_months: int = Field(default=12, ge=1, le=60)
    due_soon_days: int = Field(default=30, ge=0, le=365)
    escalate_after_days: int = Field(default=14, ge=0, le=365)
    digest_day: str = "monday"
    snooze_days: int = Field(default=7, ge=1, le=90)
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

    @property
    def digest_weekday(self) -> int:
        return WEEKDAYS.index(self.digest_day)


def load_rules(**overrides: object) -> NudgeRules:
    return NudgeRules.load(**overrides)
