"""A learning broadcast in Teams: the outbox sends each invitation as a card to the person's chat (a
proactive message to their stored conversation); Sign up on the card books them, in place; the waitlist
offer arrives as a card too, and Take the place confirms it. A manager approves from the card."""

from __future__ import annotations

import yaml

from bot.teams.platform import PLATFORM
from bot.usecase import run_use_case
from handlers.learning import broadcasts
from handlers.learning.config import config_for
from tests.learning_org import ISSUE_YAML, add, build, email
from tests.support import deliver
from tests.teams.conftest import TeamsUser


async def test_invitation_card_sign_up_offer_and_approval(services, running, connector):
    await build(services)
    users = {name: TeamsUser(running, connector, full, email(name), f"aad-{name}")
             for name, full in (("ann", "Ann Archer"), ("ben", "Ben Baker"), ("wm", "Wendy Watch"))}
    for user in users.values():
        await user.install()  # the app was installed for them: the bot may message them first
    session = yaml.safe_load(ISSUE_YAML)["sessions"][0]
    opportunity = await add(services, sessions=[{**session, "capacity": 1}], approval="line_manager",
                            audience={"people": [email("ann"), email("ben")]})
    bot_services = running.bot.services
    await run_use_case(bot_services, broadcasts.send, None, opportunity_id=opportunity,
                       config=config_for(bot_services))
    deliverers = [PLATFORM.deliverer(bot_services)]
    assert len((await deliver(bot_services, deliverers)).delivered) == 2

    [card] = connector.posts(users["ann"].conversation)[-1:]
    assert "*Breathing apparatus refresher*" in card.text or "Breathing apparatus refresher" in card.text
    assert [a["title"] for a in card.card["actions"]] == ["Sign up", "Not for me"]
    [held] = await users["ann"].submit(card.submit_data("Sign up"), card=card)
    assert held.method == "PUT" and held.activity_id == card.assigned_id
    assert "held a place for you" in held.text and "Wendy Watch approves it" in held.text

    [ben_card] = connector.posts(users["ben"].conversation)[-1:]
    [waiting] = await users["ben"].submit(ben_card.submit_data("Sign up"), card=ben_card)
    assert "waitlist: number 1" in waiting.text

    # Wendy's approval request arrives as a card; she declines, so the seat is offered to Ben.
    assert len((await deliver(bot_services, deliverers)).delivered) == 1
    [request] = connector.posts(users["wm"].conversation)[-1:]
    assert "Ann Archer would like a place" in request.text
    [declined] = await users["wm"].submit(request.submit_data("Decline"), card=request)
    assert "Declined: Ann Archer's held place" in declined.text
    assert len((await deliver(bot_services, deliverers)).delivered) == 2  # Ann told; Ben offered
    [offer] = connector.posts(users["ben"].conversation)[-1:]
    assert "a place has come free" in offer.text
    [accepted] = await users["ben"].submit(offer.submit_data("Take the place"), card=offer)
    assert "held the place" in accepted.text  # approval again, for Ben
    await deliver(bot_services, deliverers)
    [request] = connector.posts(users["wm"].conversation)[-1:]
    [approved] = await users["wm"].submit(request.submit_data("Approve Ben Baker"), card=request)
    assert "Approved ✓ Ben Baker is booked" in approved.text
    await deliver(bot_services, deliverers)
    [told] = connector.posts(users["ben"].conversation)[-1:]
    assert "is approved by Wendy Watch ✓" in told.text
