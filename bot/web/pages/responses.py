"""Responses: every template grouped by capability, edited with a live preview, its versions and rollback."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.access import Act
from bot.usecase import Refused
from bot.web import previews, security
from handlers.admin import usecases as uc


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/responses", listing)
    admin.router.add_get("/responses/{name}", edit)
    admin.router.add_post("/responses/{name}", save)
    admin.router.add_post("/responses/{name}/preview", live_preview)
    admin.router.add_post("/responses/{name}/rollback", rollback)
    admin.router.add_post("/responses/{name}/reset", reset)


def _services(request: web.Request):  # noqa: ANN202 - bot.services.Services
    return request.app[security.BOT].services


async def listing(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.EDIT_TEMPLATES)
    services, query = _services(request), request.query.get("q", "").strip()
    found = await uc.list_templates(request[security.DB], person, services.at(), catalogue=services.catalogue, query=query)
    return aiohttp_jinja2.render_template("responses.html", request, {
        "title": "Responses", "groups": found.groups, "query": query, "count": len(found.entries),
        "changed": sum(e.changed for e in found.entries),
    })


async def _page(request: web.Request, name: str, *, source: str | None = None, problem: str | None = None,
                notice: str = "", status: int = 200) -> web.StreamResponse:
    person = await security.require(request, Act.EDIT_TEMPLATES)
    services, db = _services(request), request[security.DB]
    catalogue, at = services.catalogue, services.at()
    try:
        current = await uc.show_template(db, person, at, catalogue=catalogue, name=name)
    except Refused:
        raise web.HTTPNotFound(text="No such response.") from None
    history = await uc.template_versions(db, person, at, catalogue=catalogue, name=name)
    text = current.source if source is None else source
    shown: dict[str, str] = {}
    if problem is None:
        try:
            shown = previews.preview((await uc.try_template(db, person, at, catalogue=catalogue, name=name,
                                                             source=text)).shown)
        except Refused as refused:
            problem = refused.detail.get("problem", "it could not be rendered")
    compare = None
    wanted = request.query.get("compare", "")
    for version in history.versions:
        if wanted.isdigit() and version.id == int(wanted):
            compare = version
    if compare is None and history.versions:
        compare = history.versions[0]
    return aiohttp_jinja2.render_template("response.html", request, {
        "title": f"Response {name}", "t": current, "source": text, "shown": shown, "problem": problem,
        "notice": notice, "versions": history.versions, "compare": compare,
        "against_shipped": previews.diff_lines(current.shipped, compare.source) if compare else [],
        "against_previous": previews.diff_lines(compare.previous, compare.source) if compare else [],
        "error_summary": [{"field": "source", "text": f"This wording cannot be saved: {problem}"}] if problem else [],
        "given": sorted(current.info.given.items()) if current.info else [],
    }, status=status)


async def edit(request: web.Request) -> web.StreamResponse:
    notices = {"saved": "Saved. The bot uses this wording from its next message, on every platform.",
               "reset": "Back to the shipped wording.", "rolled_back": "Rolled back. The bot uses that wording again."}
    return await _page(request, request.match_info["name"], notice=notices.get(request.query.get("done", ""), ""))


async def save(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    person = await security.require(request, Act.EDIT_TEMPLATES)
    form = await request.post()
    source = str(form.get("source", "")).replace("\r\n", "\n")
    if form.get("action") != "save":
        return await _page(request, name, source=source)
    services = _services(request)
    try:
        await uc.override_template(request[security.DB], person, services.at(), catalogue=services.catalogue, name=name,
                                   source=source)
    except Refused as refused:
        if refused.reason == "unknown_template":
            raise web.HTTPNotFound(text="No such response.") from None
        return await _page(request, name, source=source, problem=refused.detail.get("problem", ""))
    raise web.HTTPFound(f"/admin/responses/{name}?done=saved")


async def live_preview(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.EDIT_TEMPLATES)
    services, form = _services(request), await request.post()
    try:
        trial = await uc.try_template(request[security.DB], person, services.at(), catalogue=services.catalogue,
                                      name=request.match_info["name"], source=str(form.get("source", "")))
    except Refused as refused:
        if refused.reason == "unknown_template":
            raise web.HTTPNotFound(text="No such response.") from None
        return web.json_response({"problem": refused.detail.get("problem", ""), "shown": {}})
    return web.json_response({"problem": None, "shown": previews.preview(trial.shown)})


async def rollback(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    person = await security.require(request, Act.EDIT_TEMPLATES)
    services, form = _services(request), await request.post()
    version = str(form.get("version", ""))
    try:
        if not version.isdigit():
            raise Refused("unknown_version")
        await uc.rollback_template(request[security.DB], person, services.at(), catalogue=services.catalogue, name=name,
                                   version_id=int(version))
    except Refused as refused:
        if refused.reason == "broken_template":
            return await _page(request, name, problem=refused.detail.get("problem", ""), status=200)
        raise web.HTTPNotFound(text="No such version.") from None
    raise web.HTTPFound(f"/admin/responses/{name}?done=rolled_back")


async def reset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    person = await security.require(request, Act.EDIT_TEMPLATES)
    services = _services(request)
    try:
        await uc.reset_template(request[security.DB], person, services.at(), catalogue=services.catalogue, name=name)
    except Refused:
        raise web.HTTPNotFound(text="No such response.") from None
    raise web.HTTPFound(f"/admin/responses/{name}?done=reset")
