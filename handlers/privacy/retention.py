"""Retention: what ldbot stops keeping, and when, applied by a daily job and shown by `--dry-run`.

Two kinds of rule:
- the declarations' expiry rules, table by table (messages lose their text, idle conversation states and
  old platform event ids go, deleted reflections lose their words), run in one transaction;
- leavers, by the day they left: their reflections are erased after LDBOT_RETENTION_LEAVER_REFLECTION_YEARS,
  and everything about them after LDBOT_RETENTION_LEAVER_RECORD_YEARS (their competence records kept only
  as anonymous counts), one person per transaction so one failure holds nobody else up.
People who left without a date (inactive before dates were kept) are never erased by retention.
Running it twice changes nothing the second time; on PostgreSQL an advisory lock keeps two processes'
runs apart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from bot.unit import load
from bot.usecase import apply
from handlers.learning.config import config_for
from handlers.privacy import holdings as held
from handlers.privacy.rules import RetentionRules
from handlers.privacy.usecases import erase_person, erase_reflections
from storage.db import unit_of_work
from storage.models import Person, Reflection

log = logging.getLogger("ldbot.privacy")

ADVISORY_LOCK_KEY = 0x6C64707276  # "ldprv": one retention transaction at a time per database


@dataclass
class Step:
    what: str
    period: str
    count: int
    people: list[tuple[str, str, date]] = field(default_factory=list)  # (email, name, left on) for leavers


@dataclass
class RetentionReport:
    day: date
    applied: bool
    steps: list[Step] = field(default_factory=list)

    def __str__(self) -> str:
        done = ", ".join(f"{s.what}: {s.count}" for s in self.steps if s.count) or "nothing due"
        return f"{self.day.isoformat()}: {done}"


async def _lock(db: AsyncSession) -> None:
    if db.bind.dialect.name == "postgresql":
        await db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})


def leaver_cutoff(rules: RetentionRules, period: str, today: date) -> date:
    """People who left on or before this day have had the period."""
    return today - relativedelta(years=getattr(rules, period))


async def leavers_before(db: AsyncSession, day: date, *, with_reflections: bool = False) -> list[Person]:
    query = select(Person).where(Person.active.is_(False), Person.left_on.is_not(None), Person.left_on <= day)
    if with_reflections:
        query = query.where(exists().where(Reflection.person_id == Person.id))
    return list(await db.scalars(query.order_by(Person.left_on, Person.id)))


async def run_retention(services: Services, *, rules: RetentionRules | None = None, apply_now: bool) -> RetentionReport:
    """Apply every rule that is due (or, `apply_now=False`, say what would go and change nothing)."""
    rules = rules or services.config(RetentionRules)
    at = services.at()
    report = RetentionReport(at.today, apply_now)

    async with services.sessions() as db:  # a dry run is never committed: closing the session rolls it back
        await _lock(db)
        for declared in held.declarations():
            for holding in declared.tables:
                for expiry in holding.expiry:
                    count = await load(expiry.run)(db, rules.cutoff(expiry.period, at.now), apply=apply_now)
                    report.steps.append(Step(expiry.what, rules.describe(expiry.period), count))
        if apply_now:
            await db.commit()

    record_day = leaver_cutoff(rules, "leaver_record_years", at.today)
    reflection_day = leaver_cutoff(rules, "leaver_reflection_years", at.today)
    async with services.sessions() as db:
        to_erase = [(p.id, p.email, p.name, p.left_on) for p in await leavers_before(db, record_day)]
        erased_ids = {person_id for person_id, *_ in to_erase}
        reflections = [
            (p.id, p.email, p.name, p.left_on)
            for p in await leavers_before(db, reflection_day, with_reflections=True) if p.id not in erased_ids
        ]
    erase_step = Step("everything about people who left (kept only as anonymous counts)",
                      rules.describe("leaver_record_years"), len(to_erase), [(e, n, d) for _, e, n, d in to_erase])
    reflection_step = Step("reflections of people who left", rules.describe("leaver_reflection_years"),
                           len(reflections), [(e, n, d) for _, e, n, d in reflections])
    report.steps += [reflection_step, erase_step]
    if not apply_now:
        return report

    reason = f"retention: left more than {rules.describe('leaver_record_years')} ago"
    for person_id, *_ in to_erase:
        async with unit_of_work(services.sessions) as db:
            await _lock(db)
            person = await db.get(Person, person_id)
            if person is None or person.active:
                continue  # erased or back since we looked
            await apply(db, await erase_person(db, None, at, person=person, reason=reason, via="retention",
                                                  learning=config_for(services)), at)
    reason = f"retention: left more than {rules.describe('leaver_reflection_years')} ago"
    for person_id, *_ in reflections:
        async with unit_of_work(services.sessions) as db:
            await _lock(db)
            person = await db.get(Person, person_id)
            if person is None or person.active:
                continue
            await apply(db, await erase_reflections(db, None, at, person=person, reason=reason), at)
    log.info("retention applied %s", report)
    return report
