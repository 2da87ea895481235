"""The sample service's two learning opportunities (storage/sample/learning/): a breathing-apparatus
refresher whose first session is full with a waitlist, and an e-learning module, both sent to their
audiences, so `make demo` shows an invitation (and, signing up, the waitlist). Idempotent by title.

Dates in the files are moved to the day this runs: the first session three weeks on, the rest keeping
their distance from it; e-learning is to be completed eight weeks on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Moment
from bot.usecase import Refused, apply
from handlers.learning import bookings, broadcasts, opportunities
from handlers.learning.config import LearningConfig
from handlers.learning.spec import parse_spec
from storage.db import unit_of_work
from storage.models.learning import LearningOpportunity
from storage.sample import SAMPLE_DIR

LEARNING_DIR = SAMPLE_DIR / "learning"
FIRST_SESSION_IN = timedelta(days=21)
COMPLETE_IN = timedelta(weeks=8)
# Booked by L&D on the refresher's first session (three places): three confirmed, three waiting.
BOOKED = ("chloe.adams", "ben.hughes", "nadia.rahman", "liam.foster", "ella.ward", "sam.patel")


def _moved(data: dict, today: date) -> dict:
    sessions = data.get("sessions") or []
    if sessions:
        first = datetime.fromisoformat(str(sessions[0]["start"])).date()
        shift = today + FIRST_SESSION_IN - first
        for session in sessions:
            for key in ("start", "end"):
                moment = datetime.fromisoformat(str(session[key]))
                session[key] = f"{(moment + shift):%Y-%m-%d %H:%M}"
    if data.get("complete_by"):
        data["complete_by"] = (today + COMPLETE_IN).isoformat()
    return data


async def _exists(db: AsyncSession, title: str) -> bool:
    return await db.scalar(select(LearningOpportunity.id).where(LearningOpportunity.title == title)) is not None


async def load_sample_learning(
    sessions: async_sessionmaker[AsyncSession], at: Moment, config: LearningConfig, *, folder: Path = LEARNING_DIR
) -> int:
    """Add, book and send the sample opportunities that are not there yet; how many were added."""
    added = 0
    for path in sorted(folder.glob("*.yaml")):
        data = _moved(yaml.safe_load(path.read_text(encoding="utf-8")), at.today)
        async with unit_of_work(sessions) as db:
            if await _exists(db, data["title"]):
                continue
            spec = parse_spec(data, tz=config.tz, now=at.now, base=folder)
            found = (await apply(db, await opportunities.create_opportunity(db, None, at, spec=spec), at)).opportunity
            if found.sessions:
                for who in BOOKED:
                    try:
                        await apply(db, await bookings.book_for(
                            db, None, at, opportunity_id=found.id, session_number=1,
                            email=f"{who}@northvale-fire.example", config=config), at)
                    except Refused:  # someone the service no longer has: the rest still show the waitlist
                        continue
            await apply(db, await broadcasts.send(db, None, at, opportunity_id=found.id, config=config), at)
            added += 1
    return added
