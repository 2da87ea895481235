"""A running ldbot (real aiohttp server, real botbuilder) and a fake Bot Connector, both on 127.0.0.1."""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import make_bot
from bot.core import Bot
from bot.server import build_app
from bot.services import Services
from bot.teams.platform import PLATFORM
from tests.teams.fake_connector import Call, FakeConnector

BOT_ID = "28:ldbot-test-bot"
TENANT = "8a7f0c1e-0000-4000-8000-000000000001"
_activity_ids = itertools.count(1_700_000_000_001)


def teams_services(services: Services, **settings: Any) -> Services:
    """The test services with Teams switched on (and any other settings changed)."""
    return Services(
        settings=services.settings.model_copy(update={"teams_enabled": True, **settings}),
        engine=services.engine,
        sessions=services.sessions,
        catalogue=services.catalogue,
        clock=services.clock,
    )


@dataclass
class RunningBot:
    bot: Bot
    server: TestServer
    http: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return str(self.server.make_url("/api/messages"))

    async def post(self, activity: dict[str, Any], *, headers: dict[str, str] | None = None) -> int:
        async with self.http.post(self.url, json=activity, headers=headers or {}) as response:
            await response.read()
            return response.status

    async def close(self) -> None:
        await self.server.close()


async def start_bot(services: Services) -> RunningBot:
    bot = make_bot(services)
    app = await build_app(bot, [PLATFORM])
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return RunningBot(bot, server, aiohttp.ClientSession())


@dataclass
class TeamsUser:
    """One person in Teams: posts the activities the Teams client would cause."""

    running: RunningBot
    connector: FakeConnector
    name: str
    email: str
    aad: str
    teams_id: str = ""
    conversation: str = ""
    sent: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        slug = self.email.split("@")[0].replace(".", "-")
        self.teams_id = self.teams_id or f"29:1{slug}"
        self.conversation = self.conversation or f"a:1personal-{slug}"
        self.connector.add_member(self.teams_id, name=self.name, email=self.email, aad=self.aad)

    def activity(self, kind: str = "message", **extra: Any) -> dict[str, Any]:
        activity_id = str(next(_activity_ids))
        self.sent.append(activity_id)
        return {
            "type": kind,
            "id": activity_id,
            "timestamp": "2026-11-17T10:00:00.000Z",
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad},
            "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": self.conversation},
            "recipient": {"id": BOT_ID, "name": "ldbot"},
            "locale": "en-GB",
            "channelData": {"tenant": {"id": TENANT}},
            **extra,
        }

    async def say(self, text: str) -> list[Call]:
        return await self._post(self.activity(text=text, textFormat="plain",
                                              entities=[{"type": "clientInfo", "locale": "en-GB"}]))

    async def submit(self, data: dict[str, Any], *, card: Call) -> list[Call]:
        """Press a card's submit button: Teams sends a message with `value` and replyToId = the card."""
        return await self._post(self.activity(value=data, replyToId=card.assigned_id,
                                              channelData={"tenant": {"id": TENANT}, "source": {"name": "message"}}))

    async def install(self) -> list[Call]:
        return await self._post(self.activity(
            "conversationUpdate", membersAdded=[{"id": BOT_ID}],
            channelData={"tenant": {"id": TENANT}},
        ))

    async def _post(self, activity: dict[str, Any]) -> list[Call]:
        before = len(self.connector.calls)
        status = await self.running.post(activity)
        assert status in (200, 201), status
        return self.connector.calls[before:]


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything tries to resolve a name other than 127.0.0.1 (no OpenID metadata, no tokens)."""
    real = socket.getaddrinfo

    def local_only(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1", None):
            raise OSError(f"test tried to reach {host!r}: Teams tests are offline")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    yield fake
    await fake.close()


@pytest.fixture
async def running(services: Services) -> AsyncIterator[RunningBot]:
    bot = await start_bot(teams_services(services))
    yield bot
    await bot.http.close()
    await bot.close()
