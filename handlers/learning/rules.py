"""The learning unit's settings, from LDBOT_LEARNING_* variables (validated once, like the main settings).

Defaults: a freed seat is offered for 48 hours (the issue's), reminders 7 days and 1 day before a session,
the "have you used it at work?" follow-up eight weeks after attendance (Kirkpatrick level 3 is usually
asked two to three months on), managers asked too. Working hours and bank holidays are the nudges' rules
(LDBOT_NUDGE_*, scheduler/working_time.py): every message the bot starts follows them.
"""

from __future__ import annotations

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError

MAX_REMINDER_DAYS = 60


class LearningRules(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LDBOT_LEARNING_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    offer_hours: int = Field(default=48, ge=1, le=24 * 14)
    reminder_days: str = "7,1"
    follow_up_weeks: int = Field(default=8, ge=1, le=52)
    ask_managers: bool = True
    # How often the job runs inside `ldbot serve` / `ldbot worker` (each run is idempotent).
    tick_every_minutes: int = Field(default=5, ge=1, le=24 * 60)

    @field_validator("reminder_days")
    @classmethod
    def _check_days(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= MAX_REMINDER_DAYS for p in parts):
            raise ValueError(f"must be whole days between 1 and {MAX_REMINDER_DAYS}, separated by commas (7,1)")
        return ",".join(parts)

    @property
    def reminders(self) -> tuple[int, ...]:
        """Days before a session, largest first; empty means no reminders."""
        return tuple(sorted({int(p) for p in self.reminder_days.split(",") if p}, reverse=True))

    @classmethod
    def load(cls, **overrides: object) -> LearningRules:
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            lines = [f"LDBOT_LEARNING_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors() if e["loc"]]
            raise SettingsError("Bad setting: " + "; ".join(lines)) from None
