"""Slack's paths to the log carry no text people typed (issue 16 item 4): bolt's own signature check does
not print the body it refuses, and at LDBOT_LOG_LEVEL=DEBUG a conversation whose replies quote what was
typed leaves ids and event types in the log, not the words (slack_sdk's and SQLAlchemy's debug lines,
which print request bodies and statement parameters, are never made)."""

from __future__ import annotations

import json
import logging

from slack_bolt.request.async_request import AsyncBoltRequest

from tests.log_capture import MARKER, ldbot_logs
from tests.slack.slack_support import SlackHarness, dm_of, event_callback
from tests.support import add_person

STAFF = "U0STAFF"


async def test_bolts_own_signature_check_does_not_log_the_body(slack: SlackHarness, caplog):
    """Even a request that reached bolt unsigned (our gate refuses those first) is refused without its body."""
    caplog.set_level(logging.DEBUG)
    body = json.dumps(event_callback({"type": "message", "channel": dm_of(STAFF), "user": STAFF, "text": MARKER,
                                      "channel_type": "im"}))
    with ldbot_logs("DEBUG") as logs:
        response = await slack.adapter.app.async_dispatch(AsyncBoltRequest(
            body=body, headers={"content-type": "application/json", "x-slack-request-timestamp": "1",
                                "x-slack-signature": "v0=" + "0" * 64}))
    assert response.status == 401
    assert MARKER not in logs.getvalue() and MARKER not in caplog.text
    bolt = logging.getLogger("slack_bolt.AsyncRequestVerification")
    assert not bolt.isEnabledFor(logging.INFO)  # the line that printed the body is never made


async def test_a_conversation_at_debug_level_logs_ids_not_words(slack: SlackHarness, caplog):
    caplog.set_level(logging.DEBUG)
    with ldbot_logs("DEBUG") as logs:
        slack.fake.users[STAFF] = "jo.bloggs@northvale.example"
        person = await add_person(slack.bot.services, "jo.bloggs@northvale.example", "Jo Bloggs")
        await slack.dm(STAFF, f"reflect: {MARKER} ran a drill")
        await slack.dm(STAFF, "save")
    said = " ".join(str(m.get("text")) for m in slack.posted(dm_of(STAFF)))
    assert MARKER in said  # the bot did show the words back (to the person, in Slack)
    written = logs.getvalue()
    assert MARKER not in written and MARKER not in caplog.text
    assert f"handled platform=slack person={person} event=text" in written
    assert "aiohttp.access" in written  # the requests themselves are still logged (paths and statuses)
