"""The delivery unit's job: tell admins, once a day in their working time, what is parked."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from handlers.delivery.usecases import ParkedReport, tell_admins_parked
from scheduler.outbox import enqueue
from scheduler.working_time import WorkingTime, WorkingTimeRules
from storage.db import unit_of_work

EVERY = timedelta(minutes=15)
PAGE = "/admin/outbox"


async def parked_report(services: Services) -> ParkedReport:
    """Safe to run often and in several processes: each admin's report has one key a day."""
    async with unit_of_work(services.sessions) as db:
        found = await tell_admins_parked(
            db, services.at(), working=WorkingTime(services.config(WorkingTimeRules)),
            console_url=services.settings.public_base_url + PAGE,
        )
        await enqueue(db, found.notices, now=services.now())
        return found


def parked_report_every(services: Services) -> timedelta:
    return EVERY
