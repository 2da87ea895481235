"""Acting on a digest: appraisal done, snooze, book a workplace assessment, see the evidence waiting.

Every action is about one person's item and only that person's line manager may take it (the access
policy). Each one changes the records the next scan reads, so a manager who has acted is not chased again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from handlers.nudges.rules import NudgeRules
from handlers.nudges.scan import add_months
from scheduler.outbox import Notice
from storage.audit import record_audit
from storage.models import Competence, Evidence, Person
from storage.models.nudges import (
    APPRAISAL,
    AppraisalRecord,
    AssessmentBooking,
    NudgeDone,
    NudgeSnooze,
    competence_item,
    item_competence_id,
)

MAX_BOOKING_DAYS = 366


async def managed_person(db: AsyncSession, actor: Person, person_id: int | None) -> Person:
    """The person, if the actor may act on their nudges; otherwise Refused ("gone" or "not_allowed")."""
    person = await db.get(Person, person_id) if person_id else None
    if person is None or not person.active:
        raise Refused("gone")
    await require(db, actor, Act.ACT_ON_NUDGES, person, name=person.name)
    return person


async def active_competence(db: AsyncSession, competence_id: int | None) -> Competence:
    competence = await db.get(Competence, competence_id) if competence_id else None
    if competence is None or not competence.active:
        raise Refused("gone")
    return competence


@dataclass
class AppraisalDone(Result):
    person: Person
    done: date
    next_due: date


async def appraisal_done(
    db: AsyncSession, actor: Person, at: Moment, *, person_id: int, done: date, rules: NudgeRules
) -> AppraisalDone:
    person = await managed_person(db, actor, person_id)
    if done > at.today:
        raise Refused("future_date")
    months = rules.appraisal_months
    record = await db.scalar(select(AppraisalRecord).where(AppraisalRecord.person_id == person.id))
    if record is None:
        record = AppraisalRecord(person_id=person.id, last_appraisal_date=done, source="chat", updated_at=at.now)
        db.add(record)
    else:
        was_due = record.next_due_date or add_months(record.last_appraisal_date, months)
        await _mark_done(db, actor, at, person.id, APPRAISAL, was_due, done)
        record.last_appraisal_date = max(record.last_appraisal_date, done)
        record.next_due_date = None
        record.source = "chat"
    record.updated_by_id, record.updated_at = actor.id, at.now
    await db.flush()
    record_audit(db, actor.id, "appraisal", person.id, "done", now=at.now, date=done.isoformat())
    return AppraisalDone(person, done, add_months(record.last_appraisal_date, months))


async def _mark_done(db: AsyncSession, actor: Person, at: Moment, person_id: int, item: str, due: date, done: date) -> None:
    exists = await db.scalar(
        select(NudgeDone.id).where(NudgeDone.person_id == person_id, NudgeDone.item == item, NudgeDone.due_date == due)
    )
    if exists is None:
        db.add(NudgeDone(person_id=person_id, item=item, due_date=due, done_on=done, done_by_id=actor.id,
                         created_at=at.now))


@dataclass
class Snoozed(Result):
    person: Person
    what: str
    until: date


async def snooze(
    db: AsyncSession, actor: Person, at: Moment, *, person_id: int, item: str, rules: NudgeRules
) -> Snoozed:
    person = await managed_person(db, actor, person_id)
    what = APPRAISAL
    if item != APPRAISAL:
        competence = await active_competence(db, item_competence_id(item))
        item, what = competence_item(competence.id), competence.code
    until = at.today + timedelta(days=rules.snooze_days)
    row = await db.scalar(select(NudgeSnooze).where(NudgeSnooze.person_id == person.id, NudgeSnooze.item == item))
    if row is None:
        db.add(NudgeSnooze(person_id=person.id, item=item, until=until, snoozed_by_id=actor.id, created_at=at.now))
    else:
        row.until, row.snoozed_by_id, row.created_at = until, actor.id, at.now
    await db.flush()
    record_audit(db, actor.id, "person", person.id, "nudge_snoozed", now=at.now, item=item, until=until.isoformat())
    return Snoozed(person, what, until)


def booking_problem(on: date, today: date) -> str | None:
    if on < today:
        return "past_date"
    if on > today + timedelta(days=MAX_BOOKING_DAYS):
        return "far_date"
    return None


@dataclass
class Booked(Result):
    person: Person
    competence: Competence
    on: date


async def book_assessment(
    db: AsyncSession, actor: Person, at: Moment, *, person_id: int, competence_id: int, on: date
) -> Booked:
    person = await managed_person(db, actor, person_id)
    competence = await active_competence(db, competence_id)
    problem = booking_problem(on, at.today)
    if problem:
        raise Refused(problem)
    exists = await db.scalar(
        select(AssessmentBooking.id).where(
            AssessmentBooking.person_id == person.id,
            AssessmentBooking.competence_id == competence.id,
            AssessmentBooking.booked_for == on,
        )
    )
    if exists is not None:
        raise Refused("booked_already", name=person.name, what=competence.code, on=on.isoformat())
    booking = AssessmentBooking(person_id=person.id, competence_id=competence.id, booked_for=on,
                                booked_by_id=actor.id, created_at=at.now)
    db.add(booking)
    await db.flush()
    record_audit(db, actor.id, "assessment_booking", booking.id, "booked", now=at.now, person_id=person.id,
                 competence=competence.code, on=on.isoformat())
    told = Notice(person.id, "nudges.booked_notice",
                  {"by": actor.name, "code": competence.code, "title": competence.title, "on": on.isoformat()},
                  kind="assessment_booked", dedupe_key=f"assessment_booking:{booking.id}:told")
    return Booked(person, competence, on, notices=[told])


@dataclass
class EvidenceWaiting(Result):
    person: Person
    competence: Competence | None
    evidence: list[Evidence]


async def evidence_waiting(
    db: AsyncSession, actor: Person, at: Moment, *, person_id: int, competence_id: int | None
) -> EvidenceWaiting:
    """The person's evidence waiting for a decision, the digest's competence first."""
    person = await managed_person(db, actor, person_id)
    competence = await db.get(Competence, competence_id) if competence_id else None
    rows = list(await db.scalars(
        select(Evidence)
        .where(Evidence.person_id == person.id, Evidence.status == "submitted")
        .order_by(Evidence.activity_date, Evidence.id)
    ))
    if competence is not None:
        rows.sort(key=lambda e: competence.code not in [c.code for c in e.competences])
    return EvidenceWaiting(person, competence, rows)
