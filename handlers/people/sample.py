"""Everything the demo and `ldbot seed --sample` load: the sample organisation, its policy documents,
its learning opportunities and its learning pathways (with a couple of development plans)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Moment
from handlers.learning.config import LearningConfig
from handlers.learning.rules import LearningRules
from handlers.learning.sample import load_sample_learning
from handlers.plans.sample import load_sample_plans
from scheduler.working_time import WorkingTime, WorkingTimeRules
from storage.db import unit_of_work
from storage.policy.importer import load_sample_policies
from storage.sample import load_sample


async def load_everything(
    sessions: async_sessionmaker[AsyncSession], today: date, *, now: datetime | None = None,
    learning: LearningConfig | None = None,
) -> dict[str, int]:
    """Idempotent: running the demo twice leaves one copy of everything. `now` and `learning` are the
    process's clock and learning settings (the defaults when left out)."""
    async with unit_of_work(sessions) as db:
        counts = dict(await load_sample(db, today))
    async with unit_of_work(sessions) as db:
        counts["policy_documents"] = await load_sample_policies(db)
    config = learning or LearningConfig(rules=LearningRules.load(), working=WorkingTime(WorkingTimeRules.load()),
                                        tz=ZoneInfo("Europe/London"))
    at = Moment(now or datetime.now(UTC), config.tz)
    counts["learning_opportunities"] = await load_sample_learning(sessions, at, config)
    counts["learning_pathways"] = await load_sample_plans(sessions, at)
    return counts
