"""Loopback stand-ins for Slack's Web API and the Bot Framework connector, for the benchmarks.

They answer the few calls ldbot makes, count what each recipient received (so a benchmark can count lost
and duplicated messages), can refuse a share of calls with 429 and Retry-After the way the platforms do,
and can wake a waiting benchmark when a message arrives (for turn latency).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


class Fake:
    """The shared part: a server on 127.0.0.1, a counter per recipient, optional 429s, an arrival signal."""

    def __init__(self, *, throttle_share: float = 0.0, retry_after: int = 1, seed: int = 7) -> None:
        self.received: Counter[str] = Counter()
        self.throttled = 0
        self.arrived = asyncio.Event()
        self._share = throttle_share
        self._retry_after = retry_after
        self._rng = random.Random(seed)
        self._ids = itertools.count(1)
        self.server: TestServer | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> Fake:
        app = web.Application()
        self.routes(app)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def throttle_now(self) -> bool:
        if self._share and self._rng.random() < self._share:
            self.throttled += 1
            return True
        return False

    def arrive(self, recipient: str) -> None:
        self.received[recipient] += 1
        self.arrived.set()


class FakeSlackApi(Fake):
    """chat.postMessage (channel = a user id or a DM id), users.info, auth.test."""

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body: dict[str, Any] = dict(await request.post()) if request.content_type != "application/json" else await request.json()
        if method == "chat.postMessage":
            if self.throttle_now():
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(self._retry_after)})
            self.arrive(str(body.get("channel")))
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": f"1.{next(self._ids):06d}"})
        if method == "users.info":
            user = str(body.get("user"))
            return web.json_response({"ok": True, "user": {"id": user, "team_id": BENCH_TEAM,
                                                           "profile": {"email": f"{user}@bench.example"}}})
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": BENCH_TEAM, "user_id": "U0BENCHBOT"})
        return web.json_response({"ok": True})


BENCH_TEAM = "T0BENCH"


class FakeConnector(Fake):
    """The Bot Connector's v3 activities endpoints, as botbuilder calls them."""

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._activity)

    async def _activity(self, request: web.Request) -> web.Response:
        await request.read()
        if self.throttle_now():
            return web.json_response({"error": {"code": "throttled"}}, status=429,
                                     headers={"Retry-After": str(self._retry_after)})
        self.arrive(request.match_info["conversation"])
        return web.json_response({"id": f"r{next(self._ids)}"})
