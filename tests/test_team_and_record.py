"""What each role needs to see (issue 11, item 10): a manager's team, the whole record, CPD hours, the next
appraisal and assessments booked — in chat and on the Slack Home tab."""

from __future__ import annotations

from datetime import date

from bot.app import make_bot
from storage.db import unit_of_work
from storage.models import Reflection
from storage.models.nudges import AssessmentBooking
from tests.nudge_org import build_station
from tests.support import Chat


async def test_a_manager_sees_their_team_at_a_glance(services):
    ids = await build_station(services)  # Dana manages Sam (BA running out, appraisal overdue) and Priya
    async with unit_of_work(services.sessions) as db:
        db.add(AssessmentBooking(person_id=ids["ff1"], competence_id=ids["BA"], booked_for=date(2026, 11, 25)))
    dana = Chat(make_bot(services), "wm@example.org")
    team = await dana.send("my team")
    assert "Your team (2):" in team
    sam = next(line for line in team.splitlines() if "Sam Patel" in line)
    assert "running out: BA" in sam
    assert "Appraisal: *overdue* (was due 1 October 2026); assessment booked: BA on 25 November 2026" in team
    assert "Priya Shah" in team and "Appraisal: due 10 December 2026" in team
    assert "Lee Brown" not in team  # Tom's report, not Dana's
    assert "team" in await dana.send("help")
    assert "Nobody reports to you" in await Chat(make_bot(services), "ff1@example.org").send("my team")
    assert "*team*" not in await Chat(make_bot(services), "ff1@example.org").send("help")


async def test_the_record_shows_everything_asked_for(services):
    ids = await build_station(services)
    async with unit_of_work(services.sessions) as db:
        for hours in (1.5, 2.0):
            db.add(Reflection(person_id=ids["ff1"], what_happened="A drill.", cpd_hours=hours))
        db.add(AssessmentBooking(person_id=ids["ff1"], competence_id=ids["BA"], booked_for=date(2026, 11, 25)))
    sam = Chat(make_bot(services), "ff1@example.org")
    record = await sam.send("my record")
    assert "Appraisal (IPDR):* overdue — it was due 1 October 2026" in record
    assert "Workplace assessments booked:* BA on 25 November 2026" in record
    assert "3.5 CPD hours in all" in record
    dana = Chat(make_bot(services), "wm@example.org")
    theirs = await dana.send("record Sam Patel")
    assert "CPD hours" not in theirs  # reflections (and their hours) are Sam's own


async def test_record_all_lists_every_piece_of_evidence(services):
    ids = await build_station(services)
    from tests.nudge_org import add_evidence

    for day in range(1, 8):
        await add_evidence(services, ids["ff2"], ids["FA"], activity=date(2026, 1, day), valid_until=None)
    priya = Chat(make_bot(services), "ff2@example.org")
    short = await priya.send("record")
    assert "latest 5" in short and "Type *record all* to see everything" in short
    everything = await priya.send("record all")
    assert "latest" not in everything and everything.count("• #") == 9
    dana = Chat(make_bot(services), "wm@example.org")
    assert dana.last == [] and "latest" not in await dana.send("record Priya Shah all")


async def test_the_slack_home_tab_shows_a_managers_team(services):
    from bot.slack.home import home_view
    from bot.types import Incoming

    await build_station(services)
    bot = make_bot(services)
    incoming = Incoming(platform="slack", user_id="U0DANA", conversation_id="D0DANA", email="wm@example.org")
    view, _ = await home_view(bot, incoming)
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b.get("type") == "section")
    assert "Your team (2):" in text and "Sam Patel" in text and "Priya Shah" in text
