"""Proactive messages from the outbox: continue_conversation to the stored reference, after a restart too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import make_bot
from bot.teams.platform import PLATFORM
from scheduler.outbox import NoticeButton
from storage.models import OutgoingMessage
from tests.support import add_person, deliver, queue
from tests.teams.conftest import TeamsUser, start_bot, teams_services


async def _queue(services, recipient_id: int, *, buttons=()) -> int:
    return await queue(services, recipient_id, "teams.welcome", buttons=tuple(buttons))


async def _row(services, message_id: int) -> OutgoingMessage:
    async with services.sessions() as db:
        return await db.get(OutgoingMessage, message_id)


async def _installed_sam(services, connector) -> tuple[int, TeamsUser]:
    sam_id = await add_person(services, "sam.patel@northvale-fire.example", "Sam Patel", role="watch_manager")
    first = await start_bot(teams_services(services))
    try:
        sam = TeamsUser(first, connector, "Sam Patel", "sam.patel@northvale-fire.example", "aad-sam")
        await sam.install()
    finally:
        await first.http.close()
        await first.close()
    connector.calls.clear()
    return sam_id, sam


async def test_proactive_card_after_a_restart(services, connector):
    sam_id, sam = await _installed_sam(services, connector)

    # A new process: new services objects, new Bot, new adapter; only the database is shared.
    restarted = teams_services(services)
    bot = make_bot(restarted)
    deliverer = PLATFORM.deliverer(bot.services)
    message_id = await _queue(restarted, sam_id, buttons=[NoticeButton("verification.button_competent", "evidence.decide", "7:competent")])

    report = await deliver(bot.services, [deliverer])

    assert report.delivered == [message_id]
    [call] = connector.calls
    assert call.method == "POST" and call.conversation_id == sam.conversation
    assert call.activity_id not in sam.sent  # not a reply to anything Sam wrote (the SDK's continuation id)
    assert call.body["recipient"]["id"] == sam.teams_id
    assert "ldbot" in call.text
    assert call.submit_data("Competent") == {"ldbot_action": "evidence.decide", "value": "7:competent"}
    assert (await _row(restarted, message_id)).status == "delivered"


async def test_never_met_person_is_unreachable_and_admins_are_told(services, connector):
    admin_id = await add_person(services, "ops.admin@northvale-fire.example", "Olu Admin", role="admin")
    lee_id = await add_person(services, "lee.jones@northvale-fire.example", "Lee Jones")
    bot = make_bot(teams_services(services))
    message_id = await _queue(services, lee_id)

    report = await deliver(bot.services, [PLATFORM.deliverer(bot.services)])

    assert report.unreachable == [message_id] and connector.calls == []
    assert (await _row(services, message_id)).status == "parked"
    async with services.sessions() as db:
        told = await db.scalar(select(OutgoingMessage).where(OutgoingMessage.recipient_id == admin_id))
    assert told is not None and told.template == "outbox.unreachable"


async def test_short_throttle_is_retried_inside_one_delivery(services, connector):
    sam_id, sam = await _installed_sam(services, connector)
    bot = make_bot(teams_services(services))
    message_id = await _queue(services, sam_id)
    connector.throttle(429, retry_after="0")

    report = await deliver(bot.services, [PLATFORM.deliverer(bot.services)])

    assert report.delivered == [message_id]
    assert [status for _, status in connector.refused] == [429]
    assert len(connector.posts(sam.conversation)) == 1


async def test_long_throttle_leaves_it_to_the_outbox_honouring_retry_after(services, connector, clock):
    sam_id, sam = await _installed_sam(services, connector)
    bot = make_bot(teams_services(services))
    deliverer = PLATFORM.deliverer(bot.services)
    message_id = await _queue(services, sam_id)
    connector.throttle(429, retry_after="30")

    report = await deliver(bot.services, [deliverer])

    assert report.deferred == [message_id] and report.retrying == [] and connector.calls == []
    row = await _row(services, message_id)
    # waited out, not a failure
    assert row.status == "pending" and (row.attempts, row.deferrals) == (0, 1) and "429" in row.last_error
    assert row.next_attempt_at >= clock() + timedelta(seconds=30)

    clock.advance(seconds=29)
    assert (await deliver(bot.services, [deliverer])).delivered == []
    clock.advance(seconds=3600)
    assert (await deliver(bot.services, [deliverer])).delivered == [message_id]
    assert len(connector.posts(sam.conversation)) == 1  # never twice


async def test_transient_5xx_is_retried_once_quickly_then_by_the_outbox(services, connector):
    sam_id, _ = await _installed_sam(services, connector)
    bot = make_bot(teams_services(services))
    message_id = await _queue(services, sam_id)
    connector.throttle(502, retry_after=None, times=10)

    report = await deliver(bot.services, [PLATFORM.deliverer(bot.services)])

    assert report.retrying == [message_id]
    assert [status for _, status in connector.refused] == [502, 502, 502]  # our bounded retries, no hidden ones


async def test_removed_app_is_unreachable(services, connector):
    sam_id, _ = await _installed_sam(services, connector)
    bot = make_bot(teams_services(services))
    message_id = await _queue(services, sam_id)
    connector.throttle(403, retry_after=None)

    report = await deliver(bot.services, [PLATFORM.deliverer(bot.services)])

    assert report.unreachable == [message_id]
