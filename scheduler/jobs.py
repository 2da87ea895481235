"""The units' scheduled jobs inside `ldbot serve` and `ldbot worker`, on APScheduler 3's asyncio scheduler.

Each unit declares its jobs (`bot.unit.Job`: what to run and how often, by module path); this module only
schedules them. Jobs never overlap themselves (max_instances=1) and missed runs are merged into one
(coalesce), so a paused process catches up once instead of many times. Several processes may run the same
jobs against one PostgreSQL database: each job is responsible for deciding its work exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.services import Services
from bot.unit import Job, load

log = logging.getLogger("ldbot.jobs")


def guarded(job: Job, fn: Callable[[Services], Awaitable[object]], services: Services) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            result = await fn(services)
            log.info("job done id=%s %s", job.id, result if result is not None else "")
        except Exception:  # a failed run is retried at the next interval; never kill the scheduler
            log.exception("job failed id=%s", job.id)

    return run


def build_scheduler(services: Services, jobs: Sequence[Job]) -> AsyncIOScheduler:
    """A scheduler running each job now and then every `job.every(services)`; the caller starts it."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}
    for job in jobs:
        every: timedelta = load(job.every)(services)
        scheduler.add_job(
            guarded(job, load(job.run), services),
            IntervalTrigger(seconds=every.total_seconds(), timezone="UTC"),
            id=job.id,
            next_run_time=datetime.now(UTC),
            **defaults,
        )
    return scheduler
