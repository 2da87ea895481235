"""People and competences: search, a person's record as the viewer may see it, and imports with a dry run."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.access import Act
from bot.usecase import Refused
from bot.usecase import apply as apply_result
from bot.web import security, uploads
from handlers.learning.config import config_for
from handlers.people import usecases as uc
from handlers.record.usecases import view_record
from storage.models import Person
from storage.record import record_context
from storage.tabular import TableError, read_upload


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/people", search)
    admin.router.add_get("/people/import", import_page)
    admin.router.add_post("/people/import", dry_run)
    admin.router.add_post("/people/import/{upload}", apply)
    admin.router.add_get("/people/{id}", person_record)


def _services(request: web.Request):  # noqa: ANN202 - bot.services.Services
    return request.app[security.BOT].services


async def _import_kinds(request: web.Request, person: Person) -> list[dict[str, str]]:
    return [{"value": k, "label": label} for k, (label, _) in uc.IMPORT_KINDS.items()
            if await uc.may_import(request[security.DB], person, k)]


async def search(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.USE_WEB_CONSOLE)
    query = request.query.get("q", "").strip()
    found = await uc.search_people(request[security.DB], person, _services(request).at(), query=query)
    return aiohttp_jinja2.render_template("people.html", request, {
        "title": "People and competences", "query": query, "found": found,
        "kinds": await _import_kinds(request, person),
    })


async def person_record(request: web.Request) -> web.StreamResponse:
    viewer = await security.require(request, Act.USE_WEB_CONSOLE)
    raw = request.match_info["id"]
    subject = await request[security.DB].get(Person, int(raw)) if raw.isdigit() else None
    if subject is None:
        raise security.forbidden(request)  # the same answer whether or not they exist
    try:
        view = await view_record(request[security.DB], viewer, _services(request).at(), subject=subject)
    except Refused:
        raise security.forbidden(request) from None
    return aiohttp_jinja2.render_template("person.html", request, {
        "title": subject.name, "r": record_context(view.record),
    })


async def import_page(request: web.Request, *, problem: str = "", status: int = 200) -> web.StreamResponse:
    person = await security.require(request, Act.USE_WEB_CONSOLE)
    kinds = await _import_kinds(request, person)
    if not kinds:
        raise security.forbidden(request)
    return aiohttp_jinja2.render_template("people_import.html", request, {
        "title": "Import people and records", "kinds": kinds, "problem": problem,
        "error_summary": [{"field": "file", "text": problem}] if problem else [],
    }, status=status)


def _description(request: web.Request) -> str:
    return _services(request).catalogue.render("nudges.imported_assessment", {})


async def dry_run(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.USE_WEB_CONSOLE)
    form = await request.post()
    kind = str(form.get("kind", ""))
    if not await uc.may_import(request[security.DB], person, kind):
        raise security.forbidden(request)
    sent = await uploads.read_file(request)
    if sent is None:
        return await import_page(request, problem="Choose a CSV or Excel (.xlsx) file to import")
    filename, data = sent
    if len(data) > uploads.MAX_BYTES:
        return await import_page(request, problem="That file is larger than 10 MB")
    try:
        table = read_upload(filename, data)
    except TableError as exc:
        return await import_page(request, problem=f"That file cannot be read: {exc}")
    services = _services(request)
    # The dry run: the real import in a transaction of its own, always rolled back.
    async with services.sessions() as dry, dry.begin() as transaction:
        imported = await uc.import_table(dry, person, services.at(), kind=kind, table=table,
                                         description=_description(request), learning=config_for(services))
        await transaction.rollback()
    upload = None
    if not imported.report.errors:
        upload = await uploads.hold(request[security.DB], person, services.at(), kind=kind, filename=filename, content=data)
    return aiohttp_jinja2.render_template("people_import_result.html", request, {
        "title": "Check the import", "filename": filename, "imported": imported, "upload": upload, "applied": False,
        "kind_label": uc.IMPORT_KINDS[kind][0], "kind": kind,
    })


async def apply(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.USE_WEB_CONSOLE)
    form = await request.post()
    kind = str(form.get("kind", ""))
    if not await uc.may_import(request[security.DB], person, kind):
        raise security.forbidden(request)
    upload = await uploads.held(request[security.DB], person, request.match_info["upload"], kind, at=_services(request).at())
    if upload is None:
        return await import_page(request, problem="That upload has gone (uploads are kept for a day). Upload the file again")
    services = _services(request)
    table = read_upload(upload.filename, upload.content)
    async with services.sessions() as db, db.begin() as transaction:
        at = services.at()
        imported = await uc.import_table(db, person, at, kind=kind, table=table,
                                         description=_description(request), learning=config_for(services))
        if imported.report.errors:  # something changed since the dry run: nothing is applied
            await transaction.rollback()
        else:  # leavers' open items moved on: whoever takes them is told, in the same transaction
            await apply_result(db, imported, at)
    if not imported.report.errors:
        await request[security.DB].delete(upload)
    return aiohttp_jinja2.render_template("people_import_result.html", request, {
        "title": "Import applied" if not imported.report.errors else "Check the import", "filename": upload.filename,
        "imported": imported, "upload": None, "applied": not imported.report.errors,
        "kind_label": uc.IMPORT_KINDS[kind][0], "kind": kind,
    })
