"""Logging evidence and verifying it, through the core as staff and managers use it."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import select

from bot.core import Bot
from storage.db import unit_of_work
from storage.models import AuditEvent, Evidence, OutgoingMessage
from tests.support import Chat, add_competence, add_person

STAFF, MANAGER, OTHER = "alex@example.org", "sam@example.org", "jo@example.org"


async def setup_org(services) -> None:
    await add_person(services, "helen@example.org", "Helen Brooks", role="watch_manager")
    await add_person(services, MANAGER, "Sam Patel", role="crew_manager", manager="helen@example.org")
    await add_person(services, STAFF, "Alex Morgan", manager=MANAGER)
    await add_person(services, OTHER, "Jo Bloggs", manager=MANAGER)
    await add_competence(services, "FFBA1", "Use breathing apparatus in hazardous atmospheres", risk_critical=True, months=12)
    await add_competence(services, "FFCS9", "Deliver home fire safety visits")
    await add_competence(services, "FFWR5", "Work safely in and near water", risk_critical=True, months=12,
                         description="water rescue")


async def all_evidence(services) -> list[Evidence]:
    async with services.sessions() as db:
        return list(await db.scalars(select(Evidence).order_by(Evidence.id)))


async def outbox(services) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        return list(await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


async def log_evidence_on_console(chat: Chat) -> str:
    await chat.send("evidence")
    await chat.send("breathing apparatus")
    await chat.send("1")  # Observed at work
    await chat.send("yesterday")
    await chat.send("Wore BA at a training fire; entry control followed.")
    return await chat.send("skip")


async def test_console_evidence_with_retries_then_saved_and_manager_told(services):
    await setup_org(services)
    alex = Chat(Bot(services), STAFF)
    assert "Which competence?" in await alex.send("log evidence")
    reply = await alex.send("rescue things")
    assert "not sure" in reply or "don't know" in reply
    assert "Which competence?" in reply  # asked again
    assert "What kind" in await alex.send("FFBA1")
    await alex.send("Simulated exercise")
    reply = await alex.send("next week please")
    assert "couldn't read" in reply
    reply = await alex.send("tomorrow")
    assert "in the future" in reply
    await alex.send("16/11/2026")
    await alex.send("Search and rescue drill in smoke.")
    assert "doesn't look like a web link" in await alex.send("not-a-link")
    reply = await alex.send("https://example.org/log/1")
    assert "Saved as evidence" in reply and "Sam Patel" in reply
    [evidence] = await all_evidence(services)
    assert (evidence.kind, evidence.activity_date, evidence.status) == ("simulated", date(2026, 11, 16), "submitted")
    assert evidence.links == ["https://example.org/log/1"] and evidence.competences[0].code == "FFBA1"
    [message] = await outbox(services)
    assert message.template == "verification.request" and message.context["staff_name"] == "Alex Morgan"
    assert [b["value"] for b in message.elements["buttons"]] == [
        f"{evidence.id}:competent", f"{evidence.id}:not_yet_competent", f"{evidence.id}:insufficient_evidence"]
    async with services.sessions() as db:
        audit = await db.scalar(select(AuditEvent).where(AuditEvent.entity == "evidence"))
    assert audit.action == "submitted" and "Search" not in str(audit.detail)


async def test_cancel_mid_form_saves_nothing(services):
    await setup_org(services)
    alex = Chat(Bot(services), STAFF)
    await alex.send("evidence")
    await alex.send("FFBA1")
    assert "Nothing was saved" in await alex.send("cancel")
    assert await all_evidence(services) == [] and await outbox(services) == []


async def test_whole_form_submission_reports_errors_inline(services):
    await setup_org(services)
    alex = Chat(Bot(services), STAFF, platform="slack", conversation="D1")
    outcome = await alex.submit("evidence.new", {"competence": "nonsense words", "kind": "observed", "date": "2030-01-01",
                                                 "description": "", "links": ""})
    assert set(outcome.form_errors) == {"competence", "date", "description"}
    assert await all_evidence(services) == []
    outcome = await alex.submit("evidence.new", {"competence": "FFCS9", "kind": "real_incident", "date": "2026-11-10",
                                                 "description": "Home visit", "links": ""})
    assert outcome.form_errors == {} and "Saved as evidence" in outcome.replies[0].text


async def verify(chat: Chat, evidence_id: int, decision: str, feedback: str = "skip") -> str:
    reply = await chat.click("evidence.decide", f"{evidence_id}:{decision}")
    if "feedback" not in reply.lower() and "what's missing" not in reply.lower():
        return reply
    return await chat.send(feedback)


async def test_manager_verifies_and_risk_critical_gets_valid_until(services):
    await setup_org(services)
    bot = Bot(services)
    await log_evidence_on_console(Chat(bot, STAFF))
    [evidence] = await all_evidence(services)
    sam = Chat(bot, MANAGER)
    listing = await sam.send("verify")
    assert "Alex Morgan" in listing and ("Competent", "evidence.decide", f"{evidence.id}:competent") in sam.buttons()
    reply = await verify(sam, evidence.id, "competent", "Well done, good entry control.")
    assert "Marked competent by Sam Patel ✓" in reply and sam.last[-1].replace_original
    [evidence] = await all_evidence(services)
    assert evidence.status == "competent" and evidence.valid_until == date(2027, 11, 16)
    assert evidence.feedback == "Well done, good entry control."
    decided = [m for m in await outbox(services) if m.template == "evidence.decided"]
    assert len(decided) == 1 and decided[0].context["decision"] == "competent"
    # a second click on the old message changes nothing
    again = await sam.click("evidence.decide", f"{evidence.id}:not_yet_competent")
    assert "already decided by Sam Patel" in again
    assert (await all_evidence(services))[0].status == "competent"


async def test_feedback_required_for_not_yet_competent(services):
    await setup_org(services)
    bot = Bot(services)
    await log_evidence_on_console(Chat(bot, STAFF))
    [evidence] = await all_evidence(services)
    sam = Chat(bot, MANAGER)
    await sam.click("evidence.decide", f"{evidence.id}:not_yet_competent")
    assert "what's missing" in (await sam.send("skip")).lower()
    assert "Marked not yet competent" in await sam.send("Needs a full BA wear under observation.")
    assert (await all_evidence(services))[0].valid_until is None


async def test_only_the_line_manager_or_assessor_may_decide(services):
    await setup_org(services)
    await add_person(services, "ruth@example.org", "Ruth Collins", role="assessor")
    bot = Bot(services)
    await log_evidence_on_console(Chat(bot, STAFF))
    [evidence] = await all_evidence(services)
    jo = Chat(bot, OTHER)
    assert "can't find evidence" in await jo.click("evidence.decide", f"{evidence.id}:competent")
    assert "can't find evidence" in await jo.send(f"verify {evidence.id}")
    alex = Chat(bot, STAFF)
    assert "can't find evidence" in await alex.click("evidence.decide", f"{evidence.id}:competent")
    helen = Chat(bot, "helen@example.org")  # the manager's manager is not the line manager
    assert "can't find evidence" in await helen.click("evidence.decide", f"{evidence.id}:competent")
    ruth = Chat(bot, "ruth@example.org")
    assert "Marked insufficient evidence by Ruth Collins" in await verify(ruth, evidence.id, "insufficient_evidence", "Add a log.")


async def test_two_decisions_at_once_decide_once(services):
    await setup_org(services)
    await add_person(services, "ruth@example.org", "Ruth Collins", role="assessor")
    bot = Bot(services)
    await log_evidence_on_console(Chat(bot, STAFF))
    [evidence] = await all_evidence(services)
    sam = Chat(bot, MANAGER, platform="slack", conversation="D-sam")
    ruth = Chat(bot, "ruth@example.org", platform="slack", conversation="D-ruth")
    results = await asyncio.gather(
        sam.submit("evidence.feedback", {"feedback": ""}, context=f"{evidence.id}:competent"),
        ruth.submit("evidence.feedback", {"feedback": "No"}, context=f"{evidence.id}:not_yet_competent"),
    )
    texts = [o.replies[-1].text for o in results]
    assert sum("already decided" in t for t in texts) == 1
    decided = [m for m in await outbox(services) if m.template == "evidence.decided"]
    assert len(decided) == 1


async def test_withdraw_own_submitted_evidence(services):
    await setup_org(services)
    bot = Bot(services)
    alex = Chat(bot, STAFF)
    await log_evidence_on_console(alex)
    [evidence] = await all_evidence(services)
    assert "can't find" in await Chat(bot, OTHER).send(f"withdraw evidence {evidence.id}")
    assert "withdrawn" in await alex.send(f"withdraw evidence {evidence.id}")
    assert (await all_evidence(services))[0].status == "withdrawn"
    assert "Nothing is waiting" in await Chat(bot, MANAGER).send("verify")


async def test_evidence_without_a_line_manager_goes_to_assessors(services):
    await setup_org(services)
    await add_person(services, "ruth@example.org", "Ruth Collins", role="assessor")
    await add_person(services, "solo@example.org", "Solo Person")
    async with unit_of_work(services.sessions) as db:
        pass
    reply = await log_evidence_on_console(Chat(Bot(services), "solo@example.org"))
    assert "Ruth Collins" in reply
