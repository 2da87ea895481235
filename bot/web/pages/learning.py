"""Learning opportunities: the list, create and edit, sessions, the audience builder, send (after a confirm
page), delivery progress, sign-ups and waitlists, attendance and evaluation results.

Every check and every change is the learning unit's own (handlers/learning): the forms are read into the
same spec `ldbot learning add FILE` reads (handlers/learning/spec.py) and the same audience form chat
shows (audience.from_form), and saved, sent and marked by the use cases chat and the command line call,
which audit each change. L&D (`Act.MANAGE_LEARNING`) use these pages; admins see the learning figures on
the Overview, and an opportunity's results (`Act.VIEW_REPORTS`), read-only. A form with problems is shown
again with them (answered 200, like the console's other forms): each use case refuses before it writes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from bot import access
from bot.access import Act
from bot.usecase import Refused
from bot.usecase import apply as apply_result
from bot.web import security
from handlers.learning import attendance, bookings, broadcasts, opportunities, reports
from handlers.learning import audience as aud
from handlers.learning import spec as sp
from handlers.learning.config import LearningConfig, config_for
from handlers.learning.times import TimeProblem, parse_local
from storage.models import Person
from storage.models.learning import APPROVALS, OPPORTUNITY_KINDS, LearningOpportunity

BASE = "/admin/learning"
SHOWN = 50  # the audience builder lists this many people (with the count of all)
DETAIL_FIELDS = ("title", "kind", "description", "provider", "competences", "approval", "link", "complete_by")
SESSION_FIELDS = ("start", "end", "venue", "online_link", "capacity", "cutoff")
AUDIENCE_FIELDS = ("stations", "teams", "roles", "people", "competence", "status", "within_days", "appraisal",
                   "exclude_roles")
LABELS = {
    "title": "Title", "kind": "Kind", "description": "Description", "provider": "Provider",
    "competences": "Competences", "approval": "Approval", "link": "Link", "complete_by": "Complete by",
    "start": "Start", "end": "End", "venue": "Venue", "online_link": "Online link", "capacity": "Places",
    "cutoff": "Booking cut-off", "stations": "Stations", "teams": "Teams", "roles": "Roles", "people": "People",
    "competence": "Competence", "status": "Status", "within_days": "Within days", "appraisal": "Appraisal",
    "exclude_roles": "Leave out roles", "when": "When", "later_at": "Date and time",
}
_NAMES = {"course": "Course", "workshop": "Workshop", "drill": "Drill", "elearning": "E-learning",
          "qualification": "Qualification", "none": "No approval needed",
          "line_manager": "The line manager approves each booking"}
KIND_NAMES = {k: _NAMES.get(k, k) for k in OPPORTUNITY_KINDS}
APPROVAL_NAMES = {a: _NAMES.get(a, a) for a in APPROVALS}
STATUS_NAMES = {"needs": "Not in date (expired, running out or never evidenced)", "expired": "Expired",
                "expiring": "Running out", "never": "Never evidenced", "in_date": "In date"}


def add_routes(admin: web.Application) -> None:
    r = admin.router
    r.add_get("/learning", listing)
    r.add_get("/learning/new", new_page)
    r.add_post("/learning/new", create)
    r.add_get("/learning/{id:\\d+}", show)
    r.add_get("/learning/{id:\\d+}/edit", edit_page)
    r.add_post("/learning/{id:\\d+}/edit", edit)
    r.add_get("/learning/{id:\\d+}/sessions/new", session_page)
    r.add_post("/learning/{id:\\d+}/sessions/new", session_save)
    r.add_get("/learning/{id:\\d+}/sessions/{number:\\d+}", session_page)
    r.add_post("/learning/{id:\\d+}/sessions/{number:\\d+}", session_save)
    r.add_get("/learning/{id:\\d+}/audience", audience_page)
    r.add_post("/learning/{id:\\d+}/audience", audience_post)
    r.add_post("/learning/{id:\\d+}/audience/count", audience_count)
    r.add_get("/learning/{id:\\d+}/send", send_page)
    r.add_post("/learning/{id:\\d+}/send/check", send_check)
    r.add_post("/learning/{id:\\d+}/send", send)
    r.add_get("/learning/{id:\\d+}/sessions/{number:\\d+}/attendance", attendance_page)
    r.add_post("/learning/{id:\\d+}/sessions/{number:\\d+}/attendance", attendance_save)
    r.add_get("/learning/{id:\\d+}/results", results)


# --- shared -----------------------------------------------------------------------------------------------------
def _config(request: web.Request) -> LearningConfig:
    return config_for(request.app[security.BOT].services)


def _id(request: web.Request, name: str = "id") -> int:
    text = request.match_info.get(name, "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _refusal(request: web.Request, refused: Refused) -> str:
    """The learning unit's own wording for a refusal (the console's text, without chat markup)."""
    text = request.app[security.BOT].services.catalogue.render(
        "learning.refused", {"reason": refused.reason, "own": True, **refused.detail})
    return str(text).replace("*", "")


async def _opportunity(request: web.Request, person: Person) -> LearningOpportunity:
    """The opportunity the path names, or 404 (only L&D reach here, so saying it is not there is no leak)."""
    found = await request[security.DB].get(LearningOpportunity, _id(request))
    if found is None:
        raise web.HTTPNotFound(text="No such learning opportunity.")
    return found


def _field_of(problem: str, fields: tuple[str, ...], default: str) -> str:
    """Which form field a problem (worded the way the spec and the audience name fields) is about."""
    head = problem.split(":", 1)[0]
    names = re.findall(r"[a-z_]+", head)
    aliases = {"link": "online_link" if "session" in head else "link", "role": "roles", "team": "teams",
               "station": "stations", "person": "people", "emails": "people", "csv": "people"}
    for name in reversed(names):
        name = aliases.get(name, name)
        if name in fields:
            return name
    if "needs a venue" in problem:
        return "venue"
    for name in ("competence", "people", "email"):
        if name in problem and name in fields:
            return name
    if "email" in problem and "people" in fields:
        return "people"
    return default


def _errors(problems: list[str], fields: tuple[str, ...], default: str) -> list[dict[str, str]]:
    """GOV.UK error summary entries: the field's id, and the problem said with the field's label."""
    out = []
    for problem in problems:
        field_name = _field_of(problem, fields, default)
        head, _, rest = problem.partition(":") if ":" in problem else ("", "", problem)
        rest = rest.strip()
        label = LABELS.get(field_name, field_name)
        if re.fullmatch(r"sessions?(\[\d+\])?", head.strip()):  # about the session as a whole
            label = "The session"
            field_name = "venue" if "venue" in rest else ("start" if "start" in fields else field_name)
        if re.match(r"(is|must|needs|at most|goes|only) ", rest):
            joined = f"{label} {rest}"
        else:
            joined = rest[:1].upper() + rest[1:] if label == "The session" else f"{label}: {rest}"
        out.append({"field": field_name, "text": joined})
    return out


def _by_field(errors: list[dict[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in errors:
        found.setdefault(e["field"], e["text"])
    return found


def _values(form: MultiDictProxy, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip()[:4000] for name in names}


def _render(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200) -> web.StreamResponse:
    context.setdefault("error_summary", [])
    context.setdefault("errors", _by_field(context["error_summary"]))
    return aiohttp_jinja2.render_template(template, request, {
        "kinds": KIND_NAMES, "approvals": APPROVAL_NAMES, "statuses": STATUS_NAMES, "labels": LABELS, **context,
    }, status=status)


# --- the list ---------------------------------------------------------------------------------------------------
async def listing(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    every = request.query.get("all") == "yes"
    found = await opportunities.list_opportunities(request[security.DB], person, _services(request).at(),
                                                   include_past=every)
    rows = []
    for row in found.rows:
        open_sessions = [s for s in row.opportunity.sessions if s.status == "open"]
        rows.append({"row": row, "sessions": len(open_sessions), "capacity": sum(s.capacity for s in open_sessions)})
    return _render(request, "learning.html", {"title": "Learning opportunities", "rows": rows, "every": every})


def _services(request: web.Request):  # noqa: ANN202 - bot.services.Services
    return request.app[security.BOT].services


# --- create and edit --------------------------------------------------------------------------------------------
def _spec_data(values: dict[str, str], *, sessions: bool) -> dict[str, Any]:
    """The form as the spec file would say it (empty fields left out, as a file would leave them out)."""
    data: dict[str, Any] = {k: values[k] for k in DETAIL_FIELDS if values.get(k)}
    data["title"] = values.get("title", "")
    if sessions:
        item = {"start": values.get("start"), "end": values.get("end"), "capacity": values.get("capacity"),
                "venue": values.get("venue"), "link": values.get("online_link"), "cutoff": values.get("cutoff")}
        item = {k: v for k, v in item.items() if v}
        data["sessions"] = [item] if item else []
    return data


def _form_of(found: LearningOpportunity) -> dict[str, str]:
    return {"title": found.title, "kind": found.kind, "description": found.description, "provider": found.provider,
            "competences": ", ".join(c.code for c in found.competences), "approval": found.approval,
            "link": found.link or "", "complete_by": found.complete_by.isoformat() if found.complete_by else ""}


async def new_page(request: web.Request) -> web.StreamResponse:
    await security.require(request, Act.MANAGE_LEARNING)
    return _render(request, "learning_form.html", {
        "title": "New learning opportunity", "values": {"kind": "course", "approval": "none"}, "found": None,
    })


async def create(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    form = await request.post()
    values = _values(form, DETAIL_FIELDS + SESSION_FIELDS)
    config, at = _config(request), _services(request).at()
    fields = DETAIL_FIELDS + SESSION_FIELDS
    try:
        spec = sp.parse_spec(_spec_data(values, sessions=True), tz=config.tz, now=at.now)
        saved = await apply_result(request[security.DB], await opportunities.create_opportunity(
            request[security.DB], person, at, spec=spec), at)
    except sp.SpecProblems as exc:
        errors = _errors(exc.problems, fields, "title")
    except Refused as refused:
        errors = _errors(refused.detail.get("problems") or [_refusal(request, refused)], fields, "title")
    else:
        raise web.HTTPFound(f"{BASE}/{saved.opportunity.id}?done=created")
    return _render(request, "learning_form.html", {
        "title": "New learning opportunity", "values": values, "found": None, "error_summary": errors,
    })


async def edit_page(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    return _render(request, "learning_form.html", {
        "title": f"Change {found.title}", "values": _form_of(found), "found": found,
    })


async def edit(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    values = _values(await request.post(), DETAIL_FIELDS)
    config, at, db = _config(request), _services(request).at(), request[security.DB]
    try:
        spec = sp.parse_spec(_spec_data(values, sessions=False), tz=config.tz, now=at.now, details_only=True)
    except sp.SpecProblems as exc:
        return _render(request, "learning_form.html", {
            "title": f"Change {found.title}", "values": values, "found": found,
            "error_summary": _errors(exc.problems, DETAIL_FIELDS, "title")})
    try:
        await apply_result(db, await opportunities.update_details(
            db, person, at, opportunity_id=found.id, title=spec.title, kind=spec.kind, description=spec.description,
            provider=spec.provider, competences=spec.competences, approval=spec.approval, link=spec.link,
            complete_by=spec.complete_by), at)
    except Refused as refused:
        return _render(request, "learning_form.html", {
            "title": f"Change {found.title}", "values": values, "found": found,
            "error_summary": _errors(refused.detail.get("problems") or [_refusal(request, refused)],
                                     DETAIL_FIELDS, "title")})
    raise web.HTTPFound(f"{BASE}/{found.id}?done=saved")


# --- sessions ---------------------------------------------------------------------------------------------------
def _session_values(session: Any, tz: Any) -> dict[str, str]:  # noqa: ANN401 - a LearningSession, a ZoneInfo
    def local(moment: datetime | None) -> str:
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}" if moment else ""

    return {"start": local(session.starts_at), "end": local(session.ends_at), "venue": session.venue or "",
            "online_link": session.online_link or "", "capacity": str(session.capacity),
            "cutoff": local(session.booking_cutoff)}


async def session_page(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    number = _id(request, "number")
    values: dict[str, str] = {}
    if number:
        session = next((s for s in found.sessions if s.number == number), None)
        if session is None:
            raise web.HTTPNotFound(text="No such session.")
        values = _session_values(session, _config(request).tz)
    return _render(request, "learning_session.html", {
        "title": f"Change session {number}" if number else "Add a session", "found": found, "number": number,
        "values": values,
    })


async def session_save(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    number = _id(request, "number")
    values = _values(await request.post(), SESSION_FIELDS)
    config, at, db = _config(request), _services(request).at(), request[security.DB]
    problems: list[str] = []
    item = {k: v for k, v in (("start", values["start"]), ("end", values["end"]), ("capacity", values["capacity"]),
                              ("venue", values["venue"]), ("link", values["online_link"]),
                              ("cutoff", values["cutoff"])) if v}
    spec = sp.session_from(item, "session", problems, tz=config.tz, now=at.now)
    if spec is not None:
        try:
            if number:
                saved = await opportunities.change_session(db, person, at, opportunity_id=found.id, number=number,
                                                           session=spec, config=config)
            else:
                saved = await opportunities.add_session(db, person, at, opportunity_id=found.id, session=spec)
            await apply_result(db, saved, at)
        except Refused as refused:
            problems = refused.detail.get("problems") or [_refusal(request, refused)]
        else:
            raise web.HTTPFound(f"{BASE}/{found.id}?done=session&count={saved.told}")
    return _render(request, "learning_session.html", {
        "title": f"Change session {number}" if number else "Add a session", "found": found, "number": number,
        "values": values, "error_summary": _errors(problems, SESSION_FIELDS, "start"),
    })


# --- the audience builder ---------------------------------------------------------------------------------------
def _tree(values: dict[str, str]) -> tuple[dict | None, list[dict[str, str]]]:
    """The audience form as the learning unit's tree (the same form chat shows), or the problems."""
    try:
        return aud.from_form(values), []
    except aud.AudienceProblems as exc:
        if exc.problems == ["empty"]:
            return None, [{"field": "stations", "text": "Give at least one condition: a station, team, role, "
                                                         "named people, a competence or an overdue appraisal"}]
        errors = _errors(exc.problems, AUDIENCE_FIELDS, "stations")
        for e in errors:  # a bad role may be in either roles field
            if e["field"] == "roles" and values.get("exclude_roles") and not values.get("roles"):
                e["field"] = "exclude_roles"
        return None, errors


def _audience_values(form: MultiDictProxy) -> dict[str, str]:
    values = _values(form, AUDIENCE_FIELDS)
    if values["status"] not in STATUS_NAMES:
        values["status"] = ""
    return values


async def _audience(request: web.Request, found: LearningOpportunity, values: dict[str, str], *,
                    reach: broadcasts.Reach | None = None, errors: list[dict[str, str]] | None = None,
                    status: int = 200) -> web.StreamResponse:
    return _render(request, "learning_audience.html", {
        "title": f"Who {found.title} is for", "found": found, "values": values, "reach": reach,
        "shown": SHOWN, "error_summary": errors or [],
        "custom": values is None,
    }, status=status)


async def audience_page(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    values = aud.to_form(found.audience)
    if values is None:  # written in a file with more than the form can say: shown, not editable here
        return _render(request, "learning_audience.html", {
            "title": f"Who {found.title} is for", "found": found, "values": dict.fromkeys(AUDIENCE_FIELDS, ""),
            "reach": None, "shown": SHOWN, "custom": True})
    values = {k: values.get(k, "") for k in AUDIENCE_FIELDS}
    reach = None
    if found.audience:
        reach = await broadcasts.reach(request[security.DB], person, _services(request).at(), audience=found.audience,
                                       config=_config(request), limit=SHOWN)
    return await _audience(request, found, values, reach=reach)


async def audience_post(request: web.Request) -> web.StreamResponse:
    """"Show who this reaches" (nothing saved) or "Save this audience"."""
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    form = await request.post()
    values = _audience_values(form)
    tree, errors = _tree(values)
    if tree is None:
        return await _audience(request, found, values, errors=errors)
    db, at, config = request[security.DB], _services(request).at(), _config(request)
    if form.get("action") == "save":
        try:
            await apply_result(db, await opportunities.set_audience(db, person, at, opportunity_id=found.id,
                                                                    audience=tree), at)
        except Refused as refused:
            problems = refused.detail.get("problems") or [_refusal(request, refused)]
            return await _audience(request, found, values, errors=_errors(problems, AUDIENCE_FIELDS, "stations"))
        raise web.HTTPFound(f"{BASE}/{found.id}?done=audience")
    reach = await broadcasts.reach(db, person, at, audience=tree, config=config, limit=SHOWN)
    if reach.problems:
        return await _audience(request, found, values, errors=_errors(reach.problems, AUDIENCE_FIELDS, "stations"))
    return await _audience(request, found, values, reach=reach)


async def audience_count(request: web.Request) -> web.StreamResponse:
    """The live count as the form is filled in (a little script; the button does the same without it)."""
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    tree, errors = _tree(_audience_values(await request.post()))
    if tree is None:
        return web.json_response({"count": None, "problem": errors[0]["text"]})
    reach = await broadcasts.reach(request[security.DB], person, _services(request).at(), audience=tree,
                                   config=_config(request), limit=0)
    if reach.problems:
        return web.json_response({"count": None, "problem": _errors(reach.problems, AUDIENCE_FIELDS, "")[0]["text"]})
    return web.json_response({"count": reach.count, "problem": "", "opportunity": found.id})


# --- send -------------------------------------------------------------------------------------------------------
def _when(values: dict[str, str], config: LearningConfig, at: Any) -> tuple[datetime | None, list[dict[str, str]]]:  # noqa: ANN401
    if values.get("when") != "later":
        return None, []
    try:
        moment = parse_local(values.get("later_at"), config.tz, at.today)
    except TimeProblem as exc:
        return None, [{"field": "later_at", "text": f"Date and time {sp.TIME_REASONS[exc.reason]}"}]
    if moment <= at.now:
        return None, [{"field": "later_at", "text": "Date and time must be in the future, or choose send now"}]
    return moment, []


async def send_page(request: web.Request, *, values: dict[str, str] | None = None,
                    errors: list[dict[str, str]] | None = None) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    problem = broadcasts.sendable(found, _services(request).at())
    return _render(request, "learning_send.html", {
        "title": f"Send {found.title}", "found": found, "values": values or {"when": "now"},
        "problem": _refusal(request, Refused(problem, title=found.title, number=found.id)) if problem else "",
        "error_summary": errors or [],
    })


async def send_check(request: web.Request) -> web.StreamResponse:
    """The confirm page: who would be invited and when. Nothing is sent from here."""
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    values = _values(await request.post(), ("when", "later_at"))
    config, at = _config(request), _services(request).at()
    moment, errors = _when(values, config, at)
    if errors:
        return await send_page(request, values=values, errors=errors)
    try:
        preview = await broadcasts.preview(request[security.DB], person, at, opportunity_id=found.id, config=config)
    except Refused as refused:
        return await send_page(request, values=values, errors=[{"field": "when", "text": _refusal(request, refused)}])
    return _render(request, "learning_send_confirm.html", {
        "title": f"Check before sending {found.title}", "found": found, "preview": preview,
        "new": len(preview.new), "moment": moment, "values": values,
        "problem": "" if not broadcasts.sendable(found, at) else _refusal(request, Refused(
            broadcasts.sendable(found, at) or "", title=found.title, number=found.id)),
    })


async def send(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    form = await request.post()
    values = _values(form, ("when", "later_at", "confirmed"))
    if values["confirmed"] != "yes":  # only the confirm page's button sends
        raise web.HTTPFound(f"{BASE}/{found.id}/send")
    config, at, db = _config(request), _services(request).at(), request[security.DB]
    moment, errors = _when(values, config, at)
    if errors:
        return await send_page(request, values=values, errors=errors)
    try:
        sent = await apply_result(db, await broadcasts.send(db, person, at, opportunity_id=found.id,
                                                            deliver_from=moment, config=config), at)
    except Refused as refused:
        return await send_page(request, values=values, errors=[{"field": "when", "text": _refusal(request, refused)}])
    raise web.HTTPFound(f"{BASE}/{found.id}?done=sent&count={sent.invited}")


# --- one opportunity: sessions, sign-ups, progress --------------------------------------------------------------
async def show(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    db, at = request[security.DB], _services(request).at()
    signed = await bookings.signups(db, person, at, opportunity_id=found.id)
    progress = await broadcasts.progress(db, person, at, opportunity_id=found.id)
    count = request.query.get("count", "")
    return _render(request, "learning_show.html", {
        "title": found.title, "found": found, "signups": signed, "progress": progress,
        "audience": aud.to_form(found.audience), "done": request.query.get("done", ""),
        "count": int(count) if count.isdigit() and len(count) < 9 else 0, "now": at.now,
        "sendable": broadcasts.sendable(found, at) is None,
    })


# --- attendance -------------------------------------------------------------------------------------------------
async def _attendance(request: web.Request, person: Person, found: LearningOpportunity, number: int, *,
                      chosen: dict[str, str] | None = None, errors: list[dict[str, str]] | None = None,
                      status: int = 200) -> web.StreamResponse:
    signed = await bookings.signups(request[security.DB], person, _services(request).at(), opportunity_id=found.id)
    session = next((s for s in signed.sessions if s.session.number == number), None)
    if session is None:
        raise web.HTTPNotFound(text="No such session.")
    return _render(request, "learning_attendance.html", {
        "title": f"Attendance: {found.title}, session {number}", "found": found, "s": session,
        "chosen": chosen or {}, "error_summary": errors or [],
    }, status=status)


async def attendance_page(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    return await _attendance(request, person, found, _id(request, "number"))


async def attendance_save(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_LEARNING)
    found = await _opportunity(request, person)
    number = _id(request, "number")
    form = await request.post()
    marks = {str(k)[5:]: str(v) for k, v in form.items() if str(k).startswith("mark:") and v in ("attended", "no_show")}
    db, at = request[security.DB], _services(request).at()
    try:
        recorded = await apply_result(db, await attendance.record_attendance(
            db, person, at, opportunity_id=found.id, session_number=number, marks=marks, config=_config(request)), at)
    except Refused as refused:
        if refused.reason == "invalid" and not marks:
            problems = ["Choose attended or did not attend for at least one person"]
        else:
            problems = refused.detail.get("problems") or [_refusal(request, refused)]
        return await _attendance(request, person, found, number, chosen=marks,
                                 errors=[{"field": "marks", "text": p} for p in problems])
    done = sum(m.attendance == "attended" for m in recorded.marks)
    raise web.HTTPFound(f"{BASE}/{found.id}?done=attendance&count={done}")


# --- evaluation results -----------------------------------------------------------------------------------------
async def results(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.VIEW_REPORTS)
    found = await _opportunity(request, person)
    report = await reports.report(request[security.DB], person, _services(request).at(), opportunity_id=found.id,
                                  tz=_config(request).tz)
    return _render(request, "learning_results.html", {
        "title": f"Results: {found.title}", "found": found, "r": report, "minimum": reports.MIN_ANSWERS,
        "manage": await access.may(request[security.DB], person, Act.MANAGE_LEARNING),
    })

