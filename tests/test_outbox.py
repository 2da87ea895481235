"""The outbox sender against a recording test platform (a stand-in for Slack/Teams, not our code)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.core import Bot
from bot.turn import queue_message
from bot.types import Button, Reply
from scheduler.delivery import RetryLater, Unreachable
from scheduler.outbox import LEASE, MAX_ATTEMPTS, claim_due, deliver_due
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person
from tests.support import add_person


class RecordingPlatform:
    def __init__(self, name: str = "fake", *, reach: bool = True) -> None:
        self.platform = name
        self.reach = reach
        self.sent: list[tuple[str, str]] = []
        self.failures: list[Exception] = []

    async def can_reach(self, person: Person) -> bool:
        return self.reach

    async def deliver(self, person: Person, reply: Reply) -> None:
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((person.email, reply.text))


async def queue(services, recipient_id: int, *, key: str | None = None, name: str = "Alex") -> int:
    async with unit_of_work(services.sessions) as db:
        row = await queue_message(
            db,
            recipient_id=recipient_id,
            template="outbox.unreachable",
            context={"name": name, "email": "x@example.org"},
            buttons=[Button("OK", "noop")],
            dedupe_key=key,
            now=services.now(),
        )
        return row.id


async def statuses(services) -> list[tuple[str, int]]:
    async with services.sessions() as db:
        return [(r.status, r.attempts) for r in await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id))]


async def test_delivers_once_and_marks_delivered(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    bot, fake = Bot(services), RecordingPlatform()
    report = await deliver_due(bot, [fake])
    assert len(report.delivered) == 1 and fake.sent[0][0] == "sam@example.org"
    assert "Alex" in fake.sent[0][1]
    assert (await deliver_due(bot, [fake])).delivered == []
    assert await statuses(services) == [("delivered", 1)]


async def test_retry_after_is_honoured_then_delivered(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    bot, fake = Bot(services), RecordingPlatform()
    fake.failures.append(RetryLater("429", after_seconds=30))
    assert len((await deliver_due(bot, [fake])).retrying) == 1
    clock.advance(seconds=20)
    assert (await deliver_due(bot, [fake])).delivered == []
    clock.advance(seconds=15)
    assert len((await deliver_due(bot, [fake])).delivered) == 1
    assert await statuses(services) == [("delivered", 2)]
    assert len(fake.sent) == 1


async def test_repeated_failure_parks_the_message(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    bot, fake = Bot(services), RecordingPlatform()
    fake.failures.extend(RuntimeError("boom") for _ in range(MAX_ATTEMPTS))
    for _ in range(MAX_ATTEMPTS):
        await deliver_due(bot, [fake])
        clock.advance(hours=2)
    assert await statuses(services) == [("parked", MAX_ATTEMPTS)]
    assert fake.sent == []


async def test_unreachable_person_is_parked_and_admins_told(services):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    bot = Bot(services)
    nowhere = RecordingPlatform(reach=False)
    refusing = RecordingPlatform("other")
    refusing.failures.append(Unreachable("no account"))
    report = await deliver_due(bot, [nowhere, refusing])
    assert len(report.unreachable) == 1
    async with services.sessions() as db:
        rows = list(await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))
    assert rows[0].status == "parked"
    assert rows[1].template == "outbox.unreachable" and rows[1].context["name"] == "Sam Patel"


async def test_two_senders_deliver_each_message_once(services):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    for i in range(20):
        await queue(services, pid, key=f"k{i}")
    fake = RecordingPlatform()
    await asyncio.gather(deliver_due(Bot(services), [fake]), deliver_due(Bot(services), [fake]))
    assert len(fake.sent) == 20
    assert {s for s, _ in await statuses(services)} == {"delivered"}


async def test_a_sender_that_dies_after_claiming_loses_nothing(services, clock):
    pid = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, pid)
    bot, fake = Bot(services), RecordingPlatform()
    claimed = await claim_due(bot, limit=10)  # the process dies here, holding the lease
    assert len(claimed) == 1
    assert (await deliver_due(bot, [fake])).delivered == []  # still leased to the dead sender
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert len((await deliver_due(bot, [fake])).delivered) == 1
    assert len(fake.sent) == 1
