"""Organisation-wide figures and the audit log, for those the access policy lets see them.

The overview is figures only (counts by station, team, competence, week), never a person's record; the
audit log names who did what to which record, never what the record says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.access import Act
from bot.clock import Moment
from bot.usecase import Result, require
from handlers.learning.reports import places_by_month
from handlers.reports import figures
from handlers.reports.figures import Figure, Filters
from storage.models import AuditEvent, Person


@dataclass
class Overview(Result):
    filters: Filters
    figures: list[Figure]
    choices: dict[str, list[str]]


async def overview(
    db: AsyncSession, actor: Person, at: Moment, *, filters: Filters, appraisal_months: int = 12,
    due_soon_days: int = 30, only: str | None = None,
) -> Overview:
    """Every figure (or only the one named, for its CSV)."""
    await require(db, actor, Act.VIEW_REPORTS)
    found: list[Figure] = []
    if only in (None, "standing-by-station", "standing-by-competence", "assessments-by-team"):
        stations, competences, teams = await figures.standing(db, at.today, filters, due_soon_days=due_soon_days)
        found += [f for f in (stations, competences) if only in (None, f.key)]
    if only in (None, "appraisals-by-team"):
        found.append(await figures.appraisals(db, at.today, filters, months=appraisal_months,
                                              due_soon_days=due_soon_days))
    if only in (None, "assessments-by-team"):
        found.append(teams)
    if only in (None, "evidence-waiting"):
        found.append(await figures.evidence_waiting(db, at.now, filters))
    if only in (None, "questions-per-week"):
        found.append(await figures.questions_per_week(db, at.today, filters))
    if only in (None, "learning-by-month"):
        found.append(await places_by_month(db, at.today, filters, tz=at.tz))
    return Overview(filters, found, await figures.choices(db) if only is None else {})


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    actor: str
    entity: str
    entity_id: int
    about: str  # the person the entry is about, when it is about a person
    action: str
    detail: dict


@dataclass
class AuditLog(Result):
    rows: list[AuditRow]
    more: bool
    actions: list[str]


async def audit_log(
    db: AsyncSession, actor: Person, at: Moment, *, person: str = "", action: str = "", since: date | None = None,
    until: date | None = None, limit: int = 100, offset: int = 0,
) -> AuditLog:
    """Entries newest first; `person` matches who acted or whom it was about (name or email, in part)."""
    await require(db, actor, Act.VIEW_AUDIT)
    who, about = aliased(Person), aliased(Person)
    statement = (
        select(AuditEvent, who.name, about.name)
        .outerjoin(who, who.id == AuditEvent.actor_id)
        .outerjoin(about, (AuditEvent.entity == "person") & (about.id == AuditEvent.entity_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if person.strip():
        like = f"%{person.strip().lower()}%"
        statement = statement.where(or_(func.lower(who.name).like(like), func.lower(who.email).like(like),
                                        func.lower(about.name).like(like), func.lower(about.email).like(like)))
    if action:
        statement = statement.where(AuditEvent.action == action)
    if since:
        statement = statement.where(AuditEvent.at >= datetime.combine(since, time(0), tzinfo=UTC))
    if until:
        statement = statement.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time(0), tzinfo=UTC))
    rows = (await db.execute(statement.offset(offset).limit(limit + 1))).all()
    actions = sorted(set(await db.scalars(select(AuditEvent.action).distinct())))
    return AuditLog(
        [AuditRow(e.at, by or ("the system" if e.actor_id is None else "someone who has left"), e.entity,
                  e.entity_id, subject or "", e.action, dict(e.detail or {})) for e, by, subject in rows[:limit]],
        len(rows) > limit, actions,
    )
