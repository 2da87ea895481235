"""The web console, mounted by `ldbot serve` at /admin as a sub-application of the one aiohttp server.

Server-rendered with aiohttp-jinja2 (GOV.UK Frontend styles, no JavaScript needed; a little enhances the
live preview and draws charts from the tables beside them). Every page calls the same use cases chat and
the command line call, and asks the access policy first.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import aiohttp_session
import jinja2
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot import access
from bot.access import Act
from bot.core import Bot
from bot.web import auth, security
from bot.web.pages import audit, learning, outbox, overview, people, plans, policy, responses
from bot.web.settings import WebSettings

HERE = Path(__file__).parent
STATIC = HERE / "static"
COOKIE = "ldbot_admin"

# The navigation: what each page needs, in the order shown.
NAV = (
    ("overview", "Overview", "/admin/overview", (Act.VIEW_REPORTS,)),
    ("responses", "Responses", "/admin/responses", (Act.EDIT_TEMPLATES,)),
    ("people", "People and competences", "/admin/people", (Act.USE_WEB_CONSOLE,)),
    ("learning", "Learning opportunities", "/admin/learning", (Act.MANAGE_LEARNING,)),
    ("plans", "Development plans", "/admin/plans", (Act.VIEW_REPORTS,)),
    ("policy", "Policy documents", "/admin/policy", (Act.MANAGE_DOCUMENTS, Act.ANSWER_HANDOFFS)),
    ("outbox", "Messages", "/admin/outbox", (Act.MANAGE_OUTBOX,)),
    ("audit", "Audit log", "/admin/audit", (Act.VIEW_AUDIT,)),
)


async def _common(request: web.Request) -> dict[str, Any]:
    person = request.get(security.PERSON)
    items = []
    if person is not None and await access.may(request[security.DB], person, Act.USE_WEB_CONSOLE):
        for key, label, href, acts in NAV:
            if any([await access.may(request[security.DB], person, act) for act in acts]):
                items.append({"key": key, "label": label, "href": href})
    return {"me": person, "nav": items, "csrf_token": request.get(security.CSRF, ""), "path": request.path}


def _ukdate(value: date | datetime | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def _ukdatetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y, %H:%M}"


async def index(request: web.Request) -> web.StreamResponse:
    if request[security.PERSON] is None:
        raise web.HTTPFound("/admin/sign-in")
    for _key, _label, href, acts in NAV:
        for act in acts:
            if await access.may(request[security.DB], request[security.PERSON], act):
                raise web.HTTPFound(href)
    raise security.forbidden(request)


async def mount(app: web.Application, bot: Bot, settings: WebSettings | None = None) -> None:
    settings = settings or WebSettings.load()
    https = bot.services.settings.public_base_url.startswith("https://")
    admin = web.Application(middlewares=[security.security_headers, security.transaction])
    admin[security.BOT] = bot
    admin[security.HTTPS] = https
    admin[security.IDLE_SECONDS] = settings.web_idle_minutes * 60
    aiohttp_session.setup(admin, EncryptedCookieStorage(
        settings.cookie_key(), cookie_name=COOKIE, path="/admin", httponly=True, samesite="Lax", secure=https,
        max_age=settings.web_idle_minutes * 60,
    ))
    env = aiohttp_jinja2.setup(
        admin, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    # In this order: who is signed in, then what every page shows (the menu depends on who), then CSRF
    # (whose refusal is a page like any other).
    admin[aiohttp_jinja2.APP_CONTEXT_PROCESSORS_KEY] = [_common]
    admin.middlewares.append(security.signed_in_person)
    admin.middlewares.append(aiohttp_jinja2.context_processors_middleware)
    admin.middlewares.append(security.csrf_protect)
    env.filters["ukdate"] = _ukdate
    env.filters["ukdatetime"] = lambda value: _ukdatetime(value.astimezone(bot.services.tz) if value else value)
    admin.router.add_get("/", index)
    auth.add_routes(admin, bot, settings)
    for module in (overview, responses, people, learning, policy, plans, outbox, audit):
        module.add_routes(admin)
    admin.router.add_static("/static/", STATIC, append_version=False)
    app.add_subapp("/admin", admin)
