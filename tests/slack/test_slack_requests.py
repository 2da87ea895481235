"""Slack's HTTP rules kept by the real bolt app: signed requests only, retries processed once, DMs,
mentions and /ld reach the core and are answered in the user's DM."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from storage.models import PlatformIdentity, ProcessedEvent
from tests.slack.slack_support import dm_of, event_callback
from tests.support import add_person

STAFF = "U0STAFF"


async def _staff(slack) -> int:
    slack.fake.users[STAFF] = "jo.bloggs@northvale.example"
    return await add_person(slack.bot.services, "jo.bloggs@northvale.example", "Jo Bloggs")


async def test_a_direct_message_is_answered_in_the_dm(slack):
    await _staff(slack)
    response = await slack.dm(STAFF, "help")
    assert response.status == 200
    posted = slack.posted(dm_of(STAFF))
    assert len(posted) == 1
    assert "Jo" in posted[0]["text"]
    assert posted[0]["blocks"][0]["type"] == "section"
    assert slack.fake.count("users.info") == 1


async def test_url_verification_challenge(slack):
    body = json.dumps({"token": "legacy", "challenge": "abc123", "type": "url_verification"})
    response = await slack.post(body, "application/json")
    assert response.status == 200
    assert "abc123" in await response.text()


async def test_unsigned_wrongly_signed_and_stale_requests_get_401_and_reach_nothing(slack):
    await _staff(slack)
    body = json.dumps(event_callback({"type": "message", "channel": dm_of(STAFF), "user": STAFF, "text": "help",
                                      "ts": "1.1", "channel_type": "im"}))
    unsigned = await slack.post(body, "application/json", sign=False)
    forged = await slack.post(body, "application/json", sign=False, headers={
        "X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64})
    stale = await slack.post(body, "application/json", timestamp=int(time.time()) - 600)
    command = await slack.post("command=%2Fld&text=help&user_id=U0STAFF", "application/x-www-form-urlencoded",
                               timestamp=int(time.time()) - 3600)
    await slack.settle()
    assert [r.status for r in (unsigned, forged, stale, command)] == [401, 401, 401, 401]
    assert slack.fake.calls == []  # no handler ran: not even users.info or auth.test
    async with slack.bot.services.sessions() as db:
        assert await db.scalar(select(func.count(ProcessedEvent.id))) == 0
        assert await db.scalar(select(func.count(PlatformIdentity.id))) == 0


async def test_an_event_retried_twice_is_processed_once(slack):
    await _staff(slack)
    first = await slack.dm(STAFF, "help", event_id="Ev0RETRY1")
    second = await slack.dm(STAFF, "help", event_id="Ev0RETRY1", retry=1)
    third = await slack.dm(STAFF, "help", event_id="Ev0RETRY1", retry=2)
    assert [r.status for r in (first, second, third)] == [200, 200, 200]
    assert len(slack.posted(dm_of(STAFF))) == 1
    async with slack.bot.services.sessions() as db:
        rows = list(await db.scalars(select(ProcessedEvent)))
    assert [(r.platform, r.event_id) for r in rows] == [("slack", "event:Ev0RETRY1")]


async def test_a_retry_reaching_another_server_process_is_skipped_too(slack, slack_services):
    """Two `ldbot serve` processes share the database: the second one sees the first one's record."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import make_bot
    from bot.server import build_app
    from bot.slack.app import SLACK_ADAPTER
    from bot.slack.platform import PLATFORM
    from tests.slack.slack_support import SlackHarness

    await _staff(slack)
    await slack.dm(STAFF, "help", event_id="Ev0TWOPROC")
    other_app = await build_app(make_bot(slack_services), [PLATFORM])
    async with TestClient(TestServer(other_app, host="127.0.0.1", port=0)) as client:
        other = SlackHarness(client=client, fake=slack.fake, adapter=other_app[SLACK_ADAPTER], bot=slack.bot)
        response = await other.dm(STAFF, "help", event_id="Ev0TWOPROC", retry=1)
        assert response.status == 200
        assert other.adapter is not slack.adapter
    assert len(slack.posted(dm_of(STAFF))) == 1


async def test_processed_event_ids_expire_after_a_day(slack, clock):
    from datetime import timedelta

    from storage.db import unit_of_work

    await _staff(slack)
    async with unit_of_work(slack.bot.services.sessions) as db:
        db.add(ProcessedEvent(platform="slack", event_id="Ev0OLD", received_at=clock() - timedelta(days=2)))
        db.add(ProcessedEvent(platform="slack", event_id="Ev0RECENT", received_at=clock() - timedelta(hours=3)))
    await slack.dm(STAFF, "help", event_id="Ev0NEW")
    async with slack.bot.services.sessions() as db:
        ids = sorted(await db.scalars(select(ProcessedEvent.event_id)))
    assert ids == ["Ev0RECENT", "event:Ev0NEW"]


async def test_bot_messages_edits_and_channel_messages_are_ignored(slack):
    await _staff(slack)
    await slack.event({"type": "message", "channel": dm_of(STAFF), "bot_id": "B0OTHER", "text": "help",
                       "ts": "1.2", "channel_type": "im"})
    await slack.event({"type": "message", "subtype": "message_changed", "channel": dm_of(STAFF), "hidden": True,
                       "message": {"user": STAFF, "text": "help"}, "ts": "1.3", "channel_type": "im"})
    await slack.event({"type": "message", "channel": "C0GENERAL", "user": STAFF, "text": "help", "ts": "1.4",
                       "channel_type": "channel"})
    assert slack.posted() == []


async def test_an_unknown_slack_user_gets_a_polite_reply_and_nothing_else(slack):
    await add_person(slack.bot.services, "jo.bloggs@northvale.example", "Jo Bloggs")
    slack.fake.users["U0VISITOR"] = "visitor@elsewhere.example"  # in Slack, not in the organisation
    await slack.dm("U0VISITOR", "help")
    await slack.dm("U0NOBODY", "evidence")  # users.info says user_not_found
    visitor, nobody = slack.posted(dm_of("U0VISITOR")), slack.posted(dm_of("U0NOBODY"))
    expected = slack.bot.services.catalogue.render("core.unknown_user", {}, platform="slack")
    assert [m["text"] for m in visitor] == [expected]
    assert [m["text"] for m in nobody] == [expected]
    assert all(len(m["blocks"]) == 1 for m in visitor + nobody)  # no buttons, no forms
    assert slack.fake.count("views.open") == 0
    async with slack.bot.services.sessions() as db:
        assert await db.scalar(select(func.count(PlatformIdentity.id))) == 0


async def test_the_slack_identity_is_cached_after_the_first_message(slack):
    person_id = await _staff(slack)
    await slack.dm(STAFF, "help")
    await slack.dm(STAFF, "help")
    assert slack.fake.count("users.info") == 1
    assert slack.fake.of("users.info")[0]["user"] == STAFF
    async with slack.bot.services.sessions() as db:
        identity = await db.scalar(select(PlatformIdentity))
    assert (identity.platform, identity.platform_user_id, identity.person_id) == ("slack", STAFF, person_id)


async def test_a_mention_is_answered_privately_in_the_dm(slack):
    await _staff(slack)
    await slack.event({"type": "app_mention", "channel": "C0GENERAL", "user": STAFF, "text": "<@UBOT> help",
                       "ts": "2.1", "event_ts": "2.1"})
    help_text = slack.posted(dm_of(STAFF))
    assert len(help_text) == 1 and "Jo" in help_text[0]["text"]
    assert slack.posted("C0GENERAL") == []
    ephemeral = slack.fake.of("chat.postEphemeral")
    assert [(e["channel"], e["user"]) for e in ephemeral] == [("C0GENERAL", STAFF)]


async def test_slash_command_alone_shows_help_and_acks_at_once(slack):
    await _staff(slack)
    response = await slack.command(STAFF, "")
    assert response.status == 200 and await response.text() == ""
    posted = slack.posted(dm_of(STAFF))
    help_reply = await slack.bot.handle(_incoming(STAFF, dm_of(STAFF), "help"))
    assert [m["text"] for m in posted] == [help_reply.replies[0].text]
    assert [c for c in slack.fake.methods() if c.startswith("response_url")] == []


async def test_slash_command_in_a_channel_points_to_the_dm(slack):
    await _staff(slack)
    await slack.command(STAFF, "help", channel="C0GENERAL")
    assert len(slack.posted(dm_of(STAFF))) == 1
    pointer = slack.fake.of(f"response_url:{STAFF}")
    assert len(pointer) == 1 and pointer[0]["response_type"] == "ephemeral"
    assert "direct message" in pointer[0]["text"]


def _incoming(user: str, channel: str, text: str):
    from bot.types import Incoming

    return Incoming(platform="slack", user_id=user, conversation_id=channel, text=text)
