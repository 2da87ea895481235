"""`ldbot serve` as a real process with Slack configured: it says Slack is on, verifies signatures, and
answers a signed DM through the fake Web API (SLACK_API_URL)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys

import aiohttp

from tests.slack.slack_support import BOT_TOKEN, SIGNING_SECRET, dm_of, event_callback, signature_headers
from tests.support import add_person

STAFF = "U0STAFF"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_with_slack_answers_a_signed_dm(services, fake_slack, database_url, tmp_path):
    await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs")
    fake_slack.users[STAFF] = "jo.bloggs@northvale.example"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "LDBOT_"))}
    env |= {"LDBOT_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_slack.api_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env, cwd=str(tmp_path),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(150):
                try:
                    async with http.get(base + "/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
            body = json.dumps(event_callback({"type": "message", "channel": dm_of(STAFF), "user": STAFF,
                                              "text": "help", "ts": "4.1", "channel_type": "im"}))
            async with http.post(base + "/slack/events", data=body, headers={"Content-Type": "application/json"}) as r:
                assert r.status == 401
            headers = {"Content-Type": "application/json", **signature_headers(body)}
            async with http.post(base + "/slack/events", data=body, headers=headers) as r:
                assert r.status == 200
            for _ in range(100):
                if fake_slack.count("chat.postMessage"):
                    break
                await asyncio.sleep(0.1)
    finally:
        proc.terminate()
        output = (await asyncio.wait_for(proc.communicate(), 20))[0].decode()
    assert "platforms on: slack" in output
    posted = fake_slack.of("chat.postMessage")
    assert len(posted) == 1 and posted[0]["channel"] == dm_of(STAFF) and "Jo" in posted[0]["text"]
