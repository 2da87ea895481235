"""Real activity JSON into the running app; replies, cards and references checked at the fake connector."""

from __future__ import annotations

from sqlalchemy import select

from bot.teams.platform import PLATFORM
from storage.models import ConversationRef, OutgoingMessage, PlatformIdentity
from tests.support import add_person, deliver
from tests.teams.conftest import BOT_ID, TENANT, TeamsUser


async def test_help_in_personal_chat_links_identity_and_stores_reference(services, running, connector):
    await add_person(services, "alex.morgan@northvale-fire.example", "Alex Morgan")
    alex = TeamsUser(running, connector, "Alex Morgan", "alex.morgan@northvale-fire.example", "aad-alex")

    calls = await alex.say("help")

    assert len(calls) == 1
    reply = calls[0]
    assert reply.method == "POST" and reply.conversation_id == alex.conversation
    assert reply.activity_id == alex.sent[-1]  # a reply to the user's message
    assert "Hi Alex" in reply.text and "evidence" in reply.text
    assert reply.body["recipient"]["id"] == alex.teams_id
    assert connector.roster_lookups == [alex.teams_id]

    async with services.sessions() as db:
        identity = await db.scalar(select(PlatformIdentity).where(PlatformIdentity.platform == "teams"))
        ref = await db.scalar(select(ConversationRef).where(ConversationRef.platform == "teams"))
    assert identity.platform_user_id == "aad-alex"
    assert ref.reference["serviceUrl"] == connector.url
    assert ref.reference["conversation"]["id"] == alex.conversation
    assert ref.reference["user"]["id"] == alex.teams_id and ref.reference["bot"]["id"] == BOT_ID
    assert ref.reference["tenantId"] == TENANT

    # Known now: the roster is not asked again.
    await alex.say("help")
    assert connector.roster_lookups == [alex.teams_id]


async def test_unknown_user_gets_a_polite_reply_and_no_reference(services, running, connector):
    stranger = TeamsUser(running, connector, "Robin Stray", "robin@elsewhere.example", "aad-robin")
    calls = await stranger.say("help")
    assert len(calls) == 1 and "don't recognise you" in calls[0].text
    async with services.sessions() as db:
        assert await db.scalar(select(ConversationRef)) is None


async def test_channel_message_needs_a_mention_and_the_mention_is_stripped(services, running, connector):
    await add_person(services, "alex.morgan@northvale-fire.example", "Alex Morgan")
    alex = TeamsUser(running, connector, "Alex Morgan", "alex.morgan@northvale-fire.example", "aad-alex")
    channel = {"conversationType": "channel", "tenantId": TENANT, "id": "19:general@thread.tacv2;messageid=42"}
    mention = {"type": "mention", "text": "<at>ldbot</at>", "mentioned": {"id": BOT_ID, "name": "ldbot"}}

    status = await running.post(alex.activity(text="help me", conversation=channel))
    assert status in (200, 201) and connector.calls == []

    # No personal chat yet: nothing is run, the channel is told where to go.
    status = await running.post(alex.activity(text="<at>ldbot</at> help", conversation=channel, entities=[mention]))
    assert status in (200, 201)
    [pointer] = connector.calls
    assert pointer.conversation_id == channel["id"] and "one-to-one chat" in pointer.text
    async with services.sessions() as db:
        assert await db.scalar(select(ConversationRef)) is None  # a channel is no place for private messages

    await alex.say("hello")
    connector.calls.clear()
    status = await running.post(alex.activity(text="<at>ldbot</at> help", conversation=channel, entities=[mention]))
    assert status in (200, 201)
    [answer, pointer] = connector.calls
    assert answer.conversation_id == alex.conversation  # in the personal chat, as a new message
    assert "Hi Alex" in answer.text  # "help" was understood once the mention was removed
    assert pointer.conversation_id == channel["id"] and "answered you in our one-to-one chat" in pointer.text
    assert "Hi Alex" not in pointer.text


async def test_a_record_asked_for_in_a_channel_never_appears_there(services, running, connector):
    await add_person(services, "alex.morgan@northvale-fire.example", "Alex Morgan")
    alex = TeamsUser(running, connector, "Alex Morgan", "alex.morgan@northvale-fire.example", "aad-alex")
    await alex.say("hello")
    channel = {"conversationType": "channel", "tenantId": TENANT, "id": "19:general@thread.tacv2;messageid=43"}
    mention = {"type": "mention", "text": "<at>ldbot</at>", "mentioned": {"id": BOT_ID, "name": "ldbot"}}
    [mine] = await alex.say("my record")
    connector.calls.clear()

    await running.post(alex.activity(text="<at>ldbot</at> my record", conversation=channel, entities=[mention]))

    in_channel = connector.sent_to(channel["id"])
    private = connector.sent_to(alex.conversation)
    assert len(in_channel) == 1 and "one-to-one" in in_channel[0].text
    assert [c.text for c in private] == [mine.text]


async def test_install_stores_reference_and_welcomes(services, running, connector):
    await add_person(services, "sam.patel@northvale-fire.example", "Sam Patel", role="watch_manager")
    sam = TeamsUser(running, connector, "Sam Patel", "sam.patel@northvale-fire.example", "aad-sam")

    calls = await sam.install()

    assert len(calls) == 1 and "help" in calls[0].text.lower()
    async with services.sessions() as db:
        ref = await db.scalar(select(ConversationRef))
    assert ref is not None and ref.reference["conversation"]["id"] == sam.conversation
    # An update that is not about the bot joining says nothing.
    assert await sam._post(sam.activity("conversationUpdate", membersAdded=[{"id": "29:someone-else"}])) == []


async def test_redelivered_activity_is_handled_once(services, running, connector):
    await add_person(services, "alex.morgan@northvale-fire.example", "Alex Morgan")
    alex = TeamsUser(running, connector, "Alex Morgan", "alex.morgan@northvale-fire.example", "aad-alex")
    activity = alex.activity(text="help")
    assert await running.post(activity) in (200, 201)
    assert await running.post(activity) in (200, 201)
    assert len(connector.calls) == 1


async def test_bad_requests_are_refused(running):
    async with running.http.post(running.url, data="hello", headers={"Content-Type": "text/plain"}) as response:
        assert response.status == 415
    async with running.http.post(running.url, data="{not json", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400


async def test_a_throttled_private_answer_to_a_channel_mention_is_held_for_the_outbox(services, running, connector):
    await add_person(services, "alex.morgan@northvale-fire.example", "Alex Morgan")
    alex = TeamsUser(running, connector, "Alex Morgan", "alex.morgan@northvale-fire.example", "aad-alex")
    await alex.say("hello")
    connector.calls.clear()
    channel = {"conversationType": "channel", "tenantId": TENANT, "id": "19:general@thread.tacv2;messageid=44"}
    mention = {"type": "mention", "text": "<at>ldbot</at>", "mentioned": {"id": BOT_ID, "name": "ldbot"}}
    connector.throttle(429, retry_after="30", times=1)

    await running.post(alex.activity(text="<at>ldbot</at> help", conversation=channel, entities=[mention]))

    assert [c.conversation_id for c in connector.calls] == [channel["id"]]  # only the pointer got through
    async with services.sessions() as db:
        [held] = list(await db.scalars(select(OutgoingMessage)))
    assert held.platform == "teams" and held.kind == "reply"
    assert (await deliver(running.bot.services, [PLATFORM.deliverer(running.bot.services)])).delivered == [held.id]
    assert "Hi Alex" in connector.sent_to(alex.conversation)[-1].text
