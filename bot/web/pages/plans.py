"""Development plans: the pathways there are and progress per pathway (the same report use case as
`ldbot plans report`), read-only for those who see reports; L&D, who manage pathways, also add one from a
YAML or JSON file: upload, a check page listing every problem or the pathway read back, then a confirm.

The upload is held (bot/web/uploads.py) between the check and the confirm, and read again on confirm, through
the same use cases as `ldbot pathways add`; nothing is added before the confirm.
"""

from __future__ import annotations

from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot import access
from bot.access import Act
from bot.usecase import Refused
from bot.web import security, uploads
from handlers.plans.describe import spec_context, within
from handlers.plans.spec import PathwaySpec, SpecProblems, parse_spec, read_spec
from handlers.plans.usecases import add_pathway, check_pathway, list_pathways, report

UPLOAD_KIND = "pathway"
MAX_BYTES = 1024 * 1024
EXTENSIONS = (".yaml", ".yml", ".json")
NEW = "/admin/plans/pathways/new"


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/plans", page)
    admin.router.add_get("/plans/pathways/new", upload_page)
    admin.router.add_post("/plans/pathways/new", check)
    admin.router.add_post("/plans/pathways/{upload}", confirm)


async def page(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.VIEW_REPORTS)
    db, at = request[security.DB], request.app[security.BOT].services.at()
    figures = await report(db, person, at)
    pathways = await list_pathways(db, None, at)  # the report's reader may see every pathway's steps
    return aiohttp_jinja2.render_template("plans.html", request, {
        "title": "Development plans", "figures": figures.pathways,
        "may_manage": await access.may(db, person, Act.MANAGE_PATHWAYS),
        "added": request.query.get("added", "")[:200], "replaced": request.query.get("replaced") == "1",
        "pathways": [{"name": p.name, "induction_for": (p.induction_role or "").replace("_", " "),
                      "steps": [{"title": s.title, "kind": s.kind, "within": within(s)} for s in p.steps]}
                     for p in pathways.pathways],
    })


async def upload_page(request: web.Request, *, problems: list[str] | None = None,
                      filename: str = "") -> web.StreamResponse:
    await security.require(request, Act.MANAGE_PATHWAYS)
    return aiohttp_jinja2.render_template("plans_pathway_upload.html", request, {
        "title": "Add a pathway from a file", "problems": problems or [], "filename": filename,
        "error_summary": [{"field": "file", "text": p} for p in problems or []],
    })


def _read(filename: str, data: bytes) -> PathwaySpec:
    """The pathway in an uploaded file; SpecProblems says everything wrong with it."""
    if not filename.lower().endswith(EXTENSIONS):
        raise SpecProblems(["Choose a YAML (.yaml or .yml) or JSON (.json) file"])
    if len(data) > MAX_BYTES:
        raise SpecProblems(["That file is larger than 1 MB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecProblems([f"{filename} is not UTF-8 text"]) from None
    return parse_spec(read_spec(text, filename, as_json=filename.lower().endswith(".json")))


async def check(request: web.Request) -> web.StreamResponse:
    """The check page: every problem, or the pathway read back with a confirm button. Nothing is added."""
    person = await security.require(request, Act.MANAGE_PATHWAYS)
    sent = await uploads.read_file(request)
    if sent is None:
        return await upload_page(request, problems=["Choose a YAML or JSON file to check"])
    filename, data = sent
    db, at = request[security.DB], request.app[security.BOT].services.at()
    try:
        spec = _read(filename, data)
    except SpecProblems as problems:
        return await upload_page(request, problems=problems.problems, filename=filename)
    checked = await check_pathway(db, person, at, spec=spec)
    if checked.problems:
        return await upload_page(request, problems=checked.problems, filename=filename)
    upload = await uploads.hold(db, person, at, kind=UPLOAD_KIND, filename=filename, content=data)
    return aiohttp_jinja2.render_template("plans_pathway_check.html", request, {
        "title": "Check the pathway", "filename": filename, "upload": upload, "replaces": checked.replaces or "",
        **spec_context(spec),
    })


async def confirm(request: web.Request) -> web.StreamResponse:
    """The confirmed POST: the held file read again and added (or replacing one nobody has a plan from)."""
    person = await security.require(request, Act.MANAGE_PATHWAYS)
    db, at = request[security.DB], request.app[security.BOT].services.at()
    await request.post()
    upload = await uploads.held(db, person, request.match_info["upload"], UPLOAD_KIND, at=at)
    if upload is None:
        return await upload_page(request, problems=["That upload has gone (uploads are kept for a day). "
                                                    "Upload the file again"])
    try:
        spec = _read(upload.filename, upload.content)
        saved = await add_pathway(db, person, at, spec=spec)
    except SpecProblems as problems:
        return await upload_page(request, problems=problems.problems, filename=upload.filename)
    except Refused as refused:  # something changed since the check: nothing is added
        if refused.reason != "invalid":
            raise security.forbidden(request) from None
        return await upload_page(request, problems=refused.detail.get("problems", []), filename=upload.filename)
    await db.delete(upload)
    raise web.HTTPFound(f"/admin/plans?added={quote(saved.pathway.name)}" + ("" if saved.created else "&replaced=1"))
