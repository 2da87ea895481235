"""Policy questions through the core, as a member of staff and the L&D team would use them."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.app import make_bot
from scheduler.outbox import render_message
from storage.db import unit_of_work
from storage.models import OutgoingMessage
from storage.policy.importer import load_sample_policies
from storage.policy.models import PolicyFeedback, PolicyHandoff, PolicyQuestion, PolicyStandardAnswer
from storage.policy.report import unanswered_groups
from tests.support import Chat, add_person


async def setup(services) -> tuple[Chat, Chat]:
    await add_person(services, "wm@example.org", "Wendy Watch", role="watch_manager")
    await add_person(services, "alex@example.org", "Alex Morgan", role="firefighter", manager="wm@example.org")
    await add_person(services, "lee@example.org", "Lee Trainer", role="ld")
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    bot = make_bot(services)
    return Chat(bot, "alex@example.org"), Chat(bot, "lee@example.org")


async def outbox(services) -> list[OutgoingMessage]:
    async with unit_of_work(services.sessions) as db:
        return list(await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


async def test_free_text_is_answered_with_a_quote_and_citation(services):
    alex, _ = await setup(services)
    reply = await alex.send("do i have to be assessed at work?")
    assert "> Workplace assessment is mandatory for all operational staff." in reply
    assert "From *Learning and Development Framework*, 4.4 Workplace Assessment (v2.1, published 3 March 2025)." in reply
    assert [b[0] for b in alex.buttons()] == ["👍 Helpful", "👎 Not helpful"]
    for command in ("ask is workplace assessment mandatory", "policy: workplace assessment", "question workplace assessment"):
        assert "4.4 Workplace Assessment" in await alex.send(command)
    assert "What would you like to know?" in await alex.send("ask")


async def test_past_review_documents_are_flagged(services):
    alex, _ = await setup(services)
    reply = await alex.send("what are a firefighter's key accountabilities")
    assert "Role Profile: Firefighter*, Key Accountabilities (v1.3, published 12 September 2024)" in reply
    assert "due for review on 1 September 2026" in reply


async def test_feedback_is_stored_with_question_and_cited_section(services):
    alex, _ = await setup(services)
    await alex.send("how often is my appraisal")
    helpful, not_helpful = alex.buttons()
    reply = await alex.click(not_helpful[1])
    assert "didn't help" in reply and alex.buttons()[0][0] == "Ask the L&D team"
    assert "already" in await alex.click(helpful[1])
    async with unit_of_work(services.sessions) as db:
        feedback = (await db.scalars(select(PolicyFeedback))).all()
        question = await db.get(PolicyQuestion, feedback[0].question_id)
        groups = await unanswered_groups(db)
    assert [(f.helpful, f.cited) for f in feedback] == [
        (False, "Learning and Development Framework, 5.1 Frequency of Appraisals")
    ]
    assert question.text == "how often is my appraisal" and feedback[0].section_id == question.section_id
    assert [(g.count, g.not_helpful, g.examples) for g in groups] == [(1, 1, ["how often is my appraisal"])]


async def test_someone_else_cannot_use_my_buttons(services):
    alex, lee = await setup(services)
    await alex.send("how often is my appraisal")
    _, not_helpful = alex.buttons()
    assert "no longer active" in await lee.click(not_helpful[1])
    async with unit_of_work(services.sessions) as db:
        assert (await db.scalars(select(PolicyFeedback))).all() == []


async def test_unanswered_question_goes_to_ld_and_their_answer_becomes_standard(services, clock):
    alex, lee = await setup(services)
    reply = await alex.send("can i claim mileage for driving to a course?")
    assert "couldn't find an answer" in reply and "Wendy Watch" in reply
    [(label, handoff_action, _)] = alex.buttons()
    assert label == "Ask the L&D team"
    assert "add a little detail" in await alex.click(handoff_action)
    shown = await alex.send("It's for the BA course in Carrow next month.")
    assert "This is what the L&D team will see" in shown and "Carrow next month" in shown
    assert await outbox(services) == []  # nothing sent until they say so
    assert "question 1" in await alex.click("policy.handoff_send")
    await alex.click(handoff_action)
    await alex.send("skip")
    assert "already with the L&D team" in await alex.click("policy.handoff_send")

    [notice] = await outbox(services)
    assert notice.template == "policy.handoff_notice"
    rendered = render_message(notice, "console", services.catalogue).text
    assert "Question 1 from Alex Morgan" in rendered and "mileage" in rendered and "reply 1:" in rendered
    assert "They added: “It's for the BA course in Carrow next month.”" in rendered

    assert "Only the L&D team" in await alex.send("reply 1: yes you can")
    answer_text = "Yes: claim mileage for course travel on the expenses form, at the standard rate."
    sent = await lee.send(f"reply 1: {answer_text}")
    assert "Sent your answer to question 1 to Alex Morgan" in sent
    delivered = (await outbox(services))[-1]
    assert delivered.recipient_id != notice.recipient_id and delivered.template == "policy.handoff_answer"
    assert answer_text in render_message(delivered, "console", services.catalogue).text

    [(save_label, save_action, _)] = lee.buttons()
    assert save_label == "Save as standard answer"
    assert "Saved" in await lee.click(save_action)
    assert "already saved" in await lee.click(save_action)

    similar = await alex.send("claim mileage for a course")
    assert answer_text in similar and "answered by Lee Trainer for the L&D team, 17 November 2026" in similar
    async with unit_of_work(services.sessions) as db:
        standard = await db.scalar(select(PolicyStandardAnswer))
        handoff = await db.scalar(select(PolicyHandoff))
        last = await db.scalar(select(PolicyQuestion).order_by(PolicyQuestion.id.desc()))
    assert standard.author_name == "Lee Trainer" and handoff.status == "answered"
    assert last.answered and last.standard_answer_id == standard.id
    unrelated = await alex.send("where can i park at headquarters")
    assert answer_text not in unrelated


async def test_chit_chat_is_not_logged_as_a_gap(services):
    alex, _ = await setup(services)
    assert "You're welcome" in await alex.send("thanks!")  # everyday words answered, not searched
    assert "didn't understand" in await alex.send("flibbertigibbet")
    async with unit_of_work(services.sessions) as db:
        assert (await db.scalars(select(PolicyQuestion))).all() == []


async def test_the_ld_team_sees_what_is_waiting_and_staff_do_not(services):
    alex, lee = await setup(services)
    await alex.send("can I get study leave for a university course")
    [(_, handoff_action, _)] = alex.buttons()
    await alex.click(handoff_action)
    await alex.send("skip")
    sent = await alex.click("policy.handoff_send")
    number = re.search(r"question (\d+)", sent).group(1)
    listing = await lee.send("unanswered")
    assert f"#{number} from Alex Morgan" in listing and "study leave" in listing and "reply N:" in listing
    assert "1 × \"can I get study leave" in listing
    assert "unanswered" in await lee.send("help")
    refused = await alex.send("unanswered")
    assert "Only the L&D team" in refused and "Alex Morgan" not in refused
    assert "unanswered" not in await alex.send("help")


async def test_off_topic_questions_are_declined_politely_and_not_left_for_ld(services):
    alex, lee = await setup(services)
    reply = await alex.send("who won the football last night")
    assert "I can't help with that here" in reply and alex.buttons() == []
    assert "Nothing has gone unanswered" in await lee.send("unanswered")
