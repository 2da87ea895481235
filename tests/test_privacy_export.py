"""Subject access: `ldbot privacy export` holds everything about the person, and every look at someone's
record (chat, the command line) is in the access log the person reads with "who has looked at my record"."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from bot.app import make_bot
from bot.cli import main
from tests.privacy_org import ALEX, ANSWER, JO, PHRASE, QUESTION, SAM, SLACK_ID, build
from tests.support import Chat


async def ldbot(services, *args: str):
    env = {"LDBOT_DATABASE_URL": services.settings.database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


def section(document: dict, table: str, relation: str) -> list[dict]:
    found = [s for s in document["sections"] if s["table"] == table and s["relation"] == relation]
    assert len(found) == 1, (table, relation, [(s["table"], s["relation"]) for s in document["sections"]])
    assert found[0]["count"] == len(found[0]["rows"])
    return found[0]["rows"]


async def test_export_holds_everything_about_the_person(services, tmp_path):
    await build(services)
    out = tmp_path / "alex.json"
    result = await ldbot(services, "privacy", "export", "--user", ALEX, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Everything ldbot holds about Alex Morgan" in result.output and "holds personal data" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["person"] == {"name": "Alex Morgan", "email": ALEX}
    assert "• Reflections — written by you: 2" in document["summary"]
    assert document["sections"][0]["table"] == "people" and document["sections"][-1]["table"] == "audit_events"

    [profile] = section(document, "people", "you")
    assert profile["name"] == "Alex Morgan" and profile["station"] == "Ashby" and profile["left_on"] is None
    accounts = {(r["platform"], r["platform_user_id"]) for r in section(document, "platform_identities", "yours")}
    assert ("slack", SLACK_ID) in accounts and ("console", ALEX) in accounts
    reflections = section(document, "reflections", "written by you")  # all of them, deleted and shared too
    assert [(PHRASE in r["what_happened"], r["shared_with_manager"], r["deleted"]) for r in reflections] == [
        (True, True, False), (False, False, True)]
    evidence = section(document, "evidence", "logged by you")
    assert [(e["status"], e["feedback"]) for e in evidence] == [("competent", "Well led, Alex Morgan."), ("submitted", None)]
    questions = section(document, "policy_questions", "asked by you")
    assert [q["text"] for q in questions] == [QUESTION, QUESTION]
    [handoff] = section(document, "policy_handoffs", "asked by you")
    assert handoff["answer"] == ANSWER
    messages = section(document, "outgoing_messages", "sent or queued for you")
    assert {m["template"] for m in messages} >= {"evidence.decided", "policy.handoff_answer"}
    assert section(document, "dialog_states", "yours")[0]["dialog"]
    assert section(document, "appraisal_records", "yours")[0]["last_appraisal_date"] == "2025-09-01"
    assert section(document, "assessment_bookings", "for you")[0]["booked_for"] == "2026-12-01"
    about = section(document, "audit_events", "about you and your records")
    assert {(a["entity"], a["action"]) for a in about} >= {
        ("reflection", "created"), ("reflection", "shared"), ("reflection", "deleted"), ("evidence", "submitted"),
        ("evidence", "decided"), ("person", "record_viewed"), ("person", "nudge_snoozed"),
        ("assessment_booking", "booked"), ("policy_handoff", "create"),
    }
    places = section(document, "learning_bookings", "yours")
    assert sorted((p["status"], p["attendance"] or "") for p in places) == [("confirmed", ""), ("confirmed", "attended")]
    [said] = section(document, "learning_evaluations", "your answers (as an attendee, or as a line manager)")
    assert (said["useful"], PHRASE in said["apply"], said["comment"]) == (5, True, "Sam Patel ran it well.")
    [seen] = section(document, "learning_evaluations", "your line manager's answer about you")
    assert (seen["stage"], seen["answer"]) == ("manager", "yes")
    assert len(section(document, "learning_invitations", "sent to you")) == 2
    [link] = section(document, "web_sign_in_links", "yours")
    assert link["issued_via"] == "cli" and "token_digest" not in link
    assert {("learning_booking", "confirmed"), ("learning_evaluation", "answered"),
            ("web_sign_in_link", "issue")} <= {(a["entity"], a["action"]) for a in about}
    viewed = [a for a in about if a["action"] == "record_viewed"]
    assert viewed[0]["by"] == "Sam Patel"
    # Someone else's evidence is not in Alex's export: only what is Alex's, or about Alex.
    assert "Wore BA at a drill." not in out.read_text(encoding="utf-8")


async def test_a_managers_export_holds_the_decisions_they_made_about_others(services):
    await build(services)
    result = await ldbot(services, "privacy", "export", "--user", SAM)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    decided = section(document, "evidence", "decided by you")
    assert sorted(d["feedback"] for d in decided) == ["Good entry control.", "Well led, Alex Morgan."]
    assert set(decided[0]) == {"id", "status", "decided_at", "feedback"}  # not the other person's description
    assert section(document, "people", "people whose line manager you are")
    assert section(document, "assessment_bookings", "by you, about someone else")


async def test_who_has_looked_at_my_record_lists_chat_and_command_line_looks_not_my_own(services, clock):
    await build(services)  # Sam looked at Alex's record once
    bot = make_bot(services)
    alex, jo = Chat(bot, ALEX), Chat(bot, JO)
    await alex.send("cancel")  # leave the half-written reflection
    await alex.send("record")  # looking at your own record is not a look by someone else
    assert "Sam Patel looked at your record" in await alex.send("who has looked at my record")
    assert "Nobody else has looked at your record" in await jo.send("who has seen my record")

    for args in (("export", "--user", ALEX), ("privacy", "export", "--user", ALEX)):
        assert (await ldbot(services, *args)).exit_code == 0
    clock.at = datetime.now(UTC) + timedelta(minutes=1)  # the command line ran on the real clock, just now
    await Chat(bot, SAM).send(f"record {ALEX}")
    lines = (await alex.send("who has looked at my record")).splitlines()
    assert lines[0] == "Who has looked at your record:"
    entries = [line for line in lines if line.startswith("•")]
    assert len(entries) == 4
    assert entries[0].endswith("— Sam Patel looked at your record")
    assert "— an administrator on the command line (account " in entries[1]
    assert entries[1].endswith("exported everything held about you")
    assert entries[2].endswith("exported your record")
    assert entries[3] == "• 17 November 2026 at 10:00 — Sam Patel looked at your record"
    help_text = await alex.send("help")
    assert "*who has looked at my record*" in help_text
