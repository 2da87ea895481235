"""Reflections: guided and one-shot, confirmed before saving, private unless shared."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.core import Bot
from storage.models import AuditEvent, DialogState, OutgoingMessage, Reflection
from tests.support import Chat, add_competence, add_person

ALEX, SAM, JO = "alex@example.org", "sam@example.org", "jo@example.org"


async def setup(services) -> None:
    await add_person(services, SAM, "Sam Patel", role="crew_manager")
    await add_person(services, ALEX, "Alex Morgan", manager=SAM)
    await add_person(services, JO, "Jo Bloggs", manager=SAM)
    await add_competence(services, "FFBA1", "Use breathing apparatus in hazardous atmospheres", risk_critical=True, months=12)
    await add_competence(services, "FFTC4", "Give immediate trauma care", risk_critical=True, months=36)


async def reflections(services) -> list[Reflection]:
    async with services.sessions() as db:
        return list(await db.scalars(select(Reflection).order_by(Reflection.id)))


async def guided(chat: Chat) -> str:
    assert "What happened?" in await chat.send("reflect")
    await chat.send("Led a BA refresher for the watch.")
    await chat.send("Briefing with a diagram worked better than words.")
    await chat.send("Use diagrams in every drill briefing.")
    await chat.send("next friday")
    await chat.send("FFBA1, trauma care")
    return await chat.send("1.5")


async def test_guided_reflection_confirmed_then_saved(services):
    await setup(services)
    alex = Chat(Bot(services), ALEX)
    summary = await guided(alex)
    assert "check it before I save" in summary and "FFBA1, FFTC4" in summary and "20 November 2026" in summary
    assert await reflections(services) == []  # nothing until Save
    assert [b[0] for b in alex.buttons()] == ["Save", "Edit", "Discard"]
    assert "Saved as reflection" in await alex.click("reflection.save")
    [r] = await reflections(services)
    assert (r.by_when, r.cpd_hours, sorted(c.code for c in r.competences)) == (date(2026, 11, 20), 1.5, ["FFBA1", "FFTC4"])
    assert not r.shared_with_manager
    async with services.sessions() as db:
        audit = await db.scalar(select(AuditEvent).where(AuditEvent.entity == "reflection"))
    assert audit.action == "created" and "BA refresher" not in str(audit.detail)


async def test_one_shot_then_typed_save(services):
    await setup(services)
    alex = Chat(Bot(services), ALEX)
    assert "check it before I save" in await alex.send("reflect: Attended a water safety talk.")
    assert "Type *save*" in await alex.send("hmm")
    assert "Saved" in await alex.send("save")
    assert [r.what_happened for r in await reflections(services)] == ["Attended a water safety talk."]


async def test_edit_before_save_and_bad_answers_asked_again(services):
    await setup(services)
    alex = Chat(Bot(services), ALEX)
    await alex.send("reflect: First draft")
    reply = await alex.send("edit")
    assert "Currently: First draft" in reply
    await alex.send("keep")
    assert "need an answer" in await alex.send("skip")  # a required field cannot be skipped
    await alex.send("Learnt to pace myself")
    await alex.send("Rest properly between drills")
    assert "couldn't read" in await alex.send("the twelfth of never")
    await alex.send("skip")
    assert "not sure" in (await alex.send("ladders, flying")) or "don't know" in alex.last[0].text
    await alex.send("skip")
    assert "between 0 and 100" in await alex.send("500")
    reply = await alex.send("2")
    assert "Learnt to pace myself" in reply and "First draft" in reply
    await alex.send("save")
    [r] = await reflections(services)
    assert (r.what_happened, r.so_what, r.cpd_hours) == ("First draft", "Learnt to pace myself", 2.0)


async def test_cancel_at_any_step_saves_nothing(services):
    await setup(services)
    alex = Chat(Bot(services), ALEX)
    for steps in (["reflect"], ["reflect", "Something"], ["reflect: quick one"], ["reflect: quick", "edit"]):
        for text in steps:
            await alex.send(text)
        assert "Nothing was saved" in await alex.send("cancel")
    assert await reflections(services) == []


async def test_restart_mid_dialog_resumes(services):
    await setup(services)
    await Chat(Bot(services), ALEX).send("reflect")
    await Chat(Bot(services), ALEX).send("It happened.")
    fresh = Chat(Bot(services), ALEX)  # a new process over the same database
    assert "Now what" in await fresh.send("I learnt a lot.")


async def test_idle_dialog_expires_with_nothing_saved(services, clock):
    await setup(services)
    alex = Chat(Bot(services), ALEX)
    await alex.send("reflect: Draft that will be abandoned")
    clock.advance(minutes=31)
    reply = await alex.send("save")
    assert "more than 30 minutes" in reply
    assert await reflections(services) == []
    async with services.sessions() as db:
        assert await db.scalar(select(DialogState.id)) is None


async def test_private_until_shared_then_manager_told(services):
    await setup(services)
    bot = Bot(services)
    alex, sam, jo = Chat(bot, ALEX), Chat(bot, SAM), Chat(bot, JO)
    await alex.send("reflect: Private thing")
    await alex.send("save")
    [r] = await reflections(services)
    assert "can't find reflection" in await jo.send(f"show reflection {r.id}")
    assert "can't find reflection" in await sam.send(f"show reflection {r.id}")
    assert "can't find reflection" in await jo.send(f"edit reflection {r.id}")
    assert "Private thing" not in await sam.send("record Alex Morgan")
    await alex.send(f"share reflection {r.id}")
    await alex.click("reflection.share", f"{r.id}:summary")
    assert "now shared with Sam Patel" in await alex.send("A short summary for Sam")
    record = await sam.send("record Alex Morgan")
    assert "A short summary for Sam" in record and "Private thing" not in record
    async with services.sessions() as db:
        notices = list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.template == "reflection.shared_notice")))
    assert len(notices) == 1
    assert "private again" in await alex.send(f"unshare reflection {r.id}")
    assert "A short summary" not in await sam.send("record Alex Morgan")


async def test_delete_own_only(services):
    await setup(services)
    bot = Bot(services)
    alex = Chat(bot, ALEX)
    await alex.send("reflect: To delete")
    await alex.send("save")
    [r] = await reflections(services)
    assert "can't find" in await Chat(bot, JO).click("reflection.delete", str(r.id))
    await alex.send(f"delete reflection {r.id}")
    assert "deleted" in await alex.click("reflection.delete", str(r.id))
    assert (await reflections(services))[0].deleted
    assert "haven't written any" in await alex.send("reflections")


async def test_whole_form_on_slack(services):
    await setup(services)
    alex = Chat(Bot(services), ALEX, platform="slack", conversation="D1")
    outcome = await alex.submit("reflection.new", {"what_happened": "", "so_what": "x", "now_what": "y",
                                                   "by_when": "", "competences": "", "cpd_hours": "abc"})
    assert set(outcome.form_errors) == {"what_happened", "cpd_hours"}
    await alex.submit("reflection.new", {"what_happened": "Drill", "so_what": "x", "now_what": "y",
                                         "by_when": "2026-12-01", "competences": "FFBA1", "cpd_hours": "1"})
    assert "Saved" in await alex.click("reflection.save")
    assert len(await reflections(services)) == 1
