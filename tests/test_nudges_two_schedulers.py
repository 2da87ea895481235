"""Two schedulers on one PostgreSQL database, each with its own engine, running at the same moment."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select, update

from bot.catalogue import Catalogue
from bot.services import Services
from handlers.nudges.job import run_nudges
from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.models import OutgoingMessage, Person
from storage.models.nudges import NudgeItemNotice, NudgeSend
from tests.nudge_org import MONDAY, at, build_station, rules


def second_process(services: Services) -> Services:
    engine = make_engine(services.settings.database_url)
    return Services(settings=services.settings, engine=engine, sessions=make_sessionmaker(engine),
                    catalogue=Catalogue(refresh_seconds=0), clock=services.clock)


async def counts(services: Services) -> tuple[int, int, int]:
    """(nudges decided, outbox messages, item notices)."""
    async with services.sessions() as db:
        sends = await db.scalar(select(func.count()).select_from(NudgeSend))
        messages = await db.scalar(select(func.count()).select_from(OutgoingMessage))
        notices = await db.scalar(select(func.count()).select_from(NudgeItemNotice))
        return sends, messages, notices


@pytest.mark.parametrize("use_lock", [False, True], ids=["unique-keys-only", "with-advisory-lock"])
async def test_two_schedulers_send_each_nudge_once(services, use_lock):
    if not services.settings.database_url.startswith("postgresql"):
        pytest.skip("concurrent schedulers are a PostgreSQL deployment (set LDBOT_TEST_DATABASE_URL)")
    ids = await build_station(services)
    other = second_process(services)
    try:
        for moment in (at(MONDAY), at(MONDAY, 9, 20), at(date(2026, 11, 17))):
            reports = await asyncio.gather(
                run_nudges(services, rules=rules(), now=moment, use_lock=use_lock),
                run_nudges(other, rules=rules(), now=moment, use_lock=use_lock),
            )
            if moment == at(MONDAY):
                together = {}
                for report in reports:
                    for kind, n in report.queued.items():
                        together[kind] = together.get(kind, 0) + n
                assert together == {"digest": 1, "escalation": 1, "expiry": 1}
        assert await counts(services) == (3, 3, 2)
        # A manager change raced by both schedulers is told once.
        async with unit_of_work(services.sessions) as db:
            await db.execute(update(Person).where(Person.id == ids["ff2"]).values(line_manager_id=ids["wm2"]))
        reports = await asyncio.gather(
            run_nudges(services, rules=rules(), now=at(date(2026, 11, 18)), use_lock=use_lock),
            run_nudges(other, rules=rules(), now=at(date(2026, 11, 18)), use_lock=use_lock),
        )
        assert sum(r.queued.get("handover", 0) for r in reports) == 1
        async with services.sessions() as db:
            keys = list(await db.scalars(select(OutgoingMessage.dedupe_key)))
            assert len(keys) == len(set(keys)) == 4
            sends = list(await db.execute(select(NudgeSend.recipient_id, NudgeSend.kind, NudgeSend.period)))
            assert len(sends) == len(set(map(tuple, sends))) == 4
    finally:
        await other.close()
