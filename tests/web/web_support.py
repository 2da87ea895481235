"""Talking to the web console in-process (aiohttp's test client), as a browser without JavaScript would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import make_bot
from bot.server import build_app
from bot.services import Services
from bot.web.app import mount
from bot.web.settings import WebSettings
from handlers.webconsole.usecases import issue_link
from storage.db import unit_of_work
from storage.models import Person

KEY = "q6uoGFhAEk1E3CX8P7P2mXZkGqGk7q2o4nZt1y3m0aY="
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def link_for(services: Services, email: str) -> str:
    """A one-time sign-in link's path, as `ldbot admin link` would print it."""
    async with unit_of_work(services.sessions) as db:
        person = await db.scalar(select(Person).where(Person.email == email))
        issued = await issue_link(db, None, services.at(), subject=person, base_url="http://localhost", via="cli")
    return issued.url.removeprefix("http://localhost")


@asynccontextmanager
async def console(services: Services, **settings: object) -> AsyncIterator[TestClient]:
    app = await build_app(make_bot(services), [], web_console=False)
    await mount(app, make_bot(services), WebSettings(_env_file=None, web_secret_key=KEY, **settings))
    async with TestClient(TestServer(app)) as client:
        yield client


async def sign_in(client: TestClient, services: Services, email: str) -> ClientResponse:
    path = await link_for(services, email)
    page = await client.get(path)
    assert page.status == 200
    return await client.post(path, data={"csrf_token": csrf(await page.text())})


async def post_form(client: TestClient, page_path: str, path: str, data: dict) -> ClientResponse:
    """Open a page (for its CSRF token), then post a form from it."""
    page = await client.get(page_path)
    return await client.post(path, data={"csrf_token": csrf(await page.text()), **data})
