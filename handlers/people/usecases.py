"""People and the records imported about them: search, and imports with a dry run before applying.

An import checks every row first and applies nothing from a file with any error (storage/org_import.py,
storage/records_import.py); the report lists each error with its line and each change a row makes, so a
dry run (the caller rolls the transaction back) shows exactly what applying would do. A people file's
leavers (a `left_on` date come) and rejoiners are applied as the command line's import applies them
(handlers/people/leavers.py): what they had open moves on, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from handlers.learning.config import LearningConfig
from handlers.people.leavers import leave, rejoin
from handlers.plans.usecases import assign_inductions
from storage.audit import record_audit
from storage.models import Person
from storage.org_import import ImportReport, import_competences, import_people
from storage.records_import import import_records
from storage.tabular import Table

IMPORT_KINDS = {
    "people": ("People and line management", Act.MANAGE_PEOPLE),
    "competences": ("The competence framework", Act.IMPORT_RECORDS),
    "records": ("Appraisal or workplace-assessment history", Act.IMPORT_RECORDS),
}


@dataclass
class Found(Result):
    people: list[Person]
    more: bool  # there were more matches than shown


async def search_people(
    db: AsyncSession, actor: Person, at: Moment, *, query: str, limit: int = 50
) -> Found:
    """People whose name, email, team or station holds the words, of those whose record the actor may see."""
    await require(db, actor, Act.USE_WEB_CONSOLE)
    statement = select(Person).order_by(Person.name, Person.id)
    for word in query.lower().split()[:5]:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(
            func.lower(Person.name).like(like), func.lower(Person.email).like(like),
            func.lower(Person.team).like(like), func.lower(Person.station).like(like),
        ))
    shown: list[Person] = []
    more = False
    for person in await db.scalars(statement.limit(limit * 4)):
        if await access.may(db, actor, Act.VIEW_RECORD, person):
            if len(shown) == limit:
                more = True
                break
            shown.append(person)
    return Found(shown, more)


async def may_import(db: AsyncSession, actor: Person, kind: str) -> bool:
    return kind in IMPORT_KINDS and await access.may(db, actor, IMPORT_KINDS[kind][1])


@dataclass
class Imported(Result):
    kind: str  # people | competences | appraisal | assessment
    report: ImportReport


async def import_table(
    db: AsyncSession, actor: Person, at: Moment, *, kind: str, table: Table, description: str,
    learning: LearningConfig,
) -> Imported:
    """Check, then apply, one file. With errors nothing is changed; the caller decides whether to keep it
    (roll the transaction back for a dry run)."""
    if not await may_import(db, actor, kind):
        raise Refused("not_allowed")
    notices = []
    if kind == "people":
        people = await import_people(db, table, now=at.now, today=at.today)
        report, what = people, "people"
        for leaver in people.leaving if not people.errors else ():
            person = await db.get(Person, leaver.person_id)
            left = await leave(db, actor, at, person=person, on=leaver.on, source="web import", learning=learning)
            notices += left.notices
        for person_id in people.rejoining if not people.errors else ():
            await rejoin(db, actor, at, person=await db.get(Person, person_id), source="web import")
        for assigned in await assign_inductions(db, at, people=people.new_roles) if not people.errors else ():
            notices += assigned.notices
    elif kind == "competences":
        report, what = await import_competences(db, table), "competences"
    else:
        found, report = await import_records(db, table, today=at.today, description=description, now=at.now)
        what = found or "records"
    if not report.errors:
        record_audit(db, actor.id, "import", 0, what, now=at.now, created=report.created, updated=report.updated,
                     unchanged=report.unchanged)
    return Imported(what, report, notices=notices)
