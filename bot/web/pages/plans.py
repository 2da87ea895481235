"""Development plans: the pathways there are and progress per pathway (the same report use case as
`ldbot plans report`), read-only."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.access import Act
from bot.web import security
from handlers.plans.describe import within
from handlers.plans.usecases import list_pathways, report


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/plans", page)


async def page(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.VIEW_REPORTS)
    db, at = request[security.DB], request.app[security.BOT].services.at()
    figures = await report(db, person, at)
    pathways = await list_pathways(db, None, at)  # the report's reader may see every pathway's steps
    return aiohttp_jinja2.render_template("plans.html", request, {
        "title": "Development plans", "figures": figures.pathways,
        "pathways": [{"name": p.name, "induction_for": (p.induction_role or "").replace("_", " "),
                      "steps": [{"title": s.title, "kind": s.kind, "within": within(s)} for s in p.steps]}
                     for p in pathways.pathways],
    })
