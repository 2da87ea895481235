"""The reflections unit's job: tell authors whose line manager changed what became of what they shared."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from handlers.reflections.usecases import MovedShares, notice_moved_shares
from scheduler.outbox import enqueue
from storage.db import unit_of_work


async def moved_shares(services: Services) -> MovedShares:
    """Safe to run often: each author is told once per change of manager (the notice's key)."""
    async with unit_of_work(services.sessions) as db:
        found = await notice_moved_shares(db, services.at())
        await enqueue(db, found.notices, now=services.now())
        return found


def moved_shares_every(services: Services) -> timedelta:
    return timedelta(minutes=15)
