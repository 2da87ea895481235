"""Overview: figures for the L&D team, each a chart drawn from the table beside it, with a CSV and filters."""

from __future__ import annotations

import io
from datetime import date

import aiohttp_jinja2
from aiohttp import web

from bot.access import Act
from bot.web import security
from handlers.nudges.rules import NudgeRules
from handlers.reports.figures import Filters
from handlers.reports.usecases import overview
from storage.safe_text import csv_writer

KEYS = ("standing-by-station", "standing-by-competence", "appraisals-by-team", "assessments-by-team",
        "evidence-waiting", "questions-per-week", "learning-by-month")


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/overview", page)
    admin.router.add_get("/overview/{key}.csv", download)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filters_from(request: web.Request) -> tuple[Filters, list[dict[str, str]]]:
    q = request.query
    problems = [{"field": name, "text": f"Enter the {label} as a date, for example 2026-11-30"}
                for name, label in (("since", "start date"), ("until", "end date"))
                if q.get(name) and _day(q.get(name, "")) is None]
    filters = Filters(station=q.get("station", "")[:120], team=q.get("team", "")[:120],
                      competence=q.get("competence", "")[:60], since=_day(q.get("since", "")),
                      until=_day(q.get("until", "")))
    if filters.since and filters.until and filters.since > filters.until:
        problems.append({"field": "until", "text": "The end date must be on or after the start date"})
        filters = Filters(filters.station, filters.team, filters.competence)
    return filters, problems


async def _figures(request: web.Request, only: str | None = None):  # noqa: ANN202 - an Overview
    person = await security.require(request, Act.VIEW_REPORTS)
    services = request.app[security.BOT].services
    rules = services.config(NudgeRules)
    filters, problems = filters_from(request)
    found = await overview(request[security.DB], person, services.at(), filters=filters, only=only,
                           appraisal_months=rules.appraisal_months, due_soon_days=rules.due_soon_days)
    return found, problems


async def page(request: web.Request) -> web.StreamResponse:
    found, problems = await _figures(request)
    query = request.query_string
    return aiohttp_jinja2.render_template("overview.html", request, {
        "title": "Overview", "o": found, "f": found.filters, "query": f"?{query}" if query else "",
        "error_summary": problems, "charts": True,
        "stations": found.choices["stations"], "teams": found.choices["teams"],
        "competences": [c.split("|", 1) for c in found.choices["competences"]],
    })


async def download(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    if key not in KEYS:
        raise web.HTTPNotFound(text="No such figure.")
    found, _ = await _figures(request, only=key)
    figure = found.figures[0]
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([figure.label, *figure.columns])
    for label, values in figure.rows:
        writer.writerow([label, *values])
    return web.Response(body=("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{key}.csv"'})
