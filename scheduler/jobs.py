"""The units' scheduled jobs inside `ldbot serve` and `ldbot worker`, on APScheduler 3's asyncio scheduler.

Each unit declares its jobs (`bot.unit.Job`: what to run and how often, by module path); this module only
schedules them. Jobs never overlap themselves (max_instances=1) and missed runs are merged into one
(coalesce), so a paused process catches up once instead of many times. Several processes may run the same
jobs against one PostgreSQL database: each job is responsible for deciding its work exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.services import Services
from bot.unit import Job, load

log = logging.getLogger("ldbot.jobs")


def guarded(job: Job, fn: Callable[[Services], Awaitable[object]], services: Services,
            running: set[asyncio.Task] | None = None) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        task = asyncio.current_task()
        if running is not None and task is not None:
            running.add(task)
        try:
            result = await fn(services)
            log.info("job done id=%s %s", job.id, result if result is not None else "")
        except Exception:  # a failed run is retried at the next interval; never kill the scheduler
            log.exception("job failed id=%s", job.id)
        finally:
            if running is not None and task is not None:
                running.discard(task)

    return run


class Jobs:
    """The scheduler and the job runs in flight. Stopping cancels those runs and waits for them to unwind
    (each rolls back its transaction and hands back its connection) before the engine is closed: a run
    left behind at exit would hold a database connection, and an aiosqlite connection's thread keeps the
    process from exiting."""

    def __init__(self, services: Services, jobs: Sequence[Job]) -> None:
        self.running: set[asyncio.Task] = set()
        self.scheduler = build_scheduler(services, jobs, running=self.running)

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self, timeout: float = 10.0) -> None:
        self.scheduler.shutdown(wait=False)  # cancels the runs in flight, without waiting
        in_flight = list(self.running)
        for task in in_flight:
            task.cancel()
        if in_flight:
            await asyncio.wait(in_flight, timeout=timeout)  # returns at the timeout, never raises it


def build_scheduler(services: Services, jobs: Sequence[Job],
                    running: set[asyncio.Task] | None = None) -> AsyncIOScheduler:
    """A scheduler running each job now and then every `job.every(services)`; the caller starts it."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}
    for job in jobs:
        every: timedelta = load(job.every)(services)
        scheduler.add_job(
            guarded(job, load(job.run), services, running),
            IntervalTrigger(seconds=every.total_seconds(), timezone="UTC"),
            id=job.id,
            next_run_time=datetime.now(UTC),
            **defaults,
        )
    return scheduler
