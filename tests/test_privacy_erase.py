"""Erasure: afterwards no table holds the person's name, email, platform ids or the words they wrote;
other people's records stay whole, and the service keeps only anonymous counts."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.usecase import Refused, apply
from bot.web import uploads
from handlers.learning.config import config_for
from handlers.privacy.usecases import erase_person
from handlers.reflections.usecases import save_reflection
from storage.db import unit_of_work
from storage.models import AuditEvent, Evidence, OutgoingMessage, Person, Reflection
from storage.models.learning import (
    LearningBooking,
    LearningBroadcast,
    LearningEvaluation,
    LearningInvitation,
    LearningOpportunity,
)
from storage.models.privacy import AnonymousTally
from storage.models.web import WebSignInLink, WebUpload
from storage.org_import import person_by_email
from storage.policy.models import PolicyStandardAnswer
from tests.privacy_org import (
    ALEX,
    ANSWER,
    JO,
    LEE,
    PHRASE,
    QUESTION,
    SAM,
    SLACK_ID,
    TEAMS_ID,
    as_person,
    build,
    dump,
    evidence_of,
    ids,
    naming,
)
from tests.support import queue


async def ldbot(services, *args: str, input: str | None = None):
    env = {"LDBOT_DATABASE_URL": services.settings.database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, input=input, catch_exceptions=False)


async def rows_of(services, person_id: int) -> dict[str, int]:
    """The person's rows in the learning and web console tables (which hold ids, not names)."""
    found = {}
    async with services.sessions() as db:
        for model, column in ((LearningBooking, LearningBooking.person_id),
                              (LearningInvitation, LearningInvitation.person_id),
                              (LearningEvaluation, LearningEvaluation.respondent_id),
                              (WebSignInLink, WebSignInLink.person_id)):
            count = await db.scalar(select(func.count()).select_from(model).where(column == person_id))
            if count:
                found[model.__tablename__] = count
    return found


async def test_after_erasure_no_table_holds_anything_that_identifies_them(services):
    await build(services)
    before = await dump(services)
    needles = ("Alex Morgan", ALEX, SLACK_ID, TEAMS_ID, PHRASE, QUESTION)
    # The person is all over the database before (so the search below is a real search).
    assert {table for table, *_ in naming(before, *needles)} >= {
        "people", "platform_identities", "conversation_refs", "dialog_states", "reflections", "evidence",
        "outgoing_messages", "policy_questions", "policy_standard_answers", "learning_evaluations",
        "learning_opportunities",  # an audience names Alex by email
    }
    alex_id = (await ids(services))["alex"]
    assert await rows_of(services, alex_id) == {
        "learning_bookings": 2, "learning_invitations": 2, "learning_evaluations": 1, "web_sign_in_links": 1}

    declined = await ldbot(services, "privacy", "erase", "--user", ALEX, "--reason", "Request from Alex Morgan",
                           input="n\n")
    assert declined.exit_code == 1 and "Nothing was erased." in declined.output
    assert "They are still here" in declined.output and "cannot be undone" in declined.output
    assert await dump(services) == before  # asking changed nothing

    result = await ldbot(services, "privacy", "erase", "--user", ALEX, "--reason",
                         "Subject request from Alex Morgan (alex@example.org), ref 113", "--yes")
    assert result.exit_code == 0, result.output
    assert "Erased." in result.output and "competence assessments 1" in result.output

    after = await dump(services)
    assert naming(after, *needles) == []
    # Other people's records stay, without the name; the service keeps the counts it must.
    async with services.sessions() as db:
        assert await person_by_email(db, ALEX) is None
        jo_reflection = await db.scalar(select(Reflection.what_happened).where(Reflection.person_id.is_not(None)))
        assert jo_reflection == "[removed] showed me the BA board."
        standard = await db.scalar(select(PolicyStandardAnswer))
        assert standard.answer == ANSWER and standard.question == "" and standard.author_name == "Lee Trainer"
        tallies = {(t.kind, t.year, t.station, t.competence, t.outcome): t.count
                   for t in await db.scalars(select(AnonymousTally))}
        erased = await db.scalar(select(AuditEvent).where(AuditEvent.action == "erased"))
    assert tallies == {
        ("competence_assessment", 2026, "Ashby", "FFBA1", "competent"): 1,
        ("appraisal", 2025, "Ashby", "", ""): 1,
        ("reflection", 2026, "Ashby", "", ""): 2,
        ("learning_attendance", 2026, "Ashby", "", "attended"): 1,  # that he came, not who he is
    }
    assert erased.entity_id == 0 and erased.actor_id is None
    assert erased.detail["reason"] == "Subject request from [removed] ([removed]), ref 113"
    assert erased.detail["via"] == "command_line" and erased.detail["removed"]["people"] == 1
    jo_evidence = await evidence_of(services, JO)
    assert [(e.status, e.feedback) for e in jo_evidence] == [("competent", "Good entry control.")]
    # Nothing of his is left in the learning and web tables, Sam's answer about him included; the place he
    # held on the coming session is offered to Jo, who was waiting; the drill keeps Jo's no-show and its audience.
    assert await rows_of(services, alex_id) == {}
    async with services.sessions() as db:
        assert list(await db.scalars(select(LearningEvaluation))) == []
        jo_id = (await person_by_email(db, JO)).id
        jo_places = {b.status for b in await db.scalars(select(LearningBooking).where(LearningBooking.person_id == jo_id))}
        offer = await db.scalar(select(OutgoingMessage).where(OutgoingMessage.template == "learning.offer"))
        drill = await db.scalar(select(LearningOpportunity).where(LearningOpportunity.title == "Ladder drill refresher"))
    assert jo_places == {"confirmed", "offered"}  # the drill (a no-show), and the place Alex held
    assert (offer.recipient_id, offer.status, offer.context["title"]) == (jo_id, "pending", "Casualty care")
    assert drill.audience == {"any": [{"station": ["Ashby"]}, {"people": ["[removed]"]}]}


async def test_a_decider_erased_leaves_the_decisions_on_other_peoples_records(services):
    people = await build(services)
    # Someone else whose name starts with Sam's: whole names only are taken out, and their messages stay.
    await as_person(services, JO, save_reflection, draft={"what_happened": "Sam Patelson from Carrow showed me."})
    other = await queue(services, people["jo"], "evidence.decided", {"by": "Sam Patelson"})
    async with unit_of_work(services.sessions) as db:
        sam = await person_by_email(db, SAM)
        at = services.at()
        erased = await apply(db, await erase_person(db, None, at, person=sam, reason="left long ago", via="test",
                                                    learning=config_for(services)), at)
    assert erased.was_active
    # Sam was still here: Alex and Jo now report to Sam's manager, who also gets the evidence still waiting.
    async with services.sessions() as db:
        alex = await person_by_email(db, ALEX)
        assert alex.line_manager_id == people["gm"]
        waiting = await db.scalar(select(Evidence).where(Evidence.status == "submitted"))
        assert waiting.verifier_id == people["gm"]
        requests = list(await db.scalars(select(OutgoingMessage).where(
            OutgoingMessage.template == "evidence.verify_request", OutgoingMessage.recipient_id == people["gm"])))
    assert len(requests) == 1 and requests[0].status == "pending"
    decided = [e for e in await evidence_of(services, ALEX) if e.status == "competent"]
    assert [(e.decided_by_id, e.feedback) for e in decided] == [(None, "Well led, Alex Morgan.")]
    rows = await dump(services)
    assert naming(rows, SAM) == [] and all("sam patel" not in row.replace("sam patelson", "") for _, row in rows)
    async with services.sessions() as db:
        kept = await db.get(OutgoingMessage, other)
        texts = set(await db.scalars(select(Reflection.what_happened)))
    assert (kept.status, kept.context) == ("pending", {"by": "Sam Patelson"})
    assert "Sam Patelson from Carrow showed me." in texts


async def test_only_an_admin_may_erase_and_never_themselves(services):
    await build(services)
    async with unit_of_work(services.sessions) as db:
        db.add(Person(email="ada@example.org", name="Ada Admin", role="admin"))
    async with unit_of_work(services.sessions) as db:
        sam, alex = await person_by_email(db, SAM), await person_by_email(db, ALEX)
        for actor, subject, reason in ((sam, alex, "not_allowed"), (await person_by_email(db, "ada@example.org"),
                                       await person_by_email(db, "ada@example.org"), "not_yourself")):
            try:
                await erase_person(db, actor, services.at(), person=subject, reason="x", via="web",
                                   learning=config_for(services))
            except Refused as refused:
                assert refused.reason == reason
            else:
                raise AssertionError("erasure was not refused")
    blank = await ldbot(services, "privacy", "erase", "--user", ALEX, "--reason", "  ", "--yes")
    assert blank.exit_code == 2 and "give a reason" in blank.output
    nobody = await ldbot(services, "privacy", "erase", "--user", "nobody@example.org", "--reason", "x", "--yes")
    assert nobody.exit_code == 1 and "nobody with the email" in nobody.output
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Person)) == 7
    async with unit_of_work(services.sessions) as db:  # the web console's way: an admin, by name in the log
        ada, jo = await person_by_email(db, "ada@example.org"), await person_by_email(db, JO)
        ada_id = ada.id
        await erase_person(db, ada, services.at(), person=jo, reason="asked to", via="web",
                           learning=config_for(services))
    async with services.sessions() as db:
        entry = await db.scalar(select(AuditEvent).where(AuditEvent.action == "erased"))
    assert (entry.actor_id, entry.detail["via"], "account" in entry.detail) == (ada_id, "web", False)


async def test_a_second_erasure_finds_nobody_and_counts_nothing_twice(services):
    await build(services)
    first = await ldbot(services, "privacy", "erase", "--user", ALEX, "--reason", "request", "--yes")
    assert first.exit_code == 0, first.output
    again = await ldbot(services, "privacy", "erase", "--user", ALEX, "--reason", "request", "--yes")
    assert again.exit_code == 1 and "nobody with the email" in again.output
    async with services.sessions() as db:
        assert await db.scalar(select(func.sum(AnonymousTally.count))) == 5


async def test_a_name_with_accents_is_found_in_text_and_in_json(services):
    people = await build(services)
    async with unit_of_work(services.sessions) as db:
        db.add(Person(email="zoe@example.org", name="Zoë Brontë", role="firefighter", line_manager_id=people["sam"]))
    await as_person(services, JO, save_reflection, draft={"what_happened": "Zoë Brontë ran the drill."})
    await queue(services, people["sam"], "evidence.verify_request", {"staff_name": "Zoë Brontë", "description": "x"})
    # Raw rows show SQLite's JSON with the accents escaped (repr doubles the backslash): look for both.
    spellings = ("Zoë Brontë", "zo\\\\u00eb bront\\\\u00eb", "zoe@example.org")
    before = {(table, needle) for table, needle, _ in naming(await dump(services), *spellings)}
    assert {("people", "Zoë Brontë"), ("reflections", "Zoë Brontë")} <= before
    assert ("outgoing_messages", "Zoë Brontë") in before or ("outgoing_messages", spellings[1]) in before
    async with unit_of_work(services.sessions) as db:
        zoe = await person_by_email(db, "zoe@example.org")
        await erase_person(db, None, services.at(), person=zoe, reason="asked", via="test",
                           learning=config_for(services))
    assert naming(await dump(services), *spellings) == []


async def test_an_ld_officer_erased_leaves_the_courses_they_ran_without_them(services):
    """What Lee did about others stays (the courses, who was sent them, the attendance Lee recorded), without
    Lee; Lee's own upload to the web console goes."""
    await build(services)
    async with unit_of_work(services.sessions) as db:
        lee = await person_by_email(db, LEE)
        await uploads.hold(db, lee, services.at(), kind="records", filename="Lee Trainer assessments.csv",
                           content=b"email,competence_code\n")
    async with unit_of_work(services.sessions) as db:
        lee, at = await person_by_email(db, LEE), services.at()
        await apply(db, await erase_person(db, None, at, person=lee, reason="asked", via="test",
                                           learning=config_for(services)), at)
    assert naming(await dump(services), "Lee Trainer", LEE) == []
    async with services.sessions() as db:
        courses = list(await db.scalars(select(LearningOpportunity).order_by(LearningOpportunity.id)))
        sent = list(await db.scalars(select(LearningBroadcast)))
        attended = await db.scalar(select(LearningBooking).where(LearningBooking.attendance == "attended"))
        assert await db.scalar(select(func.count()).select_from(WebUpload)) == 0
    assert [(c.title, c.created_by_id) for c in courses] == [("Ladder drill refresher", None), ("Casualty care", None)]
    assert len(sent) == 2 and {b.sent_by_id for b in sent} == {None} and {b.invited for b in sent} == {3, 2}
    assert (attended.attendance_by_id, attended.attendance_at is not None) == (None, True)
