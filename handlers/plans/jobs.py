"""The plans unit's scheduled job: record completions and queue the weekly "falling behind" reminders."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from handlers.nudges.rules import NudgeRules
from handlers.plans.reminders import BehindReport, completions, queue_behind
from storage.db import unit_of_work


async def behind(services: Services) -> BehindReport:
    """Safe to run often: each reminder is queued at most once a week (see reminders.py)."""
    at = services.at()
    async with unit_of_work(services.sessions) as db:
        await completions(db, at)
        return await queue_behind(db, now=at.now, rules=services.config(NudgeRules))


def behind_every(services: Services) -> timedelta:
    return timedelta(minutes=services.config(NudgeRules).scan_every_minutes)
