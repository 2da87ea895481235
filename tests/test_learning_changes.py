"""Line-manager approval from the message's buttons, L&D booking and removing people in chat, changes and
cancellations told to everyone on the session, and the reminders before it."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml
from sqlalchemy import select

from bot.app import make_bot
from bot.usecase import run_use_case
from handlers.learning import broadcasts
from handlers.learning.config import config_for
from handlers.learning.jobs import tick
from storage.models.learning import LearningBooking
from tests.learning_org import ISSUE_YAML, add, build, click, email, inbox, queued
from tests.support import Chat, add_person


def places(n: int, **extra: object) -> dict:
    session = yaml.safe_load(ISSUE_YAML)["sessions"][0]
    return {"sessions": [{**session, "capacity": n}], "audience": {"team": "Red Watch"}, **extra}


async def test_line_manager_approves_or_declines_from_the_message(services):
    await build(services)
    opportunity = await add(services, **places(1, approval="line_manager"))
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    bot = make_bot(services)
    [ann_invite] = await inbox(services, "ann")
    assert "Your line manager approves each place." in ann_invite.text
    held = await click(Chat(bot, email("ann")), ann_invite, "learning.signup")
    assert held.startswith("I've held a place for you on *Breathing apparatus refresher* while Wendy Watch approves it.")
    [ben_invite] = await inbox(services, "ben")
    assert "the waitlist: number 1" in await click(Chat(bot, email("ben")), ben_invite, "learning.signup")

    invitation, request = await inbox(services, "wm")  # Wendy is on Red Watch too: her invitation first
    assert invitation.text.startswith("Hello Wendy — a learning opportunity for you")
    assert "Ann Archer would like a place on *Breathing apparatus refresher*" in request.text
    assert "Their seat is held until you decide." in request.text
    assert [b.label for b in request.buttons] == ["Approve Ann Archer", "Decline"]
    # Only the line manager (or L&D) decides: Ben cannot approve Ann.
    assert "isn't there any more" in await click(Chat(bot, email("ben")), request, "learning.approve")
    wendy = Chat(bot, email("wm"))
    assert (await click(wendy, request, "learning.refuse")).startswith(
        "Declined: Ann Archer's held place on *Breathing apparatus refresher* goes to the next person waiting.")
    assert "decided already" in await click(wendy, request, "learning.approve")
    [told] = await inbox(services, "ann")
    assert "was not approved by Wendy Watch" in told.text
    [offer] = await inbox(services, "ben")
    assert "a place has come free" in offer.text
    # Ben accepts: his manager must approve too, and the seat is held meanwhile.
    assert "I've held the place" in await click(Chat(bot, email("ben")), offer, "learning.accept")
    [request] = await inbox(services, "wm")
    assert (await click(wendy, request, "learning.approve")).startswith("Approved ✓ Ben Baker is booked")
    [told] = await inbox(services, "ben")
    assert "is approved by Wendy Watch ✓" in told.text


async def test_no_line_manager_means_l_and_d_approve(services):
    await build(services)
    await add_person(services, email("nia"), "Nia Nomanager", team="Red Watch", station="Ashby")
    opportunity = await add(services, **places(3, approval="line_manager"))
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    bot = make_bot(services)
    [invite] = await inbox(services, "nia")
    assert "while Lee Learning approves it" in await click(Chat(bot, email("nia")), invite, "learning.signup")
    [request] = await inbox(services, "ld")
    assert "(they have no line manager on record, so it has come to L&D)" in request.text
    assert "Approved ✓ Nia Nomanager is booked" in await click(Chat(bot, email("ld")), request, "learning.approve")


async def test_l_and_d_book_and_remove_in_chat_and_changes_are_told(services):
    await build(services)
    opportunity = await add(services, **places(2))
    bot = make_bot(services)
    lee = Chat(bot, email("ld"))
    assert "Ann Archer is booked on *Breathing apparatus refresher* (12 January 2027). I've told them." == await lee.send(
        f"book {opportunity} 1 {email('ann')}")
    await lee.send(f"book {opportunity} {email('ben')}")
    assert "Cal Cooper is on the waitlist (number 1)" in await lee.send(f"book {opportunity} {email('cal')}")
    [told] = await inbox(services, "ann")
    assert "the L&D team has booked you on *Breathing apparatus refresher*" in told.text

    # New times: everyone on the session hears at once (booked and waiting).
    await lee.send(f"edit session {opportunity} 1")
    for answer in ("2027-01-19 10:00", "16:00", "keep", "skip", "keep", "skip"):
        reply = await lee.send(answer)
    assert "Session 1 of *Breathing apparatus refresher* saved ✓ I've told the 3 people on it." in reply
    for name, line in (("ann", "Your place is still booked"), ("cal", "You're still on the waitlist")):
        *_, changed = await inbox(services, name)
        assert "has changed. It is now:\n19 January 2027, 10:00–16:00, Ashby training centre" in changed.text
        assert line in changed.text
    # More places: the queue is offered them.
    await lee.send(f"edit session {opportunity} 1")
    for answer in ("keep", "keep", "keep", "skip", "3", "skip"):
        reply = await lee.send(answer)
    assert "saved ✓" in reply and "told" not in reply  # same time and place: nobody told
    [offer] = await inbox(services, "cal")
    assert "a place has come free" in offer.text
    # Fewer places than are taken is refused.
    await lee.send(f"edit session {opportunity} 1")
    for answer in ("keep", "keep", "keep", "skip", "1", "skip"):
        reply = await lee.send(answer)
    assert "3 places are taken already, so it can't have fewer than 3" in reply

    assert "Ben Baker is off *Breathing apparatus refresher*; I've told them." == await lee.send(
        f"remove {opportunity} 1 {email('ben')}")
    *_, removed = await inbox(services, "ben")
    assert "has taken you off *Breathing apparatus refresher*" in removed.text

    assert "Cancel session 1 of *Breathing apparatus refresher* (19 January 2027)? The 2 people" in await lee.send(
        f"cancel session {opportunity} 1")
    assert "I've told the 2 people on it." in await click(lee, lee.last[-1], "learning.cancel_session")
    for name in ("ann", "cal"):
        [cancelled] = await inbox(services, name)
        assert "has been cancelled, so your place is cancelled too" in cancelled.text
    async with services.sessions() as db:
        assert {b.status for b in await db.scalars(select(LearningBooking))} == {"cancelled", "removed"}


async def test_reminders_seven_days_and_one_day_before_in_working_time(services, clock):
    await build(services)
    opportunity = await add(services, **places(3))
    lee = Chat(make_bot(services), email("ld"))
    for name in ("ann", "ben"):
        await lee.send(f"book {opportunity} {email(name)}")
    await inbox(services, "ann")
    clock.at = datetime(2027, 1, 4, 20, 0, tzinfo=UTC)  # Monday evening, eight days before
    assert (await tick(services)).reminders == 0
    clock.at = datetime(2027, 1, 5, 7, 0, tzinfo=UTC)  # Tuesday 07:00, seven days before, before office hours
    assert (await tick(services)).reminders == 2
    reminders = await queued(services, "learning.reminder")
    assert {m.next_attempt_at for m in reminders} == {datetime(2027, 1, 5, 9, 0, tzinfo=UTC)}
    assert await inbox(services, "ann") == []
    clock.at = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    [reminder] = await inbox(services, "ann")
    assert "A reminder, Ann: *Breathing apparatus refresher* is in 7 days." in reminder.text
    clock.advance(hours=1)
    assert (await tick(services)).reminders == 0  # once
    clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
    assert (await tick(services)).reminders == 2
    [reminder] = await inbox(services, "ann")
    assert "is tomorrow" in reminder.text
    assert (await tick(services)).reminders == 0
    assert len(await queued(services, "learning.reminder")) == 4


async def test_editing_the_details_and_cancelling_the_whole_course(services):
    await build(services)
    opportunity = await add(services, **places(2))
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    bot = make_bot(services)
    [invite] = await inbox(services, "ann")
    await click(Chat(bot, email("ann")), invite, "learning.signup")
    lee = Chat(bot, email("ld"))
    assert "Editing *Breathing apparatus refresher*" in await lee.send(f"edit course {opportunity}")
    reply = await answer_all(lee, "BA refresher (one day)", "keep", "keep", "Northvale training centre", "keep",
                             "keep", "skip", "skip")
    assert "Saved the changes to #" in reply and "*BA refresher (one day)*" in reply
    assert await inbox(services, "ann") == []  # details are not news to anyone
    # Ben has not opened his invitation yet: cancelling withdraws it, and Ann (booked) is told.
    assert "Cancel *BA refresher (one day)* altogether?" in await lee.send(f"cancel course {opportunity}")
    assert "I've told the person who was on it." in await click(lee, lee.last[-1], "learning.cancel_course")
    [cancelled] = await inbox(services, "ann")
    assert "*BA refresher (one day)* has been cancelled, so your place is cancelled too" in cancelled.text
    assert await inbox(services, "ben") == []
    assert "has been cancelled" in await Chat(bot, email("ben")).click(f"learning.signup:{opportunity}",
                                                                      str(opportunity))


async def answer_all(chat: Chat, *lines: str) -> str:
    reply = ""
    for line in lines:
        reply = await chat.send(line)
    return reply
