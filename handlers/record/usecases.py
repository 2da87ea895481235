"""A person's record — competence status, evidence and reflections — as the viewer is entitled to see it.

The owner sees all of it. Whoever the access policy lets view the record (their line manager and the
managers above, assessors, L&D, admins) sees status and evidence; of the reflections, only the line
manager reads any: those the owner chose to share. Looking at someone else's record is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.catalogue import Catalogue
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from handlers.record.team import Team, team_view
from handlers.verification.usecases import waiting_for
from storage.audit import record_audit
from storage.models import Evidence, Person, Reflection
from storage.record import Record, load_record, record_context
from storage.reflection_queries import count_reflections, reflections_for
from storage.status import CompetenceStatus, competence_status

log = logging.getLogger("ldbot.record")


FIND_LIMIT = 25


async def find_viewable(db: AsyncSession, actor: Person, text: str) -> list[Person]:
    """People whose record the actor may see, named as staff name them: by email or full name exactly, or
    else by the start of their names ("Alex", "alex m", "Morgan"). Several means: ask which."""
    needle = " ".join(text.split()).lower()
    if not needle:
        return []
    exact = [p for p in await db.scalars(
        select(Person).where(or_(func.lower(Person.email) == needle, func.lower(Person.name) == needle))
    ) if await access.may(db, actor, Act.VIEW_RECORD, p)]
    if exact:
        return exact
    words = needle.split()
    # Every word typed starts a word of the name: "alex m" finds "Alex Morgan", "morgan" finds her too.
    query = select(Person).where(Person.active.is_(True), *(
        or_(func.lower(Person.name).like(f"{_like(w)}%", escape="\\"), func.lower(Person.name).like(f"% {_like(w)}%", escape="\\"))
        for w in words
    )).order_by(Person.name).limit(FIND_LIMIT)
    return [p for p in await db.scalars(query) if await access.may(db, actor, Act.VIEW_RECORD, p)]


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class RecordView(Result):
    record: Record


async def view_record(db: AsyncSession, actor: Person, at: Moment, *, subject: Person) -> RecordView:
    await require(db, actor, Act.VIEW_RECORD, subject)
    own = actor.id == subject.id
    shared = not own and await access.may(db, actor, Act.READ_SHARED_REFLECTIONS, subject)
    record = await load_record(db, subject, at.today, own=own, shared_with=actor.id if shared else None)
    if not own:
        record_audit(db, actor.id, "person", subject.id, "record_viewed", now=at.now)
        log.info("record viewed viewer=%s person=%s", actor.id, subject.id)
    return RecordView(record)


async def view_for_service(
    db: AsyncSession, actor: None, at: Moment, *, subject: Person, via: str, account: str
) -> RecordView:
    """The command line's look at a record (an admin tool: everything is included), logged like any other
    look at someone's record, so they see it in "who has looked at my record"."""
    record = await load_record(db, subject, at.today, own=True)
    record_audit(db, None, "person", subject.id, "record_viewed", now=at.now, via=via, account=account, what="export")
    log.info("record exported person=%s via=%s", subject.id, via)
    return RecordView(record)


def export_markdown(
    record: Record, catalogue: Catalogue, *, platform: str = "console", plans: list[dict] | None = None
) -> str:
    """The IPDR-ready export, in the words of the (editable) template `record.export_markdown`; `plans` are
    the person's development plans (handlers.plans.usecases.plan_summaries)."""
    context = {**record_context(record), "plans": plans or []}
    return catalogue.render("record.export_markdown", context, platform=platform) + "\n"


@dataclass
class Home(Result):
    statuses: list[CompetenceStatus]
    reflections: list[Reflection]
    total_reflections: int
    # Evidence waiting for this person's decision, when they decide anyone's: (evidence, owner).
    decides: bool
    waiting: list[tuple[Evidence, Person]]
    team: Team | None  # for a line manager: their direct reports at a glance


async def home(
    db: AsyncSession, actor: Person, at: Moment, *, appraisal_months: int, due_soon_days: int, reflections: int = 5
) -> Home:
    """A person's own summary: what the Slack Home tab (and any other home screen) shows."""
    decides = await access.could(db, actor, Act.DECIDE_EVIDENCE)
    team = None
    if await access.could(db, actor, Act.VIEW_TEAM):
        try:
            team = await team_view(db, actor, at, appraisal_months=appraisal_months, due_soon_days=due_soon_days)
        except Refused:
            team = None
    return Home(
        statuses=await competence_status(db, actor.id, at.today),
        reflections=await reflections_for(db, actor.id, limit=reflections),
        total_reflections=await count_reflections(db, actor.id),
        decides=decides,
        waiting=(await waiting_for(db, actor, at)).items if decides else [],
        team=team,
    )


async def line_manager(db: AsyncSession, actor: Person) -> Person | None:
    manager = await db.get(Person, actor.line_manager_id) if actor.line_manager_id else None
    return manager if manager is not None and manager.active else None
