"""My record, a manager's view, and the exports."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, timedelta

from bot.core import Bot
from storage.db import unit_of_work
from storage.models import Competence, Evidence, Reflection
from storage.status import classify
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
    for code, title, months in [("FFBA1", "Use breathing apparatus", 12), ("FFWR5", "Water rescue", 12),
                                ("FFTC4", "Trauma care", 36), ("FFCS9", "Home fire safety visits", None)]:
        await add_competence(services, code, title, risk_critical=months is not None, months=months)
    async with unit_of_work(services.sessions) as db:
        from sqlalchemy import select

        from storage.models import Person

        alex = await db.scalar(select(Person).where(Person.email == "alex@example.org"))
        comps = {c.code: c for c in await db.scalars(select(Competence))}
        for code, valid_until in [("FFBA1", today + timedelta(days=10)), ("FFWR5", today - timedelta(days=3)),
                                  ("FFTC4", today + timedelta(days=400))]:
            db.add(Evidence(person_id=alex.id, kind="observed", activity_date=today - timedelta(days=300),
                            description=f"{code} drill | with a pipe", links=[], status="competent",
                            valid_until=valid_until, competences=[comps[code]]))
        db.add(Reflection(person_id=alex.id, what_happened="Private thoughts about a hard shift", so_what="x", now_what="y"))
        db.add(Reflection(person_id=alex.id, what_happened="Full shared text", so_what="a", now_what="b",
                          shared_with_manager=True, share_summary="Summary only"))


async def test_my_record_groups_by_status(services):
    await seed(services)
    text = await Chat(Bot(services), "alex@example.org").send("my record")
    assert "Your record" in text
    assert "*Expiring within 30 days* (1): FFBA1" in text
    assert "*Expired* (1): FFWR5" in text and "*In date* (1): FFTC4" in text
    assert "*Never evidenced* (1): FFCS9" in text
    assert "Private thoughts" in text


async def test_manager_sees_shared_summaries_only_and_others_see_nothing(services):
    await seed(services)
    bot = Bot(services)
    text = await Chat(bot, "sam@example.org").send("record alex@example.org")
    assert "Record for Alex Morgan" in text and "Summary only" in text
    assert "Private thoughts" not in text and "Full shared text" not in text
    refused = await Chat(bot, "jo@example.org").send("record Alex Morgan")
    assert "can't show you" in refused and "FFBA1" not in refused
    assert "can't show you" in await Chat(bot, "jo@example.org").send("record nobody@example.org")


async def test_export_command_markdown_and_csv(services, database_url):
    await seed(services, date.today())  # the CLI runs on the real clock
    env = {**os.environ, "LDBOT_DATABASE_URL": database_url}
    md = subprocess.run([sys.executable, "-m", "bot", "export", "--user", "alex@example.org", "--format", "md"],
                        capture_output=True, text=True, env=env, timeout=60)
    assert md.returncode == 0, md.stderr
    assert "# Learning and development record: Alex Morgan" in md.stdout
    assert "| FFWR5 | Water rescue | yes | Expired |" in md.stdout
    assert "drill \\| with a pipe" in md.stdout and "Private thoughts" in md.stdout
    out = subprocess.run([sys.executable, "-m", "bot", "export", "--user", "alex@example.org", "--format", "csv"],
                         capture_output=True, text=True, env=env, timeout=60)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {r["type"] for r in rows} == {"competence", "evidence", "reflection"}
    assert [r["status"] for r in rows if r["competence"] == "FFBA1" and r["type"] == "competence"] == ["expiring"]
    missing = subprocess.run([sys.executable, "-m", "bot", "export", "--user", "ghost@example.org"],
                             capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode != 0 and "nobody with the email" in missing.stderr
