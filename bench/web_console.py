"""The web console the way a benchmark drives it: the real aiohttp application in this process, and a
client signed in as one person through a one-time link, as an admin signs in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import ColumnElement, select

from bot.app import make_bot
from bot.server import build_app
from bot.services import Services
from bot.web.app import mount
from bot.web.settings import WebSettings
from handlers.webconsole.usecases import issue_link
from storage.db import unit_of_work
from storage.models import Person

KEY = "q6uoGFhAEk1E3CX8P7P2mXZkGqGk7q2o4nZt1y3m0aY="  # the session cookie's key: benchmarks only


@asynccontextmanager
async def signed_in(services: Services, who: ColumnElement[bool]) -> AsyncIterator[TestClient]:
    """A client of the web console signed in as the person `who` picks (a condition on Person)."""
    bot = make_bot(services)
    app = await build_app(bot, [], web_console=False)
    await mount(app, bot, WebSettings(_env_file=None, web_secret_key=KEY))
    async with TestClient(TestServer(app)) as client:
        async with unit_of_work(services.sessions) as db:
            person = await db.scalar(select(Person).where(who))
            issued = await issue_link(db, None, services.at(), subject=person, base_url="http://x", via="cli")
        path = issued.url.removeprefix("http://x")
        token = re.search(r'name="csrf_token" value="([^"]+)"', await (await client.get(path)).text()).group(1)
        await client.post(path, data={"csrf_token": token}, allow_redirects=False)
        yield client
