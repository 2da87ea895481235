"""The privacy unit's scheduled job: apply the retention periods (see retention.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from handlers.privacy.retention import RetentionReport, run_retention
from handlers.privacy.rules import RetentionRules


async def retention(services: Services) -> RetentionReport:
    """Running it more often than daily is safe: what has gone is not found again."""
    return await run_retention(services, rules=services.config(RetentionRules), apply_now=True)


def retention_every(services: Services) -> timedelta:
    return timedelta(hours=services.config(RetentionRules).run_every_hours)
