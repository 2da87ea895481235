"""Forgetting which Slack events and requests were handled, once they can no longer come back.

The core records each event's key (the Events API event_id, or a request's signature) in the turn's own
transaction, so a retried event or a replayed request is handled once across every process. Slack stops
retrying within minutes and a signature is refused after five, so rows older than a day are useless and
are swept now and then.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
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

    async def maybe_sweep(self, *, now: datetime) -> None:
        if self._swept_at is None or now - self._swept_at >= SWEEP_EVERY:
            await self.sweep(now=now)

    async def sweep(self, *, now: datetime) -> int:
        self._swept_at = now
        async with unit_of_work(self._sessions) as db:
            result = await db.execute(
                delete(ProcessedEvent).where(
                    ProcessedEvent.platform == self._platform, ProcessedEvent.received_at < now - KEEP
                )
            )
        return result.rowcount or 0
