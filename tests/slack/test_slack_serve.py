"""`ldbot serve` as a real process with Slack configured: it says Slack is on, verifies signatures, and
answers a signed DM through the fake Web API (SLACK_API_URL)."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.slack.slack_support import BOT_TOKEN, SIGNING_SECRET, dm_of, event_callback, signature_headers
from tests.support import add_person, serve_process

STAFF = "U0STAFF"


async def test_serve_with_slack_answers_a_signed_dm(services, fake_slack, database_url, tmp_path):
    await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs")
    fake_slack.users[STAFF] = "jo.bloggs@northvale.example"
    env = {"LDBOT_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_slack.api_url}
    async with serve_process(env, tmp_path) as served, aiohttp.ClientSession() as http:
        body = json.dumps(event_callback({"type": "message", "channel": dm_of(STAFF), "user": STAFF,
                                          "text": "help", "ts": "4.1", "channel_type": "im"}))
        async with http.post(served.base + "/slack/events", data=body,
                             headers={"Content-Type": "application/json"}) as r:
            assert r.status == 401
        headers = {"Content-Type": "application/json", **signature_headers(body)}
        async with http.post(served.base + "/slack/events", data=body, headers=headers) as r:
            assert r.status == 200
        for _ in range(100):
            if fake_slack.count("chat.postMessage"):
                break
            await asyncio.sleep(0.1)
    assert "platforms on: slack" in served.output
    posted = fake_slack.of("chat.postMessage")
    assert len(posted) == 1 and posted[0]["channel"] == dm_of(STAFF) and "Jo" in posted[0]["text"]
