"""The outbox sender: delivers messages the bot starts, with retries, never losing one.

Rows are written by handlers and jobs in the same transaction as the change that caused them. Here a
sender claims due rows with a short lease (a conditional UPDATE, so two processes never claim the same
row), renders each for the recipient's platform, delivers it, and marks it delivered only while still
holding the lease. Throttling and transient faults back off exponentially with jitter, honouring the
platform's Retry-After; repeated failure parks the message for an admin. A person no platform can reach
is parked as unreachable and admins are told (the console shows parked and pending messages at start).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.turn import queue_message
from bot.types import Reply
from scheduler.delivery import Deliverer, RetryLater, Unreachable
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person

if TYPE_CHECKING:
    from bot.core import Bot

log = logging.getLogger("ldbot.outbox")

LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0
# The template name recorded for a held reply (its rendered text travels in `elements`).
HELD_REPLY = "(held reply)"


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"delivered {len(self.delivered)}, retrying {len(self.retrying)}, "
            f"parked {len(self.parked)}, unreachable {len(self.unreachable)}"
        )


def backoff_seconds(attempts: int, retry_after: float | None, *, rng: random.Random | None = None) -> float:
    """Exponential back-off with full jitter, never sooner than the platform asked."""
    rng = rng or random
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    delay = rng.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0.0)


async def claim_due(bot: Bot, *, limit: int) -> list[tuple[int, datetime]]:
    """Claim up to `limit` due rows; returns (id, lease) pairs this process now owns."""
    now = bot.services.now()
    lease = now + LEASE
    claimed: list[tuple[int, datetime]] = []
    async with unit_of_work(bot.services.sessions) as db:
        candidates = await db.scalars(
            select(OutgoingMessage.id)
            .where(
                OutgoingMessage.status == "pending",
                OutgoingMessage.next_attempt_at <= now,
                or_(OutgoingMessage.claimed_until.is_(None), OutgoingMessage.claimed_until < now),
            )
            .order_by(OutgoingMessage.id)
            .limit(limit)
        )
        for message_id in list(candidates):
            result = await db.execute(
                update(OutgoingMessage)
                .where(
                    OutgoingMessage.id == message_id,
                    OutgoingMessage.status == "pending",
                    or_(OutgoingMessage.claimed_until.is_(None), OutgoingMessage.claimed_until < now),
                )
                .values(claimed_until=lease)
            )
            if result.rowcount == 1:
                claimed.append((message_id, lease))
    return claimed


async def deliver_due(bot: Bot, deliverers: list[Deliverer], *, limit: int = 100) -> DeliveryReport:
    report = DeliveryReport()
    if not deliverers:
        return report
    for message_id, lease in await claim_due(bot, limit=limit):
        await _deliver_one(bot, deliverers, message_id, lease, report)
    return report


async def _deliver_one(
    bot: Bot, deliverers: list[Deliverer], message_id: int, lease: datetime, report: DeliveryReport
) -> None:
    sessions = bot.services.sessions
    async with sessions() as db:
        message = await db.get(OutgoingMessage, message_id)
        person = await db.get(Person, message.recipient_id) if message else None
    if message is None or person is None:
        return
    owned = and_(OutgoingMessage.id == message_id, OutgoingMessage.claimed_until == lease)
    retry_after: float | None = None
    error = "unreachable on every configured platform"
    unreachable = True
    for deliverer in deliverers:
        if message.platform and deliverer.platform != message.platform:
            continue  # a held reply is already rendered for one platform
        if not await deliverer.can_reach(person):
            continue
        try:
            await deliverer.deliver(person, bot.render_outgoing(message, deliverer.platform))
        except Unreachable as exc:
            error = f"{deliverer.platform}: unreachable ({exc})"
            continue
        except RetryLater as exc:
            retry_after, error, unreachable = exc.after_seconds, f"{deliverer.platform}: {exc}", False
            break
        except Exception as exc:  # a bug or an unexpected answer: retry, then park
            log.exception("outbox delivery failed message=%s platform=%s", message_id, deliverer.platform)
            retry_after, error, unreachable = None, f"{deliverer.platform}: {type(exc).__name__}", False
            break
        async with unit_of_work(sessions) as db:
            await db.execute(
                update(OutgoingMessage)
                .where(owned)
                .values(
                    status="delivered",
                    platform=deliverer.platform,
                    delivered_at=bot.services.now(),
                    claimed_until=None,
                    attempts=message.attempts + 1,
                    last_error=None,
                )
            )
        log.info("outbox delivered message=%s platform=%s kind=%s", message_id, deliverer.platform, message.kind)
        report.delivered.append(message_id)
        return

    now = bot.services.now()
    attempts = message.attempts + 1
    async with unit_of_work(sessions) as db:
        if unreachable:
            await db.execute(
                update(OutgoingMessage).where(owned).values(status="parked", last_error=error, claimed_until=None)
            )
            await _tell_admins_unreachable(db, bot, person, now)
            report.unreachable.append(message_id)
            log.warning("outbox unreachable message=%s person=%s", message_id, person.id)
            return
        if attempts >= MAX_ATTEMPTS:
            await db.execute(
                update(OutgoingMessage)
                .where(owned)
                .values(status="parked", attempts=attempts, last_error=error, claimed_until=None)
            )
            report.parked.append(message_id)
            log.warning("outbox parked message=%s after %s attempts", message_id, attempts)
            return
        delay = backoff_seconds(attempts, retry_after)
        await db.execute(
            update(OutgoingMessage)
            .where(owned)
            .values(
                attempts=attempts,
                last_error=error,
                claimed_until=None,
                next_attempt_at=now + timedelta(seconds=delay),
            )
        )
        report.retrying.append(message_id)
        log.info("outbox retry message=%s attempt=%s in %.1fs", message_id, attempts, delay)


async def _tell_admins_unreachable(db, bot: Bot, person: Person, now: datetime) -> None:  # noqa: ANN001
    admins = await db.scalars(select(Person).where(Person.role == "admin", Person.active.is_(True)))
    day = now.date().isoformat()
    for admin in admins:
        if admin.id == person.id:
            continue
        key = f"unreachable:{person.id}:{admin.id}:{day}"
        exists = await db.scalar(select(OutgoingMessage.id).where(OutgoingMessage.dedupe_key == key))
        if exists is None:
            await queue_message(
                db,
                recipient_id=admin.id,
                template="outbox.unreachable",
                context={"name": person.name, "email": person.email},
                kind="admin_report",
                dedupe_key=key,
                now=now,
            )


async def hold_replies(bot: Bot, person_id: int, replies: list[Reply], platform: str) -> list[int]:
    """Replies an adapter could not send during the turn (the platform still throttling after its quick
    retries, or down): the outbox delivers them later on the same platform, so nothing the user was about
    to be told is dropped. They are stored as rendered, escaped for that platform, and not rendered again."""
    now = bot.services.now()
    ids: list[int] = []
    async with unit_of_work(bot.services.sessions) as db:
        for reply in replies:
            held = replace(reply, replace_original=False)
            row = OutgoingMessage(
                recipient_id=person_id,
                template=HELD_REPLY,
                context={},
                elements={"reply": held.to_dict()},
                kind="reply",
                platform=platform,
                created_at=now,
                next_attempt_at=now,
            )
            db.add(row)
            await db.flush()
            ids.append(row.id)
    log.warning("held replies for the outbox person=%s platform=%s messages=%s", person_id, platform, ids)
    return ids


async def cancel_unsent(db: AsyncSession, dedupe_key: str, *, now: datetime) -> list[int]:
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
    seen = await db.scalars(select(OutgoingMessage.recipient_id).where(keyed, OutgoingMessage.status != "cancelled"))
    return sorted(set(seen))


async def pending_for(bot: Bot, person_id: int, platform: str) -> list[OutgoingMessage]:
    """Messages a person has not had yet on `platform` (for the console, which has no push)."""
    async with bot.services.sessions() as db:
        rows = await db.scalars(
            select(OutgoingMessage)
            .where(
                OutgoingMessage.recipient_id == person_id,
                OutgoingMessage.status.in_(("pending", "parked")),
                or_(OutgoingMessage.platform.is_(None), OutgoingMessage.platform == platform),
            )
            .order_by(OutgoingMessage.id)
        )
        return list(rows)


async def mark_delivered(bot: Bot, message_ids: list[int], platform: str) -> None:
    if not message_ids:
        return
    async with unit_of_work(bot.services.sessions) as db:
        await db.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.id.in_(message_ids), OutgoingMessage.status.in_(("pending", "parked")))
            .values(status="delivered", platform=platform, delivered_at=bot.services.now(), claimed_until=None)
        )
