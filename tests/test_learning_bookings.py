"""Sign-up through the console as staff would: the invitation's buttons, the waitlist in click order,
cancellations, offers that are accepted or lapse, and the cut-off."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from bot.app import make_bot
from bot.usecase import run_use_case
from handlers.learning import broadcasts
from handlers.learning.config import config_for
from handlers.learning.jobs import tick
from storage.models import AuditEvent
from storage.models.learning import LearningBooking, LearningInvitation
from tests.learning_org import ISSUE_YAML, add, build, button, click, count, email, inbox, queued
from tests.support import Chat

RED_WATCH = {"team": "Red Watch"}  # Wendy, Ann, Ben, Cal, Dee


async def send(services, opportunity: int) -> broadcasts.Sent:
    return await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))


def two_places(**session: object) -> dict:
    data = yaml.safe_load(ISSUE_YAML)
    return {"sessions": [{**data["sessions"][0], "capacity": 2, **session}], "audience": RED_WATCH}


async def test_sign_up_waitlist_cancel_offer_accept(services):
    await build(services)
    opportunity = await add(services, **two_places())
    sent = await send(services, opportunity)
    assert (sent.audience, sent.invited) == (5, 5)
    bot = make_bot(services)

    [invitation] = await inbox(services, "ann")
    assert "Hello Ann — a learning opportunity for you from the L&D team:" in invitation.text
    assert "• 12 January 2027, 09:00–17:00, Ashby training centre" in invitation.text
    assert [b.label for b in invitation.buttons] == ["Sign up", "Not for me"]
    assert await inbox(services, "ann") == []  # shown once

    replies = {"ann": await click(Chat(bot, email("ann")), invitation, "learning.signup")}
    for name in ("ben", "cal", "dee"):
        [message] = await inbox(services, name)
        replies[name] = await click(Chat(bot, email(name)), message, "learning.signup")
    assert replies["ann"].startswith("You're booked on *Breathing apparatus refresher* ✓")
    assert replies["ben"].startswith("You're booked on")
    assert replies["cal"].startswith("*Breathing apparatus refresher* is full, so you're on the waitlist: number 1.")
    assert "waitlist: number 2." in replies["dee"]
    assert "already on *Breathing apparatus refresher* (waitlist, number 1)" in await Chat(bot, email("cal")).click(
        "learning.signup:1", str(opportunity))
    [wendy] = await inbox(services, "wm")
    assert "thanks for letting us know" in (await click(Chat(bot, email("wm")), wendy, "learning.not_for_me")).lower()

    # Ann cancels her place: Cal, first in the queue, is offered it for 48 hours.
    ann = Chat(bot, email("ann"))
    listing = await ann.send("my bookings")
    assert "*Breathing apparatus refresher* — booked" in listing
    confirm = await click(ann, ann.last[-1], "learning.cancel")
    assert confirm.startswith("Cancel your place on *Breathing apparatus refresher*?")
    assert (await click(ann, ann.last[-1], "learning.cancel_yes")).startswith("Cancelled:")
    [offer] = await inbox(services, "cal")
    assert "a place has come free on *Breathing apparatus refresher*" in offer.text
    assert "held for you until 10:00 on 19 November 2026" in offer.text
    assert [b.label for b in offer.buttons] == ["Take the place", "Let it go"]
    assert (await click(Chat(bot, email("cal")), offer, "learning.accept")).startswith(
        "You're booked on *Breathing apparatus refresher* ✓")
    assert "already been" not in await Chat(bot, email("cal")).click(*button(offer, "learning.accept"))

    async with services.sessions() as db:
        rows = {b.person_id: (b.status, b.seq) for b in await db.scalars(select(LearningBooking))}
        invitation_rows = list(await db.scalars(select(LearningInvitation)))
        actions = [a for (a,) in await db.execute(select(AuditEvent.action).where(AuditEvent.entity == "learning_booking"))]
    assert sorted(s for s, _ in rows.values()) == ["cancelled", "confirmed", "confirmed", "waitlisted"]
    assert [i.response for i in invitation_rows if i.response] == ["not_for_me"]
    assert {"confirmed", "waitlisted", "cancelled", "offered", "offer_accepted"} <= set(actions)
    progress = await run_use_case(services, broadcasts.progress, None, opportunity_id=opportunity)
    assert (progress.invited, progress.delivered, progress.not_for_me, progress.signed_up) == (5, 5, 1, 3)  # Ann left


async def test_an_offer_nobody_answers_lapses_to_the_next_person(services, clock):
    await build(services)
    opportunity = await add(services, **two_places())
    await send(services, opportunity)
    bot = make_bot(services)
    for name in ("ann", "ben", "cal", "dee"):
        [message] = await inbox(services, name)
        await click(Chat(bot, email(name)), message, "learning.signup")
    ben = Chat(bot, email("ben"))
    await ben.send("my bookings")
    await click(ben, ben.last[-1], "learning.cancel")
    await click(ben, ben.last[-1], "learning.cancel_yes")
    [offer] = await inbox(services, "cal")

    clock.advance(hours=47)
    assert (await tick(services)).lapsed == 0
    clock.advance(hours=2)
    report = await tick(services)
    assert (report.lapsed, report.offered) == (1, 1)
    [lapsed] = await inbox(services, "cal")
    assert "has gone to the next person, as the offer ran out" in lapsed.text
    [dee_offer] = await inbox(services, "dee")
    assert "a place has come free" in dee_offer.text
    assert "ran out" in await click(Chat(bot, email("cal")), offer, "learning.accept")  # too late
    assert (await tick(services)).lapsed == 0  # nothing twice
    assert "You're booked" in await click(Chat(bot, email("dee")), dee_offer, "learning.accept")
    async with services.sessions() as db:
        status = {b.person_id: b.status for b in await db.scalars(select(LearningBooking))}
    assert sorted(status.values()) == ["cancelled", "confirmed", "confirmed", "lapsed"]


async def test_declining_an_offer_passes_it_on_and_the_cut_off_stops_cancelling(services, clock):
    await build(services)
    opportunity = await add(services, **two_places(cutoff="2026-11-20 12:00"))
    await send(services, opportunity)
    bot = make_bot(services)
    for name in ("ann", "ben", "cal", "dee"):
        [message] = await inbox(services, name)
        await click(Chat(bot, email(name)), message, "learning.signup")
    ann = Chat(bot, email("ann"))
    await ann.send("my bookings")
    await click(ann, ann.last[-1], "learning.cancel")
    await click(ann, ann.last[-1], "learning.cancel_yes")
    [offer] = await inbox(services, "cal")
    assert "until 10:00 on 19 November 2026" in offer.text
    assert "goes to the next person waiting" in await click(Chat(bot, email("cal")), offer, "learning.decline")
    [dee_offer] = await inbox(services, "dee")
    assert "a place has come free" in dee_offer.text

    clock.advance(days=4)  # past the cut-off: no more cancelling here, and no more sign-ups
    ben = Chat(bot, email("ben"))
    await ben.send("my bookings")
    await click(ben, ben.last[-1], "learning.cancel")
    assert "can't be cancelled here" in await click(ben, ben.last[-1], "learning.cancel_yes")
    assert "Bookings for *Breathing apparatus refresher* closed at 12:00 on 20 November 2026" in await Chat(
        bot, email("wm")).click("learning.signup:1", str(opportunity))
    assert await count(services, LearningBooking, LearningBooking.status == "confirmed") == 1


async def test_invitations_wait_for_working_time_and_go_to_the_whole_audience_once(services, clock):
    from datetime import UTC, datetime

    await build(services)
    clock.at = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)  # a Saturday
    opportunity = await add(services, **two_places())
    await send(services, opportunity)
    messages = await queued(services, "learning.invitation")
    assert len(messages) == 5
    assert {m.next_attempt_at for m in messages} == {datetime(2026, 11, 23, 9, 0, tzinfo=UTC)}  # Monday 09:00
    assert await inbox(services, "ann") == []  # not at the weekend, in the console either
    clock.at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert len(await inbox(services, "ann")) == 1
    again = await send(services, opportunity)
    assert (again.invited, again.already) == (0, 5)
    assert len(await queued(services, "learning.invitation")) == 5


async def test_several_sessions_ask_which(services):
    await build(services)
    data = yaml.safe_load(ISSUE_YAML)
    second = {**data["sessions"][0], "start": "2027-02-09 09:00", "end": "2027-02-09 17:00", "venue": "Carrow"}
    opportunity = await add(services, sessions=[data["sessions"][0], second], audience=RED_WATCH)
    await send(services, opportunity)
    bot = make_bot(services)
    [message] = await inbox(services, "ann")
    assert "• 12 January 2027" in message.text and "• 9 February 2027, 09:00–17:00, Carrow" in message.text
    ann = Chat(bot, email("ann"))
    assert "has more than one date" in await click(ann, message, "learning.signup")
    assert [label for label, _, _ in ann.buttons()] == [
        "12 January 2027, 09:00 (Ashby training centre)", "9 February 2027, 09:00 (Carrow)"]
    assert (await click(ann, ann.last[-1], "learning.session:" + str(opportunity) + ":2")).startswith("You're booked")
    assert "9 February 2027" in await ann.send("my bookings")
    assert "already on session 2 of *Breathing apparatus refresher*; cancel that first" in await ann.click(
        f"learning.session:{opportunity}:1", f"{opportunity}:1")
