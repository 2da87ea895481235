"""Messages: what the bot is sending by state, and the parked messages, each tried again or given up on.

The page calls the delivery unit's use cases (the same the command line calls); a change is a POST form
with the session's CSRF token, answered with a redirect (so reloading the page repeats nothing).
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.access import Act
from bot.web import security
from handlers.delivery.usecases import drop_parked, list_messages, retry_parked, summarise_parked

PAGE = 50
HERE = "/admin/outbox"


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/outbox", page)
    admin.router.add_post("/outbox/retry", retry)
    admin.router.add_post("/outbox/drop", drop)


def _number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 9 else 0


async def page(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_OUTBOX)
    db, at = request[security.DB], request.app[security.BOT].services.at()
    number = max(1, _number(request.query.get("page", "1")))
    found = await list_messages(db, person, at, status="parked", limit=PAGE, offset=(number - 1) * PAGE,
                                newest_problems_first=True)
    overview = await summarise_parked(db, person, at)
    return aiohttp_jinja2.render_template("outbox.html", request, {
        "title": "Messages", "found": found, "summary": overview.summary, "page": number,
        "done": request.query.get("done", ""), "count": _number(request.query.get("count", "")),
    })


async def _handle(request: web.Request, use_case, done: str) -> web.StreamResponse:  # noqa: ANN001 - a use case
    person = await security.require(request, Act.MANAGE_OUTBOX)
    form = await request.post()
    every = form.get("all") == "yes"
    chosen = _number(str(form.get("id", "")))
    if not every and not chosen:
        raise web.HTTPFound(f"{HERE}?done=none")
    handled = await use_case(request[security.DB], person, request.app[security.BOT].services.at(),
                             ids=[] if every else [chosen], every=every)
    if not handled.changed:
        raise web.HTTPFound(f"{HERE}?done=none")
    raise web.HTTPFound(f"{HERE}?done={done}&count={len(handled.changed)}")


async def retry(request: web.Request) -> web.StreamResponse:
    return await _handle(request, retry_parked, "retried")


async def drop(request: web.Request) -> web.StreamResponse:
    return await _handle(request, drop_parked, "dropped")
