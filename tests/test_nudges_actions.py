"""The digest's buttons, clicked as a manager would (console and whole-form platforms)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.app import make_bot
from handlers.nudges.job import preview
from scheduler.outbox import render_message
from storage.models import AuditEvent, OutgoingMessage
from storage.models.nudges import AppraisalRecord, AssessmentBooking, NudgeDone, NudgeSnooze
from tests.nudge_org import MONDAY, add_evidence, build_station, item, rules
from tests.support import Chat

# The services clock is Tuesday 17 November 2026, 10:00.


async def digest_items(services, day: date = MONDAY) -> list[dict]:
    plan = await preview(services, day, rules=rules())
    return next((n["items"] for n in plan.for_json() if n["kind"] == "digest"), [])


async def test_mark_appraisal_done_on_the_console(services):
    ids = await build_station(services)
    dana = Chat(make_bot(services), "wm@example.org")
    reply = await dana.click(f"nudges.done:{ids['ff1']}", str(ids["ff1"]))
    assert "When did Sam Patel's appraisal take place?" in reply
    assert "That isn't a date I can read — try 17/11/2026." in await dana.send("the other day")
    assert "in the future" in await dana.send("2026-12-01")
    reply = await dana.send("10/11/2026")
    assert "appraisal on 10 November 2026 is recorded" in reply and "due by 10 November 2027" in reply
    async with services.sessions() as db:
        record = await db.scalar(select(AppraisalRecord).where(AppraisalRecord.person_id == ids["ff1"]))
        assert (record.last_appraisal_date, record.next_due_date, record.updated_by_id) == (
            date(2026, 11, 10), None, ids["wm"])
        done = await db.scalar(select(NudgeDone))
        assert (done.item, done.due_date, done.done_on) == ("appraisal", date(2026, 10, 1), date(2026, 11, 10))
        assert await db.scalar(select(AuditEvent.action).where(AuditEvent.entity == "appraisal")) == "done"
    assert item("ff1", "appraisal", "2026-10-01", "overdue") not in await digest_items(services)


async def test_snooze_for_a_week_then_back(services):
    ids = await build_station(services)
    dana = Chat(make_bot(services), "wm@example.org")
    reply = await dana.click(f"nudges.snooze:{ids['ff1']}:competence:{ids['BA']}", f"{ids['ff1']}:competence:{ids['BA']}")
    assert "won't mention Sam Patel's BA again until 24 November 2026" in reply
    async with services.sessions() as db:
        snooze = await db.scalar(select(NudgeSnooze))
        assert (snooze.item, snooze.until) == (f"competence:{ids['BA']}", date(2026, 11, 24))
    assert item("ff1", "BA", "2026-12-01", "due_soon") not in await digest_items(services, date(2026, 11, 23))
    assert item("ff1", "BA", "2026-12-01", "due_soon") in await digest_items(services, date(2026, 11, 30))


async def test_book_an_assessment_with_a_whole_form(services):
    ids = await build_station(services)
    dana = Chat(make_bot(services), "wm@example.org", platform="slack", conversation="D1")
    await dana.click(f"nudges.book:{ids['ff1']}:{ids['BA']}", f"{ids['ff1']}:{ids['BA']}")
    form = dana.last[0].form
    assert form is not None and form.form_id == "nudges.book" and form.fields[0].kind == "date"
    outcome = await dana.submit("nudges.book", {"date": "2026-11-01"}, form.context)
    assert "date" in outcome.form_errors  # in the past
    outcome = await dana.submit("nudges.book", {"date": "2026-11-25"}, form.context)
    assert "Booked: Sam Patel's BA workplace assessment on 25 November 2026" in outcome.replies[0].text
    outcome = await dana.submit("nudges.book", {"date": "2026-11-25"}, form.context)
    assert "already booked" in outcome.replies[0].text
    async with services.sessions() as db:
        bookings = list(await db.scalars(select(AssessmentBooking)))
        assert [(b.person_id, b.booked_for) for b in bookings] == [(ids["ff1"], date(2026, 11, 25))]
        told = list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.kind == "assessment_booked")))
    assert [(m.recipient_id, m.template) for m in told] == [(ids["ff1"], "nudges.booked_notice")]  # Sam is told, once
    assert "booked your workplace assessment for *BA" in render_message(told[0], "slack", services.catalogue).text
    assert item("ff1", "BA", "2026-12-01", "due_soon") not in await digest_items(services, date(2026, 11, 23))


async def test_only_the_line_manager_may_act(services):
    ids = await build_station(services)
    bot = make_bot(services)
    for email in ("wm2@example.org", "gm@example.org", "ff1@example.org"):
        chat = Chat(bot, email)
        assert "Only Sam Patel's line manager can do that." in await chat.click(
            f"nudges.snooze:{ids['ff1']}:appraisal", f"{ids['ff1']}:appraisal")
        assert "Only Sam Patel's line manager" in await chat.click(f"nudges.done:{ids['ff1']}", str(ids["ff1"]))
    # A forged form submission is refused as well.
    tom = Chat(bot, "wm2@example.org", platform="slack", conversation="D2")
    outcome = await tom.submit("nudges.done", {"date": "2026-11-10"}, str(ids["ff1"]))
    assert "line manager" in outcome.replies[0].text
    async with services.sessions() as db:
        assert await db.scalar(select(NudgeSnooze)) is None
        record = await db.scalar(select(AppraisalRecord).where(AppraisalRecord.person_id == ids["ff1"]))
        assert record.last_appraisal_date == date(2025, 10, 1)


async def test_evidence_waiting_for_verification_is_listed(services):
    ids = await build_station(services)
    evidence_id = await add_evidence(services, ids["ff1"], ids["BA"], activity=date(2026, 11, 12), valid_until=None,
                                     status="submitted")
    items = await digest_items(services)
    assert item("ff1", "BA", "2026-12-01", "due_soon") in items
    plan = await preview(services, MONDAY, rules=rules())
    ba = next(i for n in plan.nudges if n.kind == "digest" for i in n.items if i.what == "BA")
    assert ba.evidence_waiting
    dana = Chat(make_bot(services), "wm@example.org")
    reply = await dana.click(f"nudges.evidence:{ids['ff1']}:{ids['BA']}", f"{ids['ff1']}:{ids['BA']}")
    assert f"#{evidence_id} Workplace assessment, 12 November 2026 — BA: Assessed at a drill" in reply
    reply = await dana.click(f"nudges.evidence:{ids['ff2']}:{ids['BA']}", f"{ids['ff2']}:{ids['BA']}")
    assert "Nothing from Priya Shah is waiting" in reply


async def test_stale_buttons_say_the_item_has_gone(services):
    await build_station(services)
    dana = Chat(make_bot(services), "wm@example.org")
    assert "isn't there any more" in await dana.click("nudges.snooze:99999:appraisal", "99999:appraisal")
