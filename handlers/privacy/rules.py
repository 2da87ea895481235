"""How long ldbot keeps things, from LDBOT_RETENTION_* variables (validated once, like the other settings).

One instance per process (`services.config(RetentionRules)`), read by the daily job and by
`ldbot privacy retention`. The web console will edit these later; until then the environment (or .env)
sets them. Periods for leavers count from the day they left (`people.left_on`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError


class RetentionRules(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LDBOT_RETENTION_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Delivered (or cancelled, or dropped) messages keep their row but lose what they said after this long.
    outbox_text_days: int = Field(default=30, ge=1, le=3650)
    # A conversation left unfinished is discarded after LDBOT_DIALOG_TIMEOUT_MINUTES; its row goes after this.
    dialog_days: int = Field(default=1, ge=1, le=365)
    # Platform event ids are kept only to ignore a platform's retried deliveries (minutes, in practice).
    processed_event_days: int = Field(default=1, ge=1, le=365)
    # A reflection its author deleted is hidden at once; its words go after this long.
    deleted_reflection_days: int = Field(default=30, ge=1, le=3650)
    # Web console sign-in links work once, for ten minutes; the used and expired ones go after this long.
    sign_in_link_days: int = Field(default=1, ge=1, le=365)
    # Files uploaded to the web console for a dry run are held at most a day (the upload page says so).
    web_upload_hours: int = Field(default=24, ge=1, le=24)
    # Reflections of people who left are erased this long after they left ...
    leaver_reflection_years: int = Field(default=1, ge=1, le=50)
    # ... and everything else about them this long after (their competence records kept only as counts).
    leaver_record_years: int = Field(default=6, ge=1, le=50)
    # How often the job runs inside `ldbot serve` / `ldbot worker` (each run is idempotent).
    run_every_hours: int = Field(default=24, ge=1, le=24 * 7)

    def cutoff(self, period: str, now: datetime) -> datetime:
        """The moment before which something governed by `period` (a field name) has had its time."""
        amount = getattr(self, period)
        if period.endswith("_years"):
            return now - relativedelta(years=amount)
        if period.endswith("_days"):
            return now - timedelta(days=amount)
        if period.endswith("_hours"):
            return now - timedelta(hours=amount)
        raise ValueError(f"{period} is not a retention period")

    def describe(self, period: str) -> str:
        amount = getattr(self, period)
        unit = "year" if period.endswith("_years") else "hour" if period.endswith("_hours") else "day"
        return f"{amount} {unit}{'' if amount == 1 else 's'}"

    @classmethod
    def load(cls, **overrides: object) -> RetentionRules:
        """From the environment, with a readable message naming the bad LDBOT_RETENTION_* variable."""
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            lines = [f"LDBOT_RETENTION_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors() if e["loc"]]
            raise SettingsError("Bad setting: " + "; ".join(lines)) from None
