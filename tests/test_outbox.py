"""The outbox service against a recording test platform (a stand-in for Slack/Teams, not our code)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.types import Reply
from scheduler.outbox import (
    Notice,
    NoticeButton,
    OutboxSender,
    Recipient,
    RetryLater,
    Unreachable,
    cancel,
    enqueue,
)
from scheduler.outbox.notices import wake_signal
from scheduler.outbox.sender import LEASE, MAX_ATTEMPTS
from storage.db import unit_of_work
from storage.models import OutgoingMessage
from tests.support import add_person, deliver


class RecordingPlatform:
    def __init__(self, name: str = "fake", *, reach: bool = True, delay: float = 0.0) -> None:
        self.platform = name
        self.reach = reach
        self.delay = delay
        self.sent: list[tuple[str, str]] = []
        self.failures: list[Exception] = []

    def can_reach(self, recipient: Recipient) -> bool:
        return self.reach

    async def deliver(self, recipient: Recipient, reply: Reply) -> None:
        await asyncio.sleep(self.delay)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient.email, reply.text))


async def queue(services, recipient_id: int, *, key: str | None = None, name: str = "Alex") -> int:
    async with unit_of_work(services.sessions) as db:
        ids = await enqueue(db, [Notice(
            recipient_id, "outbox.unreachable", {"name": name, "email": "x@example.org"},
            (NoticeButton("verification.button_competent", "noop"),), dedupe_key=key,
        )], now=services.now())
        return ids[0] if ids else 0


async def statuses(services) -> list[tuple[str, int]]:
    async with services.sessions() as db:
        return [(r.status, r.attempts) for r in await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id))]


async def test_delivers_once_and_marks_delivered(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    fake = RecordingPlatform()
    report = await deliver(services, [fake])
    assert len(report.delivered) == 1 and fake.sent[0][0] == "sam@example.org"
    assert "Alex" in fake.sent[0][1]
    assert (await deliver(services, [fake])).delivered == []
    assert await statuses(services) == [("delivered", 1)]


async def test_many_notices_in_one_statement_and_a_repeated_key_is_skipped(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    async with unit_of_work(services.sessions) as db:
        first = await enqueue(db, [Notice(pid, "core.cancelled", dedupe_key=f"k{i}") for i in range(3)],
                              now=services.now())
        again = await enqueue(db, [Notice(pid, "core.cancelled", dedupe_key="k1"),
                                   Notice(pid, "core.cancelled", dedupe_key="k9")], now=services.now())
    assert len(first) == 3 and len(again) == 1
    assert len(await statuses(services)) == 4


async def test_a_commit_wakes_the_sender_and_a_rollback_does_not(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    signal = wake_signal(services.engine)
    signal.clear()

    class Undo(Exception):
        pass

    try:
        async with unit_of_work(services.sessions) as db:
            await enqueue(db, [Notice(pid, "core.cancelled")], now=services.now())
            raise Undo
    except Undo:
        pass
    assert not signal.is_set() and await statuses(services) == []
    await queue(services, pid)
    assert signal.is_set()


async def test_a_429_is_waited_out_and_never_counts_as_a_failure(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    fake = RecordingPlatform()
    fake.failures.extend(RetryLater("429", after_seconds=30, throttled=True) for _ in range(MAX_ATTEMPTS + 5))
    for _ in range(MAX_ATTEMPTS + 5):
        report = await deliver(services, [fake])
        assert len(report.deferred) == 1
        clock.advance(seconds=31)
    assert await statuses(services) == [("pending", 0)]  # still waiting, never parked by throttling
    assert len((await deliver(services, [fake])).delivered) == 1


async def test_retry_after_on_a_transient_fault_is_honoured_then_delivered(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    fake = RecordingPlatform()
    fake.failures.append(RetryLater("503", after_seconds=30))
    assert len((await deliver(services, [fake])).retrying) == 1
    clock.advance(seconds=20)
    assert (await deliver(services, [fake])).delivered == []
    clock.advance(seconds=15)
    assert len((await deliver(services, [fake])).delivered) == 1
    assert await statuses(services) == [("delivered", 2)]
    assert len(fake.sent) == 1


async def test_repeated_failure_backs_off_for_hours_then_parks(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    fake = RecordingPlatform()
    fake.failures.extend(RuntimeError("boom") for _ in range(MAX_ATTEMPTS))
    started = clock()
    for _ in range(MAX_ATTEMPTS):
        async with services.sessions() as db:
            due = (await db.scalar(select(OutgoingMessage))).next_attempt_at
        clock.at = max(clock(), due)
        await deliver(services, [fake])
    assert await statuses(services) == [("parked", MAX_ATTEMPTS)]
    assert clock() - started > timedelta(hours=3)  # hours of back-off before giving up
    assert fake.sent == []


async def test_unreachable_person_is_parked_and_admins_told(services):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    nowhere = RecordingPlatform(reach=False)
    refusing = RecordingPlatform("other")
    refusing.failures.append(Unreachable("no account"))
    report = await deliver(services, [nowhere, refusing])
    assert len(report.unreachable) == 1
    async with services.sessions() as db:
        rows = list(await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))
    assert rows[0].status == "parked"
    assert rows[1].template == "outbox.unreachable" and rows[1].context["name"] == "Sam Patel"


async def test_two_messages_for_one_unreachable_person_on_one_day_park_both_and_tell_each_admin_once(services):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    await add_person(services, "admin2@example.org", "Bo Admin", role="admin")
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    first, second = await queue(services, pid, key="a"), await queue(services, pid, key="b")
    report = await deliver(services, [RecordingPlatform(reach=False)])
    assert sorted(report.unreachable) == [first, second]
    async with services.sessions() as db:
        rows = list(await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))
    assert [r.status for r in rows[:2]] == ["parked", "parked"] and all(r.claim_token is None for r in rows[:2])
    told = [r.recipient_id for r in rows[2:]]
    assert len(told) == 2 and len(set(told)) == 2  # each admin once


async def test_two_senders_deliver_each_message_once(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    for i in range(20):
        await queue(services, pid, key=f"k{i}")
    fake = RecordingPlatform()
    await asyncio.gather(deliver(services, [fake]), deliver(services, [fake]))
    assert len(fake.sent) == 20
    assert {s for s, _ in await statuses(services)} == {"delivered"}


async def test_a_sender_that_dies_after_claiming_loses_nothing(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    fake = RecordingPlatform()
    _claim, ids = await OutboxSender(services, [fake])._claim()  # the process dies here, holding the lease
    assert len(ids) == 1
    assert (await deliver(services, [fake])).delivered == []  # still leased to the dead sender
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert len((await deliver(services, [fake])).delivered) == 1
    assert len(fake.sent) == 1


async def test_a_sender_whose_claim_was_taken_over_can_change_nothing(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    message_id = await queue(services, pid)
    slow = OutboxSender(services, [RecordingPlatform()])
    claim, ids = await slow._claim()
    clock.advance(seconds=LEASE.total_seconds() + 1)  # its lease ran out; another sender takes the row
    fast = RecordingPlatform()
    assert (await deliver(services, [fast])).delivered == [message_id]
    async with services.sessions() as db:
        message = await db.get(OutgoingMessage, message_id)
    report = await slow._deliver_batch(claim, ids)  # the first sender wakes up
    assert report.delivered == [] and report.lost_claims in ([], [message_id])
    async with services.sessions() as db:
        assert (await db.get(OutgoingMessage, message_id)).delivered_at == message.delivered_at
    assert len(fast.sent) == 1


async def test_no_send_starts_once_the_lease_is_nearly_spent(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    fake = RecordingPlatform()
    sender = OutboxSender(services, [fake])
    claim, ids = await sender._claim()
    claim.lease_until = 0.0  # as if the batch had been held up past its lease
    report = await sender._deliver_batch(claim, ids)
    assert fake.sent == [] and not report


async def test_cancel_stops_what_was_not_sent_and_names_who_has_it(services):
    a = await add_person(services, "a@example.org", "A")
    b = await add_person(services, "b@example.org", "B")
    await queue(services, a, key="evidence:1:verify:a")
    await queue(services, b, key="evidence:1:verify:b")
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(OutgoingMessage).where(OutgoingMessage.recipient_id == b).values(status="delivered"))
    async with unit_of_work(services.sessions) as db:
        told = await cancel(db, "evidence:1:verify", now=services.now())
    assert told == [b]
    assert sorted(s for s, _ in await statuses(services)) == ["cancelled", "delivered"]


async def test_the_running_sender_delivers_what_is_committed_without_waiting_for_a_poll(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    fake = RecordingPlatform()
    sender = OutboxSender(services, [fake], poll_seconds=60)
    task = asyncio.ensure_future(sender.run())
    try:
        await asyncio.sleep(0.2)  # the sender is waiting now
        await queue(services, pid)
        for _ in range(100):
            if fake.sent:
                break
            await asyncio.sleep(0.02)
        assert len(fake.sent) == 1
    finally:
        task.cancel()


async def test_one_sender_leads_at_a_time_and_another_takes_over_when_it_stops(services, clock):
    first, second = OutboxSender(services, [RecordingPlatform()]), OutboxSender(services, [RecordingPlatform()])
    assert await first.lead() is True
    assert await second.lead() is False  # the lease is held: the second stands by, so the pace is one sender's
    assert await first.lead() is True  # renewing
    clock.advance(seconds=31)  # the first stopped renewing (its process died)
    assert await second.lead() is True and await first.lead() is False
    second.leading = True
    await second._step_down()  # a clean stop hands over at once
    assert await first.lead() is True
