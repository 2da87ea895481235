"""The outbox reaches people in Slack: posted to their direct messages (the user id as the channel); a 429
is waited out (Retry-After) and the message delivered once; someone with no Slack account is unreachable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.slack.platform import PLATFORM
from bot.types import Reply
from scheduler.outbox import NoticeButton, Recipient, RetryLater, Unreachable
from storage.db import unit_of_work
from storage.models import OutgoingMessage, PlatformIdentity
from tests.slack.slack_support import dm_of
from tests.support import add_person, deliver, queue

STAFF = "U0STAFF"


async def _linked_person(services) -> int:
    person_id = await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs")
    async with unit_of_work(services.sessions) as db:
        db.add(PlatformIdentity(platform="slack", platform_user_id=STAFF, person_id=person_id))
    return person_id


async def _queue(services, person_id: int) -> int:
    return await queue(services, person_id, "core.cancelled", buttons=(NoticeButton("core.empty", "help.ok", "1"),))


async def test_a_429_is_waited_out_then_the_message_is_delivered_once(slack, clock):
    services = slack.bot.services
    person_id = await _linked_person(services)
    message_id = await _queue(services, person_id)
    slack.fake.throttle("chat.postMessage", retry_after=30)
    deliverers = [PLATFORM.deliverer(services)]

    first = await deliver(services, deliverers)
    assert first.deferred == [message_id] and first.delivered == [] and first.retrying == []
    async with services.sessions() as db:
        row = await db.get(OutgoingMessage, message_id)
    assert row.status == "pending" and row.next_attempt_at >= clock() + timedelta(seconds=30)
    assert "rate limited" in row.last_error
    assert (row.attempts, row.deferrals) == (0, 1)  # a 429 is waited out, never counted as a failure

    assert (await deliver(services, deliverers)).delivered == []  # not due yet: Retry-After is honoured
    clock.advance(seconds=31)
    second = await deliver(services, deliverers)
    assert second.delivered == [message_id]
    assert slack.fake.count("chat.postMessage") == 2  # the refused one and the delivered one
    delivered = slack.fake.of("chat.postMessage")[-1]
    assert delivered["channel"] == STAFF
    assert delivered["blocks"][-1]["elements"][0]["action_id"] == "help.ok"
    assert "I didn't get any text" in delivered["blocks"][-1]["elements"][0]["text"]["text"]  # label from its template
    assert (await deliver(services, deliverers)).delivered == []  # never twice


async def test_a_429_on_a_reply_is_waited_out_by_the_client(slack):
    services = slack.bot.services
    await _linked_person(services)
    slack.fake.throttle("chat.postMessage", retry_after=0)
    await slack.dm(STAFF, "help")
    assert slack.fake.count("chat.postMessage") == 2
    assert len(slack.posted(dm_of(STAFF))) == 2  # the refused attempt is recorded too; the reply got through


async def test_no_slack_account_means_unreachable(slack):
    services = slack.bot.services
    person_id = await add_person(services, "no.slack@northvale.example", "Nia Slackless")
    deliverer = PLATFORM.deliverer(services)
    nobody = Recipient(person_id, "Nia Slackless", "no.slack@northvale.example")
    assert deliverer.can_reach(nobody) is False
    with pytest.raises(Unreachable):
        await deliverer.deliver(nobody, Reply("hello"))
    assert slack.fake.calls == []


async def test_slack_refusing_a_dm_is_unreachable_and_a_throttled_post_is_retried_later(slack):
    services = slack.bot.services
    person_id = await _linked_person(services)
    deliverer = PLATFORM.deliverer(services)
    gone = Recipient(person_id, "Jo Bloggs", "jo.bloggs@northvale.example", {"slack": STAFF})
    slack.fake.refuse("chat.postMessage", "user_not_found")
    with pytest.raises(Unreachable):
        await deliverer.deliver(gone, Reply("hello"))
    slack.fake.throttle("chat.postMessage", retry_after=2)
    with pytest.raises(RetryLater) as caught:
        await deliverer.deliver(gone, Reply("hello"))
    assert caught.value.after_seconds == 2.0 and caught.value.throttled


async def test_a_reply_still_throttled_after_the_client_retries_is_held_and_delivered_by_the_outbox(slack):
    services = slack.bot.services
    person_id = await _linked_person(services)
    slack.fake.throttle("chat.postMessage", retry_after=0, times=3)  # the first try and both client retries
    await slack.dm(STAFF, "help")
    assert slack.fake.count("chat.postMessage") == 3

    async with services.sessions() as db:
        [held] = list(await db.scalars(select(OutgoingMessage)))
    assert held.recipient_id == person_id and held.platform == "slack" and held.status == "pending"

    report = await deliver(services, [PLATFORM.deliverer(services)])
    assert report.delivered == [held.id]
    delivered = slack.fake.of("chat.postMessage")[-1]
    refused = slack.fake.of("chat.postMessage")[0]
    assert refused["channel"] == dm_of(STAFF) and delivered["channel"] == STAFF and "reflect" in delivered["text"]
    assert (delivered["text"], delivered["blocks"]) == (refused["text"], refused["blocks"])  # exactly as it was
    assert (await deliver(services, [PLATFORM.deliverer(services)])).delivered == []
