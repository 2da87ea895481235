"""Retention: what goes after how long, applied by the daily job, and said (changing nothing) by --dry-run."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from bot.cli import main
from bot.settings import SettingsError
from handlers.privacy import jobs
from handlers.privacy.retention import run_retention
from handlers.privacy.rules import RetentionRules
from handlers.units import UNITS
from scheduler.jobs import build_scheduler
from storage.db import unit_of_work
from storage.models import (
    AuditEvent,
    DialogState,
    Evidence,
    OutgoingMessage,
    Person,
    ProcessedEvent,
    Reflection,
)
from storage.models.privacy import AnonymousTally
from storage.models.web import WebSignInLink, WebUpload
from tests.conftest import DEFAULT_NOW
from tests.support import add_competence, add_person

NOW = DEFAULT_NOW
TODAY = NOW.date()


def rules(**overrides: object) -> RetentionRules:
    return RetentionRules.load(_env_file=None, **overrides)


async def add_message(services, recipient_id: int, status: str, age_days: int) -> int:
    when = NOW - timedelta(days=age_days)
    async with unit_of_work(services.sessions) as db:
        message = OutgoingMessage(recipient_id=recipient_id, template="evidence.decided", context={"by": "Sam"},
                                  elements={"buttons": []}, status=status, created_at=when, next_attempt_at=when,
                                  delivered_at=when if status == "delivered" else None)
        db.add(message)
        await db.flush()
        return message.id


async def test_old_message_text_idle_dialogs_event_ids_and_deleted_reflections_go(services):
    alex = await add_person(services, "alex@example.org", "Alex Morgan")
    old_sent, new_sent = await add_message(services, alex, "delivered", 40), await add_message(services, alex, "delivered", 10)
    old_cancelled, old_pending = await add_message(services, alex, "cancelled", 40), await add_message(services, alex, "pending", 40)
    async with unit_of_work(services.sessions) as db:
        for age, user in ((timedelta(days=2), "old"), (timedelta(hours=1), "new")):
            db.add(DialogState(platform="console", conversation_id="c", platform_user_id=user, dialog="reflect",
                               step="ask", data={"text": "half a thought"}, updated_at=NOW - age))
            db.add(ProcessedEvent(platform="slack", event_id=f"Ev{user}", received_at=NOW - age))
        for age, deleted in ((40, True), (10, True), (400, False)):
            when = NOW - timedelta(days=age)
            db.add(Reflection(person_id=alex, what_happened=f"thoughts {age}", so_what="s", now_what="n",
                              share_summary="sum" if deleted else None, deleted=deleted, created_at=when,
                              updated_at=when))
        # Sign-in links: one expired three days ago, one used two hours ago, one still open; uploads of
        # 30 hours and 2 hours ago.
        for digest, made, used in (("a" * 64, NOW - timedelta(days=3), None), ("b" * 64, NOW - timedelta(hours=2), True),
                                   ("c" * 64, NOW - timedelta(minutes=5), None)):
            db.add(WebSignInLink(token_digest=digest, person_id=alex, created_at=made,
                                 expires_at=made + timedelta(minutes=10), used_at=made if used else None))
        for hours in (30, 2):
            db.add(WebUpload(person_id=alex, kind="people", filename=f"people-{hours}.csv", content=b"email\n",
                             created_at=NOW - timedelta(hours=hours)))

    dry = await run_retention(services, rules=rules(), apply_now=False)
    counts = {step.what: step.count for step in dry.steps}
    assert counts == {
        "conversation states left idle": 1,
        "platform event ids kept to ignore retried deliveries": 1,
        "sent, cancelled and dropped messages lose their text": 2,
        "reflections their authors deleted lose their text": 1,
        "web console sign-in links used or expired": 1,
        "files uploaded to the web console for a dry run": 1,
        "reflections of people who left": 0,
        "everything about people who left (kept only as anonymous counts)": 0,
    }
    async with services.sessions() as db:  # the dry run changed nothing
        assert await db.scalar(select(func.count()).select_from(DialogState)) == 2
        assert (await db.get(OutgoingMessage, old_sent)).context == {"by": "Sam"}

    await run_retention(services, rules=rules(), apply_now=True)
    async with services.sessions() as db:
        messages = {m.id: m for m in await db.scalars(select(OutgoingMessage))}
        assert (messages[old_sent].context, messages[old_sent].elements) == ({}, {})
        assert messages[old_cancelled].context == {}
        assert messages[new_sent].context == {"by": "Sam"} and messages[old_pending].context == {"by": "Sam"}
        assert list(await db.scalars(select(DialogState.platform_user_id))) == ["new"]
        assert list(await db.scalars(select(ProcessedEvent.event_id))) == ["Evnew"]
        assert sorted(await db.scalars(select(WebSignInLink.token_digest))) == ["b" * 64, "c" * 64]
        assert list(await db.scalars(select(WebUpload.filename))) == ["people-2.csv"]
        texts = sorted((r.what_happened, r.share_summary) for r in await db.scalars(select(Reflection)))
    assert texts == [("", None), ("thoughts 10", "sum"), ("thoughts 400", None)]
    again = await run_retention(services, rules=rules(), apply_now=True)
    assert all(step.count == 0 for step in again.steps)


async def add_leaver(services, email: str, name: str, left_on: date | None, *, reflections: int = 1) -> int:
    person_id = await add_person(services, email, name, active=False, left_on=left_on, station="Carrow")
    async with unit_of_work(services.sessions) as db:
        for n in range(reflections):
            db.add(Reflection(person_id=person_id, what_happened=f"{name} reflection {n}", so_what="", now_what="",
                              created_at=datetime(2019, 5, 1, tzinfo=UTC)))
        db.add(Evidence(person_id=person_id, kind="observed", activity_date=date(2019, 5, 1), description="drill",
                        links=[], status="competent", source="test"))
    return person_id


async def test_leavers_lose_their_reflections_then_everything_after_their_periods(services):
    await add_competence(services, "FFBA1", "Breathing apparatus")
    two_years = await add_leaver(services, "two@example.org", "Tess Two", TODAY - relativedelta(years=2))
    await add_leaver(services, "seven@example.org", "Sid Seven", TODAY - relativedelta(years=7))
    recent = await add_leaver(services, "recent@example.org", "Rae Recent", TODAY - timedelta(days=90))
    undated = await add_leaver(services, "undated@example.org", "Una Undated", None)
    here = await add_person(services, "here@example.org", "Hal Here")
    just = await add_leaver(services, "just@example.org", "Jay Just", TODAY - relativedelta(years=6) + timedelta(days=1))

    dry = await run_retention(services, rules=rules(), apply_now=False)
    steps = {step.what: step for step in dry.steps}
    assert [p[0] for p in steps["reflections of people who left"].people] == ["just@example.org", "two@example.org"]
    erase = steps["everything about people who left (kept only as anonymous counts)"]
    assert erase.people == [("seven@example.org", "Sid Seven", TODAY - relativedelta(years=7))]
    assert erase.period == "6 years"

    await run_retention(services, rules=rules(), apply_now=True)
    async with services.sessions() as db:
        people = {p.id for p in await db.scalars(select(Person))}
        assert people == {two_years, recent, undated, here, just}
        by_author = dict((await db.execute(
            select(Reflection.person_id, func.count()).group_by(Reflection.person_id))).all())
        assert by_author == {recent: 1, undated: 1}
        assert await db.scalar(select(func.count()).select_from(Evidence).where(Evidence.person_id == two_years)) == 1
        erased = await db.scalar(select(AuditEvent).where(AuditEvent.action == "erased"))
        trimmed = await db.scalar(select(AuditEvent).where(AuditEvent.action == "reflections_erased",
                                                           AuditEvent.entity_id == two_years))
        tallies = {(t.kind, t.station): t.count for t in await db.scalars(select(AnonymousTally))}
    assert erased.detail["reason"] == "retention: left more than 6 years ago" and erased.detail["via"] == "retention"
    assert trimmed.detail == {"reason": "retention: left more than 1 year ago", "count": 1}
    assert tallies == {("reflection", "Carrow"): 3}  # Sid's, Tess's and Jay's; Sid's evidence had no competence


async def test_periods_come_from_the_environment_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setenv("LDBOT_RETENTION_LEAVER_RECORD_YEARS", "10")
    monkeypatch.setenv("LDBOT_RETENTION_OUTBOX_TEXT_DAYS", "7")
    loaded = RetentionRules.load(_env_file=None)
    assert (loaded.leaver_record_years, loaded.outbox_text_days, loaded.leaver_reflection_years) == (10, 7, 1)
    assert loaded.cutoff("outbox_text_days", NOW) == NOW - timedelta(days=7)
    monkeypatch.setenv("LDBOT_RETENTION_LEAVER_RECORD_YEARS", "0")
    with pytest.raises(SettingsError, match="LDBOT_RETENTION_LEAVER_RECORD_YEARS"):
        RetentionRules.load(_env_file=None)


async def ldbot(services, *args: str, **env: str):
    env = {"LDBOT_DATABASE_URL": services.settings.database_url, **env}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


async def test_dry_run_on_the_command_line_says_what_would_go_and_changes_nothing(services):
    today = date.today()  # the command line runs on the real clock
    await add_leaver(services, "old@example.org", "Olga Old", today - relativedelta(years=8))
    result = await ldbot(services, "privacy", "retention", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Would go (retention, ")
    assert "everything about people who left (kept only as anonymous counts), after 6 years" in result.output
    assert "old@example.org  Olga Old  (left " in result.output and "Nothing was changed." in result.output
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Person)) == 1
    bad = await ldbot(services, "privacy", "retention", "--dry-run", LDBOT_RETENTION_DIALOG_DAYS="never")
    assert bad.exit_code == 1 and "LDBOT_RETENTION_DIALOG_DAYS" in bad.output
    applied = await ldbot(services, "privacy", "retention")
    assert applied.exit_code == 0 and applied.output.startswith("Done (retention, ")
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Person)) == 0


async def test_retention_and_leavers_are_scheduled_jobs(services):
    scheduler = build_scheduler(services, [job for unit in UNITS for job in unit.jobs])
    assert {"privacy.retention", "people.leavers", "nudges.scan"} <= {job.id for job in scheduler.get_jobs()}
    assert jobs.retention_every(services) == timedelta(hours=24)
    report = await jobs.retention(services)
    assert report.applied and str(report).endswith("nothing due")
