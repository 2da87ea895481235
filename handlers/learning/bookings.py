"""Sign-ups, the waitlist, offers and approvals: who holds a seat, never more than the session has.

The rules:
- A seat is held by a confirmed booking, an offer not yet answered, or a booking waiting for the line
  manager's approval. Every change to who holds one takes the session's row lock first (records.py), so
  the count it reads cannot change under it: simultaneous clicks in two processes queue on the lock.
- Someone who signs up gets a seat if one is free and nobody is waiting; otherwise a place on the waitlist,
  in click order (`seq`, handed out under the lock). One booking per person per opportunity (a unique key).
- When a seat frees (a cancellation, a declined offer or approval, more places), the first person waiting
  is offered it for `offer_hours` (from when the offer reaches them in working time, never past the
  cut-off); accepting confirms the seat (or asks the manager first); an offer nobody answers lapses (the
  job) and the next person is offered it.
- With line-manager approval the seat is held while the manager decides from the message's buttons;
  someone without an active line manager is approved by L&D.
- People cancel their own booking until the cut-off (or the start, when there is none); L&D book and
  remove people by the same rules, and may remove someone until the session starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
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
from handlers.learning.times import moment_context
from scheduler.outbox import Notice, cancel
from storage.audit import record_audit
from storage.models import Person
from storage.models.learning import (
    HOLDS_SEAT,
    LearningBooking,
    LearningInvitation,
    LearningOpportunity,
    LearningSession,
)

log = logging.getLogger("ldbot.learning")


@dataclass
class Placed(Result):
    booking: LearningBooking
    opportunity: LearningOpportunity
    session: LearningSession | None
    person: Person
    status: str  # confirmed | waitlisted | pending_approval
    position: int | None = None
    approvers: list[Person] = field(default_factory=list)


def _actor_id(actor: Person | None) -> int | None:
    return actor.id if actor is not None else None


async def sign_up(
    db: AsyncSession, actor: Person, at: Moment, *, opportunity_id: int, session_number: int | None = None,
    config: LearningConfig,
) -> Placed:
    """The actor books themselves (the Sign up button)."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    found = await rec.opportunity(db, opportunity_id)
    return await _place(db, at, found, session_number, actor, actor, config)


async def book_for(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, session_number: int | None,
    email: str, config: LearningConfig,
) -> Placed:
    """L&D book someone, by the same rules as their own click (and they are told)."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    person = await rec.person_by_email(db, email)
    return await _place(db, at, found, session_number, person, actor, config)


async def _place(
    db: AsyncSession, at: Moment, found: LearningOpportunity, number: int | None, person: Person,
    by: Person | None, config: LearningConfig,
) -> Placed:
    if found.status != "open":
        raise Refused("opportunity_cancelled", title=found.title)
    if found.is_elearning and not found.sessions:
        return await _enrol(db, at, found, person, by, config)
    session = rec.session_numbered(found, number)
    if session.status != "open":
        raise Refused("session_cancelled", title=found.title, session=session.number)
    if at.now >= session.closes_at():
        raise Refused("closed", title=found.title, session=session.number,
                      **moment_context(session.closes_at(), config.tz))
    session = await rec.lock_session(db, session.id)
    existing = await rec.booking_of(db, found.id, person.id)
    if existing is not None and existing.status in rec.LIVE:
        if existing.session_id == session.id:
            where = await rec.position(db, existing) if existing.status == "waitlisted" else None
            raise Refused("already", title=found.title, status=existing.status, position=where, name=person.name,
                          own=by is not None and by.id == person.id)
        other = next((s.number for s in found.sessions if s.id == existing.session_id), "")
        raise Refused("other_session", title=found.title, session=other, name=person.name,
                      own=by is not None and by.id == person.id)
    seats_held = await rec.held(db, session.id)
    waiting = await rec.bookings_on(db, session.id, ("waitlisted",))
    seq = session.next_seq
    session.next_seq = seq + 1
    if seats_held < session.capacity and not waiting:
        status = "pending_approval" if found.approval == "line_manager" else "confirmed"
    else:
        status = "waitlisted"
    booking = existing or LearningBooking(opportunity_id=found.id, person_id=person.id, created_at=at.now)
    booking.session_id, booking.status, booking.seq = session.id, status, seq
    booking.offered_until, booking.approver_id, booking.booked_by_id = None, None, _actor_id(by)
    booking.attendance, booking.attendance_by_id, booking.attendance_at = None, None, None
    booking.evidence_ids, booking.updated_at = [], at.now
    try:
        async with db.begin_nested():
            if existing is None:
                db.add(booking)
            await db.flush()
    except IntegrityError:  # the same person, another session of this opportunity, at the same moment
        raise Refused("already", title=found.title, status="", position=None, name=person.name,
                      own=by is not None and by.id == person.id) from None
    placed = Placed(booking, found, session, person, status)
    if status == "waitlisted":
        placed.position = await rec.position(db, booking)
        if seats_held < session.capacity:  # a seat is free but others were waiting: the first is offered it
            placed.notices += await promote(db, at, found, session, config)
    elif status == "pending_approval":
        placed.approvers, notices = await _ask_approval(db, at, booking, person, found, session, config)
        placed.notices += notices
    if by is None or by.id != person.id:
        placed.notices.append(messages.about_booking(
            "learning.booked_for_you", booking, person, found, session, config, key=f"booked:{seq}",
            status=status, position=placed.position,
        ))
    record_audit(db, _actor_id(by), "learning_booking", booking.id, status, now=at.now, person_id=person.id,
                 opportunity_id=found.id, session=session.number, seq=seq)
    log.info("learning booking id=%s session=%s status=%s seq=%s", booking.id, session.id, status, seq)
    return placed


async def _enrol(
    db: AsyncSession, at: Moment, found: LearningOpportunity, person: Person, by: Person | None,
    config: LearningConfig,
) -> Placed:
    """E-learning has no seats: signing up enrols (and completing it is the attendance)."""
    existing = await rec.booking_of(db, found.id, person.id)
    if existing is not None and existing.status in rec.LIVE:
        raise Refused("already", title=found.title, status=existing.status, position=None, name=person.name,
                      own=by is not None and by.id == person.id)
    booking = existing or LearningBooking(opportunity_id=found.id, person_id=person.id, created_at=at.now, seq=0)
    booking.session_id, booking.status, booking.booked_by_id, booking.updated_at = None, "confirmed", _actor_id(by), at.now
    try:
        async with db.begin_nested():
            if existing is None:
                db.add(booking)
            await db.flush()
    except IntegrityError:
        raise Refused("already", title=found.title, status="", position=None, name=person.name,
                      own=by is not None and by.id == person.id) from None
    record_audit(db, _actor_id(by), "learning_booking", booking.id, "enrolled", now=at.now, person_id=person.id,
                 opportunity_id=found.id)
    placed = Placed(booking, found, None, person, "confirmed")
    if by is None or by.id != person.id:
        placed.notices.append(messages.about_booking(
            "learning.booked_for_you", booking, person, found, None, config, key="booked:0", status="confirmed",
            position=None,
        ))
    return placed


async def _ask_approval(
    db: AsyncSession, at: Moment, booking: LearningBooking, person: Person, found: LearningOpportunity,
    session: LearningSession, config: LearningConfig,
) -> tuple[list[Person], list[Notice]]:
    manager = await db.get(Person, person.line_manager_id) if person.line_manager_id else None
    if manager is not None and manager.active and manager.id != person.id:
        approvers, as_ld = [manager], False
        booking.approver_id = manager.id
    else:
        approvers = [p for p in await db.scalars(select(Person).where(Person.role == "ld", Person.active.is_(True)))
                     if p.id != person.id]
        as_ld = True
    notices = []
    for approver in approvers:
        notice = messages.approval_request(
            booking, person, approver, found, session, config, as_ld=as_ld,
            deliver=config.deliver_at(approver.working_pattern, approver.timezone, at.now),
        )
        notices.append(replace(notice, dedupe_key=f"{notice.dedupe_key}:{approver.id}") if as_ld else notice)
    return approvers, notices


async def promote(
    db: AsyncSession, at: Moment, found: LearningOpportunity, session: LearningSession, config: LearningConfig,
) -> list[Notice]:
    """Offer every free seat to the people first in the queue. Call with the session locked."""
    if session.status != "open" or found.status != "open" or at.now >= session.closes_at():
        return []
    free = session.capacity - await rec.held(db, session.id)
    notices: list[Notice] = []
    if free <= 0:
        return notices
    for booking in await rec.bookings_on(db, session.id, ("waitlisted",)):
        if free <= 0:
            break
        person = await db.get(Person, booking.person_id)
        if person is None or not person.active:
            booking.status, booking.updated_at = "removed", at.now
            record_audit(db, None, "learning_booking", booking.id, "removed", now=at.now, reason="inactive")
            continue
        deliver = config.deliver_at(person.working_pattern, person.timezone, at.now)
        until = min(deliver + timedelta(hours=config.rules.offer_hours), session.closes_at())
        if until <= at.now:
            break
        booking.status, booking.offered_until, booking.updated_at = "offered", until, at.now
        notices.append(messages.offer(booking, person, found, session, config, deliver=deliver))
        record_audit(db, None, "learning_booking", booking.id, "offered", now=at.now, until=until.isoformat())
        log.info("learning offer booking=%s session=%s until=%s", booking.id, session.id, until.isoformat())
        free -= 1
    await db.flush()
    return notices


async def _withdraw_messages(db: AsyncSession, booking: LearningBooking, at: Moment) -> None:
    """Offers, approval requests and reminders not delivered yet no longer apply."""
    for what in ("offer", "approve", "remind"):
        await cancel(db, messages.booking_key(booking.id, what), now=at.now)


async def release(
    db: AsyncSession, at: Moment, booking: LearningBooking, status: str, found: LearningOpportunity,
    session: LearningSession | None, config: LearningConfig, *, promote_next: bool = True,
) -> list[Notice]:
    """The booking stops holding whatever it held; a freed seat goes to the queue. Session locked."""
    held_seat = booking.status in HOLDS_SEAT
    booking.status, booking.offered_until, booking.updated_at = status, None, at.now
    await db.flush()
    await _withdraw_messages(db, booking, at)
    if held_seat and session is not None and promote_next:
        return await promote(db, at, found, session, config)
    return []


@dataclass
class Released(Result):
    booking: LearningBooking
    opportunity: LearningOpportunity
    session: LearningSession | None
    person: Person


async def _locked_booking(
    db: AsyncSession, booking_id: int | None
) -> tuple[LearningBooking, LearningOpportunity, LearningSession | None]:
    booking = await db.get(LearningBooking, booking_id) if booking_id else None
    if booking is None:
        raise Refused("no_booking")
    found = await rec.opportunity(db, booking.opportunity_id)
    session = await rec.lock_session(db, booking.session_id) if booking.session_id else None
    await db.refresh(booking)
    return booking, found, session


async def cancel_own(
    db: AsyncSession, actor: Person, at: Moment, *, booking_id: int, config: LearningConfig
) -> Released:
    """The actor gives up their place (or leaves the waitlist), until the cut-off."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    booking, found, session = await _locked_booking(db, booking_id)
    if booking.person_id != actor.id or booking.status not in rec.LIVE:
        raise Refused("no_booking")
    if session is not None and at.now >= session.closes_at():
        raise Refused("too_late", title=found.title, **moment_context(session.closes_at(), config.tz))
    was = booking.status
    notices = await release(db, at, booking, "cancelled", found, session, config)
    record_audit(db, actor.id, "learning_booking", booking.id, "cancelled", now=at.now, was=was)
    return Released(booking, found, session, actor, notices=notices)


async def remove_for(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, session_number: int | None,
    email: str, config: LearningConfig,
) -> Released:
    """L&D take someone off a session (booked, offered, waiting or awaiting approval), until it starts."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    person = await rec.person_by_email(db, email)
    existing = await rec.booking_of(db, found.id, person.id)
    if existing is None or existing.status not in rec.LIVE:
        raise Refused("not_booked", name=person.name, title=found.title)
    if session_number is not None and existing.session_id is not None:
        if rec.session_numbered(found, session_number).id != existing.session_id:
            raise Refused("not_booked", name=person.name, title=found.title)
    booking, found, session = await _locked_booking(db, existing.id)
    if booking.status not in rec.LIVE:
        raise Refused("not_booked", name=person.name, title=found.title)
    if session is not None and at.now >= session.starts_at:
        raise Refused("started", title=found.title, session=session.number)
    was = booking.status
    notices = await release(db, at, booking, "removed", found, session, config)
    notices.append(messages.about_booking("learning.removed_for_you", booking, person, found, session, config,
                                          key=f"removed:{booking.seq}", was=was))
    record_audit(db, _actor_id(actor), "learning_booking", booking.id, "removed", now=at.now, was=was,
                 person_id=person.id)
    return Released(booking, found, session, person, notices=notices)


@dataclass
class Answered(Result):
    booking: LearningBooking
    opportunity: LearningOpportunity
    session: LearningSession | None
    person: Person
    status: str
    approvers: list[Person] = field(default_factory=list)


async def answer_offer(
    db: AsyncSession, actor: Person, at: Moment, *, booking_id: int, accept: bool, config: LearningConfig
) -> Answered:
    """The offered person takes the seat (confirmed, or held for approval) or lets it go to the next."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    booking, found, session = await _locked_booking(db, booking_id)
    if booking.person_id != actor.id:
        raise Refused("no_booking")
    if booking.status != "offered" or session is None:
        raise Refused("offer_lapsed" if booking.status == "lapsed" else "offer_gone", title=found.title,
                      status=booking.status)
    if booking.offered_until is not None and booking.offered_until <= at.now:
        raise Refused("offer_lapsed", title=found.title)
    answered = Answered(booking, found, session, actor, "")
    if not accept:
        answered.notices = await release(db, at, booking, "cancelled", found, session, config)
        answered.status = "cancelled"
    elif found.approval == "line_manager":
        booking.status, booking.offered_until, booking.updated_at = "pending_approval", None, at.now
        answered.approvers, answered.notices = await _ask_approval(db, at, booking, actor, found, session, config)
        answered.status = "pending_approval"
    else:
        booking.status, booking.offered_until, booking.updated_at = "confirmed", None, at.now
        answered.status = "confirmed"
    await db.flush()
    record_audit(db, actor.id, "learning_booking", booking.id, "offer_" + ("accepted" if accept else "declined"),
                 now=at.now, status=answered.status)
    return answered


async def decide_approval(
    db: AsyncSession, actor: Person | None, at: Moment, *, booking_id: int, approve: bool, config: LearningConfig
) -> Answered:
    """The line manager (or L&D) approves the held seat, or declines it (it goes to the queue)."""
    booking = await db.get(LearningBooking, booking_id) if booking_id else None
    person = await db.get(Person, booking.person_id) if booking else None
    if booking is None or person is None or (
        actor is not None and not await access.may(db, actor, Act.APPROVE_LEARNING, person)
    ):
        raise Refused("no_booking")
    booking, found, session = await _locked_booking(db, booking.id)
    if booking.status != "pending_approval":
        raise Refused("decided", name=person.name, title=found.title, status=booking.status)
    answered = Answered(booking, found, session, person, "confirmed" if approve else "declined")
    if approve:
        booking.status, booking.approver_id, booking.updated_at = "confirmed", _actor_id(actor), at.now
        await db.flush()
        await cancel(db, messages.booking_key(booking.id, "approve"), now=at.now)
    else:
        booking.approver_id = _actor_id(actor)
        answered.notices = await release(db, at, booking, "declined", found, session, config)
    answered.notices.append(messages.about_booking(
        "learning.approval_decided", booking, person, found, session, config, key=f"decided:{booking.seq}",
        approved=approve, by=actor.name if actor is not None else "",
    ))
    record_audit(db, _actor_id(actor), "learning_booking", booking.id, "approved" if approve else "declined",
                 now=at.now, person_id=person.id)
    return answered


@dataclass
class Lapsed(Result):
    lapsed: int = 0
    offered: int = 0


async def lapse_offers(db: AsyncSession, at: Moment, *, config: LearningConfig) -> Lapsed:
    """Offers nobody answered in time lapse, and the seat is offered to the next person (the job)."""
    rows = await db.execute(
        select(LearningBooking.session_id).where(
            LearningBooking.status == "offered", LearningBooking.offered_until <= at.now,
        ).distinct()
    )
    result = Lapsed()
    for (session_id,) in rows.all():
        session = await rec.lock_session(db, session_id)
        found = await rec.opportunity(db, session.opportunity_id)
        for booking in await rec.bookings_on(db, session.id, ("offered",)):
            if booking.offered_until is None or booking.offered_until > at.now:
                continue
            person = await db.get(Person, booking.person_id)
            await release(db, at, booking, "lapsed", found, session, config, promote_next=False)
            record_audit(db, None, "learning_booking", booking.id, "lapsed", now=at.now)
            result.lapsed += 1
            if person is not None and person.active:
                result.notices.append(messages.about_booking(
                    "learning.offer_lapsed", booking, person, found, session, config, key=f"lapsed:{booking.seq}",
                ))
        offers = await promote(db, at, found, session, config)
        result.offered += len(offers)
        result.notices += offers
    return result


@dataclass
class LeaverReleased(Result):
    released: list[int] = field(default_factory=list)  # the leaver's bookings given up
    reasked: list[int] = field(default_factory=list)  # bookings waiting for the leaver's approval, asked again


async def release_leaver(
    db: AsyncSession, at: Moment, *, person: Person, config: LearningConfig
) -> LeaverReleased:
    """Someone has left (handlers.people.leavers, in its transaction): their places on sessions still to
    come, waitlist places and offers are given up, each freed seat offered to the first person waiting by
    the usual rules; bookings that waited for their approval are asked of whoever approves now (the new
    line manager, or L&D). The leaver is not told (messages to them are cancelled); places on sessions
    that have started stay, as the record of who was there."""
    result = LeaverReleased()
    for booking_id in list(await db.scalars(
        select(LearningBooking.id).where(LearningBooking.person_id == person.id, LearningBooking.status.in_(rec.LIVE))
        .order_by(LearningBooking.id)
    )):
        booking, found, session = await _locked_booking(db, booking_id)
        if booking.status not in rec.LIVE or booking.attendance is not None:
            continue
        if session is not None and at.now >= session.starts_at:
            continue
        was = booking.status
        result.notices += await release(db, at, booking, "removed", found, session, config)
        record_audit(db, None, "learning_booking", booking.id, "removed", now=at.now, was=was, reason="left")
        result.released.append(booking.id)
    for booking_id in list(await db.scalars(
        select(LearningBooking.id).where(LearningBooking.approver_id == person.id,
                                         LearningBooking.status == "pending_approval",
                                         LearningBooking.person_id != person.id)
        .order_by(LearningBooking.id)
    )):
        booking, found, session = await _locked_booking(db, booking_id)
        owner = await db.get(Person, booking.person_id)
        if booking.status != "pending_approval" or session is None or owner is None or not owner.active:
            continue
        booking.approver_id = None
        _, notices = await _ask_approval(db, at, booking, owner, found, session, config)
        # The request to the leaver was cancelled: these are new messages, with keys of their own.
        result.notices += [replace(n, dedupe_key=f"{n.dedupe_key}:after:{person.id}") for n in notices]
        record_audit(db, None, "learning_booking", booking.id, "approval_asked_again", now=at.now, reason="approver_left")
        result.reasked.append(booking.id)
    await db.flush()
    if result.released or result.reasked:
        log.info("learning leaver person=%s released=%s reasked=%s", person.id, len(result.released),
                 len(result.reasked))
    return result


# --- what people and L&D see ----------------------------------------------------------------------------------
@dataclass
class MyBooking:
    booking: LearningBooking
    opportunity: LearningOpportunity
    session: LearningSession | None
    position: int | None


@dataclass
class MyBookings(Result):
    items: list[MyBooking]


async def my_bookings(db: AsyncSession, actor: Person, at: Moment) -> MyBookings:
    """The actor's live bookings for what has not started yet (and e-learning not yet done), soonest first."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    bookings = list(await db.scalars(
        select(LearningBooking).where(LearningBooking.person_id == actor.id, LearningBooking.status.in_(rec.LIVE))
    ))
    items = []
    for booking in bookings:
        found = await db.get(LearningOpportunity, booking.opportunity_id)
        if found is None or found.status != "open":
            continue
        session = next((s for s in found.sessions if s.id == booking.session_id), None)
        if session is not None and session.ends_at <= at.now:
            continue
        if session is None and booking.attendance == "attended":
            continue
        where = await rec.position(db, booking) if booking.status == "waitlisted" else None
        items.append(MyBooking(booking, found, session, where))
    items.sort(key=lambda i: (i.session.starts_at if i.session else at.now, i.opportunity.id))
    return MyBookings(items)


@dataclass
class SessionSignups:
    session: LearningSession
    confirmed: list[Person]
    waitlist: list[Person]
    offered: list[tuple[Person, LearningBooking]]
    pending_approval: list[Person]


@dataclass
class Signups(Result):
    opportunity: LearningOpportunity
    sessions: list[SessionSignups]
    enrolled: list[Person] = field(default_factory=list)  # e-learning


async def signups(db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int) -> Signups:
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    rows = (await db.execute(
        select(LearningBooking, Person).join(Person, Person.id == LearningBooking.person_id)
        .where(LearningBooking.opportunity_id == found.id, LearningBooking.status.in_(rec.LIVE))
        .order_by(LearningBooking.seq, LearningBooking.id)
    )).all()
    result = Signups(found, [])
    for session in found.sessions:
        mine = [(b, p) for b, p in rows if b.session_id == session.id]
        result.sessions.append(SessionSignups(
            session,
            confirmed=[p for b, p in mine if b.status == "confirmed"],
            waitlist=[p for b, p in mine if b.status == "waitlisted"],
            offered=[(p, b) for b, p in mine if b.status == "offered"],
            pending_approval=[p for b, p in mine if b.status == "pending_approval"],
        ))
    result.enrolled = [p for b, p in rows if b.session_id is None]
    return result


# --- answers to the invitation ----------------------------------------------------------------------------------
@dataclass
class Responded(Result):
    opportunity: LearningOpportunity
    link: str = ""


async def not_for_me(db: AsyncSession, actor: Person, at: Moment, *, opportunity_id: int) -> Responded:
    await rec.require(db, actor, Act.TAKE_LEARNING)
    found = await rec.opportunity(db, opportunity_id)
    await _respond(db, actor, at, found, "not_for_me")
    return Responded(found)


async def _respond(db: AsyncSession, actor: Person, at: Moment, found: LearningOpportunity, response: str) -> None:
    invitation = await db.scalar(select(LearningInvitation).where(
        LearningInvitation.opportunity_id == found.id, LearningInvitation.person_id == actor.id))
    if invitation is not None and invitation.response != response:
        invitation.response, invitation.responded_at = response, at.now
        record_audit(db, actor.id, "learning_invitation", invitation.id, response, now=at.now)


async def open_elearning(
    db: AsyncSession, actor: Person, at: Moment, *, opportunity_id: int, config: LearningConfig
) -> Responded:
    """The e-learning's link; opening it enrols the person (if they were not already)."""
    await rec.require(db, actor, Act.TAKE_LEARNING)
    found = await rec.opportunity(db, opportunity_id)
    if not found.link or found.status != "open":
        raise Refused("no_link", title=found.title)
    await _respond(db, actor, at, found, "opened")
    if not found.sessions:
        existing = await rec.booking_of(db, found.id, actor.id)
        if existing is None or existing.status not in rec.LIVE:
            await _enrol(db, at, found, actor, actor, config)
    return Responded(found, found.link)
