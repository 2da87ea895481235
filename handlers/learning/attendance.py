"""Attendance (attended / no-show), and the "training course" evidence it adds to people's records.

An attendance mark is L&D's first-hand record that someone was there. For each competence the opportunity
is linked to, an attended person gets one "Training course" evidence entry:
- for a risk-critical competence (one that must be revalidated, where the framework asks for someone to
  judge performance) the entry is submitted for verification, to the line manager or the assessors, like
  any other evidence: sitting a course shows training, not competence;
- for any other competence, attendance recorded by L&D is itself the verification: the entry is recorded
  as competent at once (decided by whoever recorded the attendance), so nobody is asked to rubber-stamp it.
E-learning someone says they completed is self-reported, so its entries always go for verification.
Changing a mark to no-show withdraws entries still waiting for a decision. Attended people are asked to
evaluate the session (in their working time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result
from handlers.evidence.usecases import active_line_manager, is_web_link, request_key
from handlers.learning import messages
from handlers.learning import records as rec
from handlers.learning.bookings import sign_up
from handlers.learning.config import LearningConfig
from handlers.learning.describe import opportunity_context, session_context
from handlers.verification.usecases import request_notices
from scheduler.outbox import Notice
from storage.audit import record_audit
from storage.evidence_queries import assessors, change_if_submitted
from storage.models import Evidence, Person
from storage.models.learning import LearningBooking, LearningOpportunity, LearningSession
from storage.standing import record_competent
from storage.status import valid_until_for

log = logging.getLogger("ldbot.learning")


@dataclass
class Mark:
    person: Person
    attendance: str
    changed: bool
    evidence: list[Evidence] = field(default_factory=list)
    withdrawn: int = 0


@dataclass
class AttendanceRecorded(Result):
    opportunity: LearningOpportunity
    session: LearningSession | None
    marks: list[Mark] = field(default_factory=list)


async def record_attendance(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, session_number: int | None,
    marks: dict[str, str], config: LearningConfig,
) -> AttendanceRecorded:
    """`marks` is email -> "attended" | "no_show". All or nothing: any unknown or unbooked person refuses
    the lot (Refused "invalid" with a line each)."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    session = None if (found.is_elearning and not found.sessions) else rec.session_numbered(found, session_number)
    if session is not None and session.starts_at > at.now:
        raise Refused("not_started", title=found.title, session=session.number)
    if not marks:
        raise Refused("invalid", problems=["nobody to mark: give --attended EMAIL... or a CSV"])
    problems: list[str] = []
    wanted: list[tuple[Person, LearningBooking, str]] = []
    people = {p.email.lower(): p for p in await db.scalars(
        select(Person).where(func.lower(Person.email).in_([e.lower() for e in marks])))}
    for email, mark in marks.items():
        if mark not in ("attended", "no_show"):
            problems.append(f"{email}: {mark!r} is not attended or no-show")
            continue
        person = people.get(email.lower())
        if person is None:
            problems.append(f"{email}: nobody with this email in the organisation")
            continue
        booking = await rec.booking_of(db, found.id, person.id)
        booked = booking is not None and booking.status == "confirmed" and (
            session is None or booking.session_id == session.id)
        if not booked:
            where = f"session {session.number}" if session is not None else "this e-learning"
            state = booking.status if booking is not None and booking.session_id == (session.id if session else None) else ""
            problems.append(f"{email}: not booked on {where}" + (f" ({state.replace('_', ' ')})" if state else ""))
            continue
        assert booking is not None
        wanted.append((person, booking, mark))
    if problems:
        raise Refused("invalid", problems=problems)
    result = AttendanceRecorded(found, session)
    for person, booking, mark in wanted:
        result.marks.append(await _mark(db, actor, at, found, session, person, booking, mark, config, result.notices))
    record_audit(db, actor.id if actor else None, "learning_session" if session else "learning_opportunity",
                 session.id if session else found.id, "attendance", now=at.now,
                 attended=sum(m.attendance == "attended" for m in result.marks),
                 no_show=sum(m.attendance == "no_show" for m in result.marks))
    return result


async def _mark(
    db: AsyncSession, actor: Person | None, at: Moment, found: LearningOpportunity, session: LearningSession | None,
    person: Person, booking: LearningBooking, mark: str, config: LearningConfig, notices: list[Notice],
    *, self_reported: bool = False,
) -> Mark:
    previous = booking.attendance
    result = Mark(person, mark, previous != mark)
    if previous == mark:
        return result
    booking.attendance, booking.attendance_at = mark, at.now
    booking.attendance_by_id = actor.id if actor is not None else None
    booking.updated_at = at.now
    if mark == "attended" and not booking.evidence_ids:
        result.evidence = await _evidence(db, actor, at, found, session, person, booking, config, notices,
                                          self_reported=self_reported)
        booking.evidence_ids = [e.id for e in result.evidence]
        notices.append(messages.evaluation_request(
            booking, person, found, session, config,
            deliver=config.deliver_at(person.working_pattern, person.timezone, at.now),
        ))
    elif mark == "no_show" and booking.evidence_ids:
        kept = []
        for evidence_id in booking.evidence_ids:
            if await change_if_submitted(db, evidence_id, status="withdrawn", updated_at=at.now):
                record_audit(db, actor.id if actor else None, "evidence", evidence_id, "withdrawn", now=at.now,
                             reason="no_show")
                result.withdrawn += 1
            else:
                kept.append(evidence_id)
        booking.evidence_ids = kept
    await db.flush()
    record_audit(db, actor.id if actor else None, "learning_booking", booking.id, mark, now=at.now,
                 person_id=person.id, previous=previous or "", evidence=len(result.evidence))
    return result


async def _evidence(
    db: AsyncSession, actor: Person | None, at: Moment, found: LearningOpportunity, session: LearningSession | None,
    person: Person, booking: LearningBooking, config: LearningConfig, notices: list[Notice], *, self_reported: bool,
) -> list[Evidence]:
    day = session.starts_at.astimezone(config.tz).date() if session is not None else at.today
    context = {**opportunity_context(found, config.tz, sessions=False),
               "session": session_context(session, config.tz) if session is not None else None,
               "self_reported": self_reported}
    description = config.render("learning.evidence_description", context)
    links = [link for link in (found.link, session.online_link if session else None) if link and is_web_link(link)]
    created = []
    for competence in found.competences:
        if not competence.active:
            continue
        verified = not competence.risk_critical and not self_reported
        evidence = Evidence(
            person_id=person.id, kind="training_course", activity_date=day, description=description,
            links=links[:1], status="competent" if verified else "submitted", verifier_id=person.line_manager_id,
            decided_by_id=(actor.id if actor is not None else None) if verified else None,
            decided_at=at.now if verified else None,
            valid_until=valid_until_for(competence, day) if verified else None,
            source="learning", competences=[competence], created_at=at.now, updated_at=at.now,
        )
        db.add(evidence)
        await db.flush()
        if verified:
            await record_competent(db, evidence.id)
        else:
            manager = await active_line_manager(db, person)
            verifiers = [manager] if manager else await assessors(db, exclude_id=person.id)
            notices += request_notices(evidence, person, verifiers, to_manager=manager is not None,
                                       key=request_key(evidence.id))
        record_audit(db, actor.id if actor else None, "evidence", evidence.id,
                     "recorded_competent" if verified else "submitted", now=at.now, competence=competence.code,
                     kind=evidence.kind, source="learning", booking_id=booking.id)
        log.info("learning evidence id=%s person=%s competence=%s verified=%s", evidence.id, person.id,
                 competence.code, verified)
        created.append(evidence)
    return created


async def complete_elearning(
    db: AsyncSession, actor: Person, at: Moment, *, opportunity_id: int, config: LearningConfig
) -> AttendanceRecorded:
    """The actor says they finished an e-learning module: it counts as attended, self-reported."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    found = await rec.opportunity(db, opportunity_id)
    if not found.is_elearning or found.sessions:
        raise Refused("not_elearning", title=found.title)
    booking = await rec.booking_of(db, found.id, actor.id)
    if booking is None or booking.status not in rec.LIVE:
        booking = (await sign_up(db, actor, at, opportunity_id=found.id, config=config)).booking
    if booking.attendance == "attended":
        raise Refused("already_done", title=found.title)
    result = AttendanceRecorded(found, None)
    result.marks.append(await _mark(db, actor, at, found, None, actor, booking, "attended", config, result.notices,
                                    self_reported=True))
    return result

