"""The people unit's scheduled job: people whose leaving date, given ahead in an import, has come."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from bot.usecase import run_use_case
from handlers.learning.config import config_for
from handlers.people.leavers import leavers_due


async def leavers(services: Services) -> str:
    result = await run_use_case(services, leavers_due, None, learning=config_for(services))
    return f"{len(result.left)} left"


def leavers_every(_services: Services) -> timedelta:
    return timedelta(hours=1)
