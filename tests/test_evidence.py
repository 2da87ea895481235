"""Logging competence evidence through the core: field by field on the console, whole forms from Slack."""

from __future__ import annotations

import io
import logging
from datetime import date

from sqlalchemy import select

from bot.app import make_bot
from bot.console import ConsoleSession
from scheduler.outbox import render_message
from storage.models import AuditEvent, Evidence, OutgoingMessage, Person
from tests.support import Chat, add_competence, add_person

STAFF, MANAGER, OTHER, WATCH = "alex@example.org", "sam@example.org", "jo@example.org", "helen@example.org"
DESCRIPTION = "Wore BA at a training fire in the smoke house; entry control board kept throughout."


async def setup_org(services) -> None:
    await add_person(services, WATCH, "Helen Brooks", role="watch_manager")
    await add_person(services, MANAGER, "Sam Patel", role="crew_manager", manager=WATCH)
    await add_person(services, STAFF, "Alex Morgan", manager=MANAGER)
    await add_person(services, OTHER, "Jo Bloggs", manager=MANAGER)
    await add_competence(
        services,
        "FFBA1",
        "Use breathing apparatus in hazardous atmospheres",
        risk_critical=True,
        months=12,
        description="Wear BA safely as part of a team in smoke.",
    )
    await add_competence(
        services,
        "FFRT3",
        "Rescue people from road traffic collisions",
        risk_critical=True,
        months=24,
        description="Release trapped casualties from vehicles.",
    )
    await add_competence(
        services,
        "FFWR5",
        "Work safely in and near water",
        risk_critical=True,
        months=12,
        description="Bank-based and wading rescue.",
    )
    await add_competence(services, "FFCS9", "Deliver home fire safety visits")


async def all_evidence(services) -> list[Evidence]:
    async with services.sessions() as db:
        return list(await db.scalars(select(Evidence).order_by(Evidence.id)))


async def outbox(services) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        return list(await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


async def person_id(services, email: str) -> int:
    async with services.sessions() as db:
        return await db.scalar(select(Person.id).where(Person.email == email))


async def log_on_console(chat: Chat, competence: str = "breathing apparatus") -> str:
    await chat.send("evidence")
    await chat.send(competence)
    await chat.send("1")  # Observed at work
    await chat.send("yesterday")
    await chat.send(DESCRIPTION)
    review = await chat.send("skip")
    assert "Please check this before I save it" in review, review
    return await chat.click("evidence.save")


def form_values(**changes: str) -> dict[str, str]:
    values = {
        "competence": "FFBA1",
        "kind": "observed",
        "date": "2026-11-10",
        "description": DESCRIPTION,
        "links": "",
    }
    return {**values, **changes}


# --- the console: one question at a time ---------------------------------------------------------------------
async def test_console_form_re_asks_bad_answers_then_saves_and_tells_the_manager(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    reply = await alex.send("log evidence")
    assert "(1/5)" in reply and "Which competence?" in reply

    reply = await alex.send("rescue")  # road or water rescue? ask, don't guess
    assert "Did you mean" in reply and "FFRT3 — Rescue people from road traffic collisions" in reply
    assert "FFWR5 — Work safely in and near water" in reply and "(1/5)" in reply

    reply = await alex.send("knitting")
    assert 'I don\'t know a competence called "knitting"' in reply and "(1/5)" in reply

    reply = await alex.send("ff rt 3")
    assert "(2/5)" in reply and "Real incident" in reply
    assert "(2/5)" in await alex.send("9")  # not one of the kinds: asked again
    assert "(3/5)" in await alex.send("Real incident")

    reply = await alex.send("next week please")
    assert 'couldn\'t read "next week please" as a date' in reply and "(3/5)" in reply
    reply = await alex.send("tomorrow")
    assert "is in the future" in reply and "(3/5)" in reply
    assert "(4/5)" in await alex.send("last Friday")

    assert "(4/5)" in await alex.send("skip")  # a description is required
    assert "(5/5)" in await alex.send(
        "Cut the roof off a car at a collision on the bypass; casualty out in 20 minutes."
    )

    reply = await alex.send("www.example.org/photo")
    assert "doesn't look like a web link" in reply and "(5/5)" in reply
    review = await alex.send("https://example.org/log/1, https://example.org/photo/2")
    assert "Please check this before I save it" in review and "FFRT3 Rescue people" in review
    assert "13 November 2026" in review and "Real incident" in review and "https://example.org/log/1" in review
    assert await all_evidence(services) == [] and await outbox(services) == []  # nothing until Save
    reply = await alex.click("evidence.save")
    assert "Saved as evidence" in reply and "FFRT3" in reply and "Sam Patel" in reply

    [evidence] = await all_evidence(services)
    assert evidence.person_id == await person_id(services, STAFF)
    assert (evidence.kind, evidence.activity_date, evidence.status) == (
        "real_incident",
        date(2026, 11, 13),
        "submitted",
    )
    assert evidence.links == ["https://example.org/log/1", "https://example.org/photo/2"]
    assert [c.code for c in evidence.competences] == ["FFRT3"]
    assert evidence.verifier_id == await person_id(services, MANAGER)
    assert evidence.decided_by_id is None and evidence.valid_until is None

    [message] = await outbox(services)
    assert message.recipient_id == await person_id(services, MANAGER)
    assert (message.template, message.kind, message.dedupe_key) == (
        "evidence.verify_request",
        "verify_request",
        f"evidence:{evidence.id}:verify",
    )
    assert message.context["staff_name"] == "Alex Morgan" and message.context["code"] == "FFRT3"
    assert {b["action_id"] for b in message.elements["buttons"]} == {"evidence.decide"}
    rendered = render_message(message, "console", services.catalogue)
    assert [(b.label, b.value) for b in rendered.buttons] == [
        ("Competent", f"{evidence.id}:competent"),
        ("Not yet competent", f"{evidence.id}:not_yet_competent"),
        ("Insufficient evidence", f"{evidence.id}:insufficient_evidence"),
    ]
    shown = rendered.text
    assert "Alex Morgan has submitted evidence" in shown and "13 November 2026" in shown

    async with services.sessions() as db:
        [audit] = list(await db.scalars(select(AuditEvent).where(AuditEvent.entity == "evidence")))
    assert (audit.action, audit.entity_id, audit.actor_id) == ("submitted", evidence.id, evidence.person_id)
    assert "roof" not in str(audit.detail)


async def test_cancel_mid_form_saves_nothing(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    await alex.send("evidence")
    await alex.send("FFBA1")
    await alex.send("2")
    assert "Nothing was saved" in await alex.send("cancel")
    assert await all_evidence(services) == [] and await outbox(services) == []
    assert "(1/5)" in await alex.send("evidence")  # a fresh start, not the abandoned form


async def test_form_left_idle_expires_with_nothing_saved(services, clock):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF)
    await alex.send("evidence")
    await alex.send("FFBA1")
    clock.advance(hours=2)
    assert "discarded it" in await alex.send("1")
    assert await all_evidence(services) == []


async def test_logs_carry_ids_not_what_was_written(services, caplog):
    await setup_org(services)
    with caplog.at_level(logging.DEBUG, logger="ldbot"):
        await log_on_console(Chat(make_bot(services), STAFF))
    [evidence] = await all_evidence(services)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("ldbot")]
    assert any(f"evidence submitted id={evidence.id}" in m for m in ours)
    assert not any("smoke house" in m for m in ours)


# --- Slack and Teams: a whole form at once ---------------------------------------------------------------------
async def test_whole_form_errors_come_back_per_field_and_nothing_is_saved(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF, platform="slack", conversation="D-alex")
    outcome = await alex.submit(
        "evidence.new",
        form_values(
            competence="rescue",
            kind="guesswork",
            date="2030-01-01",
            description="  ",
            links="ftp://example.org/x",
        ),
    )
    assert set(outcome.form_errors) == {"competence", "kind", "date", "description", "links"}
    assert (
        "Did you mean" in outcome.form_errors["competence"] and "FFRT3" in outcome.form_errors["competence"]
    )
    assert "in the future" in outcome.form_errors["date"]
    assert "ftp://example.org/x" in outcome.form_errors["links"]
    assert "nothing was saved" in outcome.replies[0].text
    outcome = await alex.submit("evidence.new", form_values(date="whenever", description="x" * 3001))
    assert set(outcome.form_errors) == {"date", "description"}
    assert "couldn't read" in outcome.form_errors["date"] and "3000" in outcome.form_errors["description"]
    assert await all_evidence(services) == [] and await outbox(services) == []


async def test_whole_form_normalises_words_dates_and_links(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF, platform="slack", conversation="D-alex")
    outcome = await alex.submit(
        "evidence.new",
        form_values(
            competence="breathing apparatus",
            date="23/10/2026",
            links=" https://example.org/a,https://example.org/b ",
        ),
    )
    assert outcome.form_errors == {} and "Please check this" in outcome.replies[0].text
    assert await all_evidence(services) == []  # nothing until Save
    assert "Saved as evidence" in await alex.click("evidence.save")
    [evidence] = await all_evidence(services)
    assert [c.code for c in evidence.competences] == ["FFBA1"]
    assert evidence.activity_date == date(2026, 10, 23)
    assert evidence.links == ["https://example.org/a", "https://example.org/b"]
    assert evidence.description == DESCRIPTION


async def test_slack_picker_sends_iso_dates_and_codes(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF, platform="slack", conversation="D-alex")
    outcome = await alex.submit(
        "evidence.new",
        form_values(
            competence="FFCS9", kind="training_course", date="2026-11-17", description="<b>Tom & Jerry</b>"
        ),
    )
    assert outcome.form_errors == {}
    review = outcome.replies[-1].text
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in review and "<b>" not in review  # shown back, escaped
    await alex.click("evidence.save")
    [evidence] = await all_evidence(services)
    assert evidence.kind == "training_course" and evidence.activity_date == date(2026, 11, 17)
    assert evidence.description == "<b>Tom & Jerry</b>"  # stored as typed; escaped where shown
    [message] = await outbox(services)
    shown = render_message(message, "slack", services.catalogue).text
    assert "<b>" not in shown and "&lt;b&gt;" in shown


async def test_the_evidence_form_offers_type_ahead_for_competences(services):
    await setup_org(services)
    alex = Chat(make_bot(services), STAFF, platform="slack", conversation="D-alex")
    await alex.send("add evidence")
    [form] = [r.form for r in alex.last if r.form]
    fields = {f.name: f for f in form.fields}
    assert form.form_id == "evidence.new" and list(fields) == [
        "competence",
        "kind",
        "date",
        "description",
        "links",
    ]
    assert fields["competence"].options_source == "competences" and fields["competence"].kind == "choice"
    assert [o.value for o in fields["kind"].options][:3] == ["observed", "simulated", "real_incident"]
    assert fields["date"].kind == "date" and fields["description"].max_length == 3000
    assert fields["links"].required is False


# --- who verifies ---------------------------------------------------------------------------------------------
async def test_no_line_manager_sends_it_to_each_assessor(services):
    await setup_org(services)
    await add_person(services, "ruth@example.org", "Ruth Collins", role="assessor")
    await add_person(services, "omar@example.org", "Omar Haddad", role="assessor")
    await add_person(services, "gone@example.org", "Former Assessor", role="assessor", active=False)
    await add_person(services, "solo@example.org", "Solo Person")
    reply = await log_on_console(Chat(make_bot(services), "solo@example.org"))
    assert "no line manager" in reply and "Ruth Collins" in reply and "Omar Haddad" in reply
    [evidence] = await all_evidence(services)
    assert evidence.status == "submitted" and evidence.verifier_id is None
    messages = await outbox(services)
    assert sorted(m.recipient_id for m in messages) == sorted(
        [await person_id(services, "ruth@example.org"), await person_id(services, "omar@example.org")]
    )
    assert {m.dedupe_key for m in messages} == {
        f"evidence:{evidence.id}:verify:{m.recipient_id}" for m in messages
    }
    assert all(m.context["as_assessor"] for m in messages)


async def test_no_line_manager_and_no_assessors_still_saves(services):
    await setup_org(services)
    await add_person(services, "solo@example.org", "Solo Person")
    reply = await log_on_console(Chat(make_bot(services), "solo@example.org"))
    assert "Saved as evidence" in reply and "Nobody can verify it yet" in reply
    assert len(await all_evidence(services)) == 1 and await outbox(services) == []


async def test_an_assessor_without_a_manager_is_not_sent_their_own_evidence(services):
    await setup_org(services)
    await add_person(services, "ruth@example.org", "Ruth Collins", role="assessor")
    reply = await log_on_console(Chat(make_bot(services), "ruth@example.org"))
    assert "Nobody can verify it yet" in reply and await outbox(services) == []


# --- withdrawing ----------------------------------------------------------------------------------------------
async def test_withdraw_own_submitted_evidence_only(services):
    await setup_org(services)
    bot = make_bot(services)
    alex = Chat(bot, STAFF)
    await log_on_console(alex)
    [evidence] = await all_evidence(services)
    assert "can't find evidence #" in await Chat(bot, OTHER).send(f"withdraw evidence {evidence.id}")
    assert "can't find evidence #" in await Chat(bot, MANAGER).send(f"withdraw evidence {evidence.id}")
    assert (await all_evidence(services))[0].status == "submitted"
    listing = await alex.send("withdraw evidence")
    assert "Which evidence do you want to withdraw?" in listing and f"#{evidence.id} FFBA1" in listing
    assert "can't find evidence #abc" in await alex.send("withdraw evidence abc")
    assert "Withdraw evidence" in await alex.send(f"withdraw evidence #{evidence.id}")
    assert (await all_evidence(services))[0].status == "submitted"  # not until confirmed
    assert "is withdrawn" in await alex.click("evidence.withdraw", str(evidence.id))
    assert (await all_evidence(services))[0].status == "withdrawn"
    assert "can't be withdrawn" in await alex.send(f"withdraw evidence {evidence.id}")
    async with services.sessions() as db:
        actions = list(await db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == evidence.id)))
    assert actions == ["submitted", "withdrawn"]


async def test_withdrawing_cancels_an_unsent_request_and_tells_a_verifier_who_has_it(services):
    from sqlalchemy import update

    await setup_org(services)
    bot = make_bot(services)
    alex = Chat(bot, STAFF)

    await log_on_console(alex)
    [first] = await all_evidence(services)
    await alex.send(f"withdraw evidence {first.id}")
    assert "is withdrawn" in await alex.click("evidence.withdraw", str(first.id))
    [request] = await outbox(services)
    assert request.kind == "verify_request" and request.status == "cancelled"  # never sent: nothing to say
    out = io.StringIO()
    assert await ConsoleSession(bot, MANAGER, out).start()  # the console shows what is waiting for Sam:
    assert "Alex Morgan" not in out.getvalue()  # not the cancelled request

    await log_on_console(alex)
    second = (await all_evidence(services))[-1]
    async with services.sessions() as db, db.begin():  # the request reached Sam's chat app
        await db.execute(update(OutgoingMessage).where(OutgoingMessage.dedupe_key == f"evidence:{second.id}:verify")
                         .values(status="delivered"))
    await alex.send(f"withdraw evidence {second.id}")
    assert "is withdrawn" in await alex.click("evidence.withdraw", str(second.id))
    notices = [m for m in await outbox(services) if m.template == "evidence.withdrawn_notice"]
    assert [(m.recipient_id, m.status) for m in notices] == [(await person_id(services, MANAGER), "pending")]
    shown = render_message(notices[0], "console", services.catalogue).text
    assert f"Alex Morgan withdrew evidence #{second.id} (FFBA1)" in shown


async def test_decided_evidence_cannot_be_withdrawn(services):
    await setup_org(services)
    bot = make_bot(services)
    alex = Chat(bot, STAFF)
    await log_on_console(alex)
    [evidence] = await all_evidence(services)
    sam = Chat(bot, MANAGER)
    await sam.click("evidence.decide", f"{evidence.id}:competent")
    await sam.send("skip")
    reply = await alex.send(f"withdraw {evidence.id}")
    assert "can't be withdrawn" in reply and "competent" in reply
    assert (await all_evidence(services))[0].status == "competent"


async def test_competences_lists_the_active_framework(services):
    await setup_org(services)
    reply = await Chat(make_bot(services), STAFF).send("competences")
    assert "FFBA1" in reply and "revalidate every 12 months" in reply and "FFCS9" in reply
