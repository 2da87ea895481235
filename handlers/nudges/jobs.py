"""The nudges unit's scheduled job: decide what is due and queue it (the outbox delivers)."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from handlers.nudges.job import NudgeReport, run_nudges
from handlers.nudges.rules import NudgeRules


async def scan(services: Services) -> NudgeReport:
    """Running it often is safe: each nudge is decided once (see job.py)."""
    return await run_nudges(services, rules=services.config(NudgeRules))


def scan_every(services: Services) -> timedelta:
    return timedelta(minutes=services.config(NudgeRules).scan_every_minutes)
