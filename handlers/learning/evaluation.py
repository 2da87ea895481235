"""Evaluation, the Head of L&D's levels 1 and 3: right after the session (how useful, 1-5; what will you
apply; anything else), and weeks later (have you used it at work? and, if the service asks managers,
has the line manager seen a change?). One answer per booking and stage (a unique key), stored as given;
reports never name who said what (reports.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result
from handlers.learning import messages
from handlers.learning import records as rec
from handlers.learning.config import LearningConfig
from storage.audit import record_audit
from storage.models import OutgoingMessage, Person
from storage.models.learning import LearningBooking, LearningEvaluation, LearningOpportunity, LearningSession

MAX_TEXT = 2000
# Follow-ups are looked for among attendances this far past their due date (a job that was down for a
# while still catches up; older ones are left alone rather than asked months late).
CATCH_UP = timedelta(days=14)


@dataclass
class Evaluated(Result):
    booking: LearningBooking
    opportunity: LearningOpportunity
    stage: str


async def _attended(
    db: AsyncSession, actor: Person, booking_id: int | None
) -> tuple[LearningBooking, LearningOpportunity]:
    booking = await db.get(LearningBooking, booking_id) if booking_id else None
    if booking is None or booking.person_id != actor.id or booking.attendance != "attended":
        raise Refused("no_booking")
    return booking, await rec.opportunity(db, booking.opportunity_id)


async def _store(db: AsyncSession, at: Moment, evaluation: LearningEvaluation, title: str) -> None:
    try:
        async with db.begin_nested():
            db.add(evaluation)
            await db.flush()
    except IntegrityError:  # answered already (a second click, another device)
        raise Refused("already_answered", title=title) from None


async def can_evaluate(db: AsyncSession, actor: Person, at: Moment, *, booking_id: int) -> Evaluated:
    """The booking, if the actor attended and has not answered yet (before showing the form)."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    booking, found = await _attended(db, actor, booking_id)
    if await db.scalar(select(LearningEvaluation.id).where(
            LearningEvaluation.booking_id == booking.id, LearningEvaluation.stage == "after")):
        raise Refused("already_answered", title=found.title)
    return Evaluated(booking, found, "after")


async def answer_evaluation(
    db: AsyncSession, actor: Person, at: Moment, *, booking_id: int, useful: int, apply: str, comment: str = ""
) -> Evaluated:
    await rec.require(db, actor, Act.TAKE_LEARNING)
    booking, found = await _attended(db, actor, booking_id)
    if not 1 <= useful <= 5:
        raise Refused("bad_rating")
    apply, comment = apply.strip(), comment.strip()
    if not apply or len(apply) > MAX_TEXT or len(comment) > MAX_TEXT:
        raise Refused("bad_text", limit=MAX_TEXT)
    await _store(db, at, LearningEvaluation(
        booking_id=booking.id, opportunity_id=found.id, session_id=booking.session_id, stage="after",
        respondent_id=actor.id, useful=useful, apply=apply, comment=comment or None, answered_at=at.now,
    ), found.title)
    record_audit(db, actor.id, "learning_evaluation", booking.id, "answered", now=at.now, stage="after",
                 fields=["useful", "apply", *(["comment"] if comment else [])])
    return Evaluated(booking, found, "after")


async def answer_follow_up(db: AsyncSession, actor: Person, at: Moment, *, booking_id: int, answer: str) -> Evaluated:
    """"Have you used it at work?": yes, partly or not yet."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    if answer not in messages.FOLLOW_UP_ANSWERS:
        raise Refused("no_booking")
    booking, found = await _attended(db, actor, booking_id)
    await _store(db, at, LearningEvaluation(
        booking_id=booking.id, opportunity_id=found.id, session_id=booking.session_id, stage="follow_up",
        respondent_id=actor.id, answer=answer, answered_at=at.now,
    ), found.title)
    record_audit(db, actor.id, "learning_evaluation", booking.id, "answered", now=at.now, stage="follow_up")
    return Evaluated(booking, found, "follow_up")


@dataclass
class ManagerAnswered(Evaluated):
    person: Person | None = None


async def answer_manager(db: AsyncSession, actor: Person, at: Moment, *, booking_id: int, answer: str) -> ManagerAnswered:
    """The line manager's "have you seen a change?": yes, not yet, or can't say."""
    booking = await db.get(LearningBooking, booking_id) if booking_id else None
    person = await db.get(Person, booking.person_id) if booking else None
    if (booking is None or person is None or answer not in messages.MANAGER_ANSWERS
            or booking.attendance != "attended" or person.line_manager_id != actor.id
            or not await access.may(db, actor, Act.VIEW_TEAM, person)):
        raise Refused("no_booking")
    found = await rec.opportunity(db, booking.opportunity_id)
    await _store(db, at, LearningEvaluation(
        booking_id=booking.id, opportunity_id=found.id, session_id=booking.session_id, stage="manager",
        respondent_id=actor.id, answer=answer, answered_at=at.now,
    ), found.title)
    record_audit(db, actor.id, "learning_evaluation", booking.id, "answered", now=at.now, stage="manager")
    return ManagerAnswered(booking, found, "manager", person=person)


@dataclass
class FollowUps(Result):
    asked: int = 0
    managers: int = 0


async def due_follow_ups(db: AsyncSession, at: Moment, *, config: LearningConfig) -> FollowUps:
    """The level 3 question to everyone who attended `follow_up_weeks` ago (and their managers), once."""
    weeks = config.rules.follow_up_weeks
    due_before = at.now - timedelta(weeks=weeks)
    rows = (await db.execute(
        select(LearningBooking, Person).join(Person, Person.id == LearningBooking.person_id)
        .where(LearningBooking.attendance == "attended", LearningBooking.attendance_at <= due_before,
               LearningBooking.attendance_at > due_before - CATCH_UP, Person.active.is_(True))
    )).all()
    result = FollowUps()
    if not rows:
        return result
    keys = [messages.booking_key(b.id, what) for b, _ in rows for what in ("follow_up", "manager")]
    sent = set(await db.scalars(select(OutgoingMessage.dedupe_key).where(OutgoingMessage.dedupe_key.in_(keys))))
    for booking, person in rows:
        found = await db.get(LearningOpportunity, booking.opportunity_id)
        if found is None:
            continue
        session = await db.get(LearningSession, booking.session_id) if booking.session_id else None
        if messages.booking_key(booking.id, "follow_up") not in sent:
            result.notices.append(messages.follow_up(
                booking, person, found, session, config, weeks=weeks,
                deliver=config.deliver_at(person.working_pattern, person.timezone, at.now)))
            result.asked += 1
        manager = await db.get(Person, person.line_manager_id) if person.line_manager_id else None
        if (config.rules.ask_managers and manager is not None and manager.active
                and messages.booking_key(booking.id, "manager") not in sent):
            result.notices.append(messages.manager_question(
                booking, person, manager, found, session, config,
                deliver=config.deliver_at(manager.working_pattern, manager.timezone, at.now)))
            result.managers += 1
    return result
