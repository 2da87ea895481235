"""My record, a manager's view, and the exports."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, timedelta

from click.testing import CliRunner
from sqlalchemy import select, update

from bot.app import make_bot
from bot.cli import main
from storage.db import unit_of_work
from storage.models import Competence, Evidence, Person, Reflection
from storage.status import classify, competence_status
from tests.support import Chat, add_competence, add_person

TODAY = date(2026, 11, 17)


def test_status_boundaries():
    assert classify(None, False, TODAY) == "never"
    assert classify(None, True, TODAY) == "in_date"
    assert classify(TODAY - timedelta(days=1), True, TODAY) == "expired"
    assert classify(TODAY, True, TODAY) == "expiring"
    assert classify(TODAY + timedelta(days=30), True, TODAY) == "expiring"
    assert classify(TODAY + timedelta(days=31), True, TODAY) == "in_date"


async def seed(services, today: date = TODAY) -> None:
    await add_person(services, "sam@example.org", "Sam Patel", role="crew_manager")
    await add_person(services, "alex@example.org", "Alex Morgan", manager="sam@example.org")
    await add_person(services, "jo@example.org", "Jo Bloggs", manager="sam@example.org")
    for code, title, months in [
        ("FFBA1", "Use breathing apparatus", 12),
        ("FFWR5", "Water rescue", 12),
        ("FFTC4", "Trauma care", 36),
        ("FFCS9", "Home fire safety visits", None),
    ]:
        await add_competence(services, code, title, risk_critical=months is not None, months=months)
    async with unit_of_work(services.sessions) as db:
        alex = await db.scalar(select(Person).where(Person.email == "alex@example.org"))
        comps = {c.code: c for c in await db.scalars(select(Competence))}
        for code, valid_until in [
            ("FFBA1", today + timedelta(days=10)),
            ("FFWR5", today - timedelta(days=3)),
            ("FFTC4", today + timedelta(days=400)),
        ]:
            db.add(
                Evidence(
                    person_id=alex.id,
                    kind="observed",
                    activity_date=today - timedelta(days=300),
                    description=f"{code} drill | with a pipe",
                    links=[],
                    status="competent",
                    valid_until=valid_until,
                    competences=[comps[code]],
                )
            )
        db.add(
            Reflection(
                person_id=alex.id,
                what_happened="Private thoughts about a hard shift",
                so_what="x",
                now_what="y",
            )
        )
        db.add(
            Reflection(
                person_id=alex.id,
                what_happened="Full shared text",
                so_what="a",
                now_what="b",
                shared_with_manager=True,
                shared_with_id=alex.line_manager_id,
                share_summary="Summary only",
            )
        )


async def test_my_record_groups_by_status(services):
    await seed(services)
    text = await Chat(make_bot(services), "alex@example.org").send("my record")
    assert "Your record" in text
    assert "*Expiring within 30 days* (1): FFBA1" in text
    assert "*Expired* (1): FFWR5" in text and "*In date* (1): FFTC4" in text
    assert "*Never evidenced* (1): FFCS9" in text
    assert "Private thoughts" in text


async def test_manager_sees_shared_summaries_only_and_others_see_nothing(services):
    await seed(services)
    bot = make_bot(services)
    text = await Chat(bot, "sam@example.org").send("record alex@example.org")
    assert "Record for Alex Morgan" in text and "Summary only" in text
    assert "Private thoughts" not in text and "Full shared text" not in text
    refused = await Chat(bot, "jo@example.org").send("record Alex Morgan")
    assert "can't show you" in refused and "FFBA1" not in refused
    assert "can't show you" in await Chat(bot, "jo@example.org").send("record nobody@example.org")


async def ldbot(database_url: str, *args: str):
    """Run the real `ldbot` command (in a thread: it starts its own event loop, like the console script)."""
    return await asyncio.to_thread(
        CliRunner().invoke, main, list(args), env={"LDBOT_DATABASE_URL": database_url}, catch_exceptions=False
    )


async def test_export_command_markdown_and_csv(services, database_url):
    await seed(services, date.today())  # the CLI runs on the real clock
    md = await ldbot(database_url, "export", "--user", "alex@example.org", "--format", "md")
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Learning and development record: Alex Morgan\n")
    assert "| FFWR5 | Water rescue | yes | Expired |" in md.stdout
    assert "drill | with a pipe" in md.stdout and "Private thoughts" in md.stdout
    sections = [line for line in md.stdout.splitlines() if line.startswith("## ")]
    assert sections == ["## Competence status", "## Evidence", "## Reflections"]
    out = await ldbot(database_url, "export", "--user", "alex@example.org", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {r["type"] for r in rows} == {"competence", "evidence", "reflection"}
    competences = {r["competence"]: r["status"] for r in rows if r["type"] == "competence"}
    assert competences == {"FFBA1": "expiring", "FFWR5": "expired", "FFTC4": "in_date", "FFCS9": "never"}
    missing = await ldbot(database_url, "export", "--user", "ghost@example.org")
    assert missing.exit_code != 0 and "nobody with the email" in missing.stderr


async def test_competence_status_from_competent_evidence_at_the_boundaries(services):
    alex_id = await add_person(services, "alex@example.org", "Alex Morgan")
    specs = {  # code: [(status, days ago, valid until relative to today or None)]
        "A30": [("competent", 300, 30)],  # exactly 30 days left: expiring
        "A31": [("competent", 300, 31)],  # 31 days left: in date
        "B00": [("competent", 300, 0)],  # runs out today: still expiring, not expired
        "BYE": [("competent", 300, -1)],  # ran out yesterday
        "NEW": [("competent", 400, -20), ("competent", 10, 355)],  # newer evidence renews it
        "NYC": [("not_yet_competent", 5, None), ("submitted", 3, None), ("withdrawn", 2, None)],
        "SAFE": [("competent", 900, None)],  # not risk-critical: in date for good
        "GONE": [("competent", 10, None)],  # inactive competences are not listed
    }
    async with unit_of_work(services.sessions) as db:
        for code in specs:
            db.add(
                Competence(
                    code=code,
                    title=f"Competence {code}",
                    description="",
                    risk_critical=code not in {"SAFE", "NYC"},
                    revalidation_months=12,
                    active=code != "GONE",
                )
            )
        await db.flush()
        comps = {c.code: c for c in await db.scalars(select(Competence))}
        for code, items in specs.items():
            for status, days_ago, until in items:
                db.add(
                    Evidence(
                        person_id=alex_id,
                        kind="observed",
                        activity_date=TODAY - timedelta(days=days_ago),
                        description="x",
                        links=[],
                        status=status,
                        competences=[comps[code]],
                        valid_until=None if until is None else TODAY + timedelta(days=until),
                    )
                )
        other = Person(email="jo@example.org", name="Jo", role="firefighter")
        db.add(other)
        await db.flush()
        db.add(
            Evidence(
                person_id=other.id,
                kind="observed",
                activity_date=TODAY,
                description="x",
                links=[],
                status="competent",
                competences=[comps["NYC"]],
            )
        )
    async with services.sessions() as db:
        result = {s.code: s for s in await competence_status(db, alex_id, TODAY)}
    assert {code: s.status for code, s in result.items()} == {
        "A30": "expiring",
        "A31": "in_date",
        "B00": "expiring",
        "BYE": "expired",
        "NEW": "in_date",
        "NYC": "never",
        "SAFE": "in_date",
    }
    assert result["NEW"].valid_until == TODAY + timedelta(days=355)
    assert result["NEW"].last_evidence_date == TODAY - timedelta(days=10)
    assert result["SAFE"].valid_until is None and result["SAFE"].last_evidence_date == TODAY - timedelta(
        days=900
    )
    assert (
        result["NYC"].last_evidence_date is None
        and result["A30"].risk_critical
        and not result["SAFE"].risk_critical
    )


async def test_assessors_and_admins_see_the_record_but_no_reflections(services):
    await seed(services)
    await add_person(services, "ruth@example.org", "Ruth Collins", role="assessor")
    await add_person(services, "ian@example.org", "Ian Fraser", role="admin")
    bot = make_bot(services)
    for viewer in ("ruth@example.org", "ian@example.org"):
        text = await Chat(bot, viewer).send("status alex@example.org")
        assert "Record for Alex Morgan" in text and "*Expired* (1): FFWR5" in text
        assert (
            "Summary only" not in text and "Private thoughts" not in text and "Full shared text" not in text
        )
        assert "private to Alex Morgan" in text


async def test_the_management_chain_sees_status_only_and_the_refusal_does_not_reveal_who_exists(services):
    await seed(services)
    await add_person(services, "wm@example.org", "Wendy Watch", role="watch_manager")
    async with unit_of_work(services.sessions) as db:
        wm_id = await db.scalar(select(Person.id).where(Person.email == "wm@example.org"))
        await db.execute(
            update(Person).where(Person.email == "sam@example.org").values(line_manager_id=wm_id)
        )
    bot = make_bot(services)
    # Sam's own manager is escalated about Alex's items, so may open Alex's record: status and evidence,
    # never the reflections Alex shared with Sam.
    above = await Chat(bot, "wm@example.org").send("record alex@example.org")
    assert "Record for Alex Morgan" in above and "FFBA1" in above
    assert "Reflections stay private to Alex Morgan" in above
    # Alex cannot see a colleague's record or their manager's.
    real = await Chat(bot, "alex@example.org").send("record jo@example.org")
    ghost = await Chat(bot, "alex@example.org").send("record ghost@example.org")
    assert real.replace("jo@example.org", "?") == ghost.replace("ghost@example.org", "?")
    assert "can't show you" in await Chat(bot, "alex@example.org").send("record Sam Patel")
    # The line manager finds a report by name, whatever the case and spacing.
    assert "Record for Jo Bloggs" in await Chat(bot, "sam@example.org").send("record  jo   BLOGGS")


async def test_chat_export_and_status_words(services):
    await seed(services)
    chat = Chat(make_bot(services), "alex@example.org")
    text = await chat.send("export")
    assert "# Learning and development record: Alex Morgan" in text
    assert "| FFBA1 | Use breathing apparatus | yes | Expiring within 30 days | 27 November 2026 |" in text
    assert "### Reflection #" in text and "Private thoughts about a hard shift" in text
    assert "Your record" in await chat.send("status")


async def test_export_to_a_csv_file(services, database_url, tmp_path):
    await seed(services, date.today())
    out = tmp_path / "alex.csv"
    done = await ldbot(
        database_url, "export", "--user", "ALEX@example.org", "--format", "csv", "--out", str(out)
    )
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["competence"] for r in rows if r["type"] == "competence"] == [
        "FFBA1",
        "FFCS9",
        "FFTC4",
        "FFWR5",
    ]
    evidence = [r for r in rows if r["type"] == "evidence"]
    assert len(evidence) == 3 and all(r["status"] == "competent" for r in evidence)
    reflections = {r["details"]: r["status"] for r in rows if r["type"] == "reflection"}
    assert reflections == {
        "Private thoughts about a hard shift / x / y": "private",
        "Full shared text / a / b": "shared",
    }


async def test_typed_text_is_escaped_once_for_each_platform(services):
    from handlers.record.usecases import export_markdown as to_markdown
    from storage.record import load_record

    await seed(services)
    async with unit_of_work(services.sessions) as db:
        alex = await db.scalar(select(Person).where(Person.email == "alex@example.org"))
        db.add(Reflection(person_id=alex.id, what_happened="<!channel> *bold* & co", so_what="", now_what=""))
    async with services.sessions() as db:
        alex = await db.scalar(select(Person).where(Person.email == "alex@example.org"))
        record = await load_record(db, alex, TODAY, own=True)
    assert "- What happened: <!channel> *bold* & co" in to_markdown(record, services.catalogue)
    assert "- What happened: &lt;!channel&gt; \u200b*\u200bbold\u200b*\u200b &amp; co" in to_markdown(
        record, services.catalogue, platform="slack"
    )
    assert "- What happened: &lt;!channel&gt; \\*bold\\* &amp; co" in to_markdown(
        record, services.catalogue, platform="teams"
    )
