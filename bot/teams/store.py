"""What Teams needs remembered in the database: conversation references and activities already handled.

A conversation reference is how the bot messages someone first (a nudge, a verification request). Keeping
it in the database, not in memory as the Bot Framework samples do, is what makes proactive messages work
after a restart and from any of several `ldbot serve` processes. No botbuilder here: references are the
plain JSON from bot/teams/activity.py.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import unit_of_work
from storage.models import ConversationRef, ProcessedEvent

log = logging.getLogger("ldbot.teams.store")

PLATFORM = "teams"
KEEP_PROCESSED = timedelta(days=1)
SWEEP_EVERY = timedelta(minutes=10)

Sessions = async_sessionmaker[AsyncSession]


async def save_reference(sessions: Sessions, person_id: int, reference: dict[str, Any], *, now: datetime) -> None:
    """Insert or refresh the person's Teams reference (one per person; the newest personal chat wins)."""
    for attempt in (1, 2):
        try:
            async with unit_of_work(sessions) as db:
                row = await db.scalar(
                    select(ConversationRef).where(
                        ConversationRef.platform == PLATFORM, ConversationRef.person_id == person_id
                    )
                )
                if row is None:
                    db.add(ConversationRef(platform=PLATFORM, person_id=person_id, reference=reference, updated_at=now))
                elif row.reference != reference:
                    row.reference = reference
                    row.updated_at = now
            return
        except IntegrityError:
            if attempt == 2:
                raise
            # Another process stored the first reference at the same moment: update theirs instead.


async def load_reference(sessions: Sessions, person_id: int) -> dict[str, Any] | None:
    async with sessions() as db:
        return await db.scalar(
            select(ConversationRef.reference).where(
                ConversationRef.platform == PLATFORM, ConversationRef.person_id == person_id
            )
        )


class ProcessedActivities:
    """The Bot Framework may deliver an activity again if we were slow: the core records each activity's
    key in the turn's transaction (so it is handled once, across processes); this forgets old keys."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self._swept_at: datetime | None = None

    @staticmethod
    def key(conversation_id: str, activity_id: str) -> str:
        return hashlib.sha1(f"{conversation_id}\n{activity_id}".encode()).hexdigest()

    async def maybe_sweep(self, *, now: datetime) -> None:
        if self._swept_at is not None and now - self._swept_at < SWEEP_EVERY:
            return
        self._swept_at = now
        async with unit_of_work(self._sessions) as db:
            await db.execute(
                delete(ProcessedEvent).where(
                    ProcessedEvent.platform == PLATFORM, ProcessedEvent.received_at < now - KEEP_PROCESSED
                )
            )
