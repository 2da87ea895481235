"""A signed request replayed inside Slack's five-minute window is processed once: the same form submission
sent three times makes one record and one verification request; a slash command replayed is answered once."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from sqlalchemy import func, select

from storage.models import Evidence, OutgoingMessage
from tests.slack.slack_support import TEAM, dm_of, input_state
from tests.support import add_competence, add_person

STAFF, MANAGER = "U0STAFF", "U0MANAGER"


async def _people(slack) -> None:
    services = slack.bot.services
    await add_person(services, "sam.patel@northvale.example", "Sam Patel", role="watch_manager")
    await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs", manager="sam.patel@northvale.example")
    await add_competence(services, "BA1", "Breathing apparatus wearer", risk_critical=True, months=12)
    slack.fake.users |= {STAFF: "jo.bloggs@northvale.example", MANAGER: "sam.patel@northvale.example"}


async def _replay(slack, body: str, times: int = 3) -> list[int]:
    """The very same signed request (same body, timestamp and signature), sent `times` times."""
    stamp = int(time.time())
    statuses = []
    for _ in range(times):
        response = await slack.post(body, "application/x-www-form-urlencoded", timestamp=stamp)
        statuses.append(response.status)
    await slack.settle()
    return statuses


async def test_a_replayed_form_submission_saves_one_record_and_one_request(slack):
    await _people(slack)
    await slack.command(STAFF, "evidence")
    view = slack.fake.of("views.open")[-1]["view"]
    values = {"competence": "BA1", "kind": "real_incident", "date": "2026-11-12",
              "description": "Searched a smoke-logged flat.", "links": None}
    payload = {
        "type": "view_submission", "team": {"id": TEAM}, "user": {"id": STAFF, "team_id": TEAM},
        "api_app_id": "A0LDBOT", "token": "legacy", "trigger_id": "trig.replay",
        "view": {**view, "id": "V0REPLAY", "team_id": TEAM, "state": input_state(view, values), "hash": "h"},
    }
    statuses = await _replay(slack, urlencode({"payload": json.dumps(payload)}))
    assert statuses == [200, 200, 200]
    [review] = [p for p in slack.posted(dm_of(STAFF)) if "Please check this" in p["text"]]  # shown back once
    element = next(e for b in review["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"].split("~")[0] == "evidence.save")
    click = {
        "type": "block_actions", "user": {"id": STAFF, "team_id": TEAM}, "api_app_id": "A0LDBOT", "token": "legacy",
        "trigger_id": "trig.save", "team": {"id": TEAM},
        "container": {"type": "message", "message_ts": review["ts"], "channel_id": dm_of(STAFF)},
        "channel": {"id": dm_of(STAFF)}, "message": {"ts": review["ts"], "blocks": review["blocks"]},
        "actions": [{**element, "block_id": "b1", "action_ts": "1.1"}],
    }
    assert await _replay(slack, urlencode({"payload": json.dumps(click)})) == [200, 200, 200]
    async with slack.bot.services.sessions() as db:
        assert await db.scalar(select(func.count(Evidence.id))) == 1
        requests = await db.scalar(select(func.count(OutgoingMessage.id)).where(OutgoingMessage.kind == "verify_request"))
    assert requests == 1
    assert len([u for u in slack.fake.of("chat.update") if "Saved as evidence" in u["text"]]) == 1


async def test_a_replayed_slash_command_is_answered_once(slack):
    await _people(slack)
    form = {"token": "legacy", "team_id": TEAM, "channel_id": dm_of(STAFF), "user_id": STAFF, "command": "/ld",
            "text": "help", "api_app_id": "A0LDBOT", "trigger_id": "trig.cmd", "channel_name": "directmessage",
            "response_url": slack.fake.response_url(STAFF)}
    statuses = await _replay(slack, urlencode(form))
    assert statuses == [200, 200, 200]
    assert len(slack.posted(dm_of(STAFF))) == 1


async def test_two_different_requests_in_the_same_second_are_both_handled(slack):
    await _people(slack)
    stamp = int(time.time())
    for text in ("help", "competences"):
        form = {"team_id": TEAM, "channel_id": dm_of(STAFF), "user_id": STAFF, "command": "/ld", "text": text,
                "trigger_id": "t", "response_url": slack.fake.response_url(STAFF)}
        await slack.post(urlencode(form), "application/x-www-form-urlencoded", timestamp=stamp)
    await slack.settle()
    assert len(slack.posted(dm_of(STAFF))) == 2
