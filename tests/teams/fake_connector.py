"""A fake Bot Connector on 127.0.0.1: records what the bot sends, answers roster look-ups, can throttle.

The bot reaches it because every activity the tests post names it as `serviceUrl`, exactly as Teams names
its regional connector (https://smba.trafficmanager.net/...). It speaks the v3 REST paths botbuilder uses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str
    conversation_id: str
    activity_id: str | None  # the activity replied to (POST) or updated (PUT)
    body: dict[str, Any]
    assigned_id: str | None = None

    @property
    def text(self) -> str:
        """Message text, or every TextBlock in its Adaptive Card, joined by newlines."""
        if self.body.get("text"):
            return self.body["text"]
        return "\n".join(block["text"] for block in text_blocks(self.card)) if self.card else ""

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or ():
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None

    def submit_data(self, title: str) -> dict[str, Any]:
        """The `data` of the card's submit action with this title (what Teams would send back)."""
        assert self.card is not None, f"no card in {self.body}"
        for action in self.card.get("actions", ()):
            if action["title"] == title:
                return dict(action["data"])
        raise AssertionError(f"no action {title!r} in {[a['title'] for a in self.card.get('actions', ())]}")

    def inputs(self) -> dict[str, dict[str, Any]]:
        return {element["id"]: element for element in walk(self.card or {}) if element.get("type", "").startswith("Input.")}


def walk(element: Any):
    if isinstance(element, dict):
        yield element
        for value in element.values():
            yield from walk(value)
    elif isinstance(element, list):
        for value in element:
            yield from walk(value)


def text_blocks(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in walk(card.get("body", [])) if e.get("type") == "TextBlock"]


@dataclass
class Throttle:
    status: int
    retry_after: str | None
    times: int


@dataclass
class FakeConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    roster_lookups: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    _throttles: list[Throttle] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1001))
    server: TestServer | None = None

    # --- test controls ---------------------------------------------------------------------------------
    def throttle(self, status: int = 429, *, retry_after: str | None = "0", times: int = 1) -> None:
        """Answer the next `times` sends with `status` (and Retry-After) instead of accepting them."""
        self._throttles.append(Throttle(status, retry_after, times))

    def add_member(self, user_id: str, *, name: str, email: str, aad: str) -> None:
        self.members[user_id] = {
            "id": user_id, "name": name, "email": email, "userPrincipalName": email, "aadObjectId": aad,
        }

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/")).rstrip("/") + "/"

    def sent_to(self, conversation_id: str) -> list[Call]:
        return [c for c in self.calls if c.conversation_id == conversation_id]

    def posts(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and conversation_id in (None, c.conversation_id)]

    def updates(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT" and conversation_id in (None, c.conversation_id)]

    # --- the server --------------------------------------------------------------------------------------
    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._post)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._put)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def _throttled(self, method: str, path: str) -> web.Response | None:
        if not self._throttles:
            return None
        throttle = self._throttles[0]
        throttle.times -= 1
        if throttle.times <= 0:
            self._throttles.pop(0)
        self.refused.append((f"{method} {path}", throttle.status))
        headers = {"Retry-After": throttle.retry_after} if throttle.retry_after is not None else {}
        return web.json_response(
            {"error": {"code": "Throttled", "message": "slow down"}}, status=throttle.status, headers=headers
        )

    async def _post(self, request: web.Request) -> web.Response:
        refused = self._throttled("POST", request.path)
        if refused is not None:
            return refused
        assigned = str(next(self._ids))
        self.calls.append(Call("POST", request.match_info["cid"], request.match_info.get("aid"),
                               await request.json(), assigned))
        return web.json_response({"id": assigned}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        refused = self._throttled("PUT", request.path)
        if refused is not None:
            return refused
        aid = request.match_info["aid"]
        self.calls.append(Call("PUT", request.match_info["cid"], aid, await request.json(), aid))
        return web.json_response({"id": aid}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        self.roster_lookups.append(uid)
        if uid not in self.members:
            return web.json_response({"error": {"code": "NotFound", "message": "no such member"}}, status=404)
        return web.json_response(self.members[uid])
