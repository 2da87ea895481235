"""Audit log: who did what to which record, and when; filtered by person, action and date; CSV."""

from __future__ import annotations

import io
import json
from datetime import date
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.access import Act
from bot.web import security
from handlers.reports.usecases import audit_log
from storage.safe_text import csv_writer

PAGE = 100


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/audit", page)
    admin.router.add_get("/audit.csv", download)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def _log(request: web.Request, *, limit: int, offset: int = 0):  # noqa: ANN202 - an AuditLog
    person = await security.require(request, Act.VIEW_AUDIT)
    q = request.query
    return await audit_log(request[security.DB], person, request.app[security.BOT].services.at(),
                           person=q.get("person", "")[:200], action=q.get("action", "")[:40],
                           since=_day(q.get("since", "")), until=_day(q.get("until", "")), limit=limit, offset=offset)


async def page(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("page", "1")
    number = max(1, int(raw)) if raw.isdigit() else 1
    log = await _log(request, limit=PAGE, offset=(number - 1) * PAGE)
    q = request.query
    keep = urlencode({k: q[k] for k in ("person", "action", "since", "until") if q.get(k)})
    return aiohttp_jinja2.render_template("audit.html", request, {
        "title": "Audit log", "log": log, "q": dict(q), "page": number, "keep": keep,
    })


async def download(request: web.Request) -> web.StreamResponse:
    log = await _log(request, limit=50_000)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["when (UTC)", "who", "record", "record id", "about", "action", "detail"])
    for row in log.rows:
        writer.writerow([row.at.isoformat(timespec="seconds"), row.actor, row.entity, row.entity_id, row.about,
                         row.action, json.dumps(row.detail, sort_keys=True)])
    return web.Response(body=("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})
