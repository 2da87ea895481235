"""A fake Slack Web API on 127.0.0.1 (ephemeral port) that records every call the bot makes.

Answers the methods ldbot uses with the shapes Slack documents; can be told to answer a method with
429 + Retry-After a number of times, to test rate limits. Also accepts POSTs to /response/<id> (slash
command response_url), recorded like any other call.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0LDBOT"


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    token: str | None


@dataclass
class FakeSlack:
    """users: Slack user id → email (users.info answers from it; others are user_not_found)."""

    users: dict[str, str] = field(default_factory=dict)
    # Slack user id → their home team, for Slack Connect guests from another workspace (default: TEAM).
    teams_of: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    delay: float = 0.0  # seconds chat.postMessage takes to answer (a slow Slack); the call counts on arrival
    _throttle: dict[str, list[int]] = field(default_factory=dict)
    _refuse: dict[str, list[Any]] = field(default_factory=dict)
    _server: TestServer | None = None
    _ts: Any = field(default_factory=lambda: itertools.count(1))

    # --- control ---------------------------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        self._server = TestServer(app, host="127.0.0.1", port=0)
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.base}/response/{name}"

    def throttle(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        self._throttle[method] = [retry_after, times]

    def refuse(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with ok=false and this error (e.g. expired_trigger_id)."""
        self._refuse[method] = [error, times]

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.method == method]

    def count(self, method: str) -> int:
        return len(self.of(method))

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def clear(self) -> None:
        self.calls.clear()

    # --- the API ---------------------------------------------------------------------------------------
    async def _read(self, request: web.Request) -> dict[str, Any]:
        body: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                body.update(json.loads(raw))
            else:
                for key, value in parse_qsl(raw, keep_blank_values=True):
                    body[key] = _maybe_json(value)
        return body

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url:" + request.match_info["id"], await self._read(request), None))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._read(request)
        auth = request.headers.get("Authorization", "")
        self.calls.append(Call(method, body, auth.removeprefix("Bearer ") or body.get("token")))
        if self.delay and method == "chat.postMessage":
            await asyncio.sleep(self.delay)
        throttled = self._throttle.get(method)
        if throttled and throttled[1] > 0:
            throttled[1] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(throttled[0])}
            )
        refused = self._refuse.get(method)
        if refused and refused[1] > 0:
            refused[1] -= 1
            return web.json_response({"ok": False, "error": refused[0]})
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(answer(body))

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "ldbot", "team_id": TEAM,
                "user_id": BOT_USER, "bot_id": BOT_ID}

    def _conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        users = str(body.get("users", ""))
        if not users:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("UW")}}

    def _chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        body["ts"] = self._next_ts()  # kept on the recorded call, so a test can click the message's buttons
        channel = str(body.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel.startswith(("U", "W")):  # as Slack does: a user id posts into the bot's DM with them
            body["posted_in"] = "D" + channel.lstrip("UW")
        return {"ok": True, "channel": body.get("posted_in", channel), "ts": body["ts"],
                "message": {"text": body.get("text"), "blocks": body.get("blocks", [])}}

    def _chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text")}

    def _chat_postEphemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _view(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V" + self._next_ts().replace(".", ""), **(body.get("view") or {})}}

    _views_open = _views_update = _views_publish = _views_push = _view

    def _users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user = str(body.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        email = self.users[user]
        name = email.split("@")[0].replace(".", " ").title()
        return {"ok": True, "user": {"id": user, "team_id": self.teams_of.get(user, TEAM),
                                     "name": email.split("@")[0], "deleted": False, "is_bot": False,
                                     "real_name": name, "profile": {"email": email, "real_name": name}}}


def _maybe_json(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
