"""Reading and locking the learning records the use cases share.

The seat rule rests on one lock: every change to who holds a seat on a session (a sign-up, a cancellation,
an offer, an answer to an offer, an approval, a capacity change) first takes the session's lock (on
PostgreSQL an advisory lock, granted first come first served, then `SELECT ... FOR UPDATE`; SQLite has one
writer at a time anyway) and only then counts the seats, so two clicks at the same moment in two
processes are counted one after the other, in the order they arrived.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.usecase import Refused
from storage.models import Person
from storage.models.learning import HOLDS_SEAT, LearningBooking, LearningOpportunity, LearningSession

LIVE = ("confirmed", "waitlisted", "offered", "pending_approval")


async def require(db: AsyncSession, actor: Person | None, act: Act = Act.MANAGE_LEARNING) -> None:
    """`actor` None is the command line's operator, who has the database already."""
    if actor is not None and not await access.may(db, actor, act):
        raise Refused("not_allowed")


async def opportunity(db: AsyncSession, opportunity_id: int | None) -> LearningOpportunity:
    found = await db.get(LearningOpportunity, opportunity_id) if opportunity_id else None
    if found is None:
        raise Refused("no_opportunity", number=opportunity_id or "")
    return found


def session_numbered(found: LearningOpportunity, number: int | None) -> LearningSession:
    """A session by its number within the opportunity; the only one when there is one and none is given."""
    sessions = list(found.sessions)
    if number is None:
        open_ones = [s for s in sessions if s.status == "open"]
        if len(open_ones) == 1:
            return open_ones[0]
        raise Refused("which_session", number=found.id, count=len(open_ones))
    for session in sessions:
        if session.number == number:
            return session
    raise Refused("no_session", number=found.id, session=number)


SESSION_LOCK_CLASS = 0x6C64  # advisory-lock key space of learning sessions (with the session id)


async def lock_session(db: AsyncSession, session_id: int) -> LearningSession:
    """The session, re-read under its lock (held until the transaction ends).

    On PostgreSQL a transaction-scoped advisory lock comes first: its waiters are granted it in the order
    they asked (a row lock's waiters race each other when it is released), so simultaneous clicks are
    served in the order they reached the database. The row lock is then uncontended and keeps anything
    that bypasses this function honest.
    """
    if db.bind.dialect.name == "postgresql":
        await db.execute(text("SELECT pg_advisory_xact_lock(:kind, :id)"), {"kind": SESSION_LOCK_CLASS, "id": session_id})
    statement = (
        select(LearningSession).where(LearningSession.id == session_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    session = await db.scalar(statement)
    if session is None:
        raise Refused("no_session", number="", session="")
    return session


async def held(db: AsyncSession, session_id: int) -> int:
    return int(await db.scalar(
        select(func.count()).select_from(LearningBooking)
        .where(LearningBooking.session_id == session_id, LearningBooking.status.in_(HOLDS_SEAT))
    ) or 0)


async def bookings_on(db: AsyncSession, session_id: int, statuses: Iterable[str]) -> list[LearningBooking]:
    """Fresh from the database (another transaction may just have changed them), in click order."""
    return list(await db.scalars(
        select(LearningBooking)
        .where(LearningBooking.session_id == session_id, LearningBooking.status.in_(tuple(statuses)))
        .order_by(LearningBooking.seq, LearningBooking.id)
        .execution_options(populate_existing=True)
    ))


async def booking_of(db: AsyncSession, opportunity_id: int, person_id: int) -> LearningBooking | None:
    return await db.scalar(
        select(LearningBooking)
        .where(LearningBooking.opportunity_id == opportunity_id, LearningBooking.person_id == person_id)
        .execution_options(populate_existing=True)
    )


async def position(db: AsyncSession, booking: LearningBooking) -> int:
    """Where a waiting booking stands in its session's queue (1 is next)."""
    return int(await db.scalar(
        select(func.count()).select_from(LearningBooking).where(
            LearningBooking.session_id == booking.session_id, LearningBooking.status == "waitlisted",
            LearningBooking.seq <= booking.seq,
        )
    ) or 0)


async def person_by_email(db: AsyncSession, email: str) -> Person:
    person = await db.scalar(select(Person).where(func.lower(Person.email) == email.strip().lower()))
    if person is None or not person.active:
        raise Refused("no_person", email=email)
    return person
