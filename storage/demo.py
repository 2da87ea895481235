"""Everything the demo and `ldbot seed --sample` load: the sample organisation and its policy documents."""

from __future__ import annotations

from bot.services import Services
from storage.db import unit_of_work


async def load_everything(services: Services) -> dict[str, int]:
    """Idempotent: running the demo twice leaves one copy of everything."""
    from storage.policy.importer import load_sample_policies
    from storage.sample import load_sample

    async with unit_of_work(services.sessions) as db:
        counts = dict(await load_sample(db, services.today()))
    async with unit_of_work(services.sessions) as db:
        counts["policy_documents"] = await load_sample_policies(db)
    return counts
