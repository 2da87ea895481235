"""Parked messages as admins see and handle them (issue 16 item 3): the use cases and who may call them, the
daily report to admins, and `ldbot outbox list|retry|drop` on the same use cases."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from bot.cli import main
from bot.usecase import Refused, run_use_case
from handlers.delivery import jobs
from handlers.delivery.usecases import drop_parked, list_messages, retry_parked
from scheduler.outbox import Recipient, Unreachable
from storage.db import unit_of_work
from storage.models import AuditEvent, OutgoingMessage, Person
from tests.support import add_person, audit_details, deliver, queue
from tests.support import parked as support_parked

SECRET = "Something only Sam should read"
SLACK_DOWN = "slack: slack: internal_error"
TEAMS_DOWN = "teams: Teams connector status 503"
NOBODY = "slack: unreachable (no Slack account linked); teams: unreachable (no Teams conversation with this person yet)"


async def parked(services, recipient_id: int, error: str, **kwargs) -> int:
    return await support_parked(services, recipient_id, error, context={"name": SECRET, "email": "x@example.org"},
                                **kwargs)


async def person(services, email: str) -> Person:
    async with services.sessions() as db:
        return await db.scalar(select(Person).where(Person.email == email))


async def rows(services) -> dict[int, OutgoingMessage]:
    async with services.sessions() as db:
        return {m.id: m for m in await db.scalars(select(OutgoingMessage))}


async def reports(services) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        return list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.template == "delivery.parked")
                                     .order_by(OutgoingMessage.id)))


class Nobody:
    """A platform that can reach nobody (what the sender parks at once)."""

    platform = "slack"

    def can_reach(self, recipient: Recipient) -> bool:
        return True

    async def deliver(self, recipient: Recipient, reply) -> None:  # noqa: ANN001
        raise Unreachable("no Slack account linked")


class Recording:
    platform = "slack"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def can_reach(self, recipient: Recipient) -> bool:
        return True

    async def deliver(self, recipient: Recipient, reply) -> None:  # noqa: ANN001
        self.sent.append(recipient.email)


# --- who may ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["firefighter", "assessor", "ld"])
async def test_only_admins_may_see_retry_or_drop_and_a_refusal_is_audited(services, role):
    someone = await add_person(services, "who@example.org", "Pat Person", role=role)
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    message = await parked(services, sam, SLACK_DOWN)
    for fn, kwargs in ((list_messages, {}), (retry_parked, {"ids": [message]}), (drop_parked, {"every": True})):
        async with unit_of_work(services.sessions) as db:  # as a chat turn: the refusal commits with its answer
            actor = await db.scalar(select(Person).where(Person.email == "who@example.org"))
            with pytest.raises(Refused) as refused:
                await fn(db, actor, services.at(), **kwargs)
        assert refused.value.reason == "not_allowed"
    assert (await rows(services))[message].status == "parked"  # nothing changed
    async with services.sessions() as db:
        audited = list(await db.scalars(select(AuditEvent).where(AuditEvent.action == "refused")))
    assert [(a.actor_id, a.detail["act"]) for a in audited] == [(someone, "outbox.manage")] * 3


async def test_an_admin_lists_retries_and_drops_and_each_is_audited_by_ids_and_counts(services, clock):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    first, second, third = [await parked(services, sam, SLACK_DOWN) for _ in range(3)]
    delivered = await queue(services, sam, "outbox.unreachable", {"name": "A", "email": "a@b"})
    await deliver(services, [Recording()])
    admin = await person(services, "admin@example.org")

    listed = await run_use_case(services, list_messages, admin)
    assert listed.counts == {"pending": 0, "parked": 3, "delivered": 1, "cancelled": 0, "dropped": 0}
    assert [m.id for m in listed.messages] == [first, second, third] and not listed.more
    assert {(m.name, m.email, m.attempts, m.last_error) for m in listed.messages} == {
        ("Sam Patel", "sam@example.org", 15, SLACK_DOWN)}
    page = await run_use_case(services, list_messages, admin, limit=2, newest_problems_first=True)
    assert len(page.messages) == 2 and page.more

    clock.advance(minutes=5)
    retried = await run_use_case(services, retry_parked, admin, ids=[first, delivered])
    assert retried.changed == [first] and retried.not_parked == [delivered]
    now = await rows(services)
    assert (now[first].status, now[first].attempts, now[first].next_attempt_at) == ("pending", 0, clock())
    assert now[delivered].status == "delivered"  # only parked messages are tried again
    dropped = await run_use_case(services, drop_parked, admin, ids=[second, first])
    assert dropped.changed == [second] and dropped.not_parked == [first]  # first is pending now: left alone
    everything = await run_use_case(services, drop_parked, admin, every=True)
    assert everything.changed == [third]
    assert (await run_use_case(services, retry_parked, admin, every=True)).changed == []  # nothing parked now
    assert {m.status for m in (await rows(services)).values()} == {"pending", "dropped", "delivered"}

    assert await audit_details(services, "outgoing_message", "retry") == [
        {"count": 1, "ids": [first], "every_parked": False}]
    assert await audit_details(services, "outgoing_message", "drop") == [
        {"count": 1, "ids": [second], "every_parked": False}, {"count": 1, "ids": [third], "every_parked": True}]
    async with services.sessions() as db:
        by = set(await db.scalars(select(AuditEvent.actor_id).where(AuditEvent.entity == "outgoing_message")))
    assert by == {admin.id}

    sent = Recording()
    await deliver(services, [sent])
    assert sent.sent == ["sam@example.org"]  # the one tried again went out


async def test_a_choice_that_is_empty_ambiguous_or_unknown_is_refused_and_changes_nothing(services):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    message = await parked(services, sam, SLACK_DOWN)
    admin = await person(services, "admin@example.org")
    for fn, kwargs, reason in ((retry_parked, {}, "nothing_chosen"), (drop_parked, {}, "nothing_chosen"),
                               (retry_parked, {"ids": [message], "every": True}, "ids_and_every"),
                               (drop_parked, {"ids": list(range(1, 1003))}, "too_many"),
                               (list_messages, {"status": "lost"}, "unknown_status")):
        with pytest.raises(Refused) as refused:
            await run_use_case(services, fn, admin, **kwargs)
        assert refused.value.reason == reason
    assert (await rows(services))[message].status == "parked"


async def test_a_message_nobody_can_reach_is_parked_by_the_sender_then_tried_again(services):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    message = await queue(services, sam, "outbox.unreachable", {"name": "A", "email": "a@b"})
    report = await deliver(services, [Nobody()])
    assert message in report.unreachable
    retried = await run_use_case(services, retry_parked, None, ids=[message])  # the command line: the service
    assert retried.changed == [message]
    sent = Recording()
    await deliver(services, [sent])
    assert "sam@example.org" in sent.sent and (await rows(services))[message].status == "delivered"
    assert await audit_details(services, "outgoing_message", "retry") == [
        {"count": 1, "ids": [message], "every_parked": False}]


# --- the daily report ---------------------------------------------------------------------------------------
async def test_each_admin_at_work_hears_once_a_day_grouped_by_platform_and_error_and_nothing_of_content(services, clock):
    ada = await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    bo = await add_person(services, "admin2@example.org", "Bo Admin", role="admin")
    await add_person(services, "gone@example.org", "Gone Admin", role="admin", active=False)
    await add_person(services, "ld@example.org", "Lee Learning", role="ld")
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    clock.advance(days=-14)
    oldest = await parked(services, sam, TEAMS_DOWN)
    clock.advance(days=14)
    for _ in range(3):
        await parked(services, sam, SLACK_DOWN)
    await parked(services, sam, "slack: network: ConnectError")
    await parked(services, sam, NOBODY)
    await parked(services, sam, "slack: slack: internal_error", platform="slack")  # a held reply

    first, second = await asyncio.gather(jobs.parked_report(services), jobs.parked_report(services))
    await jobs.parked_report(services)
    clock.advance(hours=3)
    await jobs.parked_report(services)
    told = await reports(services)
    assert sorted(r.recipient_id for r in told) == [ada, bo]  # once each, however often it ran
    assert {first.admins, second.admins} == {2} and first.summary.count == 7

    text = services.catalogue.render("delivery.parked", told[0].context, platform="console")
    assert text.startswith("7 messages I could not deliver are parked")
    assert "• Slack: 5 — internal_error (4); network: ConnectError (1)" in text
    assert "• Slack and Microsoft Teams: 1 — slack: unreachable (no Slack account linked); teams: unreachable" in text
    assert "• Microsoft Teams: 1 — Teams connector status 503 (1)" in text
    assert f"The oldest, message {oldest}, was queued on 3 November 2026." in text
    assert "http://localhost:3978/admin/outbox" in text and "`ldbot outbox list`" in text
    assert SECRET not in text and "Sam" not in text and "sam@example.org" not in text
    assert SECRET not in json.dumps(told[0].context)

    clock.advance(days=1)  # Wednesday: a new day, a new report
    await jobs.parked_report(services)
    assert len(await reports(services)) == 4


async def test_nothing_is_said_when_nothing_is_parked(services):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, sam, "outbox.unreachable", {"name": "A", "email": "a@b"})  # pending, not parked
    done = await jobs.parked_report(services)
    assert done.summary is None and done.admins == 0 and await reports(services) == []


async def test_an_admin_hears_in_their_working_time_and_not_on_a_day_off(services, clock):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    await add_person(services, "night@example.org", "Nia Nights", role="admin",
                     working_pattern="weekdays=tue;hours=20:00-06:00")
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    await parked(services, sam, SLACK_DOWN)
    clock.at = datetime(2026, 11, 17, 8, 30, tzinfo=clock().tzinfo)  # Tuesday, before office hours
    assert (await jobs.parked_report(services)).admins == 0
    clock.at = datetime(2026, 11, 17, 9, 0, tzinfo=clock().tzinfo)  # the office day starts: Ada hears
    assert (await jobs.parked_report(services)).admins == 1
    clock.at = datetime(2026, 11, 17, 20, 15, tzinfo=clock().tzinfo)  # Tuesday night: the night shift hears
    await jobs.parked_report(services)
    assert len(await reports(services)) == 2
    clock.at = datetime(2026, 11, 21, 10, 0, tzinfo=clock().tzinfo)  # Saturday: nobody at work
    assert (await jobs.parked_report(services)).admins == 0
    assert jobs.parked_report_every(services) == timedelta(minutes=15)


# --- the command line ---------------------------------------------------------------------------------------
async def ldbot(services, *args: str) -> Result:
    """The real command line in a thread (it starts its own event loop) against the test database."""
    env = {"LDBOT_DATABASE_URL": services.settings.database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


async def test_the_command_line_lists_retries_and_drops_with_the_same_json(services):
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    first, second, third = [await parked(services, sam, SLACK_DOWN) for _ in range(3)]
    listed = await ldbot(services, "outbox", "list", "--json")
    assert listed.exit_code == 0, listed.output
    shown = json.loads(listed.output)
    assert shown["counts"] == {"pending": 0, "parked": 3, "delivered": 0, "cancelled": 0, "dropped": 0}
    assert [m["id"] for m in shown["messages"]] == [first, second, third]
    assert set(shown["messages"][0]) == {"id", "kind", "recipient", "attempts", "deferrals", "last_error", "created_at"}
    assert shown["messages"][0]["recipient"] == "sam@example.org" and shown["messages"][0]["last_error"] == SLACK_DOWN
    text = await ldbot(services, "outbox", "list", "--limit", "2")
    assert text.output.splitlines()[0] == "pending 0, parked 3, delivered 0, cancelled 0, dropped 0"
    assert "(the first 2; --limit shows more)" in text.output

    retried = await ldbot(services, "outbox", "retry", str(first), "999999")
    assert retried.exit_code == 0 and "1 message(s) queued again." in retried.output
    assert "Not parked, so left as they are: 999999." in retried.output
    dropped = await ldbot(services, "outbox", "drop", "--all-parked")
    assert "2 message(s) dropped." in dropped.output
    pending = json.loads((await ldbot(services, "outbox", "list", "--status", "pending", "--json")).output)
    assert [m["id"] for m in pending["messages"]] == [first] and pending["messages"][0]["attempts"] == 0
    assert pending["counts"]["dropped"] == 2

    refused = await ldbot(services, "outbox", "retry")
    assert refused.exit_code == 2 and "name message ids, or --all-parked" in refused.output
    both = await ldbot(services, "outbox", "drop", str(first), "--all-parked")
    assert both.exit_code == 2 and "not both" in both.output
    async with services.sessions() as db:
        entries = list(await db.scalars(select(AuditEvent).where(AuditEvent.entity == "outgoing_message")
                                        .order_by(AuditEvent.id)))
    assert [(e.action, e.actor_id, e.detail["count"]) for e in entries] == [("retry", None, 1), ("drop", None, 2)]
