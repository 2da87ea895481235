"""What real users type (issue 11, items 4 to 6): greetings and thanks, "I did BA training yesterday",
"who is my boss", a competence named in the command, suggestions picked by number, people found by name."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import make_bot
from storage.models import Evidence
from storage.policy.models import PolicyQuestion
from tests.support import Chat, add_person
from tests.test_evidence import MANAGER, STAFF, all_evidence, setup_org


async def test_greetings_thanks_and_what_can_you_do(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    assert "here's what I can do" in await alex.send("hi")
    assert "here's what I can do" in await alex.send("what can you do?")
    assert "You're welcome, Alex" in await alex.send("thanks")
    async with services.sessions() as db:
        assert await db.scalar(select(func.count(PolicyQuestion.id))) == 0  # none of it was a policy question


async def test_something_i_did_is_offered_as_evidence_with_what_was_understood(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)  # the clock says Tuesday 17 November 2026
    offer = await alex.send("I did BA training yesterday")
    assert "Shall I log it as evidence for *FFBA1" in offer and "training course, 16 November 2026" in offer
    review = await alex.click("evidence.accept_offer")
    assert "Please check this" in review and "FFBA1" in review and "Training course" in review
    assert "16 November 2026" in review and "I did BA training yesterday" in review
    assert await all_evidence(services) == []
    assert "Saved as evidence" in await alex.click("evidence.save")
    [evidence] = await all_evidence(services)
    assert (evidence.kind, evidence.activity_date.isoformat()) == ("training_course", "2026-11-16")
    async with services.sessions() as db:
        assert await db.scalar(select(func.count(PolicyQuestion.id))) == 0  # not an unanswered question


async def test_an_offer_without_a_date_opens_the_form_with_what_is_known_and_no_thanks_logs_nothing(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    await alex.send("I attended a road traffic collision course")
    form = await alex.click("evidence.accept_offer")
    assert "(1/5)" in form and "Currently: FFRT3" in form
    await alex.send("cancel")
    await alex.send("I wore BA at a house fire")
    assert "nothing was logged" in await alex.click("evidence.decline_offer")
    assert await all_evidence(services) == []


async def test_who_is_my_boss_names_the_line_manager(services):
    await setup_org(services)
    await add_person(services, "solo@example.org", "Solo Person")
    assert "Your line manager is Sam Patel (sam@example.org)" in await Chat(make_bot(services), STAFF).send(
        "who's my boss?")
    assert "no line manager on record" in await Chat(make_bot(services), "solo@example.org").send("who is my manager")


async def test_a_competence_named_in_the_command_is_filled_in(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    assert "Currently: FFBA1" in await alex.send("evidence FFBA1")
    await alex.send("cancel")
    started = await alex.send("log evidence for BA")
    assert "for *FFBA1" in started and "Currently: FFBA1" in started
    assert "(2/5)" in await alex.send("keep")
    slack = Chat(make_bot(services), STAFF, platform="slack", conversation="D-alex")
    await slack.send("evidence FFRT3")
    [form] = [r.form for r in slack.last if r.form]
    competence = form.fields[0]
    assert competence.initial == "FFRT3" and competence.options[0].label.startswith("FFRT3 — ")


async def test_suggestions_are_numbered_and_a_number_picks_one(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    await alex.send("evidence")
    reply = await alex.send("rescue")
    assert "Type its number or its code" in reply and "  1. FF" in reply
    first = next(line.split(". ", 1)[1].split(" — ")[0] for line in reply.splitlines() if line.startswith("  1. "))
    assert "(2/5)" in await alex.send("1")
    for answer in ("1", "yesterday", "A rescue."):
        await alex.send(answer)
    assert f"*Competence:* {first}" in await alex.send("skip")


async def test_a_first_name_finds_the_person_and_two_of_them_are_told_apart(services):
    await setup_org(services)
    sam = Chat(make_bot(services), MANAGER)
    assert "Record for Alex Morgan" in await sam.send("record Alex")
    await add_person(services, "alex.chen@example.org", "Alex Chen", manager=MANAGER, team="Blue Watch")
    which = await sam.send("record alex")
    assert "I found 2 people called \"alex\"" in which and "Alex Chen (Blue Watch)" in which
    chosen = await sam.click("record.open", next(v for label, _, v in sam.buttons() if label == "Alex Chen"))
    assert "Record for Alex Chen" in chosen
    # Someone the manager does not look after is not found, and not hinted at.
    await add_person(services, "alexa@example.org", "Alexa Stranger")
    assert "Alexa" not in await sam.send("record alex")
    async with services.sessions() as db:
        assert await db.scalar(select(func.count(Evidence.id))) == 0
