"""A learning broadcast in Slack, over signed HTTP and the fake Web API: the outbox posts each invitation to
the person's DM with its buttons; Sign up replaces the message with the booking (so it cannot be clicked
twice); a freed seat's offer arrives the same way and its button confirms the place; L&D use /ld."""

from __future__ import annotations

import yaml

from bot.slack.platform import PLATFORM
from bot.usecase import run_use_case
from handlers.learning import broadcasts
from handlers.learning.config import config_for
from storage.db import unit_of_work
from storage.models import PlatformIdentity
from tests.learning_org import ISSUE_YAML, add, build, email
from tests.slack.slack_support import dm_of
from tests.support import deliver

SLACK = {"ann": "U0ANN", "ben": "U0BEN", "cal": "U0CAL", "ld": "U0LEE"}


def buttons(message: dict) -> list[dict]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def press(slack, user: str, message: dict, prefix: str) -> None:
    """Click the message's button whose action id starts with `prefix` (ids carry the record's id)."""
    element = next(e for e in buttons(message) if e["action_id"].startswith(prefix))
    await slack.click(user, message, element["action_id"].split("~")[0], element["value"])


async def _linked(slack) -> None:
    services = slack.bot.services
    org = await build(services)
    async with unit_of_work(services.sessions) as db:
        for name, user in SLACK.items():
            db.add(PlatformIdentity(platform="slack", platform_user_id=user, person_id=org[name]))
    slack.fake.users |= {user: email(name) for name, user in SLACK.items()}


async def _deliver(slack) -> None:
    report = await deliver(slack.bot.services, [PLATFORM.deliverer(slack.bot.services)])
    assert report.retrying == [] and report.parked == [] and report.unreachable == []


async def test_invitation_sign_up_waitlist_and_offer_in_slack(slack):
    await _linked(slack)
    services = slack.bot.services
    session = yaml.safe_load(ISSUE_YAML)["sessions"][0]
    opportunity = await add(services, sessions=[{**session, "capacity": 1}],
                            audience={"people": [email("ann"), email("ben"), email("cal")]})
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    await _deliver(slack)

    invitation = slack.last_posted(dm_of(SLACK["ann"]))
    assert invitation["channel"] == SLACK["ann"]
    assert "*Breathing apparatus refresher*" in invitation["text"]
    assert [(b["text"]["text"], b["value"]) for b in buttons(invitation)] == [
        ("Sign up", str(opportunity)), ("Not for me", str(opportunity))]

    await press(slack, SLACK["ann"], invitation, "learning.signup")
    [booked] = slack.fake.of("chat.update")
    assert booked["ts"] == invitation["ts"] and booked["text"].startswith("You're booked on *Breathing apparatus")
    assert all(b["type"] == "section" for b in booked["blocks"])  # no buttons left to click twice

    ben_invitation = slack.last_posted(dm_of(SLACK["ben"]))
    await press(slack, SLACK["ben"], ben_invitation, "learning.signup")
    assert "on the waitlist: number 1" in slack.fake.of("chat.update")[-1]["text"]

    # Ann gives her place up from "my bookings" in her DM; the outbox offers it to Ben.
    await slack.dm(SLACK["ann"], "my bookings")
    listing = slack.last_posted(dm_of(SLACK["ann"]))
    await press(slack, SLACK["ann"], listing, "learning.cancel")
    confirm = slack.last_posted(dm_of(SLACK["ann"]))
    assert "Cancel your place on *Breathing apparatus refresher*?" in confirm["text"]
    await press(slack, SLACK["ann"], confirm, "learning.cancel_yes")
    assert slack.fake.of("chat.update")[-1]["text"].startswith("Cancelled:")
    await _deliver(slack)
    offer = slack.last_posted(dm_of(SLACK["ben"]))
    assert "a place has come free on *Breathing apparatus refresher*" in offer["text"]
    assert [b["text"]["text"] for b in buttons(offer)] == ["Take the place", "Let it go"]
    await press(slack, SLACK["ben"], offer, "learning.accept")
    assert slack.fake.of("chat.update")[-1]["text"].startswith("You're booked on *Breathing apparatus refresher*")


async def test_l_and_d_use_slash_ld_for_sign_ups(slack):
    await _linked(slack)
    services = slack.bot.services
    opportunity = await add(services, audience={"team": "Red Watch"})
    await slack.command(SLACK["ld"], f"book {opportunity} {email('ann')}")
    assert "Ann Archer is booked on *Breathing apparatus refresher*" in slack.last_posted(dm_of(SLACK["ld"]))["text"]
    await slack.command(SLACK["ld"], f"signups {opportunity}")
    assert "Booked: Ann Archer" in slack.last_posted(dm_of(SLACK["ld"]))["text"]
    await slack.command(SLACK["ld"], f"audience {opportunity}")
    preview = slack.last_posted(dm_of(SLACK["ld"]))
    assert "would go to 5 people today, 4 of them not invited yet" in preview["text"]  # Ann is booked already
    await press(slack, SLACK["ld"], preview, "learning.send")
    confirm = slack.last_posted(dm_of(SLACK["ld"]))
    assert [b["text"]["text"] for b in buttons(confirm)] == ["Send to 4 now"]
    await press(slack, SLACK["ld"], confirm, "learning.send_yes")
    assert slack.fake.of("chat.update")[-1]["text"].startswith("Sent ✓ 4 invitations")


async def test_progress_names_who_could_not_be_reached_and_why(slack):
    await _linked(slack)
    services = slack.bot.services
    opportunity = await add(services, audience={"people": [email("ann"), email("dee")]})  # Dee has no Slack
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    report = await deliver(services, [PLATFORM.deliverer(services)])
    assert (len(report.delivered), len(report.unreachable)) == (1, 1)
    await slack.command(SLACK["ld"], f"progress {opportunity}")
    text = slack.last_posted(dm_of(SLACK["ld"]))["text"]
    assert "2 invited — 1 delivered, 0 on their way" in text and "1 unreachable" in text
    assert "• Unreachable: Dee Dyer (dee@northvale.example) — unreachable on every platform" in text
