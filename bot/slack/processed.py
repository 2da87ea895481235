"""Slack retries an event it thinks we missed (X-Slack-Retry-Num): process each event_id once.

The database is the referee, so this holds across several `ldbot serve` processes and after a restart:
inserting (platform, event_id) under a unique key succeeds for exactly one of them. Rows older than a
day are useless (Slack stops retrying within minutes) and are swept now and then.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import unit_of_work
from storage.models import ProcessedEvent

log = logging.getLogger("ldbot.slack.events")

KEEP = timedelta(days=1)
SWEEP_EVERY = timedelta(minutes=10)


class ProcessedEvents:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, platform: str = "slack") -> None:
        self._sessions = sessions
        self._platform = platform
        self._swept_at: datetime | None = None

    async def first_time(self, event_id: str, *, now: datetime, note: str | None = None) -> bool:
        """Record the event; False when some process already recorded it."""
        try:
            async with unit_of_work(self._sessions) as db:
                db.add(ProcessedEvent(platform=self._platform, event_id=event_id, received_at=now, note=note))
        except IntegrityError:
            log.info("duplicate event skipped platform=%s event_id=%s", self._platform, event_id)
            return False
        if self._swept_at is None or now - self._swept_at >= SWEEP_EVERY:
            await self.sweep(now=now)
        return True

    async def sweep(self, *, now: datetime) -> int:
        async with unit_of_work(self._sessions) as db:
            result = await db.execute(
                delete(ProcessedEvent).where(
                    ProcessedEvent.platform == self._platform, ProcessedEvent.received_at < now - KEEP
                )
            )
        self._swept_at = now
        return result.rowcount or 0
