"""What an answer quotes: the sentences and list items that hold the fact, a list with its lead-in, never a
lead-in alone; and `confident` only when the quoted text answers (documents in tests/fixtures/policy)."""

from __future__ import annotations

from datetime import date

from bench.policy_eval import load_fixture_documents
from storage.db import unit_of_work
from storage.policy.answer import answer_question
from storage.policy.importer import import_bytes

TODAY = date(2026, 11, 17)


async def ask(services, question: str):
    async with unit_of_work(services.sessions) as db:
        return await answer_question(db, question, today=TODAY, record=False)


async def test_a_list_is_quoted_whole_with_its_lead_in_when_the_question_is_about_the_list(services):
    await load_fixture_documents(services.sessions)
    managers = await ask(services, "what does my line manager have to do")
    assert managers.confident and (managers.best.document, managers.best.section) == (
        "Training and Development Policy", "3.2")
    assert managers.quote[0] == "Line Managers will:"  # the heading "3.2 Line Managers will:" leads the list
    assert len(managers.quote) == 5 and all(line.startswith("• ") for line in managers.quote[1:])
    scores = [c.score for c in managers.citations]
    assert scores == sorted(scores, reverse=True)  # "see also" is never shown as surer than the answer
    principles = await ask(services, "what principles is training based on")
    assert principles.quote[0] == "Our approach to training is based on these principles:"
    assert "• Competence is confirmed by assessment, not by attendance alone." in principles.quote
    levels = await ask(services, "which behaviours are needed for the sergeant role")
    assert levels.best.section == "Behaviours" and len(levels.quote) == 7


async def test_only_the_items_that_answer_are_quoted_with_their_lead_in(services):
    await load_fixture_documents(services.sessions)
    ownership = await ask(services, "what cvf level do sergeants need for we take ownership")
    assert ownership.quote == [
        "This role requires the following levels of the Competency and Values Framework (CVF):",
        "• We take ownership – Level 2",
    ]
    hours = await ask(services, "how many hours of cpd does a sergeant need each year")
    assert hours.quote[-1] == "• Sergeant and inspector | 30 hours" and len(hours.quote) == 2


async def test_the_sentence_that_states_the_fact_asked_for_is_quoted(services):
    await load_fixture_documents(services.sessions)
    skills = await ask(services, "how often must risk critical skills be practised")
    assert (skills.best.section, skills.best.heading) == ("4.6", "Maintaining Skills")
    assert any("at least once every three months" in line for line in skills.quote)
    mileage = await ask(services, "is mileage paid for courses?")
    assert mileage.best.heading == "Travel to Courses" and "claim mileage" in mileage.quote[0]
    deadline = await ask(services, "when is the deadline to apply for funding")
    assert any("31 January" in line for line in deadline.quote)


async def test_a_lead_in_alone_is_never_an_answer(services):
    policy = b"""# Kit Policy

## 1 Issue of Kit

New starters are issued their kit in the first week.

## 2 Returning Kit

When you leave the Service, the stores team must:
"""
    async with unit_of_work(services.sessions) as db:
        await import_bytes(db, "kit.md", policy)
    answer = await ask(services, "what must the stores team do when i leave")
    assert not answer.confident and answer.quote == []
    issued = await ask(services, "when are new starters issued their kit")
    assert issued.confident and issued.quote == ["New starters are issued their kit in the first week."]


async def test_the_sample_framework_lists_come_whole(services):
    from storage.policy.importer import load_sample_policies

    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
    principles = await ask(services, "what principles is training based on")
    assert principles.quote[0] == "Our approach is based on these principles:" and len(principles.quote) == 6
    duties = await ask(services, "firefighter key accountabilities")
    assert len(duties.quote) == 7 and all(line.startswith("• ") for line in duties.quote)
    managers = await ask(services, "what does my line manager have to do")
    assert managers.quote[0] == "A line manager must:" and len(managers.quote) == 7
