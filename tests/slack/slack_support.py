"""Signed Slack requests for tests: the payload shapes Slack documents, signed the way Slack signs them
(v0 HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing secret), sent to the real aiohttp app."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bot.core import Bot
from bot.slack.app import SlackAdapter
from tests.slack.fake_slack import BOT_ID, BOT_USER, TEAM, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-0000000000-test-token"
APP_ID = "A0LDBOT"
_counter = itertools.count(1)


def signature_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def dm_of(user: str) -> str:
    """The DM channel the fake's conversations.open answers for a user."""
    return "D" + user.lstrip("UW")


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": TEAM, "api_app_id": APP_ID, "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}", "event_time": int(time.time()), "event": event,
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def input_state(view: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """`view.state.values` as Slack sends it for the given field values (by block id)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        value = values.get(block["block_id"])
        if kind == "plain_text_input" or kind == "number_input":
            entry = {"type": kind, "value": value}
        elif kind == "datepicker":
            entry = {"type": kind, "selected_date": value}
        elif kind in ("static_select", "external_select"):
            entry = {"type": kind, "selected_option": None if value is None else
                     {"text": {"type": "plain_text", "text": value}, "value": value}}
        elif kind == "multi_static_select":
            entry = {"type": kind, "selected_options": [
                {"text": {"type": "plain_text", "text": v}, "value": v} for v in (value or "").split(",") if v]}
        else:
            raise AssertionError(f"unexpected element {kind}")
        state[block["block_id"]] = {action_id: entry}
    return {"values": state}


@dataclass
class SlackHarness:
    """The real aiohttp app with Slack mounted, a fake Web API, and helpers that act like Slack."""

    client: TestClient
    fake: FakeSlack
    adapter: SlackAdapter
    bot: Bot
    sent: list[ClientResponse] = field(default_factory=list)

    async def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
                   sign: bool = True, timestamp: int | None = None) -> ClientResponse:
        all_headers = {"Content-Type": content_type}
        if sign:
            all_headers |= signature_headers(body, timestamp=timestamp)
        all_headers |= headers or {}
        response = await self.client.post("/slack/events", data=body.encode(), headers=all_headers)
        await response.read()
        return response

    async def settle(self) -> None:
        await self.adapter.drain()

    # --- Slack's request kinds ---------------------------------------------------------------------------
    async def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None,
                    settle: bool = True) -> ClientResponse:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        response = await self.post(json.dumps(event_callback(event, event_id=event_id)), "application/json",
                                   headers=headers)
        if settle:
            await self.settle()
        return response

    async def dm(self, user: str, text: str, *, event_id: str | None = None, retry: int | None = None) -> ClientResponse:
        return await self.event({
            "type": "message", "channel": dm_of(user), "user": user, "text": text, "ts": f"{time.time():.6f}",
            "event_ts": f"{time.time():.6f}", "channel_type": "im",
        }, event_id=event_id, retry=retry)

    async def command(self, user: str, text: str, *, channel: str | None = None) -> ClientResponse:
        form = {
            "token": "legacy", "team_id": TEAM, "team_domain": "fake", "channel_id": channel or dm_of(user),
            "channel_name": "directmessage" if channel is None else "general", "user_id": user,
            "user_name": user.lower(), "command": "/ld", "text": text, "api_app_id": APP_ID,
            "response_url": self.fake.response_url(user), "trigger_id": f"trig.{next(_counter)}",
        }
        response = await self.post(urlencode(form), "application/x-www-form-urlencoded")
        await self.settle()
        return response

    async def interactive(self, payload: dict[str, Any], *, settle: bool = True) -> ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        response = await self.post(body, "application/x-www-form-urlencoded")
        if settle:
            await self.settle()
        return response

    async def click(self, user: str, message: dict[str, Any], action_id: str, value: str | None = None,
                    *, settle: bool = True) -> ClientResponse:
        """Click the button `action_id` (optionally the one with `value`) in a message the bot posted
        (a recorded chat.postMessage body with the ts the fake gave it)."""
        element = next(
            e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["action_id"].split("~")[0] == action_id and (value is None or e.get("value") == value)
        )
        channel, ts = message.get("posted_in", message["channel"]), message["ts"]
        return await self.interactive({
            "type": "block_actions", "user": {"id": user, "team_id": TEAM}, "api_app_id": APP_ID,
            "token": "legacy", "trigger_id": f"trig.{next(_counter)}", "team": {"id": TEAM},
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "ts": ts, "text": message.get("text", ""), "blocks": message["blocks"],
                        "user": BOT_USER, "bot_id": BOT_ID},
            "actions": [{**element, "block_id": "b1", "action_ts": f"{time.time():.6f}"}],
        }, settle=settle)

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, str],
                     *, settle: bool = True) -> ClientResponse:
        return await self.interactive({
            "type": "view_submission", "team": {"id": TEAM}, "user": {"id": user, "team_id": TEAM},
            "api_app_id": APP_ID, "token": "legacy", "trigger_id": f"trig.{next(_counter)}",
            "view": {**view, "id": f"V{next(_counter)}", "team_id": TEAM, "app_id": APP_ID, "bot_id": BOT_ID,
                     "state": input_state(view, values), "hash": "h"},
        }, settle=settle)

    async def suggest(self, user: str, view: dict[str, Any], block_id: str, query: str) -> ClientResponse:
        block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
        return await self.interactive({
            "type": "block_suggestion", "user": {"id": user, "team_id": TEAM}, "team": {"id": TEAM},
            "api_app_id": APP_ID, "token": "legacy", "action_id": block["element"]["action_id"],
            "block_id": block_id, "value": query, "view": {**view, "id": "V9", "team_id": TEAM},
        }, settle=False)

    # --- what the bot sent ---------------------------------------------------------------------------------
    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage bodies (with the ts the fake answered), oldest first."""
        result = []
        for call in self.fake.calls:
            posted_in = call.body.get("posted_in", call.body.get("channel"))
            if call.method == "chat.postMessage" and (channel is None or posted_in == channel):
                result.append(call.body)
        return result

    def last_posted(self, channel: str) -> dict[str, Any]:
        return self.posted(channel)[-1]
