"""Everything the demo and `ldbot seed --sample` load: the sample organisation and its policy documents."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import unit_of_work
from storage.policy.importer import load_sample_policies
from storage.sample import load_sample


async def load_everything(sessions: async_sessionmaker[AsyncSession], today: date) -> dict[str, int]:
    """Idempotent: running the demo twice leaves one copy of everything."""
    async with unit_of_work(sessions) as db:
        counts = dict(await load_sample(db, today))
    async with unit_of_work(sessions) as db:
        counts["policy_documents"] = await load_sample_policies(db)
    return counts
