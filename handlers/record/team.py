"""A manager's team at a glance: each direct report's standing, appraisal, assessments booked and evidence
waiting — what a watch manager needs before a shift briefing, in one reply (and on the Slack Home tab)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result
from handlers.nudges.scan import add_months
from storage.models import Competence, Evidence, Person
from storage.models.nudges import AppraisalRecord, AssessmentBooking
from storage.status import competence_status


@dataclass
class Member:
    person: Person
    counts: Counter[str]
    expired: list[str]  # risk-critical codes out of date
    expiring: list[str]
    appraisal_due: date | None
    appraisal: str  # "overdue" | "due_soon" | "ok" | "unknown"
    waiting: int  # evidence waiting for a decision
    booked: list[tuple[str, date]] = field(default_factory=list)


@dataclass
class Team(Result):
    members: list[Member]


async def appraisal_due(db: AsyncSession, person_ids: list[int], months: int) -> dict[int, date]:
    """When each person's next appraisal is due: the recorded override, else the last one plus the interval."""
    rows = await db.execute(
        select(AppraisalRecord.person_id, AppraisalRecord.last_appraisal_date, AppraisalRecord.next_due_date)
        .where(AppraisalRecord.person_id.in_(person_ids))
    )
    return {pid: nxt or add_months(last, months) for pid, last, nxt in rows}


def appraisal_state(due: date | None, today: date, due_soon_days: int) -> str:
    if due is None:
        return "unknown"
    if due < today:
        return "overdue"
    return "due_soon" if due <= today + timedelta(days=due_soon_days) else "ok"


async def bookings(db: AsyncSession, person_ids: list[int], today: date) -> dict[int, list[tuple[str, date]]]:
    """Workplace assessments booked from today on, per person."""
    rows = await db.execute(
        select(AssessmentBooking.person_id, Competence.code, AssessmentBooking.booked_for)
        .join(Competence, Competence.id == AssessmentBooking.competence_id)
        .where(AssessmentBooking.person_id.in_(person_ids), AssessmentBooking.booked_for >= today)
        .order_by(AssessmentBooking.booked_for)
    )
    found: dict[int, list[tuple[str, date]]] = {}
    for pid, code, day in rows:
        found.setdefault(pid, []).append((code, day))
    return found


async def team_view(
    db: AsyncSession, actor: Person, at: Moment, *, appraisal_months: int, due_soon_days: int
) -> Team:
    reports = list(await db.scalars(
        select(Person).where(Person.line_manager_id == actor.id, Person.active.is_(True)).order_by(Person.name)
    ))
    if not reports or not await access.may(db, actor, Act.VIEW_TEAM, reports[0]):
        raise Refused("no_team")
    ids = [p.id for p in reports]
    due = await appraisal_due(db, ids, appraisal_months)
    booked = await bookings(db, ids, at.today)
    waiting = dict((await db.execute(
        select(Evidence.person_id, func.count(Evidence.id))
        .where(Evidence.person_id.in_(ids), Evidence.status == "submitted").group_by(Evidence.person_id)
    )).all())
    members = []
    for person in reports:
        statuses = await competence_status(db, person.id, at.today)
        members.append(Member(
            person=person,
            counts=Counter(s.status for s in statuses),
            expired=[s.code for s in statuses if s.risk_critical and s.status == "expired"],
            expiring=[s.code for s in statuses if s.risk_critical and s.status == "expiring"],
            appraisal_due=due.get(person.id),
            appraisal=appraisal_state(due.get(person.id), at.today, due_soon_days),
            waiting=int(waiting.get(person.id, 0)),
            booked=booked.get(person.id, []),
        ))
    return Team(members)


def team_context(team: Team) -> dict:
    """Plain values for the `record.team` template (chat, and the Slack Home tab)."""
    return {"members": [
        {"name": m.person.name, "counts": dict(m.counts), "expired": m.expired, "expiring": m.expiring,
         "appraisal": m.appraisal, "appraisal_due": m.appraisal_due.isoformat() if m.appraisal_due else "",
         "waiting": m.waiting, "booked": [{"code": c, "on": d.isoformat()} for c, d in m.booked]}
        for m in team.members
    ]}
