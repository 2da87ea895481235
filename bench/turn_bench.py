"""Turn latency against a bare app: `python -m bench.turn_bench [--turns 200] [--pg URL]`.

Side by side in one run, the same way for both: a signed Slack DM event (or a Teams message activity)
is posted over HTTP to the app on 127.0.0.1, and the clock stops when the reply reaches the loopback fake
Slack Web API (or Bot Connector). The bare apps are slack-bolt's AsyncApp and botbuilder's CloudAdapter
doing nothing but reply; ldbot identifies the person, reads their dialog state, routes and renders `help`.
Prints p50/p95 and ldbot's p50 as a multiple of the bare app's (goal: at most 1.5x), and the SQL
statements and transactions one Slack DM and one evidence form submission cost.

Both Teams apps run with ldbot's one change to the SDK applied (bot/teams/sdk.py builds msrest's retry
policy from a frozenset): unpatched, every botbuilder turn spends about 3 ms more in msrest.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event, insert

from bench.databases import add_pg_option, on_each_database
from bench.fakes import Fake, FakeConnector, FakeSlackApi
from bot.app import make_bot, make_catalogue
from bot.clock import system_clock
from bot.server import build_app
from bot.services import Services
from bot.settings import load_settings
from bot.slack.app import SLACK_ADAPTER
from bot.slack.platform import PLATFORM as SLACK
from bot.teams import sdk as _teams_sdk  # noqa: F401 - the msrest fix, for the bare app too
from bot.teams.platform import PLATFORM as TEAMS
from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.models import Competence, Person, PlatformIdentity

SECRET = "bench-signing-secret"
USER, TEAMS_USER = "U0BENCH", "aad-bench"
_ids = itertools.count(1)


# --- the requests Slack and Teams would send ---------------------------------------------------------------
def slack_dm(text: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({
        "token": "t", "team_id": "T0BENCH", "api_app_id": "A0BENCH", "type": "event_callback",
        "event_id": f"Ev{next(_ids):09d}", "event_time": int(time.time()),
        "event": {"type": "message", "channel": "D0BENCH", "user": USER, "text": text, "ts": f"{time.time():.6f}",
                  "channel_type": "im"},
        "authorizations": [{"team_id": "T0BENCH", "user_id": "UBOT", "is_bot": True}],
    })
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return body.encode(), {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": signature}


def teams_message(text: str, service_url: str) -> dict:
    return {
        "type": "message", "id": f"act{next(_ids)}", "timestamp": "2026-12-01T10:00:00.000Z",
        "serviceUrl": service_url + "/", "channelId": "msteams", "text": text, "textFormat": "plain",
        "from": {"id": "29:bench-user", "name": "Bench User", "aadObjectId": TEAMS_USER},
        "conversation": {"conversationType": "personal", "tenantId": "tenant", "id": "a:bench-conversation"},
        "recipient": {"id": "28:ldbot", "name": "ldbot"}, "channelData": {"tenant": {"id": "tenant"}},
    }


# --- the bare apps -------------------------------------------------------------------------------------------
def bare_slack(api_url: str) -> web.Application:
    bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token="xoxb-bench", base_url=api_url))

    @bolt.event("message")
    async def reply(event: dict, say: Callable[..., Awaitable[object]]) -> None:
        await say("hi")

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity("hi")


def bare_teams() -> web.Application:
    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter, bot = CloudAdapter(ConfigurationBotFrameworkAuthentication(config)), Echo()

    async def handle(request: web.Request) -> web.Response:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", handle)
    return app


# --- measuring -------------------------------------------------------------------------------------------
async def latencies(app: web.Application, fake: Fake, send: Callable[[aiohttp.ClientSession, str], Awaitable[None]],
                    turns: int) -> list[float]:
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    result = []
    try:
        async with aiohttp.ClientSession() as http:
            base = str(server.make_url("")).rstrip("/")
            for n in range(turns + 10):
                fake.arrived.clear()
                started = time.perf_counter()
                await send(http, base)
                await asyncio.wait_for(fake.arrived.wait(), 10)
                if n >= 10:  # the first few warm caches and connections
                    result.append(time.perf_counter() - started)
    finally:
        await server.close()
    return result


def summary(name: str, values: list[float]) -> str:
    p50, p95 = statistics.median(values), statistics.quantiles(values, n=20)[18]
    return f"{name} p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


async def services_for(url: str, fake_slack: FakeSlackApi) -> Services:
    settings = load_settings(database_url=url, _env_file=None, slack_bot_token="xoxb-bench",
                             slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url, teams_enabled=True)
    engine = make_engine(settings.database_url)
    services = Services(settings, engine, make_sessionmaker(engine), make_catalogue(), system_clock)
    now = datetime.now(UTC)
    async with unit_of_work(services.sessions) as db:
        await db.execute(insert(Person), [{"id": 1, "email": "bench@example.org", "name": "Bench User",
                                           "role": "firefighter", "active": True, "created_at": now}])
        await db.execute(insert(PlatformIdentity), [
            {"platform": "slack", "platform_user_id": USER, "person_id": 1, "created_at": now},
            {"platform": "teams", "platform_user_id": TEAMS_USER, "person_id": 1, "created_at": now},
        ])
        await db.execute(insert(Competence), [{"code": "FFBA1", "title": "Use breathing apparatus",
                                               "description": "", "risk_critical": False, "active": True}])
    return services


async def measure(url: str, label: str, turns: int) -> None:
    slack, connector = FakeSlackApi(), FakeConnector()
    await slack.start()
    await connector.start()
    services = await services_for(url, slack)
    bot = make_bot(services)
    try:
        async def post_slack(http: aiohttp.ClientSession, base: str) -> None:
            body, headers = slack_dm("help")
            async with http.post(base + "/slack/events", data=body, headers=headers) as response:
                await response.read()

        async def post_teams(http: aiohttp.ClientSession, base: str) -> None:
            async with http.post(base + "/api/messages", json=teams_message("help", connector.url)) as response:
                await response.read()

        bare_s = await latencies(bare_slack(slack.api_url), slack, post_slack, turns)
        ours_s = await latencies(await build_app(bot, [SLACK]), slack, post_slack, turns)
        bare_t = await latencies(bare_teams(), connector, post_teams, turns)
        ours_t = await latencies(await build_app(bot, [TEAMS]), connector, post_teams, turns)
        for platform, bare, ours in (("Slack DM", bare_s, ours_s), ("Teams message", bare_t, ours_t)):
            ratio = statistics.median(ours) / statistics.median(bare)
            print(f"{label} {platform}, {turns} turns: {summary('bare app', bare)}; {summary('ldbot', ours)}; "
                  f"ldbot/bare p50 {ratio:.2f}x (goal <= 1.5x)", flush=True)
        await count_statements(services, bot, slack, label)
    finally:
        await services.engine.dispose()
        await slack.close()
        await connector.close()


async def count_statements(services: Services, bot: object, slack: FakeSlackApi, label: str) -> None:
    """SQL statements and transactions for one Slack DM and one evidence form submission."""
    app = await build_app(bot, [SLACK])
    adapter = app[SLACK_ADAPTER]
    statements = transactions = 0

    def on_statement(*_: object) -> None:
        nonlocal statements
        statements += 1

    def on_begin(*_: object) -> None:
        nonlocal transactions
        transactions += 1

    sync = services.engine.sync_engine
    event.listen(sync, "before_cursor_execute", on_statement)
    event.listen(sync, "begin", on_begin)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            base = str(server.make_url("")).rstrip("/") + "/"
            for _ in range(3):  # warm the template overrides cache
                body, headers = slack_dm("help")
                await (await http.post(base + "slack/events", data=body, headers=headers)).read()
                await adapter.drain()
            statements = transactions = 0
            body, headers = slack_dm("help")
            await (await http.post(base + "slack/events", data=body, headers=headers)).read()
            await adapter.drain()
            dm = (statements, transactions)
            statements = transactions = 0
            view = {"type": "modal", "callback_id": "evidence.new", "private_metadata": json.dumps({"c": "D0BENCH"}),
                    "id": "V1", "state": {"values": {
                        "competence": {"competence": {"type": "external_select",
                                                      "selected_option": {"value": "FFBA1"}}},
                        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "real_incident"}}},
                        "date": {"date": {"type": "datepicker", "selected_date": "2026-11-20"}},
                        "description": {"description": {"type": "plain_text_input", "value": "Search drill."}},
                        "links": {"links": {"type": "plain_text_input", "value": None}},
                    }}}
            payload = {"type": "view_submission", "user": {"id": USER, "team_id": "T0BENCH"}, "view": view,
                       "team": {"id": "T0BENCH"}, "api_app_id": "A0BENCH", "trigger_id": "t1"}
            form = "payload=" + aiohttp.helpers.quote(json.dumps(payload), safe="")
            ts = str(int(time.time()))
            signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{form}".encode(), hashlib.sha256).hexdigest()
            await (await http.post(base + "slack/events", data=form.encode(), headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature})).read()
            await adapter.drain()
            submit = (statements, transactions)
    finally:
        event.remove(sync, "before_cursor_execute", on_statement)
        event.remove(sync, "begin", on_begin)
        await server.close()
    print(f"{label} SQL per turn: Slack DM 'help' {dm[0]} statements in {dm[1]} transactions; "
          f"evidence form submit (with the Home tab refresh) {submit[0]} statements in {submit[1]} transactions",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    add_pg_option(parser)
    args = parser.parse_args()
    on_each_database(measure, args.pg, "turns", turns=args.turns)


if __name__ == "__main__":
    main()
