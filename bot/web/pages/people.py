"""People and competences: search, a person's record as the viewer may see it, and imports with a dry run."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from bot import access
from bot.access import Act
from bot.usecase import Refused
from bot.usecase import apply as apply_result
from bot.web import security, uploads
from handlers.learning.config import config_for
from handlers.people import leavers as lv
from handlers.people import usecases as uc
from handlers.record.usecases import view_record
from storage.models import Person
from storage.org_import import EMAIL
from storage.record import record_context
from storage.tabular import TableError, read_upload


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/people", search)
    admin.router.add_get("/people/import", import_page)
    admin.router.add_post("/people/import", dry_run)
    admin.router.add_post("/people/import/{upload}", apply)
    admin.router.add_get("/people/leavers", leavers_page)
    admin.router.add_post("/people/leavers/check", leaver_check)
    admin.router.add_post("/people/leavers/leave", leaver_leave)
    admin.router.add_get("/people/{id:\\d+}/rejoin", rejoin_page)
    admin.router.add_post("/people/{id:\\d+}/rejoin", rejoin_person)
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
        "leavers": await access.may(request[security.DB], person, Act.MANAGE_PEOPLE),
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


# --- leavers: the list, marking someone as left or rejoined (each after a confirm page) -------------------------
LEAVERS = "/admin/people/leavers"


async def leavers_page(request: web.Request, *, values: dict[str, str] | None = None,
                       errors: list[dict[str, str]] | None = None) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_PEOPLE)
    query = request.query.get("q", "").strip()[:200]
    found = await lv.list_leavers(request[security.DB], person, _services(request).at(), query=query)
    return aiohttp_jinja2.render_template("people_leavers.html", request, {
        "title": "Leavers", "found": found, "query": query, "values": values or {}, "error_summary": errors or [],
        "errors": {e["field"]: e["text"] for e in errors or []}, "done": request.query.get("done", ""),
        "name": request.query.get("name", "")[:200], "today": _services(request).today(),
    })


async def _leaver_from(request: web.Request, values: dict[str, str]) -> tuple[Person | None, date | None, list[dict[str, str]]]:
    """Who is to be marked as left, and on which day, or what is wrong with the form."""
    errors = []
    email, day_text = values.get("email", ""), values.get("left_on", "")
    subject = None
    if not EMAIL.match(email):
        errors.append({"field": "email", "text": "Enter their email address, for example alex.morgan@service.example"})
    else:
        subject = await request[security.DB].scalar(select(Person).where(func.lower(Person.email) == email.lower()))
        if subject is None:
            errors.append({"field": "email", "text": f"Nobody with the email {email} is in the organisation"})
        elif not subject.active:
            errors.append({"field": "email", "text": f"{subject.name} has left already"})
    today = _services(request).today()
    try:
        day = date.fromisoformat(day_text) if day_text else today
    except ValueError:
        day = None
        errors.append({"field": "left_on", "text": "Enter the day they left as a date, for example 2026-11-30"})
    if day is not None and day > today:
        errors.append({"field": "left_on", "text": "The day they left must be today or before: a leaving date "
                                                   "ahead goes in the people import (left_on)"})
    return subject, day, errors


def _form(form: object, names: tuple[str, ...]) -> dict[str, str]:
    return {n: str(form.get(n, "")).strip()[:320] for n in names}  # type: ignore[attr-defined]


async def leaver_check(request: web.Request) -> web.StreamResponse:
    """The confirm page: who leaves, on which day, and where their team goes. Nothing changes here."""
    await security.require(request, Act.MANAGE_PEOPLE)
    values = _form(await request.post(), ("email", "left_on"))
    subject, day, errors = await _leaver_from(request, values)
    if errors or subject is None or day is None:
        return await leavers_page(request, values=values, errors=errors)
    db = request[security.DB]
    reports = list(await db.scalars(select(Person).where(Person.line_manager_id == subject.id, Person.active.is_(True))
                                    .order_by(func.lower(Person.name)).limit(51)))
    return aiohttp_jinja2.render_template("people_leaver_confirm.html", request, {
        "title": f"Check: {subject.name} has left", "subject": subject, "day": day, "reports": reports,
        "acting": await lv.acting_manager_for(db, subject),
    })


async def leaver_leave(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_PEOPLE)
    form = await request.post()
    values = _form(form, ("email", "left_on", "confirmed"))
    subject, day, errors = await _leaver_from(request, values)
    if errors or subject is None or day is None:
        return await leavers_page(request, values=values, errors=errors)
    if values["confirmed"] != "yes":
        raise web.HTTPFound(LEAVERS)
    db, at = request[security.DB], _services(request).at()
    try:
        await apply_result(db, await lv.leave(db, person, at, person=subject, on=day, source="web",
                                              learning=config_for(_services(request))), at)
    except Refused:
        return await leavers_page(request, values=values, errors=[{"field": "email", "text": f"{subject.name} has left already"}])
    raise web.HTTPFound(f"{LEAVERS}?done=left&name={quote(subject.name)}")


async def _subject(request: web.Request) -> Person:
    subject = await request[security.DB].get(Person, int(request.match_info["id"]))
    if subject is None:
        raise web.HTTPNotFound(text="No such person.")
    return subject


async def rejoin_page(request: web.Request) -> web.StreamResponse:
    await security.require(request, Act.MANAGE_PEOPLE)
    subject = await _subject(request)
    return aiohttp_jinja2.render_template("people_rejoin_confirm.html", request, {
        "title": f"Check: {subject.name} has rejoined", "subject": subject,
    })


async def rejoin_person(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_PEOPLE)
    subject = await _subject(request)
    db, at = request[security.DB], _services(request).at()
    try:
        await apply_result(db, await lv.rejoin(db, person, at, person=subject, source="web"), at)
    except Refused:
        raise web.HTTPFound(f"{LEAVERS}?done=not_left&name={quote(subject.name)}") from None
    raise web.HTTPFound(f"{LEAVERS}?done=rejoined&name={quote(subject.name)}")
