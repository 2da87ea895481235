"""Questions outside learning and development: declined as off topic, stored apart from the L&D gaps."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.db import unit_of_work
from storage.policy.answer import answer_question
from storage.policy.importer import import_bytes, load_sample_policies
from storage.policy.models import PolicyQuestion
from storage.policy.report import off_topic_count, unanswered_groups

TODAY = date(2026, 11, 17)


async def ask(services, question: str, **kw):
    async with unit_of_work(services.sessions) as db:
        return await answer_question(db, question, today=TODAY, now=services.now(), **kw)


async def test_off_topic_questions_are_declined_and_counted_apart_from_gaps(services):
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    football = await ask(services, "who won the football last night")
    assert football.off_topic and not football.answered and football.citations == [] and football.quote == []
    gap = await ask(services, "can i claim mileage for driving to a course?")
    assert not gap.answered and not gap.off_topic  # an L&D question the documents do not answer: a gap
    answered = await ask(services, "is workplace assessment mandatory?")
    assert answered.confident and not answered.off_topic
    async with unit_of_work(services.sessions) as db:
        rows = (await db.scalars(select(PolicyQuestion).order_by(PolicyQuestion.id))).all()
        groups = await unanswered_groups(db)
        off_topic = await off_topic_count(db)
    assert [(q.text, q.answered, q.off_topic) for q in rows] == [
        ("who won the football last night", False, True),
        ("can i claim mileage for driving to a course?", False, False),
        ("is workplace assessment mandatory?", True, False),
    ]
    assert [g.examples for g in groups] == [["can i claim mileage for driving to a course?"]]
    assert off_topic == 1


async def test_a_document_using_an_everyday_word_does_not_answer_an_everyday_question(services):
    policy = b"""# Outdoor Training Policy

## 2.1 Outdoor Drills

Outdoor drills go ahead in all weather unless the watch manager decides conditions are unsafe.
"""
    async with unit_of_work(services.sessions) as db:
        await import_bytes(db, "outdoor.md", policy)
    weather = await ask(services, "what is the weather like", record=False)
    assert weather.off_topic and not weather.answered
    drills = await ask(services, "do outdoor drills go ahead in bad weather", record=False)
    assert drills.confident and not drills.off_topic and drills.best.section == "2.1"


async def test_unlogged_questions_leave_no_row(services):
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    for question in ("order a pizza", "how often is my appraisal", "can i claim mileage for driving to a course?"):
        answer = await ask(services, question, record=False)
        assert answer.question_id is None
    async with unit_of_work(services.sessions) as db:
        assert (await db.scalars(select(PolicyQuestion))).all() == []
