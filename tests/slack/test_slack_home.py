"""App Home: the person's own competence status and recent reflections; for line managers, the team's
evidence waiting for them; a polite note for a Slack user the organisation does not know."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.db import unit_of_work
from storage.models import Competence, Evidence, Reflection
from tests.support import add_competence, add_person

STAFF, MANAGER = "U0STAFF", "U0MANAGER"


def _home_text(slack, user: str) -> str:
    published = [p for p in slack.fake.of("views.publish") if p["user_id"] == user]
    assert published, "no home published"
    view = published[-1]["view"]
    assert view["type"] == "home"
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")


async def _open_home(slack, user: str) -> None:
    await slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
                       "event_ts": "5.1"})


async def _world(slack, clock) -> tuple[int, int]:
    services = slack.bot.services
    await add_person(services, "sam.patel@northvale.example", "Sam Patel", role="watch_manager")
    staff_id = await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs", manager="sam.patel@northvale.example")
    await add_competence(services, "BA1", "Breathing apparatus wearer", risk_critical=True, months=12)
    await add_competence(services, "DR1", "Emergency response driving", risk_critical=True, months=36)
    await add_competence(services, "FA2", "First aid at work")
    await add_competence(services, "LD9", "Coaching others")
    slack.fake.users |= {STAFF: "jo.bloggs@northvale.example", MANAGER: "sam.patel@northvale.example"}
    today = clock().date()
    async with unit_of_work(services.sessions) as db:
        ba, fa = [await db.scalar(select(Competence).where(Competence.code == c)) for c in ("BA1", "FA2")]
        db.add(Evidence(person_id=staff_id, kind="observed", activity_date=today - timedelta(days=350),
                        description="Smoke house wear", links=[], status="competent", source="chat",
                        valid_until=today + timedelta(days=15), competences=[ba], created_at=clock(), updated_at=clock()))
        pending = Evidence(person_id=staff_id, kind="training_course", activity_date=today - timedelta(days=3),
                           description="First aid refresher", links=[], status="submitted", source="chat",
                           competences=[fa], created_at=clock(), updated_at=clock())
        db.add(pending)
        db.add(Reflection(person_id=staff_id, what_happened="Debrief after a chimney fire: <b>our</b> radio checks",
                          created_at=clock(), updated_at=clock()))
        await db.flush()
        return staff_id, pending.id


async def test_staff_home_shows_status_and_recent_reflections(slack, clock):
    await _world(slack, clock)
    await _open_home(slack, STAFF)
    text = _home_text(slack, STAFF)
    assert "Hello Jo" in text
    expiring = (clock().date() + timedelta(days=15))
    assert f"BA1 Breathing apparatus wearer (risk-critical) — due by {expiring.day} {expiring:%B %Y}" in text
    assert "DR1 Emergency response driving (risk-critical) — no verified evidence yet" in text
    assert "LD9" not in text  # not risk-critical and never evidenced: not cluttering the summary
    assert "chimney fire: &lt;b&gt;our&lt;/b&gt;" in text
    assert "Waiting for you to verify" not in text
    actions = [b for b in slack.fake.of("views.publish")[-1]["view"]["blocks"] if b["type"] == "actions"]
    assert actions[0]["elements"][0]["action_id"] == "slack.open_form"


async def test_manager_home_lists_the_team_evidence_awaiting_verification(slack, clock):
    _, pending_id = await _world(slack, clock)
    await _open_home(slack, MANAGER)
    text = _home_text(slack, MANAGER)
    assert "Waiting for you to verify" in text
    assert f"#{pending_id} Jo Bloggs — FA2 First aid at work" in text


async def test_the_home_button_opens_the_evidence_form(slack, clock):
    await _world(slack, clock)
    await _open_home(slack, STAFF)
    view = slack.fake.of("views.publish")[-1]["view"]
    button = next(b for b in view["blocks"] if b["type"] == "actions")["elements"][0]
    await slack.interactive({
        "type": "block_actions", "user": {"id": STAFF, "team_id": "T0LDBOT"}, "api_app_id": "A0LDBOT",
        "token": "legacy", "trigger_id": "trig.home", "team": {"id": "T0LDBOT"},
        "container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1", "type": "home"},
        "actions": [{**button, "block_id": "b1", "action_ts": "6.1"}],
    })
    opened = slack.fake.of("views.open")
    assert [o["trigger_id"] for o in opened] == ["trig.home"]
    assert opened[0]["view"]["callback_id"] == "evidence.new"


async def test_an_unknown_user_sees_a_polite_home(slack):
    await _open_home(slack, "U0STRANGER")
    assert "don't recognise your Slack account" in _home_text(slack, "U0STRANGER")
