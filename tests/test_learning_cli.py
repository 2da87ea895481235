"""`ldbot learning ...` as L&D run it (click's runner, the real command line, the test database).

The command line reads the real clock, so the organisation's records are built relative to today.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result
from sqlalchemy import select, update

from bot.cli import main
from storage.db import unit_of_work
from storage.models import Evidence, OutgoingMessage
from storage.models.learning import LearningInvitation, LearningSession
from tests.learning_org import ISSUE_YAML, build, competent, count, email
from tests.support import add_person


def today():  # noqa: ANN201
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/London")).date()


async def ldbot(services, *args: str) -> Result:
    env = {"LDBOT_DATABASE_URL": services.settings.database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


async def ok(services, *args: str) -> str:
    result = await ldbot(services, *args)
    assert result.exit_code == 0, result.output
    return result.output


def future_yaml(days: int = 40, capacity: int = 5, **extra: str) -> str:
    """The issue's file with its session `days` from today (the real clock), same times."""
    start = today() + timedelta(days=days)
    text = ISSUE_YAML.replace("2027-01-12", start.isoformat()).replace("capacity: 5", f"capacity: {capacity}")
    for key, value in extra.items():
        text = text.replace("approval: none", f"approval: none\n{key}: {value}", 1)
    return text


async def test_add_prints_the_id_and_a_bad_file_adds_nothing(services, tmp_path: Path):
    await build(services, today())
    path = tmp_path / "ba.yaml"
    path.write_text(ISSUE_YAML)  # the issue's file exactly as it is
    added = await ok(services, "learning", "add", str(path))
    assert added.strip().isdigit() and added == f"{added.strip()}\n"
    listing = json.loads(await ok(services, "learning", "list", "--json"))
    assert [(o["id"], o["title"], o["kind"], o["competences"]) for o in listing] == [
        (int(added), "Breathing apparatus refresher", "course", ["FFBA1"])]
    assert listing[0]["sessions"] == [{"id": 1, "start": "2027-01-12 09:00", "end": "2027-01-12 17:00",
                                       "venue": "Ashby training centre", "online_link": None, "capacity": 5,
                                       "status": "open"}]

    path.write_text(ISSUE_YAML.replace("[FFBA1]", "[FFBA1, XX9]").replace("capacity: 5", "capacity: none"))
    bad = await ldbot(services, "learning", "add", str(path))
    assert bad.exit_code == 1
    assert "ba.yaml: sessions[0].capacity: must be a whole number of places, 1 to 10000" in bad.output
    assert "nothing was added" in bad.output
    path.write_text(ISSUE_YAML.replace("[FFBA1]", "[FFBA1, XX9]"))
    bad = await ldbot(services, "learning", "add", str(path))
    assert bad.exit_code == 1 and "competences: no competence with code 'XX9' in the framework" in bad.output
    assert len(json.loads(await ok(services, "learning", "list", "--json"))) == 1


async def test_audience_send_once_and_newcomers_only(services, tmp_path: Path):
    await build(services, today())
    path = tmp_path / "ba.yaml"
    path.write_text(future_yaml())
    opportunity = (await ok(services, "learning", "add", str(path))).strip()
    audience = json.loads(await ok(services, "learning", "audience", opportunity, "--json"))
    assert audience["count"] == 2 and audience["new"] == 2
    assert [(p["email"], p["invited_before"]) for p in audience["people"]] == [
        (email("ann"), False), (email("eve"), False)]
    assert audience["people"][0]["why"][:2] == ["at Ashby station", "in Red Watch"]
    assert audience["people"][0]["why"][2].startswith("FFBA1 runs out on ")
    text = await ok(services, "learning", "audience", opportunity)
    assert "2 people in the audience of 'Breathing apparatus refresher' (2 not invited yet):" in text
    assert f"- Ann Archer <{email('ann')}>: at Ashby station; in Red Watch; FFBA1 runs out on" in text

    sent = await ok(services, "learning", "send", opportunity)
    assert sent.startswith("Invited 2 of 2 people to 'Breathing apparatus refresher'; messages go out now")
    again = await ok(services, "learning", "send", opportunity)
    assert again.startswith("Invited 0 of 2 people") and "(2 of the audience were invited before)" in again
    # Someone who joins the audience later is invited only when L&D send again, and only they are.
    await add_person(services, email("gus"), "Gus Green", station="Ashby", team="Red Watch")
    await competent(services, "gus", "FFBA1", today() - timedelta(days=300))
    assert (await ok(services, "learning", "send", opportunity)).startswith("Invited 1 of 3 people")
    assert await count(services, LearningInvitation) == 3
    assert await count(services, OutgoingMessage, OutgoingMessage.template == "learning.invitation") == 3
    progress = json.loads(await ok(services, "learning", "progress", opportunity, "--json"))
    assert progress["invited"] == 3 and progress["delivered"] == 0
    assert progress["queued"] + progress["scheduled"] == 3 and progress["unreachable"] == []

    scheduled = tmp_path / "later.yaml"
    scheduled.write_text(future_yaml(60))
    later = (await ok(services, "learning", "add", str(scheduled))).strip()
    when = (today() + timedelta(days=20)).isoformat()
    out = await ok(services, "learning", "send", later, "--at", f"{when} 11:30")
    assert "messages go out from 11:30 on" in out
    async with services.sessions() as db:
        keys = list(await db.scalars(select(OutgoingMessage.next_attempt_at).where(
            OutgoingMessage.dedupe_key.like(f"learning:{later}:invite:%"))))
    assert len(keys) == 3 and all(k.astimezone(ZoneInfo("Europe/London")).date().isoformat() >= when for k in keys)
    bad = await ldbot(services, "learning", "send", later, "--at", "whenever")
    assert bad.exit_code == 2 and "not a date and time" in bad.output


async def test_book_waitlist_cancel_offer_signups_json(services, tmp_path: Path):
    await build(services, today())
    path = tmp_path / "small.yaml"
    path.write_text(future_yaml(capacity=2))
    opportunity = (await ok(services, "learning", "add", str(path))).strip()
    results = []
    for name in ("ann", "ben", "cal", "dee"):
        results.append(json.loads(await ok(services, "learning", "book", opportunity, "--session", "1",
                                           "--user", email(name), "--json")))
    assert [(r["user"], r["status"], r["position"]) for r in results] == [
        (email("ann"), "confirmed", None), (email("ben"), "confirmed", None),
        (email("cal"), "waitlisted", 1), (email("dee"), "waitlisted", 2)]
    assert results[0] == {"opportunity": int(opportunity), "session": 1, "user": email("ann"), "status": "confirmed",
                          "position": None}
    twice = await ldbot(services, "learning", "book", opportunity, "--session", "1", "--user", email("cal"))
    assert twice.exit_code == 1 and "Cal Cooper is already on 'Breathing apparatus refresher' (waitlisted, number 1)" in twice.output
    signups = json.loads(await ok(services, "learning", "signups", opportunity, "--json"))
    assert signups == {"sessions": [{"id": 1, "capacity": 2, "confirmed": [email("ann"), email("ben")],
                                     "waitlist": [email("cal"), email("dee")], "offered": [],
                                     "pending_approval": [], "status": "open"}]}
    out = await ok(services, "learning", "cancel", opportunity, "--session", "1", "--user", email("ann"))
    assert out == "Removed Ann Archer from session 1 of 'Breathing apparatus refresher'; the seat is offered to the next person waiting.\n"
    signups = json.loads(await ok(services, "learning", "signups", opportunity, "--json"))
    assert signups["sessions"][0]["confirmed"] == [email("ben")]
    assert signups["sessions"][0]["offered"] == [email("cal")] and signups["sessions"][0]["waitlist"] == [email("dee")]
    # Booked by L&D, each person was told (and Cal offered the seat).
    async with services.sessions() as db:
        templates = list(await db.scalars(select(OutgoingMessage.template).order_by(OutgoingMessage.id)))
    assert templates.count("learning.booked_for_you") == 4 and templates.count("learning.offer") == 1
    assert templates.count("learning.removed_for_you") == 1
    nobody = await ldbot(services, "learning", "book", opportunity, "--session", "1", "--user", "who@x.example")
    assert nobody.exit_code == 1 and "nobody active with the email who@x.example" in nobody.output


async def _session_started(services, opportunity: str) -> None:
    """Time passes: the session took place yesterday."""
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(LearningSession).where(LearningSession.opportunity_id == int(opportunity)).values(
            starts_at=datetime.now(UTC) - timedelta(days=1, hours=2), ends_at=datetime.now(UTC) - timedelta(days=1)))


async def test_attendance_from_a_csv_or_lists_then_the_report(services, tmp_path: Path):
    await build(services, today())
    path = tmp_path / "ba.yaml"
    path.write_text(future_yaml(capacity=5).replace("[FFBA1]", "[FFBA1, FFCS9]"))
    opportunity = (await ok(services, "learning", "add", str(path))).strip()
    for name in ("ann", "ben", "cal", "dee", "eve"):
        await ok(services, "learning", "book", opportunity, "--session", "1", "--user", email(name))
    early = await ldbot(services, "learning", "attendance", opportunity, "--session", "1", "--attended", email("ann"))
    assert early.exit_code == 1 and "has not happened yet" in early.output
    await _session_started(services, opportunity)
    sheet = tmp_path / "register.csv"
    sheet.write_text(f"email,attendance\n{email('ann')},attended\n{email('ben')},no-show\n{email('fay')},yes\n")
    refused = await ldbot(services, "learning", "attendance", opportunity, "--session", "1", str(sheet))
    assert refused.exit_code == 1 and f"{email('fay')}: not booked on session 1" in refused.output
    async with services.sessions() as db:
        assert list(await db.scalars(select(Evidence).where(Evidence.source == "learning"))) == []
    sheet.write_text(f"email,attendance\n{email('ann')},attended\n{email('ben')},no-show\n")
    out = await ok(services, "learning", "attendance", opportunity, "--session", "1", str(sheet))
    assert out == ("Session 1 of 'Breathing apparatus refresher': 1 attended, 1 no-show; 2 training-course entries "
                   "added (1 sent for verification).\n")
    out = await ok(services, "learning", "attendance", opportunity, "--session", "1",
                   "--attended", email("cal"), email("dee"), "--no-show", email("eve"))
    assert out.startswith("Session 1 of 'Breathing apparatus refresher': 2 attended, 1 no-show; 4 training-course")
    async with services.sessions() as db:
        entries = list(await db.execute(select(Evidence.person_id, Evidence.status, Evidence.kind)
                                        .where(Evidence.source == "learning")))
    assert len(entries) == 6 and {k for _, _, k in entries} == {"training_course"}
    assert sorted(s for _, s, _ in entries) == ["competent"] * 3 + ["submitted"] * 3  # FFBA1 is risk-critical

    report = json.loads(await ok(services, "learning", "report", opportunity, "--json"))
    assert {k: report[k] for k in ("invited", "signed_up", "waitlisted", "attended", "no_shows", "answered",
                                   "average_rating", "comments")} == {
        "invited": 0, "signed_up": 5, "waitlisted": 0, "attended": 3, "no_shows": 2, "answered": 0,
        "average_rating": None, "comments": []}
    assert report["sessions"][0]["attended"] == 3 and report["sessions"][0]["capacity"] == 5
    assert [c["code"] for c in report["competences"]] == ["FFBA1", "FFCS9"]
    rows = list(csv.DictReader(io.StringIO(await ok(services, "learning", "report", opportunity, "--csv"))))
    assert [r["row"] for r in rows] == ["opportunity", "session", "competence", "competence"]
    assert (rows[0]["attended"], rows[0]["no_shows"], rows[1]["session"]) == ("3", "2", "1")
    text = await ok(services, "learning", "report", opportunity)
    assert "Breathing apparatus refresher (course): invited 0, signed up 5, waitlisted 0, attended 3, no-shows 2" in text
