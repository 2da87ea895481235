"""Stopping `ldbot serve` or `ldbot worker` while a scheduled job is running: the run is cancelled and has
unwound (its transaction rolled back, its connection handed back) before the engine is closed; a run left
behind holds an aiosqlite connection whose thread keeps the process from exiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from bot.unit import Job
from scheduler.jobs import Jobs

STARTED = asyncio.Event()
UNWOUND: list[str] = []


async def slow_job(services) -> None:
    async with services.sessions() as db:
        await db.execute(text("SELECT 1"))
        STARTED.set()
        try:
            await asyncio.sleep(3600)
        finally:
            UNWOUND.append("closed")


def hourly(services) -> timedelta:
    return timedelta(hours=1)


async def test_stopping_waits_for_a_running_job_to_unwind(services):
    STARTED.clear()
    UNWOUND.clear()
    jobs = Jobs(services, [Job("test.slow", f"{__name__}:slow_job", f"{__name__}:hourly")])
    jobs.start()
    await asyncio.wait_for(STARTED.wait(), 10)
    assert jobs.running
    await asyncio.wait_for(jobs.stop(), 10)
    assert UNWOUND == ["closed"] and not jobs.running
    assert services.engine.pool.checkedout() == 0
