"""A real `ldbot serve` at LDBOT_LOG_LEVEL=DEBUG, with Slack (a fake Web API) and Teams (a fake Bot Connector):
junk and real conversations carrying a marked text, a database refusing a statement inside a turn; its
output holds ids, event types and a traceback, never the marker (issue 16 item 4). And LDBOT_LOG_LEVEL is
honoured by `ldbot serve`, `ldbot worker`, `ldbot chat` and the other commands."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import aiohttp

from tests.log_capture import MARKER
from tests.slack.fake_slack import FakeSlack
from tests.slack.slack_support import BOT_TOKEN, SIGNING_SECRET, dm_of, event_callback, signature_headers
from tests.support import add_person, serve_process
from tests.teams.fake_connector import FakeConnector
from tests.test_logs_privacy import refusing_marker

STAFF = "U0STAFF"


async def _until(check, seconds: float = 15) -> None:  # noqa: ANN001 - a callable returning a truth value
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the bot did not answer in time")


def _teams_message(connector: FakeConnector, text: object, n: int) -> dict:
    return {
        "type": "message", "id": f"17000000000{n:02d}", "timestamp": "2026-11-17T10:00:00.000Z",
        "serviceUrl": connector.url, "channelId": "msteams", "text": text, "textFormat": "plain",
        "from": {"id": "29:1alex", "name": "Alex Morgan", "aadObjectId": "aad-alex"},
        "conversation": {"conversationType": "personal", "tenantId": "t-1", "id": "a:1personal-alex"},
        "recipient": {"id": "28:ldbot", "name": "ldbot"}, "channelData": {"tenant": {"id": "t-1"}},
    }


async def test_serve_at_debug_logs_no_text_on_any_path(services, database_url, tmp_path):
    fake_slack, connector = await FakeSlack().start(), await FakeConnector().start()
    try:
        await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs")
        await add_person(services, "alex.morgan@northvale.example", "Alex Morgan")
        fake_slack.users[STAFF] = "jo.bloggs@northvale.example"
        connector.add_member("29:1alex", name="Alex Morgan", email="alex.morgan@northvale.example", aad="aad-alex")
        env = {"LDBOT_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": fake_slack.api_url, "LDBOT_TEAMS_ENABLED": "1", "LDBOT_LOG_LEVEL": "DEBUG"}
        async with serve_process(env, tmp_path) as served, aiohttp.ClientSession() as http:
            slack, teams = served.base + "/slack/events", served.base + "/api/messages"

            def dm(text: str) -> str:
                return json.dumps(event_callback({"type": "message", "channel": dm_of(STAFF), "user": STAFF,
                                                  "text": text, "ts": "5.1", "channel_type": "im"}))

            async def post(url: str, body: str, headers: dict[str, str]) -> int:
                async with http.post(url, data=body.encode(), headers=headers) as response:
                    return response.status

            signed = {"Content-Type": "application/json"}
            assert await post(slack, dm(MARKER), signed) == 401
            assert await post(slack, "{" + MARKER, {**signed, **signature_headers("{" + MARKER)}) == 400
            body = dm(f"reflect: {MARKER} ran a drill")
            assert await post(slack, body, {**signed, **signature_headers(body)}) == 200
            await _until(lambda: fake_slack.count("chat.postMessage") == 1)
            async with refusing_marker(services.engine, "reflections", "what_happened"):
                body = dm("save")
                assert await post(slack, body, {**signed, **signature_headers(body)}) == 200
                await _until(lambda: fake_slack.count("chat.postMessage") == 2)
            assert await post(teams, json.dumps({**_teams_message(connector, MARKER, 1), "from": MARKER}), signed) == 400
            assert await post(teams, json.dumps(_teams_message(connector, MARKER, 2)),
                              {**signed, "Authorization": f"Bearer {MARKER}"}) == 401
            assert await post(teams, json.dumps(_teams_message(connector, f"reflect: {MARKER} again", 3)),
                              signed) in (200, 201)
    finally:
        await fake_slack.close()
        await connector.close()
    posted = [m["text"] for m in fake_slack.of("chat.postMessage")]
    assert MARKER in posted[0] and "went wrong" in posted[1].lower()  # the paths really ran
    assert any(MARKER in call.text for call in connector.calls)
    output = served.output
    assert MARKER not in output and "7f3a" not in output, output
    for expected in ("request refused status=401 reason=unsigned", "request refused status=400 reason=bad_json",
                     "request refused status=400 reason=wrong_type field=from",
                     "request refused status=401 reason=bad_token", "handler failed platform=slack event=text",
                     "Traceback (most recent call last)", "[SQL: INSERT INTO reflections", "handled platform=teams",
                     " DEBUG "):
        assert expected in output, f"{expected!r} not in:\n{output}"


async def test_serve_honours_a_quieter_level(services, database_url, tmp_path):
    fake_slack = await FakeSlack().start()
    try:
        await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs")
        fake_slack.users[STAFF] = "jo.bloggs@northvale.example"
        env = {"LDBOT_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_slack.api_url, "LDBOT_LOG_LEVEL": "warning"}
        async with serve_process(env, tmp_path) as served, aiohttp.ClientSession() as http:
            body = json.dumps(event_callback({"type": "message", "channel": dm_of(STAFF), "user": STAFF,
                                              "text": "help", "ts": "6.1", "channel_type": "im"}))
            async with http.post(served.base + "/slack/events", data=body,
                                 headers={"Content-Type": "application/json", **signature_headers(body)}) as r:
                assert r.status == 200
            await _until(lambda: fake_slack.count("chat.postMessage") == 1)
            async with http.post(served.base + "/slack/events", data=body, headers={"Content-Type": "application/json"}):
                pass
    finally:
        await fake_slack.close()
    lines = served.output.splitlines()
    assert not [line for line in lines if " INFO " in line or " DEBUG " in line], served.output
    assert any("WARNING ldbot.slack request refused status=401" in line for line in lines)


def _ldbot(database_url: str, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "LDBOT_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env={**clean, "LDBOT_DATABASE_URL": database_url, **env}, timeout=120)


async def test_chat_logs_warnings_only_unless_told_and_honours_the_level(services, database_url):
    await add_person(services, "alex@example.org", "Alex Morgan")
    quiet = await asyncio.to_thread(_ldbot, database_url, "chat", "--user", "alex@example.org", stdin="help\n")
    assert quiet.returncode == 0 and "Hi Alex" in quiet.stdout
    assert " INFO " not in quiet.stderr  # the conversation is not interleaved with log lines
    told = await asyncio.to_thread(_ldbot, database_url, "chat", "--user", "alex@example.org", stdin="help\n",
                                   LDBOT_LOG_LEVEL="INFO")
    assert "INFO ldbot.core handled platform=console" in told.stderr


async def test_worker_and_other_commands_honour_the_level(services, database_url):
    async def worker(level: str) -> str:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "LDBOT_"))}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "worker", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**clean, "LDBOT_DATABASE_URL": database_url, "LDBOT_LOG_LEVEL": level})
        output = b""
        try:
            async with asyncio.timeout(60):
                while b"job done id=nudges.scan" not in output and b"ldbot worker: jobs" not in output:
                    output += await proc.stdout.read(4096)
                await asyncio.sleep(3)  # the first scan runs at once
        finally:
            proc.terminate()
            output += (await proc.communicate())[0]
        return output.decode()

    chatty, quiet = await worker("INFO"), await worker("ERROR")
    assert "INFO ldbot.jobs job done id=nudges.scan" in chatty
    assert "job done" not in quiet and " INFO " not in quiet
    bad = await asyncio.to_thread(_ldbot, database_url, "db", "current", LDBOT_LOG_LEVEL="loud")
    assert bad.returncode != 0 and "LDBOT_LOG_LEVEL: Value error, must be one of DEBUG, INFO" in bad.stderr
    assert "Traceback" not in bad.stderr
