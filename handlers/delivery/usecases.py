"""Messages the bot is sending, as an admin (or the command line, acting for the service) sees and handles them.

A message is parked when the sender gave up on it after hours of back-off, or when nobody could reach the
person it is for. An admin lists them, tries them again (back in the queue, due now, failures forgotten)
or gives up on them (they stay on record, marked dropped). Only parked messages can be tried again or
given up on, so a message delivered or cancelled meanwhile is left as it is. Every retry and drop is
audited by ids and counts; nothing here reads what a message says, only whom it is for and what went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from handlers.delivery.summary import ParkedSummary, parked_summary
from scheduler.outbox import Notice, give_up_parked, requeue_parked
from scheduler.working_time import WorkingTime
from storage.audit import record_audit
from storage.models import OutgoingMessage, Person

log = logging.getLogger("ldbot.outbox")

STATUSES = ("pending", "parked", "delivered", "cancelled", "dropped")
MAX_LIMIT = 10_000  # rows one listing returns at most
MAX_NAMED = 1_000  # ids one retry or drop may name (more: use every parked message)
AUDITED_IDS = 100  # ids an audit entry lists (its count is always the whole number)
REPORT = "delivery.parked"


async def _check(db: AsyncSession, actor: Person | None) -> None:
    """The command line acts for the service (actor None); a person must be allowed to manage the outbox."""
    if actor is not None:
        await require(db, actor, Act.MANAGE_OUTBOX)


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message as an admin sees it: whom it is for and what became of it, never what it says."""

    id: int
    kind: str
    name: str
    email: str
    attempts: int
    deferrals: int
    last_error: str | None
    created_at: datetime
    last_due_at: datetime  # when it was last due: for a parked message, about when it was given up on


@dataclass
class MessageList(Result):
    status: str
    counts: dict[str, int]  # every status, with 0 for those with no messages
    messages: list[MessageRow]
    more: bool  # there are more after these


async def list_messages(
    db: AsyncSession, actor: Person | None, at: Moment, *, status: str = "parked", limit: int = 50,
    offset: int = 0, newest_problems_first: bool = False,
) -> MessageList:
    """Messages in one state with the counts of every state: oldest first (the command line), or for the
    web console the newest problems first (the message last due first)."""
    await _check(db, actor)
    if status not in STATUSES:
        raise Refused("unknown_status", status=status, statuses=STATUSES)
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    found = dict((await db.execute(
        select(OutgoingMessage.status, func.count()).group_by(OutgoingMessage.status)
    )).all())
    order = ((OutgoingMessage.next_attempt_at.desc(), OutgoingMessage.id.desc()) if newest_problems_first
             else (OutgoingMessage.id,))
    rows = (await db.execute(
        select(OutgoingMessage.id, OutgoingMessage.kind, OutgoingMessage.attempts, OutgoingMessage.deferrals,
               OutgoingMessage.last_error, OutgoingMessage.created_at, OutgoingMessage.next_attempt_at,
               Person.name, Person.email)
        .join(Person, Person.id == OutgoingMessage.recipient_id)
        .where(OutgoingMessage.status == status)
        .order_by(*order)
        .offset(offset)
        .limit(limit + 1)
    )).all()
    return MessageList(
        status,
        {s: found.get(s, 0) for s in STATUSES},
        [MessageRow(r.id, r.kind, r.name, r.email, r.attempts, r.deferrals, r.last_error, r.created_at,
                    r.next_attempt_at) for r in rows[:limit]],
        len(rows) > limit,
    )


@dataclass
class ParkedOverview(Result):
    summary: ParkedSummary | None  # None: nothing is parked


async def summarise_parked(db: AsyncSession, actor: Person | None, at: Moment) -> ParkedOverview:
    """What is parked in a few lines: by platform and last error, and the oldest (the daily report's figures)."""
    await _check(db, actor)
    return ParkedOverview(await parked_summary(db))


@dataclass
class Handled(Result):
    changed: list[int]  # the parked messages tried again (or given up on)
    not_parked: list[int]  # ids named that were not parked (dealt with already, or never parked): left alone

    def __str__(self) -> str:
        return f"changed {len(self.changed)}, not parked {len(self.not_parked)}"


def _chosen(ids: Sequence[int], every: bool) -> list[int] | None:
    """The ids to act on (None: every parked message); refuses an empty or ambiguous choice."""
    if every and ids:
        raise Refused("ids_and_every")
    if every:
        return None
    if not ids:
        raise Refused("nothing_chosen")
    unique = sorted(set(ids))
    if len(unique) > MAX_NAMED:
        raise Refused("too_many", limit=MAX_NAMED)
    return unique


def _audit(db: AsyncSession, actor: Person | None, action: str, changed: list[int], every: bool, at: Moment) -> None:
    record_audit(db, actor.id if actor is not None else None, "outgoing_message",
                 changed[0] if len(changed) == 1 else 0, action, now=at.now, count=len(changed),
                 ids=changed[:AUDITED_IDS], every_parked=every)
    log.info("outbox %s by person=%s count=%s every=%s", action, actor.id if actor is not None else "-",
             len(changed), every)


async def retry_parked(
    db: AsyncSession, actor: Person | None, at: Moment, *, ids: Sequence[int] = (), every: bool = False
) -> Handled:
    """Try parked messages again (these ids, or `every` parked one): back in the queue, due now."""
    await _check(db, actor)
    chosen = _chosen(ids, every)
    changed = await requeue_parked(db, chosen, now=at.now)
    if changed:
        _audit(db, actor, "retry", changed, every, at)
    return Handled(changed, sorted(set(chosen or ()) - set(changed)))


async def drop_parked(
    db: AsyncSession, actor: Person | None, at: Moment, *, ids: Sequence[int] = (), every: bool = False
) -> Handled:
    """Give up on parked messages (these ids, or `every` parked one): kept on record, marked dropped."""
    await _check(db, actor)
    chosen = _chosen(ids, every)
    changed = await give_up_parked(db, chosen)
    if changed:
        _audit(db, actor, "drop", changed, every, at)
    return Handled(changed, sorted(set(chosen or ()) - set(changed)))


@dataclass
class ParkedReport(Result):
    summary: ParkedSummary | None  # None: nothing parked, or no admin at work now
    admins: int  # admins a report was written for this run (one already queued today is not repeated)

    def __str__(self) -> str:
        return f"parked {self.summary.count if self.summary else 0}, admins {self.admins}"


def _at_work(working: WorkingTime, admin: Person, at: Moment) -> bool:
    """From the admin's usual time (LDBOT_NUDGE_DIGEST_TIME, or their shift's start) to the end of today's
    shift: the report says what is parked when they read it, and a day off has no report of its own."""
    slot = working.slot(admin.working_pattern, admin.timezone, at.today)
    shift = working.shift(admin.working_pattern, admin.timezone, at.today)
    return slot is not None and shift is not None and slot <= at.now < shift[1]


async def tell_admins_parked(
    db: AsyncSession, at: Moment, *, working: WorkingTime, console_url: str
) -> ParkedReport:
    """Each active admin at work hears once a day what is parked: how many, by platform and last error,
    the oldest, and where to act. Nothing is said when nothing is parked. The notice's key (admin, day)
    makes "once a day" hold however often, and in however many processes, this runs."""
    admins = [a for a in await db.scalars(
        select(Person).where(Person.role == "admin", Person.active.is_(True)).order_by(Person.id)
    ) if _at_work(working, a, at)]
    summary = await parked_summary(db) if admins else None
    if summary is None:
        return ParkedReport(None, 0)
    context = {
        "count": summary.count,
        "platforms": [p.as_context() for p in summary.platforms],
        "oldest_id": summary.oldest_id,
        "oldest": summary.oldest_at.astimezone(at.tz).date().isoformat(),
        "url": console_url,
    }
    day = at.today.isoformat()
    notices = [Notice(a.id, REPORT, context, kind="admin_report", dedupe_key=f"parked_report:{a.id}:{day}")
               for a in admins]
    return ParkedReport(summary, len(notices), notices=notices)
