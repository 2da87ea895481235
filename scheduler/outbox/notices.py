"""Writing to the outbox: what use cases, jobs and adapters call. Never sends anything itself.

Messages are written in the caller's transaction, so they exist only if the change that caused them
commits. Many go in one statement; a `dedupe_key` makes "send once" a database guarantee (a second
insert with the same key is skipped, not an error, whoever wrote the first). Committing wakes the
senders: in this process at once, and on PostgreSQL every other process too (NOTIFY is delivered on
commit, so a rolled-back write wakes nobody).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, event, exists, or_, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.types import Reply
from storage.db import unit_of_work
from storage.models import OutgoingMessage, PlatformIdentity

log = logging.getLogger("ldbot.outbox")

NOTIFY_CHANNEL = "ldbot_outbox"
# The template name recorded for a held reply (its rendered text travels in `elements`).
HELD_REPLY = "(held reply)"


@dataclass(frozen=True, slots=True)
class NoticeButton:
    """A button on a queued message. Its label is a template, rendered at delivery for the recipient's
    platform (with `context`), so the label is in the words and escaping of wherever it is shown."""

    template: str  # the label's template name
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to someone, to be delivered after the change that caused it commits."""

    recipient_id: int
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[NoticeButton, ...] = ()
    kind: str = "notice"
    dedupe_key: str | None = None
    not_before: datetime | None = None  # e.g. the recipient's next working slot


# --- waking senders ---------------------------------------------------------------------------------------
_WAKERS: weakref.WeakKeyDictionary[Any, asyncio.Event] = weakref.WeakKeyDictionary()


def wake_signal(engine: AsyncEngine) -> asyncio.Event:
    """Set whenever a transaction on this engine committed new outbox rows."""
    signal = _WAKERS.get(engine.sync_engine)
    if signal is None:
        signal = _WAKERS[engine.sync_engine] = asyncio.Event()
    return signal


async def _wake_on_commit(db: AsyncSession) -> None:
    if db.info.get("outbox_wake"):
        return
    db.info["outbox_wake"] = True
    signal = wake_signal(db.bind)

    def committed(_session: object) -> None:
        signal.set()

    def ended(_session: object, *_: object) -> None:
        db.info.pop("outbox_wake", None)

    event.listen(db.sync_session, "after_commit", committed, once=True)
    event.listen(db.sync_session, "after_soft_rollback", ended, once=True)
    event.listen(db.sync_session, "after_commit", ended, once=True)
    if db.bind.dialect.name == "postgresql":
        await db.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


# --- writing ----------------------------------------------------------------------------------------------
def _row(notice: Notice, now: datetime) -> dict[str, Any]:
    return {
        "recipient_id": notice.recipient_id,
        "template": notice.template,
        "context": notice.context,
        "elements": {"buttons": [asdict(b) for b in notice.buttons]},
        "kind": notice.kind,
        "dedupe_key": notice.dedupe_key,
        "status": "pending",
        "attempts": 0,
        "deferrals": 0,
        "created_at": now,
        "next_attempt_at": max(notice.not_before or now, now),
    }


def _insert(db: AsyncSession):  # noqa: ANN202 - the dialect's INSERT with ON CONFLICT
    return postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert


async def enqueue(db: AsyncSession, notices: Iterable[Notice], *, now: datetime) -> list[int]:
    """Queue messages in the caller's transaction (one statement); returns the ids of rows written.

    A notice whose dedupe key is already in the outbox is skipped.
    """
    rows = [_row(n, now) for n in notices]
    if not rows:
        return []
    statement = _insert(db)(OutgoingMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    ids = list(await db.scalars(statement.returning(OutgoingMessage.id), rows))
    if ids:
        await _wake_on_commit(db)
    return ids


async def cancel(db: AsyncSession, dedupe_key: str, *, now: datetime) -> list[int]:
    """Cancel the messages under `dedupe_key` (or `dedupe_key:…`) that no sender has handed to a platform.

    Returns the recipients of those already delivered, or being delivered right now (claimed), who have
    seen or are about to see the message and so should be told it no longer stands.
    """
    keyed = or_(OutgoingMessage.dedupe_key == dedupe_key, OutgoingMessage.dedupe_key.like(f"{dedupe_key}:%"))
    unclaimed = or_(OutgoingMessage.claimed_until.is_(None), OutgoingMessage.claimed_until < now)
    await db.execute(
        update(OutgoingMessage)
        .where(keyed, OutgoingMessage.status.in_(("pending", "parked")), unclaimed)
        .values(status="cancelled", last_error="cancelled before delivery")
        .execution_options(synchronize_session=False)
    )
    seen = await db.scalars(
        select(OutgoingMessage.recipient_id).where(keyed, OutgoingMessage.status.not_in(("cancelled", "dropped")))
    )
    return sorted(set(seen))


async def cancel_to(db: AsyncSession, recipient_id: int, *, now: datetime) -> int:
    """Cancel every message waiting for one person (someone who has left) that no sender holds right now;
    returns how many. Delivered ones stay as they were."""
    unclaimed = or_(OutgoingMessage.claimed_until.is_(None), OutgoingMessage.claimed_until < now)
    result = await db.execute(
        update(OutgoingMessage)
        .where(OutgoingMessage.recipient_id == recipient_id, OutgoingMessage.status.in_(("pending", "parked")),
               unclaimed)
        .values(status="cancelled", last_error="cancelled: the recipient has left")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def hold_replies(
    sessions: async_sessionmaker[AsyncSession], person_id: int, replies: Sequence[Reply], platform: str,
    *, now: datetime,
) -> list[int]:
    """Replies an adapter could not send during the turn (the platform still throttling after its quick
    retries, or down): the outbox delivers them later on the same platform, so nothing the user was about
    to be told is dropped. They are stored as rendered, escaped for that platform, and not rendered again."""
    async with unit_of_work(sessions) as db:
        rows = [
            {**_row(Notice(person_id, HELD_REPLY, kind="reply"), now),
             "elements": {"reply": replace(r, replace_original=False).to_dict()}, "platform": platform}
            for r in replies
        ]
        ids = list(await db.scalars(_insert(db)(OutgoingMessage).returning(OutgoingMessage.id), rows))
        await _wake_on_commit(db)
    log.warning("held replies for the outbox person=%s platform=%s messages=%s", person_id, platform, ids)
    return ids


# --- parked messages, for an admin ------------------------------------------------------------------------
def _parked(ids: Sequence[int] | None) -> ColumnElement[bool]:
    chosen = OutgoingMessage.status == "parked"
    return chosen if ids is None else and_(chosen, OutgoingMessage.id.in_(list(ids)))


async def requeue_parked(db: AsyncSession, ids: Sequence[int] | None, *, now: datetime) -> list[int]:
    """Put parked messages (these ids, or every one for None) back in the queue, due now, with their failed
    attempts forgotten; returns the ids that were parked. Senders wake when the caller commits."""
    requeued = sorted(await db.scalars(
        update(OutgoingMessage)
        .where(_parked(ids))
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_until=None, claim_token=None)
        .returning(OutgoingMessage.id)
        .execution_options(synchronize_session=False)
    ))
    if requeued:
        await _wake_on_commit(db)
    return requeued


async def give_up_parked(db: AsyncSession, ids: Sequence[int] | None) -> list[int]:
    """Give up on parked messages (these ids, or every one for None): they stay on record, marked dropped,
    and nothing sends them. Returns the ids that were parked."""
    return sorted(await db.scalars(
        update(OutgoingMessage)
        .where(_parked(ids))
        .values(status="dropped")
        .returning(OutgoingMessage.id)
        .execution_options(synchronize_session=False)
    ))


# --- the console, which has no push ----------------------------------------------------------------------
async def pending_for(
    sessions: async_sessionmaker[AsyncSession], person_id: int, platform: str, *, now: datetime | None = None
) -> list[OutgoingMessage]:
    """Messages a person has not had yet that may be shown on `platform` (for the console): those bound to
    it, and those bound to no platform unless the person has an account elsewhere — a message waiting to
    reach someone in Slack or Teams stays theirs to receive there, even if they also open `ldbot chat`.
    Given `now`, only those due by then: a broadcast L&D scheduled for next week is not shown today."""
    elsewhere = exists().where(PlatformIdentity.person_id == person_id, PlatformIdentity.platform != platform)
    async with sessions() as db:
        rows = await db.scalars(
            select(OutgoingMessage)
            .where(
                OutgoingMessage.recipient_id == person_id,
                OutgoingMessage.status.in_(("pending", "parked")),
                or_(and_(OutgoingMessage.platform.is_(None), ~elsewhere), OutgoingMessage.platform == platform),
                true() if now is None else OutgoingMessage.next_attempt_at <= now,
            )
            .order_by(OutgoingMessage.id)
        )
        return list(rows)


async def mark_shown(
    sessions: async_sessionmaker[AsyncSession], message_ids: list[int], platform: str, *, now: datetime
) -> None:
    """The console showed these: they are delivered (unless a sender is delivering one right now)."""
    if not message_ids:
        return
    async with unit_of_work(sessions) as db:
        await db.execute(
            update(OutgoingMessage)
            .where(
                OutgoingMessage.id.in_(message_ids),
                OutgoingMessage.status.in_(("pending", "parked")),
                or_(OutgoingMessage.claimed_until.is_(None), OutgoingMessage.claimed_until < now),
            )
            .values(status="delivered", platform=platform, delivered_at=now, claimed_until=None, claim_token=None)
        )
