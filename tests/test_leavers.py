"""Leavers: a full people import or a left_on date marks people as left; a leaver cannot chat, is never
nudged, drops out of digests and audiences, their open items move on and messages to them are cancelled;
rejoining restores them."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import select

from bot.app import make_bot
from bot.cli import main
from bot.usecase import apply, run_use_case
from handlers.evidence.usecases import log_evidence
from handlers.learning.config import config_for
from handlers.nudges.job import preview
from handlers.people import jobs
from handlers.people.leavers import leave
from handlers.policy.usecases import ld_team
from scheduler.outbox import render_message
from storage.db import unit_of_work
from storage.models import AuditEvent, Evidence, OutgoingMessage, Person
from storage.models.nudges import AppraisalRecord
from storage.org_import import person_by_email
from tests.nudge_org import rules
from tests.privacy_org import as_person
from tests.support import Chat, add_competence, deliver, queue
from tests.test_outbox import RecordingPlatform

HEADER = "email,name,role,team,station,line_manager_email\n"
EVERYONE = {
    "gm@example.org": "gm@example.org,Gail Group,group manager,,HQ,",
    "sam@example.org": "sam@example.org,Sam Patel,crew manager,Red,Ashby,gm@example.org",
    "alex@example.org": "alex@example.org,Alex Morgan,firefighter,Red,Ashby,sam@example.org",
    "jo@example.org": "jo@example.org,Jo Bloggs,firefighter,Red,Ashby,sam@example.org",
    "lee@example.org": "lee@example.org,Lee Trainer,L&D,L&D,HQ,",
    "ash@example.org": "ash@example.org,Ash Assessor,assessor,,HQ,",
}


def people_file(tmp_path: Path, name: str, *emails: str, header: str = HEADER, extra: dict[str, str] | None = None) -> Path:
    path = tmp_path / name
    lines = [EVERYONE[e] + ((extra or {}).get(e, "") if header != HEADER else "") for e in emails]
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


async def ldbot(services, *args: str, input: str | None = None):
    env = {"LDBOT_DATABASE_URL": services.settings.database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, input=input, catch_exceptions=False)


def real_today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()  # the command line's clock


async def person(services, email: str) -> Person:
    async with services.sessions() as db:
        return await person_by_email(db, email)


async def messages(services, email: str) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        found = await person_by_email(db, email)
        return list(await db.scalars(
            select(OutgoingMessage).where(OutgoingMessage.recipient_id == found.id).order_by(OutgoingMessage.id)))


async def setup(services, tmp_path: Path) -> None:
    result = await ldbot(services, "org", "import", str(people_file(tmp_path, "all.csv", *EVERYONE)))
    assert result.exit_code == 0, result.output
    await add_competence(services, "FFBA1", "Use breathing apparatus", risk_critical=True, months=12)
    async with unit_of_work(services.sessions) as db:
        for email in ("alex@example.org", "jo@example.org"):  # both overdue an appraisal
            db.add(AppraisalRecord(person_id=(await person_by_email(db, email)).id, last_appraisal_date=date(2025, 9, 1)))


async def log(services, email: str, description: str) -> int:
    logged = await as_person(services, email, log_evidence, competence_code="FFBA1", kind="observed",
                             activity_date=date(2026, 11, 2), description=description, links=[])
    return logged.evidence.id


async def deliver_all(services) -> None:
    async with unit_of_work(services.sessions) as db:
        for message in await db.scalars(select(OutgoingMessage).where(OutgoingMessage.status == "pending")):
            message.status, message.delivered_at = "delivered", services.now()


def digest_people(plan, manager_email: str) -> list[str]:
    return [item["person"] for n in plan.for_json() if n["recipient"] == manager_email and n["kind"] == "digest"
            for item in n["items"]]


async def test_full_import_marks_the_absent_as_left_across_chat_digests_and_the_outbox(services, tmp_path):
    await setup(services, tmp_path)
    seen_id = await log(services, "alex@example.org", "Wore BA at the smoke house.")
    await deliver_all(services)  # Sam has seen the request for this one ...
    waiting_id = await log(services, "alex@example.org", "Wore BA again.")  # ... not yet for this one
    await queue(services, (await person(services, "alex@example.org")).id, "evidence.decided", {})
    bot = make_bot(services)
    assert "Hi Alex" in await Chat(bot, "alex@example.org").send("help")
    monday = date(2026, 11, 23)
    assert digest_people(await preview(services, monday, rules=rules()), "sam@example.org") == [
        "alex@example.org", "jo@example.org"]

    without_alex = people_file(tmp_path, "full.csv", *(e for e in EVERYONE if e != "alex@example.org"))
    declined = await ldbot(services, "org", "import", str(without_alex), "--full", input="n\n")
    assert declined.exit_code == 1
    assert "1 person is not in full.csv and will be marked as having left today" in declined.output
    assert "alex@example.org  Alex Morgan" in declined.output and "Nothing was imported." in declined.output
    assert (await person(services, "alex@example.org")).active

    result = await ldbot(services, "org", "import", str(without_alex), "--full", input="y\n")
    assert result.exit_code == 0, result.output
    assert f"Left: alex@example.org on {real_today().day} " in result.output
    alex = await person(services, "alex@example.org")
    assert (alex.active, alex.left_on) == (False, real_today())

    # Chat: refused like a stranger. Outbox: what waited for Alex is cancelled.
    assert "don't recognise you" in await Chat(bot, "alex@example.org").send("help")
    assert [m.status for m in await messages(services, "alex@example.org")] == ["cancelled"]
    # Their evidence waiting for a decision is withdrawn; Sam, who had the request, is told why.
    async with services.sessions() as db:
        statuses = dict((await db.execute(select(Evidence.id, Evidence.status))).all())
        reason = await db.scalar(select(AuditEvent.detail).where(
            AuditEvent.entity == "evidence", AuditEvent.entity_id == seen_id, AuditEvent.action == "withdrawn"))
    assert statuses == {seen_id: "withdrawn", waiting_id: "withdrawn"} and reason == {"reason": "left"}
    sam_messages = await messages(services, "sam@example.org")
    by_template = {(m.template, m.status) for m in sam_messages}
    assert ("evidence.verify_request", "cancelled") in by_template  # the one not sent yet, never sent
    [note] = [m for m in sam_messages if m.template == "people.evidence_withdrawn_left"]
    assert render_message(note, "console", services.catalogue).text == (
        f"Alex Morgan has left the service, so their evidence #{seen_id} (FFBA1) has been withdrawn before it was "
        "decided. There's nothing for you to do with it.")
    # Digests: Alex is gone from Sam's; nobody is told about Alex; Alex is told nothing.
    plan = await preview(services, monday, rules=rules())
    assert digest_people(plan, "sam@example.org") == ["jo@example.org"]
    assert all(n["recipient"] != "alex@example.org" for n in plan.for_json())

    again = await ldbot(services, "org", "import", str(without_alex), "--full")
    assert again.exit_code == 0 and "Left:" not in again.output and "will be marked" not in again.output

    # Rejoining: in the file again, Alex is back in chat and in the digest.
    back = await ldbot(services, "org", "import", str(people_file(tmp_path, "back.csv", "alex@example.org")))
    assert back.exit_code == 0, back.output
    alex = await person(services, "alex@example.org")
    assert (alex.active, alex.left_on) == (True, None)
    assert "Hi Alex" in await Chat(bot, "alex@example.org").send("help")
    assert digest_people(await preview(services, monday, rules=rules()), "sam@example.org") == [
        "alex@example.org", "jo@example.org"]


async def test_a_manager_leaving_by_date_hands_their_team_and_waiting_evidence_up_the_line(services, tmp_path):
    await setup(services, tmp_path)
    waiting_id = await log(services, "alex@example.org", "Wore BA at the smoke house.")
    header = HEADER.strip() + ",left_on\n"
    yesterday, later = real_today() - timedelta(days=1), real_today() + timedelta(days=30)
    path = tmp_path / "dated.csv"
    path.write_text(header + "\n".join([
        EVERYONE["gm@example.org"] + ",",
        EVERYONE["sam@example.org"] + f",{yesterday.strftime('%d/%m/%Y')}",
        EVERYONE["alex@example.org"] + ",",
        EVERYONE["jo@example.org"] + f",{later.isoformat()}",
    ]) + "\n", encoding="utf-8")
    result = await ldbot(services, "org", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Line manager has left: alex@example.org reports to gm@example.org for now, not sam@example.org." in result.output
    assert f"Leaving later: jo@example.org on {later.day} " in result.output
    gm, sam = await person(services, "gm@example.org"), await person(services, "sam@example.org")
    alex, jo = await person(services, "alex@example.org"), await person(services, "jo@example.org")
    assert (sam.active, sam.left_on) == (False, yesterday)
    assert (alex.line_manager_id, jo.line_manager_id) == (gm.id, gm.id)
    assert (jo.active, jo.left_on) == (True, later)
    async with services.sessions() as db:
        evidence = await db.get(Evidence, waiting_id)
    assert evidence.verifier_id == gm.id and evidence.status == "submitted"
    gm_messages = {m.template: m for m in await messages(services, "gm@example.org")}
    request = gm_messages["evidence.verify_request"]
    assert request.context["staff_name"] == "Alex Morgan" and request.status == "pending"
    assert "Wore BA at the smoke house." in render_message(request, "console", services.catalogue).text
    assert "evidence.verify_request" in {m.template for m in await messages(services, "sam@example.org")}
    assert all(m.status == "cancelled" for m in await messages(services, "sam@example.org"))
    # The acting manager may now decide it (they are the line manager now).
    assert "Wore BA at the smoke house." in await Chat(make_bot(services), "gm@example.org").send("verify")

    # Jo's date comes: the hourly job marks her as left.
    services.clock.at = datetime.combine(later, datetime.min.time()).replace(tzinfo=ZoneInfo("UTC")) + timedelta(hours=10)
    report = await jobs.leavers(services)
    assert report == "1 left" and not (await person(services, "jo@example.org")).active
    assert await jobs.leavers(services) == "0 left"


async def test_with_nobody_above_the_ld_team_is_told_and_the_assessors_decide(services, tmp_path):
    await setup(services, tmp_path)
    async with unit_of_work(services.sessions) as db:  # Gail leaves first: now nobody is above Sam
        gail = await person_by_email(db, "gm@example.org")
        await apply(db, await leave(db, None, services.at(), person=gail, on=services.today(), source="test",
                    learning=config_for(services)),
                    services.at())
    waiting_id = await log(services, "alex@example.org", "Wore BA at the smoke house.")
    async with unit_of_work(services.sessions) as db:
        sam = await person_by_email(db, "sam@example.org")
        left = await apply(db, await leave(db, None, services.at(), person=sam, on=services.today(), source="test",
                    learning=config_for(services)),
                           services.at())
    assert left.acting_manager is None and [p.email for p in left.reports_moved] == ["alex@example.org", "jo@example.org"]
    alex = await person(services, "alex@example.org")
    assert alex.line_manager_id is None
    handovers = [m for m in await messages(services, "lee@example.org") if m.template == "people.left_handover"]
    assert [m.context["name"] for m in handovers] == ["Gail Group", "Sam Patel"]
    told = handovers[1]
    text = render_message(told, "console", services.catalogue).text
    assert text.startswith("Sam Patel left the service on 17 November 2026.")
    assert "Nobody above Sam Patel is still here" in text and "• Alex Morgan" in text and "• Jo Bloggs" in text
    assert "1 piece of evidence that waited for Sam Patel to decide now waits for the assessors." in text
    ash = await person(services, "ash@example.org")
    assert [m.template for m in await messages(services, "ash@example.org")] == ["evidence.verify_request"]
    async with services.sessions() as db:
        assert (await db.get(Evidence, waiting_id)).verifier_id is None
    assert "Wore BA at the smoke house." in await Chat(make_bot(services), ash.email).send("verify")


async def test_leavers_drop_out_of_audiences(services, tmp_path):
    await setup(services, tmp_path)
    await ldbot(services, "org", "import", str(people_file(tmp_path, "more.csv", *EVERYONE)))
    async with unit_of_work(services.sessions) as db:
        db.add(Person(email="ash2@example.org", name="Ari Assessor", role="assessor"))
        db.add(Person(email="lee2@example.org", name="Lou Learning", role="ld"))
    for email in ("ash@example.org", "lee@example.org"):
        async with unit_of_work(services.sessions) as db:
            leaver = await person_by_email(db, email)
            await leave(db, None, services.at(), person=leaver, on=services.today(), source="test",
                    learning=config_for(services))
    async with services.sessions() as db:
        assert [p.email for p in await ld_team(db)] == ["lee2@example.org"]
    # Someone with no line manager: their evidence goes to the assessors still here, not the one who left.
    gail = await run_use_case(services, log_evidence, await person(services, "gm@example.org"),
                              competence_code="FFBA1", kind="observed", activity_date=date(2026, 11, 2),
                              description="Incident command exercise.", links=[])
    assert [v.email for v in gail.verifiers] == ["ash2@example.org"]


async def test_left_on_is_checked_and_someone_who_left_before_ldbot_is_created_as_a_leaver(services, tmp_path):
    header = HEADER.strip() + ",left_on\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + EVERYONE["gm@example.org"] + ",soon\n" + EVERYONE["lee@example.org"] + ",31/02/2026\n",
                   encoding="utf-8")
    result = await ldbot(services, "org", "import", str(bad))
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert "bad.csv: line 2: left_on 'soon' is not a date (use YYYY-MM-DD or DD/MM/YYYY)" in result.output
    assert "bad.csv: line 3: left_on '31/02/2026' is not a date" in result.output
    good = tmp_path / "good.csv"
    good.write_text(header + EVERYONE["gm@example.org"] + ",2020-03-31\n" + EVERYONE["lee@example.org"] + ",\n",
                    encoding="utf-8")
    result = await ldbot(services, "org", "import", str(good))
    assert result.exit_code == 0, result.output
    assert "People: 2 created, 0 updated, 0 unchanged." in result.output and "Left:" not in result.output
    gail, lee = await person(services, "gm@example.org"), await person(services, "lee@example.org")
    assert (gail.active, gail.left_on, lee.active, lee.left_on) == (False, date(2020, 3, 31), True, None)
    assert "don't recognise you" in await Chat(make_bot(services), "gm@example.org").send("help")


async def test_a_message_queued_for_someone_after_they_left_is_cancelled_not_parked(services, tmp_path):
    await setup(services, tmp_path)
    alex = await person(services, "alex@example.org")
    async with unit_of_work(services.sessions) as db:
        await leave(db, None, services.at(), person=await db.get(Person, alex.id), on=services.today(), source="test",
                    learning=config_for(services))
    late = await queue(services, alex.id, "evidence.decided", {})  # e.g. an answer to a question asked before
    fine = await queue(services, (await person(services, "jo@example.org")).id, "outbox.unreachable",
                       {"name": "x", "email": "y"})
    platform = RecordingPlatform()
    report = await deliver(services, [platform])
    assert (report.cancelled, report.delivered, report.parked, report.unreachable) == ([late], [fine], [], [])
    assert [m.status for m in await messages(services, "alex@example.org")] == ["cancelled"]
    assert [email for email, _ in platform.sent] == ["jo@example.org"]
