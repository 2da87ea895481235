"""The background jobs inside `ldbot serve` and `ldbot worker`, on APScheduler 3's asyncio scheduler.

- `nudges.scan` every LDBOT_NUDGE_SCAN_EVERY_MINUTES (and once at start): decides the day's digests,
  escalations, expiry reminders and hand-overs that are due by now and queues them in the outbox.
  Running it often is safe: each nudge is decided once (see scheduler/nudges_job.py).
- `outbox.deliver` every minute: delivers due outbox rows (scheduler/outbox.py).

Jobs never overlap themselves (max_instances=1) and missed runs are merged into one (coalesce), so a
paused process catches up once instead of many times. Several processes may run these jobs against one
PostgreSQL database.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.nudges_job import run_nudges
from scheduler.outbox import deliver_due
from scheduler.rules import NudgeRules, get_rules

if TYPE_CHECKING:
    from bot.core import Bot
    from scheduler.delivery import Deliverer

log = logging.getLogger("ldbot.jobs")


async def scan_job(bot: Bot, rules: NudgeRules) -> None:
    try:
        report = await run_nudges(bot.services, rules=rules)
        log.info("scan done %s", report)
    except Exception:  # a failed run is retried at the next interval; never kill the scheduler
        log.exception("nudge scan failed")


async def deliver_job(bot: Bot, deliverers: list[Deliverer]) -> None:
    try:
        report = await deliver_due(bot, deliverers)
        if report.delivered or report.retrying or report.parked or report.unreachable:
            log.info("outbox %s", report)
    except Exception:
        log.exception("outbox delivery failed")


def build_scheduler(bot: Bot, deliverers: list[Deliverer], *, rules: NudgeRules | None = None) -> AsyncIOScheduler:
    """A scheduler with the scan and delivery jobs; the caller starts and shuts it down."""
    rules = rules or get_rules()
    scheduler = AsyncIOScheduler(timezone=rules.timezone)
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}
    scheduler.add_job(
        scan_job,
        IntervalTrigger(minutes=rules.scan_every_minutes, timezone=rules.timezone),
        args=(bot, rules),
        id="nudges.scan",
        next_run_time=datetime.now(UTC),
        **defaults,
    )
    scheduler.add_job(
        deliver_job,
        IntervalTrigger(minutes=1, timezone=rules.timezone),
        args=(bot, deliverers),
        id="outbox.deliver",
        next_run_time=datetime.now(UTC),
        **defaults,
    )
    return scheduler
