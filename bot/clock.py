"""Injected time: everything that asks "what is today?" asks a clock, so tests and previews can pick the day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class SettableClock:
    """A clock a test can move forward (dialog expiry, snoozes, retries)."""

    def __init__(self, at: datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


@dataclass(frozen=True, slots=True)
class Moment:
    """"Now", and the service's time zone that says what day it is: the time a use case acts at."""

    now: datetime
    tz: ZoneInfo

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()
