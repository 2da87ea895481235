"""The sender: delivers what the outbox holds, continuously, paced, never losing a message or sending it twice.

How "never twice" holds, with several senders on one database:
- A claim is small and fenced: a sender marks up to BATCH due rows with its own random token and a lease
  (`UPDATE ... WHERE id IN (due rows, FOR UPDATE SKIP LOCKED on PostgreSQL)`), and every later update
  must match that token. A sender whose lease ran out and whose rows were claimed again can change
  nothing, and it never starts a send once less than SAFETY of its lease is left.
- The lease is renewed while the batch is being sent, so a slow platform does not let it lapse.
- The one message that can still go out twice is the one in flight when a sender dies (after the
  platform accepted it, before the "delivered" update): nothing on Slack's or Teams' side can tell a
  resend from a new message. It is at most one per sender per crash.

How "never lost" holds: a row leaves `pending` only as delivered, cancelled, or parked (for an admin,
after hours of back-off, or because nobody can reach the person). 429s are waited out and never count
as failures.

Delivery runs in parallel across recipients (each recipient's messages in order, one at a time) and is
paced per platform (see pacing.py). It wakes when rows are committed (wake_signal, and PostgreSQL
LISTEN/NOTIFY from other processes), or at the next due time, or every poll interval at the latest.

However many processes run a sender, one sends at a time (a leader lease in the database, taken over
within LDBOT_OUTBOX_LEADER_SECONDS (30 s) when its holder stops), so the pace is the platform's, not a multiple of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from scheduler.outbox.delivery import Deliverer, Recipient, RetryLater, Unreachable
from scheduler.outbox.notices import NOTIFY_CHANNEL, Notice, enqueue, wake_signal
from scheduler.outbox.pacing import Pacer
from scheduler.outbox.render import render_message
from storage.db import listen, unit_of_work
from storage.models import ConversationRef, OutboxLeader, OutgoingMessage, Person, PlatformIdentity

log = logging.getLogger("ldbot.outbox")

BATCH = 100
CONCURRENCY = 16
LEASE = timedelta(seconds=60)
SAFETY = timedelta(seconds=15)  # no send starts with less than this left on the lease
POLL_SECONDS = 2.0
MAX_ATTEMPTS = 15  # failures (not 429s) before a message is parked: about six hours of back-off
BASE_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0
MAX_THROTTLE_WAIT = 300.0


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)  # 429: waited out, not a failure
    parked: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)
    lost_claims: list[int] = field(default_factory=list)  # another sender holds these now
    cancelled: list[int] = field(default_factory=list)  # for someone who has left since they were queued

    def add(self, other: DeliveryReport) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def __str__(self) -> str:
        return (
            f"delivered {len(self.delivered)}, retrying {len(self.retrying)}, deferred {len(self.deferred)}, "
            f"parked {len(self.parked)}, unreachable {len(self.unreachable)}"
        )


def backoff_seconds(attempts: int, retry_after: float | None, *, rng: random.Random | None = None) -> float:
    """Exponential back-off with jitter, never sooner than the platform asked."""
    rng = rng or random
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    return max(rng.uniform(ceiling / 2, ceiling), retry_after or 0.0)


def throttle_seconds(deferrals: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_THROTTLE_WAIT)
    return min(2.0 ** min(deferrals, 8), 60.0)


def reach_of(deliverer: Deliverer) -> ColumnElement[bool]:
    """Whom a deliverer can reach, as SQL: people with an account on its platform, or with a stored
    conversation reference there, or (a deliverer that says neither, like the tests' stand-ins) anyone."""
    reach = getattr(deliverer, "reach", "anyone")
    if reach == "account":
        return OutgoingMessage.recipient_id.in_(
            select(PlatformIdentity.person_id).where(PlatformIdentity.platform == deliverer.platform)
        )
    if reach == "reference":
        return OutgoingMessage.recipient_id.in_(
            select(ConversationRef.person_id).where(ConversationRef.platform == deliverer.platform)
        )
    return true()


@dataclass
class _Claim:
    token: str
    lease_until: float  # time.monotonic() by which the lease runs out


class OutboxSender:
    def __init__(
        self,
        services: Services,
        deliverers: Sequence[Deliverer],
        *,
        pacer: Pacer | None = None,
        batch: int = BATCH,
        concurrency: int = CONCURRENCY,
        lease: timedelta | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.services = services
        self.deliverers = list(deliverers)
        self.pacer = pacer or Pacer(services.settings.outbox_rates())
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease or timedelta(seconds=services.settings.outbox_lease_seconds)
        self.safety = self.lease * (SAFETY / LEASE)  # the same quarter of a shorter lease
        self.poll_seconds = poll_seconds
        self.name = f"{uuid.uuid4().hex[:12]}"
        self.leading = False
        self.leader_lease = timedelta(seconds=services.settings.outbox_leader_seconds)

    # --- running --------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Deliver until cancelled: wake on commits, NOTIFY, the next due time, or the poll interval."""
        signal = wake_signal(self.services.engine)
        listener = None
        if self.services.engine.dialect.name == "postgresql":
            listener = asyncio.ensure_future(listen(self.services.engine.url, NOTIFY_CHANNEL, signal.set))
        keeper = asyncio.ensure_future(self._keep_leading())
        try:
            while True:
                signal.clear()
                try:
                    if self.leading:
                        report = await self.deliver_due()
                        if report:
                            log.info("outbox %s", report)
                except Exception:  # the database blinked: try again at the next wake-up
                    log.exception("outbox pass failed")
                pause = await self._sleep_seconds()
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation that
                # arrives as the signal fires, and this loop would then never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await signal.wait()
        finally:
            for task in (keeper, listener):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            await self._step_down()

    async def _keep_leading(self) -> None:
        while True:
            try:
                was, self.leading = self.leading, await self.lead()
                if self.leading != was:
                    log.info("outbox sender %s %s", self.name, "leads" if self.leading else "stands by")
            except Exception:  # cannot tell: stop sending until the database answers again
                self.leading = False
                log.warning("outbox leadership check failed")
            await asyncio.sleep(self.leader_lease.total_seconds() / 3)

    async def lead(self) -> bool:
        """Take or renew the leader lease; True while this sender holds it."""
        now = self.services.now()
        expires = now + self.leader_lease
        async with unit_of_work(self.services.sessions) as db:
            insert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
            await db.execute(
                insert(OutboxLeader).values(name="outbox", holder=self.name, expires_at=expires)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            result = await db.execute(
                update(OutboxLeader)
                .where(OutboxLeader.name == "outbox",
                       or_(OutboxLeader.holder == self.name, OutboxLeader.expires_at < now))
                .values(holder=self.name, expires_at=expires)
            )
            return result.rowcount == 1

    async def _step_down(self) -> None:
        """Hand over at once on a clean stop, rather than after the lease runs out."""
        if not self.leading:
            return
        with contextlib.suppress(Exception):
            async with unit_of_work(self.services.sessions) as db:
                await db.execute(
                    update(OutboxLeader)
                    .where(OutboxLeader.name == "outbox", OutboxLeader.holder == self.name)
                    .values(expires_at=self.services.now() - self.leader_lease)
                )
        self.leading = False

    async def _sleep_seconds(self) -> float:
        async with self.services.sessions() as db:
            soonest = await db.scalar(
                select(func.min(OutgoingMessage.next_attempt_at)).where(OutgoingMessage.status == "pending")
            )
        if soonest is None:
            return self.poll_seconds
        return min(self.poll_seconds, max((soonest - self.services.now()).total_seconds(), 0.05))

    async def deliver_due(self) -> DeliveryReport:
        """Deliver everything due now, batch after batch; returns what happened.

        One lane per platform, all at once, each claiming only messages for people that platform reaches
        (and that no earlier platform in the list reaches), so a broadcast to Slack and Teams users goes
        out at both platforms' pace together; a last lane parks what nobody can reach.
        """
        report = DeliveryReport()
        if not self.deliverers:
            return report
        for lane in await asyncio.gather(*(self._drain(lane) for lane in self._lanes())):
            report.add(lane)
        return report

    def _lanes(self) -> list[ColumnElement[bool]]:
        reached: list[ColumnElement[bool]] = []
        lanes: list[ColumnElement[bool]] = []
        for deliverer in self.deliverers:
            mine = reach_of(deliverer)
            unfixed = and_(OutgoingMessage.platform.is_(None), mine, *(~r for r in reached))
            lanes.append(or_(OutgoingMessage.platform == deliverer.platform, unfixed))
            reached.append(mine)
        platforms = [d.platform for d in self.deliverers]
        lanes.append(or_(
            and_(OutgoingMessage.platform.is_(None), *(~r for r in reached)),
            and_(OutgoingMessage.platform.is_not(None), OutgoingMessage.platform.not_in(platforms)),
        ))
        return lanes

    async def _drain(self, lane: ColumnElement[bool]) -> DeliveryReport:
        report = DeliveryReport()
        while True:
            claim, ids = await self._claim(lane)
            if not ids:
                return report
            report.add(await self._deliver_batch(claim, ids))
            if len(ids) < self.batch:
                return report

    # --- claiming -------------------------------------------------------------------------------------
    async def _claim(self, lane: ColumnElement[bool] | None = None) -> tuple[_Claim, list[int]]:
        now = self.services.now()
        claim = _Claim(uuid.uuid4().hex, time.monotonic() + self.lease.total_seconds())
        async with unit_of_work(self.services.sessions) as db:
            due = (
                select(OutgoingMessage.id)
                .where(
                    OutgoingMessage.status == "pending",
                    OutgoingMessage.next_attempt_at <= now,
                    or_(OutgoingMessage.claimed_until.is_(None), OutgoingMessage.claimed_until < now),
                    true() if lane is None else lane,
                )
                .order_by(OutgoingMessage.next_attempt_at, OutgoingMessage.id)
                .limit(self.batch)
            )
            if db.bind.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(
                await db.scalars(
                    update(OutgoingMessage)
                    .where(OutgoingMessage.id.in_(due.scalar_subquery()))
                    .values(claim_token=claim.token, claimed_until=now + self.lease)
                    .returning(OutgoingMessage.id)
                    .execution_options(synchronize_session=False)
                )
            )
        return claim, sorted(ids)

    async def _renew(self, claim: _Claim) -> None:
        """Keep the lease while the batch is being sent (a third of the lease at a time)."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                async with unit_of_work(self.services.sessions) as db:
                    await db.execute(
                        update(OutgoingMessage)
                        .where(OutgoingMessage.claim_token == claim.token, OutgoingMessage.status == "pending")
                        .values(claimed_until=self.services.now() + self.lease)
                        .execution_options(synchronize_session=False)
                    )
                claim.lease_until = time.monotonic() + self.lease.total_seconds()
            except Exception:  # not renewed: the sends stop by themselves when the lease runs short
                log.warning("outbox lease renewal failed")

    def _holds(self, claim: _Claim) -> bool:
        return claim.lease_until - time.monotonic() > self.safety.total_seconds()

    # --- sending --------------------------------------------------------------------------------------
    async def _deliver_batch(self, claim: _Claim, ids: list[int]) -> DeliveryReport:
        report = DeliveryReport()
        messages, recipients, left = await self._load(ids)
        by_recipient: dict[int, list[OutgoingMessage]] = defaultdict(list)
        for message in messages:
            by_recipient[message.recipient_id].append(message)
        gate = asyncio.Semaphore(self.concurrency)

        async def one_recipient(person_id: int, queue: list[OutgoingMessage]) -> None:
            async with gate:
                for message in queue:
                    if not self._holds(claim):
                        return  # the lease is too short to start a send: another pass will take it
                    if person_id in left:
                        await self._cancel_for_leaver(claim, message, report)
                        continue
                    await self._send(claim, message, recipients.get(person_id), report)

        renewal = asyncio.ensure_future(self._renew(claim))
        try:
            await asyncio.gather(*(one_recipient(pid, queue) for pid, queue in by_recipient.items()))
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
        return report

    async def _load(self, ids: list[int]) -> tuple[list[OutgoingMessage], dict[int, Recipient], set[int]]:
        """The batch's messages, everything needed to reach their recipients (in three queries), and which
        recipients have left (no longer active)."""
        async with self.services.sessions() as db:
            await self.services.catalogue.refresh(db)  # an admin's rewording applies to what is still waiting
            messages = list(
                await db.scalars(select(OutgoingMessage).where(OutgoingMessage.id.in_(ids)).order_by(OutgoingMessage.id))
            )
            people = {m.recipient_id for m in messages}
            rows = await db.execute(select(Person.id, Person.name, Person.email, Person.active).where(Person.id.in_(people)))
            found = {pid: (name, email, active) for pid, name, email, active in rows}
            accounts: dict[int, dict[str, str]] = defaultdict(dict)
            for pid, platform, user in await db.execute(
                select(PlatformIdentity.person_id, PlatformIdentity.platform, PlatformIdentity.platform_user_id)
                .where(PlatformIdentity.person_id.in_(people))
                .order_by(PlatformIdentity.id)
            ):
                accounts[pid][platform] = user  # ordered by id: the newest link wins
            references: dict[int, dict[str, dict]] = defaultdict(dict)
            for pid, platform, reference in await db.execute(
                select(ConversationRef.person_id, ConversationRef.platform, ConversationRef.reference)
                .where(ConversationRef.person_id.in_(people))
            ):
                references[pid][platform] = reference
        recipients = {
            pid: Recipient(pid, name, email, dict(accounts[pid]), dict(references[pid]))
            for pid, (name, email, active) in found.items()
            if active
        }
        return messages, recipients, {pid for pid, (_, _, active) in found.items() if not active}

    async def _send(
        self, claim: _Claim, message: OutgoingMessage, recipient: Recipient | None, report: DeliveryReport
    ) -> None:
        candidates = [
            d for d in self.deliverers
            if (not message.platform or d.platform == message.platform) and recipient is not None and d.can_reach(recipient)
        ]
        errors: list[str] = []
        for deliverer in candidates:
            assert recipient is not None
            await self.pacer[deliverer.platform].acquire()
            if not self._holds(claim):
                return
            try:
                reply = render_message(message, deliverer.platform, self.services.catalogue)
                await deliverer.deliver(recipient, reply)
            except Unreachable as exc:
                errors.append(f"{deliverer.platform}: unreachable ({exc})")
                continue
            except RetryLater as exc:
                if exc.throttled:
                    self.pacer[deliverer.platform].throttled(exc.after_seconds)
                    await self._defer(claim, message, exc, report)
                else:
                    await self._retry(claim, message, f"{deliverer.platform}: {exc}", exc.after_seconds, report)
                return
            except Exception as exc:  # a bug or an unexpected answer: retry, then park
                log.exception("outbox delivery failed message=%s platform=%s", message.id, deliverer.platform)
                await self._retry(claim, message, f"{deliverer.platform}: {type(exc).__name__}", None, report)
                return
            await self._delivered(claim, message, deliverer.platform, report)
            return
        await self._unreachable(claim, message, recipient, "; ".join(errors) or "unreachable on every platform", report)

    # --- the outcome of one message, each update fenced by the claim's token ------------------------------
    def _owned(self, claim: _Claim, message: OutgoingMessage):  # noqa: ANN202 - a SQL condition
        return and_(OutgoingMessage.id == message.id, OutgoingMessage.claim_token == claim.token)

    async def _finish(self, claim: _Claim, message: OutgoingMessage, report: DeliveryReport, **values: object) -> bool:
        async with unit_of_work(self.services.sessions) as db:
            result = await db.execute(
                update(OutgoingMessage)
                .where(self._owned(claim, message))
                .values(claimed_until=None, claim_token=None, **values)
                .execution_options(synchronize_session=False)
            )
        if result.rowcount != 1:
            report.lost_claims.append(message.id)
            log.warning("outbox claim lost message=%s: another sender holds it", message.id)
            return False
        return True

    async def _delivered(self, claim: _Claim, message: OutgoingMessage, platform: str, report: DeliveryReport) -> None:
        if await self._finish(
            claim, message, report, status="delivered", platform=platform, delivered_at=self.services.now(),
            attempts=message.attempts + 1, last_error=None,
        ):
            report.delivered.append(message.id)
            log.info("outbox delivered message=%s platform=%s kind=%s", message.id, platform, message.kind)

    async def _cancel_for_leaver(self, claim: _Claim, message: OutgoingMessage, report: DeliveryReport) -> None:
        """Queued before they left (or by something that did not know): never sent, never parked for an admin."""
        if await self._finish(claim, message, report, status="cancelled", last_error="cancelled: the recipient has left"):
            report.cancelled.append(message.id)
            log.info("outbox cancelled message=%s: recipient left", message.id)

    async def _defer(self, claim: _Claim, message: OutgoingMessage, exc: RetryLater, report: DeliveryReport) -> None:
        wait = throttle_seconds(message.deferrals, exc.after_seconds)
        if await self._finish(
            claim, message, report, deferrals=message.deferrals + 1, last_error=f"throttled: {exc}",
            next_attempt_at=self.services.now() + timedelta(seconds=wait),
        ):
            report.deferred.append(message.id)
            log.info("outbox throttled message=%s wait=%.1fs", message.id, wait)

    async def _retry(
        self, claim: _Claim, message: OutgoingMessage, error: str, retry_after: float | None, report: DeliveryReport
    ) -> None:
        attempts = message.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            if await self._finish(claim, message, report, status="parked", attempts=attempts, last_error=error):
                report.parked.append(message.id)
                log.warning("outbox parked message=%s after %s attempts", message.id, attempts)
            return
        delay = backoff_seconds(attempts, retry_after)
        if await self._finish(
            claim, message, report, attempts=attempts, last_error=error,
            next_attempt_at=self.services.now() + timedelta(seconds=delay),
        ):
            report.retrying.append(message.id)
            log.info("outbox retry message=%s attempt=%s in %.1fs", message.id, attempts, delay)

    async def _unreachable(
        self, claim: _Claim, message: OutgoingMessage, recipient: Recipient | None, error: str, report: DeliveryReport
    ) -> None:
        if not await self._finish(claim, message, report, status="parked", last_error=error):
            return
        report.unreachable.append(message.id)
        log.warning("outbox unreachable message=%s person=%s", message.id, message.recipient_id)
        if recipient is not None:
            async with unit_of_work(self.services.sessions) as db:
                await tell_admins_unreachable(db, recipient, now=self.services.now())


async def tell_admins_unreachable(db: AsyncSession, recipient: Recipient, *, now) -> None:  # noqa: ANN001
    """Each admin hears once a day about each person nobody can reach (a second message for the same
    person that day finds the notice already queued and adds nothing)."""
    admins = await db.scalars(select(Person.id).where(Person.role == "admin", Person.active.is_(True)))
    day = now.date().isoformat()
    await enqueue(
        db,
        [
            Notice(admin, "outbox.unreachable", {"name": recipient.name, "email": recipient.email},
                   kind="admin_report", dedupe_key=f"unreachable:{recipient.person_id}:{admin}:{day}")
            for admin in admins
            if admin != recipient.person_id
        ],
        now=now,
    )
