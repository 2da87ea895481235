"""Deciding and queueing nudges: once per period, at the recipient's slot, hand-overs told once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select, update

from bot.types import Reply
from handlers.nudges.job import preview, run_nudges
from scheduler.outbox import render_message
from scheduler.outbox.sender import LEASE
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person
from storage.models.nudges import NudgeItemNotice, NudgeSend
from tests.nudge_org import MONDAY, MONDAY_EXPECTED, at, build_station, rules
from tests.support import deliver


async def outbox(services) -> list[tuple[str, str, str]]:
    async with services.sessions() as db:
        rows = await db.execute(
            select(Person.email, OutgoingMessage.kind, OutgoingMessage.template)
            .join(Person, Person.id == OutgoingMessage.recipient_id)
            .order_by(Person.email, OutgoingMessage.id)
        )
        return [tuple(r) for r in rows]


async def test_monday_run_queues_each_nudge_once(services):
    await build_station(services)
    early = await run_nudges(services, rules=rules(), now=at(MONDAY, 7, 0))
    assert early.queued == {} and early.waiting == 3  # decided at 09:00, not before
    report = await run_nudges(services, rules=rules(), now=at(MONDAY), chunk=1)  # one transaction each
    assert report.queued == {"digest": 1, "escalation": 1, "expiry": 1}
    again = await run_nudges(services, rules=rules(), now=at(MONDAY, 11, 0))
    assert again.queued == {}
    assert await outbox(services) == [
        ("ff1@example.org", "nudge_expiry", "nudges.expiry"),
        ("gm@example.org", "nudge_escalation", "nudges.escalation"),
        ("wm@example.org", "nudge_digest", "nudges.digest"),
    ]
    # After the run, the preview shows nothing left to send that day.
    assert (await preview(services, MONDAY, rules=rules())).for_json() == []
    assert MONDAY_EXPECTED  # the same plan the preview showed before the run


async def test_told_once_then_weekly_digest_only(services):
    await build_station(services)
    await run_nudges(services, rules=rules(), now=at(MONDAY))
    for day in (date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 23)):
        await run_nudges(services, rules=rules(), now=at(day))
    # A second digest the next Monday; the escalation and the due-soon reminder are not repeated.
    assert await outbox(services) == [
        ("ff1@example.org", "nudge_expiry", "nudges.expiry"),
        ("gm@example.org", "nudge_escalation", "nudges.escalation"),
        ("wm@example.org", "nudge_digest", "nudges.digest"),
        ("wm@example.org", "nudge_digest", "nudges.digest"),
    ]
    # Once the BA runs out (2 December), Sam hears once more: now it is overdue.
    await run_nudges(services, rules=rules(), now=at(date(2026, 12, 2)))
    await run_nudges(services, rules=rules(), now=at(date(2026, 12, 3)))
    async with services.sessions() as db:
        notices = list(await db.execute(select(NudgeItemNotice.kind, NudgeItemNotice.status).order_by(NudgeItemNotice.id)))
    assert sorted(tuple(n) for n in notices) == [
        ("escalation", "overdue"), ("expiry", "due_soon"), ("expiry", "overdue"),
    ]


async def test_digest_message_renders_with_actions(services):
    ids = await build_station(services)
    await run_nudges(services, rules=rules(), now=at(MONDAY))
    async with services.sessions() as db:
        message = await db.scalar(select(OutgoingMessage).where(OutgoingMessage.kind == "nudge_digest"))
    reply: Reply = render_message(message, "slack", services.catalogue)
    assert reply.text.splitlines() == [
        "Hello Dana — here's what needs your attention in your team this week:",
        "• Sam Patel: appraisal (IPDR) — *overdue* since 1 October 2026 (46 days)",
        "• Sam Patel: BA Breathing apparatus wearer — due 1 December 2026",
        "• Priya Shah: appraisal (IPDR) — due 10 December 2026",
        "Mark an appraisal done, book a workplace assessment, open evidence to verify, or snooze an item for a week.",
    ]
    ids_ = [b.action_id for b in reply.buttons]
    assert ids_ == [
        f"nudges.done:{ids['ff1']}", f"nudges.snooze:{ids['ff1']}:appraisal",
        f"nudges.book:{ids['ff1']}:{ids['BA']}", f"nudges.snooze:{ids['ff1']}:competence:{ids['BA']}",
        f"nudges.done:{ids['ff2']}", f"nudges.snooze:{ids['ff2']}:appraisal",
    ]
    assert len(set(ids_)) == len(ids_)  # Slack needs unique action ids in a message


async def test_message_decided_after_hours_waits_for_the_next_working_slot(services):
    await build_station(services)
    # The scheduler was down all Monday; it comes back at 19:00, after Dana's office hours.
    await run_nudges(services, rules=rules(), now=at(MONDAY, 19, 0))
    async with services.sessions() as db:
        rows = dict(
            (kind, when)
            for kind, when in await db.execute(select(OutgoingMessage.kind, OutgoingMessage.next_attempt_at))
        )
    assert rows["nudge_digest"] == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


async def test_manager_change_moves_items_and_tells_the_new_manager_once(services):
    ids = await build_station(services)
    await run_nudges(services, rules=rules(), now=at(MONDAY))  # ownership recorded silently
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(Person).where(Person.id == ids["ff1"]).values(line_manager_id=ids["wm2"]))
    tuesday = await preview(services, date(2026, 11, 17), rules=rules())
    assert [(tuesday.people[n.recipient_id].email, n.kind, n.moved) for n in tuesday.nudges] == [
        ("wm2@example.org", "handover", [(ids["ff1"], ids["wm"])]),
    ]
    first = await run_nudges(services, rules=rules(), now=at(date(2026, 11, 17)))
    second = await run_nudges(services, rules=rules(), now=at(date(2026, 11, 17), 12))
    third = await run_nudges(services, rules=rules(), now=at(date(2026, 11, 18)))
    assert first.queued == {"handover": 1} and second.queued == {} and third.queued == {}
    async with services.sessions() as db:
        message = await db.scalar(select(OutgoingMessage).where(OutgoingMessage.kind == "nudge_handover"))
    text = render_message(message, "console", services.catalogue).text
    assert "you now look after Sam Patel (previously with Dana Kowalski)" in text
    # From now on Sam's items are in Tom's digest, not Dana's.
    monday = await preview(services, date(2026, 11, 23), rules=rules())
    digests = {monday.people[n.recipient_id].email: [monday.people[i.person_id].email for i in n.items]
               for n in monday.nudges if n.kind == "digest"}
    assert digests == {"wm2@example.org": ["ff1@example.org", "ff1@example.org"],
                       "wm@example.org": ["ff2@example.org"]}


async def test_manager_change_with_nothing_open_is_silent(services):
    ids = await build_station(services)
    await run_nudges(services, rules=rules(), now=at(MONDAY))
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(Person).where(Person.id == ids["ff3"]).values(line_manager_id=ids["wm"]))
    report = await run_nudges(services, rules=rules(), now=at(date(2026, 11, 17)))
    assert "handover" not in report.queued
    assert (await preview(services, date(2026, 11, 18), rules=rules())).nudges == []


async def test_delivery_killed_midway_then_restarted_delivers_each_once(services, clock):
    """A sender that dies mid-delivery (before the platform took the message) loses nothing, repeats nothing."""
    await build_station(services)
    clock.at = at(MONDAY)
    await run_nudges(services, rules=rules(), now=clock.at)

    class Killed(BaseException):
        """Stands for the process dying: not an Exception, so nothing in the sender catches it."""

    class Platform:  # a stand-in for Slack/Teams
        platform = "fake"

        def __init__(self) -> None:
            self.sent: list[str] = []
            self.die_for = "wm@example.org"

        def can_reach(self, recipient) -> bool:
            return True

        async def deliver(self, recipient, reply) -> None:
            await asyncio.sleep(0)
            if recipient.email == self.die_for:
                self.die_for = ""
                raise Killed()
            self.sent.append(recipient.email)

    fake = Platform()
    try:
        await deliver(services, [fake])
    except Killed:
        pass
    await asyncio.sleep(0.1)  # whatever else was in flight finishes
    assert "wm@example.org" not in fake.sent
    before = len(fake.sent)
    # Restart: the dead sender's lease runs out, the next one delivers the rest.
    clock.advance(seconds=LEASE.total_seconds() + 1)
    report = await deliver(services, [fake])
    assert len(report.delivered) == 3 - before
    assert (await deliver(services, [fake])).delivered == []
    assert sorted(fake.sent) == ["ff1@example.org", "gm@example.org", "wm@example.org"]
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).where(OutgoingMessage.status != "delivered")) == 0
        assert await db.scalar(select(func.count()).select_from(NudgeSend)) == 3
