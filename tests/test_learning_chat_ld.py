"""L&D in the console: the guided form (details, session, audience), who would be invited, sending after
seeing the count, progress and sign-ups; the same words from anyone else are a policy question."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import make_bot
from storage.models import AuditEvent
from storage.models.learning import LearningInvitation, LearningOpportunity
from storage.policy.models import PolicyQuestion
from tests.learning_org import build, click, count, email, inbox
from tests.support import Chat


async def answer(chat: Chat, *lines: str) -> str:
    reply = ""
    for line in lines:
        reply = await chat.send(line)
    return reply


async def test_announce_a_course_in_chat_then_send_it(services):
    await build(services)
    lee = Chat(make_bot(services), email("ld"))
    first = await lee.send("announce a BA refresher course on 12 January to Red Watch")
    assert "A new learning opportunity." in first and "Currently: BA refresher course" in first
    reply = await answer(
        lee, "keep", "1", "One day, practical, wearers only.", "skip", "FFBA1, breathing apparatus", "1", "skip",
        "skip",
    )
    assert "Saved as learning opportunity #" in reply and "Nothing has been sent." in reply
    assert "Currently: 2027-01-12 09:00" in reply  # the date from the announcement, 09:00 by default
    reply = await answer(lee, "keep", "17:00", "Ashby training centre", "skip", "5", "2 days before")
    assert "Session 1 added to *BA refresher course* ✓" in reply
    assert "12 January 2027, 09:00–17:00, Ashby training centre — 5 places, bookings close 09:00 on 10 January 2027" in reply
    assert "Who it is for (1/9) — Stations" in reply
    assert "Currently: Red Watch" in await lee.send("skip")  # the team from "to Red Watch"
    reply = await answer(lee, "keep", "skip", "skip", "FFBA1", "3", "90", "skip", "station manager")
    assert "Audience saved for #" in reply
    assert "2 people today" not in reply and "1 person today" in reply  # Red Watch, FFBA1 running out within 90 days
    assert "• Ann Archer — in Red Watch; FFBA1 runs out on 27 December 2026 (within 90 days)" in reply

    async with services.sessions() as db:
        [opportunity] = list(await db.scalars(select(LearningOpportunity)))
    assert [c.code for c in opportunity.competences] == ["FFBA1"]
    assert await count(services, LearningInvitation) == 0  # nothing sent yet
    confirm = await click(lee, lee.last[-1], "learning.send:")
    assert confirm == ("Send *BA refresher course* to 1 person? Each hears in their own working hours.")
    sent = await click(lee, lee.last[-1], "learning.send_yes")
    assert sent.startswith("Sent ✓ 1 invitation for *BA refresher course* are going out")
    [invitation] = await inbox(services, "ann")
    assert "*BA refresher course* (course)" in invitation.text and "Your FFBA1 runs out on 27 December 2026." in invitation.text
    progress = await lee.send(f"progress {opportunity.id}")
    assert "1 invited — 1 delivered, 0 on their way" in progress
    assert "Sign-ups for *BA refresher course*" in await lee.send(f"signups {opportunity.id}")
    listing = await lee.send("courses")
    assert f"• #{opportunity.id} *BA refresher course* (course), 12 January 2027 — invited 1, booked 0" in listing
    page = await lee.send(f"course {opportunity.id}")
    assert "• Session 1: 12 January 2027, 09:00–17:00, Ashby training centre — 0 of 5 booked" in page
    assert [b for b, _, _ in lee.buttons()][:3] == ["Who would be invited", "Send", "Sign-ups"]
    async with services.sessions() as db:
        actions = {a for (a,) in await db.execute(select(AuditEvent.action).where(
            AuditEvent.entity.in_(("learning_opportunity", "learning_session", "learning_broadcast"))))}
    assert actions == {"created", "audience_set", "added", "sent"}


async def test_scheduled_send_and_which(services):
    await build(services)
    lee = Chat(make_bot(services), email("ld"))
    assert "Which opportunity?" in await lee.send("send")
    await lee.send("new course")
    await answer(lee, "Ladders", "3", "skip", "skip", "skip", "1", "skip", "skip")
    await answer(lee, "2027-02-01 10:00", "12:00", "Carrow", "skip", "4", "skip")
    await answer(lee, "Carrow", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip")
    async with services.sessions() as db:
        [opportunity] = list(await db.scalars(select(LearningOpportunity.id)))
    confirm = await lee.send(f"send {opportunity} at 07/12/2026 09:00")
    assert confirm == "Send *Ladders* to 1 person, from 09:00 on 7 December 2026? Each hears in their own working hours."
    sent = await click(lee, lee.last[-1], "learning.send_yes")
    assert "will go out from 09:00 on 7 December 2026" in sent
    assert await inbox(services, "fay") == []  # not before the time chosen


async def test_the_same_words_from_staff_are_a_policy_question(services):
    await build(services)
    ann = Chat(make_bot(services), email("ann"))
    await ann.send("report a fault with my BA set")
    await ann.send("courses near me")
    async with services.sessions() as db:
        asked = list(await db.scalars(select(PolicyQuestion.text).order_by(PolicyQuestion.id)))
    assert asked == ["report a fault with my BA set", "courses near me"]
    assert "Only the L&D team" in await ann.click("learning.send_yes:1", "1")
    help_text = await ann.send("help")
    assert "my bookings" in help_text and "new course" not in help_text
    assert "new course" in await Chat(make_bot(services), email("ld")).send("help")
