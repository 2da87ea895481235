"""Nothing saved that the person did not mean, everything understood shown back (issue 11, items 1 and 2)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import make_bot
from bot.console import plain
from storage.models import Evidence, TemplateOverride
from tests.support import Chat, add_person
from tests.test_evidence import MANAGER, STAFF, all_evidence, setup_org
from tests.test_verification import submitted


async def test_a_command_typed_into_an_open_feedback_form_is_not_saved_or_sent(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER)
    await sam.click("evidence.decide", f"{evidence_id}:not_yet_competent")
    offer = await sam.send("verify")
    assert "looks like the *verify* command" in offer and "haven't saved it as your answer" in offer
    assert [label for label, _, _ in sam.buttons()] == ["Use it as my answer", "Switch to verify"]
    assert (await all_evidence(services))[0].status == "submitted"
    listing = await sam.click("core.switch")
    assert "Alex Morgan has submitted evidence" in listing  # the command ran instead
    assert (await all_evidence(services))[0].status == "submitted" and (await all_evidence(services))[0].feedback is None


async def test_the_held_text_can_still_be_the_answer_when_that_is_what_was_meant(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER)
    await sam.click("evidence.decide", f"{evidence_id}:not_yet_competent")
    await sam.send("record the casualty handover")
    shown = await sam.click("core.use_answer")
    assert "will read this feedback" in shown and "record the casualty handover" in shown
    assert "Marked not yet competent" in await sam.click("verification.send")
    assert (await all_evidence(services))[0].feedback == "record the casualty handover"


async def test_the_words_of_a_command_only_others_are_offered_are_the_answer(services):
    """"courses" and "send" are L&D's commands: a manager typing them in a form or a review means them."""
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER)
    await sam.click("evidence.decide", f"{evidence_id}:not_yet_competent")
    shown = await sam.send("courses")
    assert "looks like" not in shown and "will read this feedback" in shown and "courses" in shown
    assert "Marked not yet competent" in await sam.send("send")
    assert (await all_evidence(services))[0].feedback == "courses"


async def test_a_template_edit_left_open_does_not_swallow_the_next_command(services):
    await add_person(services, "admin@example.org", "Ada Admin", role="admin")
    ada = Chat(make_bot(services), "admin@example.org")
    await ada.send("template edit core.unknown_command")
    await ada.send("{{ broken")  # a syntax error: the form asks again
    offer = await ada.send("template reset core.unknown_command")
    assert "looks like the *template* command" in offer
    await ada.click("core.switch")
    async with services.sessions() as db:
        assert await db.scalar(select(func.count(TemplateOverride.id))) == 0
    assert "didn't understand" in await Chat(make_bot(services), "admin@example.org").send("flibbertigibbet")


async def test_help_and_back_mean_themselves_inside_a_form_and_a_command_is_not_a_competence(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    await alex.send("evidence")
    explained = await alex.send("help")
    assert "(1/5)" in explained and "Type *cancel* to stop" in explained and "don't know a competence" not in explained
    offer = await alex.send("record")
    assert "looks like the *record* command" in offer
    await alex.click("core.use_answer")  # "record" is not a competence: asked again, not matched silently
    assert "(1/5)" in alex.last[-1].text and "(2/5)" not in alex.last[-1].text
    assert "(2/5)" in await alex.send("FFBA1")
    back = await alex.send("back")
    assert "(1/5)" in back
    assert "(2/5)" in await alex.send("FFRT3")
    assert await all_evidence(services) == []


async def test_a_day_and_month_without_a_year_is_the_most_recent_one_and_the_review_says_so(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)  # the test clock says 17 November 2026
    for answer in ("evidence", "FFBA1", "1", "14 Dec", "Wore BA in the smoke house."):
        await alex.send(answer)
    review = await alex.send("skip")
    assert "14 December 2025" in review and "you didn't say which year" in review
    assert await all_evidence(services) == []
    await alex.send("save")
    [evidence] = await all_evidence(services)
    assert evidence.activity_date.isoformat() == "2025-12-14"


async def test_a_date_far_in_the_past_is_questioned_before_saving(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    for answer in ("evidence", "FFCS9", "1", "01/01/1990", "Treated a casualty."):
        await alex.send(answer)
    review = await alex.send("skip")
    assert "1 January 1990" in review and "Is the date right?" in review and "more than 3 years ago" in review
    changed = await alex.click("evidence.change")
    assert "(1/5)" in changed and "Currently: FFCS9" in changed  # the form again, with what was typed
    async with services.sessions() as db:
        assert await db.scalar(select(func.count(Evidence.id))) == 0


async def test_evidence_older_than_its_revalidation_period_is_questioned(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    for answer in ("evidence", "FFBA1", "1", "01/06/2025", "Wore BA."):
        await alex.send(answer)
    review = await alex.send("skip")
    assert "longer than FFBA1 stays in date" in review


def test_the_console_shows_words_not_slack_markup():
    assert plain("*In date* (1): FFBA1 _until 3 May_") == "In date (1): FFBA1 until 3 May"
    assert plain("core.unknown_command and snake_case_names") == "core.unknown_command and snake_case_names"


async def test_small_things_staff_ran_into(services):
    """By when must be ahead; hours below nothing are explained; "1.5 hours" is 1.5; UK dates in hints."""
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    for answer in ("reflect", "A drill.", "It went well.", "Practise more."):
        await alex.send(answer)
    assert "has already passed" in await alex.send("01/01/2020")
    assert "(5/6)" in await alex.send("next Friday")
    await alex.send("skip")
    assert "0 or more" in await alex.send("-1")
    confirm = await alex.send("1.5 hours")
    assert "Save" in confirm and "1.5" in confirm
