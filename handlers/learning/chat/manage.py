"""The L&D team in chat: a guided form for a new opportunity (details, then a session, then the audience),
the list and one opportunity's page, who would be invited and why, sending (now or at a time, after
seeing how many), progress, sign-ups, booking and removing people, attendance and the report.

Anyone else typing these words is answered as a policy question (common.is_ld), so a command never
swallows a question. Changing or cancelling is always confirmed with a button first.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from bot.access import Act
from bot.turn import Turn
from bot.types import Button, Choice, Form, FormField
from bot.usecase import Refused
from handlers.evidence.competences import label, resolve_competences
from handlers.evidence.usecases import is_web_link
from handlers.learning import attendance as att
from handlers.learning import audience as aud
from handlers.learning import bookings, broadcasts, opportunities, reports
from handlers.learning import records as rec
from handlers.learning import spec as sp
from handlers.learning.chat.common import action_args, config, is_ld, number, routes, say_refused
from handlers.learning.describe import opportunity_context, session_context
from handlers.learning.times import TimeProblem, moment_context, parse_cutoff, parse_day, parse_local
from storage.models import Person
from storage.models.learning import APPROVALS, OPPORTUNITY_KINDS
from storage.org_import import EMAIL, normalise_role

MAX_LISTED = 10
MAX_SHOWN = 25  # people listed in a preview (all are counted)
_ANNOUNCE = re.compile(
    r"^(?:an? |the )?(?P<title>.+?)(?:\s+on\s+(?P<date>[^,]+?))?(?:\s+(?:to|for)\s+(?P<who>.+?))?\s*$", re.I
)


def _ctx(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _ctx_id(ctx: dict[str, Any], key: str = "id") -> int:
    """A number carried in a form's context (0, which finds nothing, when it is missing or not a number)."""
    return number(str(ctx.get(key) or "")) or 0


def _show_buttons(turn: Turn, opportunity_id: int) -> list[Button]:
    value = str(opportunity_id)
    names = ("preview", "send", "signups", "report", "edit", "add_session", "audience_form")
    return [Button(turn.text(f"learning.button_{name}"), f"learning.{name}:{value}", value,
                   "primary" if name == "send" else None) for name in names]


# --- the forms ------------------------------------------------------------------------------------------------
def details_form(turn: Turn, values: dict[str, str] | None = None, *, context: str = "") -> Form:
    t, v = turn.text, values or {}
    return Form(
        "learning.details", t("learning.details_title"),
        (
            FormField("title", t("learning.field_title"), "text", max_length=sp.MAX_TITLE, initial=v.get("title") or None),
            FormField("kind", t("learning.field_kind"), "choice", initial=v.get("kind") or None,
                      options=tuple(Choice(t("learning.kind", kind=k), k) for k in OPPORTUNITY_KINDS)),
            FormField("description", t("learning.field_description"), "long_text", required=False,
                      max_length=sp.MAX_DESCRIPTION, initial=v.get("description") or None),
            FormField("provider", t("learning.field_provider"), "text", required=False,
                      max_length=sp.MAX_PROVIDER, initial=v.get("provider") or None),
            FormField("competences", t("learning.field_competences"), "text", required=False,
                      hint=t("learning.hint_competences"), max_length=500, initial=v.get("competences") or None),
            FormField("approval", t("learning.field_approval"), "choice", initial=v.get("approval") or None or "none",
                      options=tuple(Choice(t("learning.approval", approval=a), a) for a in APPROVALS)),
            FormField("link", t("learning.field_link"), "text", required=False, hint=t("learning.hint_link"),
                      max_length=sp.MAX_LINK, initial=v.get("link") or None),
            FormField("complete_by", t("learning.field_complete_by"), "date", required=False,
                      hint=t("learning.hint_complete_by"), initial=v.get("complete_by") or None),
        ),
        t("learning.details_submit"), intro=t("learning.details_intro"), context=context,
    )


def session_form(turn: Turn, values: dict[str, str] | None = None, *, context: str = "") -> Form:
    t, v = turn.text, values or {}
    return Form(
        "learning.session", t("learning.session_title"),
        (
            FormField("start", t("learning.field_start"), "text", hint=t("learning.hint_start"), max_length=60,
                      initial=v.get("start") or None),
            FormField("end", t("learning.field_end"), "text", hint=t("learning.hint_end"), max_length=60,
                      initial=v.get("end") or None),
            FormField("venue", t("learning.field_venue"), "text", required=False, max_length=sp.MAX_VENUE,
                      initial=v.get("venue") or None),
            FormField("online_link", t("learning.field_online_link"), "text", required=False,
                      max_length=sp.MAX_LINK, hint=t("learning.hint_online_link"), initial=v.get("online_link") or None),
            FormField("capacity", t("learning.field_capacity"), "number", initial=v.get("capacity") or None),
            FormField("cutoff", t("learning.field_cutoff"), "text", required=False, hint=t("learning.hint_cutoff"),
                      max_length=60, initial=v.get("cutoff") or None),
        ),
        t("learning.session_submit"), intro=t("learning.session_intro"), context=context,
    )


def audience_form(turn: Turn, values: dict[str, str] | None = None, *, context: str = "") -> Form:
    t, v = turn.text, values or {}
    statuses = ("needs", "expired", "expiring", "never", "in_date")

    def text_field(name: str, kind: str = "text") -> FormField:
        return FormField(name, t(f"learning.field_{name}"), kind, required=False,  # type: ignore[arg-type]
                         hint=t(f"learning.hint_{name}"), max_length=4000 if kind == "long_text" else 500,
                         initial=v.get(name) or None)

    return Form(
        "learning.audience", t("learning.audience_title"),
        (
            text_field("stations"), text_field("teams"), text_field("roles"), text_field("people", "long_text"),
            text_field("competence"),
            FormField("status", t("learning.field_status"), "choice", required=False, initial=v.get("status") or None,
                      options=tuple(Choice(t("learning.status", status=s), s) for s in statuses)),
            FormField("within_days", t("learning.field_within_days"), "number", required=False,
                      hint=t("learning.hint_within_days"), initial=v.get("within_days") or None),
            FormField("appraisal", t("learning.field_appraisal"), "choice", required=False, initial=v.get("appraisal") or None,
                      options=(Choice(t("learning.yes"), "yes"), Choice(t("learning.no"), "no"))),
            text_field("exclude_roles"),
        ),
        t("learning.audience_submit"), intro=t("learning.audience_intro"), context=context,
    )


# --- validation (only the fields present: the console asks one at a time); normalises in place -------------
async def _validate_details(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "title" in values and not values["title"].strip():
        errors["title"] = turn.text("learning.error_required")
    if (values.get("competences") or "").strip():
        match = await resolve_competences(turn.db, values["competences"], multiple=True)
        if match.unknown:
            errors["competences"] = turn.text("learning.error_competences", unknown=match.unknown,
                                              suggestions=[label(c) for c in match.suggestions])
        else:
            values["competences"] = ", ".join(c.code for c in match.resolved)
    if "link" in values:
        link = (values.get("link") or "").strip()
        if link and not is_web_link(link):
            errors["link"] = turn.text("learning.error_link")
        elif not link and values.get("kind") == "elearning":
            errors["link"] = turn.text("learning.error_elearning_link")
    if (values.get("complete_by") or "").strip():
        day = parse_day(values["complete_by"], turn.today())
        if day is None or day < turn.today():
            errors["complete_by"] = turn.text("learning.error_complete_by")
        else:
            values["complete_by"] = day.isoformat()
    return errors


def _details(values: dict[str, str]) -> dict[str, Any]:
    codes = [c.strip() for c in (values.get("competences") or "").split(",") if c.strip()]
    link = (values.get("link") or "").strip() or None
    complete = values.get("complete_by") or ""
    return {"title": " ".join(values["title"].split()), "kind": values["kind"],
            "description": (values.get("description") or "").strip(), "provider": (values.get("provider") or "").strip(),
            "competences": codes, "approval": values.get("approval") or "none", "link": link,
            "complete_by": date.fromisoformat(complete) if complete else None}


@routes.command("new course", "new learning", "new opportunity", "add course", "announce", "new workshop",
                summary="learning.summary_new", may=Act.MANAGE_LEARNING, rank=62)
async def new_course(turn: Turn) -> None:
    if not await is_ld(turn):
        return
    hints: dict[str, str] = {}
    m = _ANNOUNCE.match(turn.args) if turn.args else None
    if m:
        hints = {k: v for k, v in m.groupdict().items() if v}
    context = json.dumps({"flow": "new", **{k: v for k, v in hints.items() if k != "title"}})
    turn.say("learning.new_start", form=details_form(turn, {"title": hints.get("title", "")[:sp.MAX_TITLE]},
                                                    context=context))


@routes.form("learning.details", declare=lambda turn, context: details_form(turn, context=context),
             validate=_validate_details)
async def save_details(turn: Turn, values: dict[str, str]) -> None:
    ctx = _ctx(turn.form_context)
    fields = _details(values)
    try:
        if "id" in ctx:
            saved = await turn.apply(await opportunities.update_details(
                turn.db, turn.person, turn.at, opportunity_id=_ctx_id(ctx), **fields))
            turn.say("learning.details_saved", **opportunity_context(saved.opportunity, config(turn).tz),
                     buttons=_show_buttons(turn, saved.opportunity.id))
            return
        spec = sp.OpportunitySpec(**fields)
        saved = await turn.apply(await opportunities.create_opportunity(turn.db, turn.person, turn.at, spec=spec))
    except Refused as refused:
        say_refused(turn, refused)
        return
    found = saved.opportunity
    follow = {"id": found.id, "flow": "new", **{k: ctx[k] for k in ("date", "who") if k in ctx}}
    if found.is_elearning:
        turn.say("learning.created", **opportunity_context(found, config(turn).tz),
                 form=audience_form(turn, await _audience_hints(turn, ctx.get("who")), context=json.dumps(follow)))
        return
    day = parse_day(ctx["date"], turn.today()) if ctx.get("date") else None
    start = f"{day.isoformat()} 09:00" if day else ""
    turn.say("learning.created", **opportunity_context(found, config(turn).tz),
             form=session_form(turn, {"start": start} if start else None, context=json.dumps(follow)))


async def _audience_hints(turn: Turn, who: str | None) -> dict[str, str]:
    """"to Red Watch": prefill the team (or station) it names, if anyone is in it."""
    if not who:
        return {}
    text = who.strip()
    for column, field_name in ((Person.team, "teams"), (Person.station, "stations")):
        found = await turn.db.scalar(select(column).where(func.lower(column) == text.lower()).limit(1))
        if found:
            return {field_name: found}
    return {}


async def _validate_session(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    tz = config(turn).tz
    starts = None
    if "start" in values:
        try:
            starts = parse_local(values["start"], tz, turn.today())
        except TimeProblem as exc:
            errors["start"] = turn.text("learning.error_time", reason=exc.reason)
        else:
            if starts <= turn.now():
                errors["start"] = turn.text("learning.error_past")
            else:
                values["start"] = f"{starts.astimezone(tz):%Y-%m-%d %H:%M}"
    if starts is None and "start" in values and "start" not in errors:
        errors["start"] = turn.text("learning.error_time", reason="unparseable")
    if "end" in values and "start" in values and "start" not in errors:
        start_at = parse_local(values["start"], tz, turn.today())
        try:
            ends = parse_local(values["end"], tz, turn.today(), day=start_at.astimezone(tz).date())
        except TimeProblem as exc:
            errors["end"] = turn.text("learning.error_time", reason=exc.reason)
        else:
            if ends <= start_at:
                errors["end"] = turn.text("learning.error_end")
            else:
                values["end"] = f"{ends.astimezone(tz):%Y-%m-%d %H:%M}"
    if (values.get("online_link") or "").strip() and not is_web_link(values["online_link"].strip()):
        errors["online_link"] = turn.text("learning.error_link")
    elif "online_link" in values and not (values.get("venue") or "").strip() and not values["online_link"].strip():
        errors["online_link"] = turn.text("learning.error_where")
    if "capacity" in values:
        text = values["capacity"].strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= sp.MAX_CAPACITY:
            errors["capacity"] = turn.text("learning.error_capacity", limit=sp.MAX_CAPACITY)
    if (values.get("cutoff") or "").strip() and "start" in values and "start" not in errors:
        start_at = parse_local(values["start"], tz, turn.today())
        try:
            cutoff = parse_cutoff(values["cutoff"], tz, turn.today(), start_at)
        except TimeProblem:
            errors["cutoff"] = turn.text("learning.error_cutoff")
        else:
            if cutoff > start_at or cutoff <= turn.now():
                errors["cutoff"] = turn.text("learning.error_cutoff")
            else:
                values["cutoff"] = f"{cutoff.astimezone(tz):%Y-%m-%d %H:%M}"
    return errors


def _session_spec(turn: Turn, values: dict[str, str]) -> sp.SessionSpec | None:
    problems: list[str] = []
    item = {"start": values["start"], "end": values["end"], "capacity": values["capacity"],
            "venue": (values.get("venue") or "").strip() or None,
            "link": (values.get("online_link") or "").strip() or None,
            "cutoff": (values.get("cutoff") or "").strip() or None}
    item = {k: v for k, v in item.items() if v is not None}
    return sp.session_from(item, "session", problems, tz=config(turn).tz, now=turn.now())


@routes.form("learning.session", declare=lambda turn, context: session_form(turn, context=context),
             validate=_validate_session)
async def save_session(turn: Turn, values: dict[str, str]) -> None:
    ctx = _ctx(turn.form_context)
    spec = _session_spec(turn, values)
    if spec is None:
        turn.say("core.stale_action")
        return
    try:
        if ctx.get("number"):
            saved = await turn.apply(await opportunities.change_session(
                turn.db, turn.person, turn.at, opportunity_id=_ctx_id(ctx), number=_ctx_id(ctx, "number"),
                session=spec, config=config(turn)))
            turn.say("learning.session_saved", changed=True, told=saved.told,
                     session=session_context(saved.session, config(turn).tz),
                     **opportunity_context(saved.opportunity, config(turn).tz, sessions=False),
                     buttons=_show_buttons(turn, saved.opportunity.id))
            return
        saved = await turn.apply(await opportunities.add_session(
            turn.db, turn.person, turn.at, opportunity_id=_ctx_id(ctx), session=spec))
    except Refused as refused:
        say_refused(turn, refused)
        return
    found = saved.opportunity
    context = opportunity_context(found, config(turn).tz, sessions=False)
    if ctx.get("flow") == "new" and not found.audience:
        turn.say("learning.session_saved", changed=False, told=0, session=session_context(saved.session, config(turn).tz),
                 **context, form=audience_form(turn, await _audience_hints(turn, ctx.get("who")),
                                               context=json.dumps({"id": found.id})))
        return
    turn.say("learning.session_saved", changed=False, told=0, session=session_context(saved.session, config(turn).tz),
             **context, buttons=_show_buttons(turn, found.id))


async def _validate_audience(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("roles", "exclude_roles"):
        unknown = [r for r in aud._listed(values.get(name)) if normalise_role(r) is None]
        if unknown:
            errors[name] = turn.text("learning.error_roles", unknown=unknown)
    if (values.get("people") or "").strip():
        emails = aud._listed(values["people"])
        bad = [e for e in emails if not EMAIL.match(e)]
        if bad:
            errors["people"] = turn.text("learning.error_emails", bad=bad[:5])
        else:
            known = set(await turn.db.scalars(select(func.lower(Person.email)).where(
                func.lower(Person.email).in_([e.lower() for e in emails]))))
            missing = [e for e in emails if e.lower() not in known]
            if missing:
                errors["people"] = turn.text("learning.error_unknown_people", missing=missing[:5])
    if (values.get("competence") or "").strip():
        match = await resolve_competences(turn.db, values["competence"])
        if match.resolved:
            values["competence"] = match.resolved[0].code
        else:
            errors["competence"] = turn.text("learning.error_competences", unknown=[values["competence"]],
                                             suggestions=[label(c) for c in match.suggestions])
    if (values.get("within_days") or "").strip():
        text = values["within_days"].strip()
        if not (text.isascii() and text.isdigit()) or int(text) > aud.MAX_WITHIN_DAYS:
            errors["within_days"] = turn.text("learning.error_within_days", limit=aud.MAX_WITHIN_DAYS)
        elif values.get("status") not in (None, "", "needs", "expiring"):
            errors["within_days"] = turn.text("learning.error_within_status")
    return errors


@routes.form("learning.audience", declare=lambda turn, context: audience_form(turn, context=context),
             validate=_validate_audience)
async def save_audience(turn: Turn, values: dict[str, str]) -> None:
    ctx = _ctx(turn.form_context)
    try:
        tree = aud.from_form(values)
    except aud.AudienceProblems:
        turn.say("learning.audience_empty", form=audience_form(turn, values, context=turn.form_context))
        return
    try:
        saved = await turn.apply(await opportunities.set_audience(
            turn.db, turn.person, turn.at, opportunity_id=_ctx_id(ctx), audience=tree))
        preview = await broadcasts.preview(turn.db, turn.person, turn.at, opportunity_id=saved.opportunity.id,
                                           config=config(turn))
    except Refused as refused:
        say_refused(turn, refused)
        return
    _say_preview(turn, preview, intro="learning.audience_saved")


# --- the list, one opportunity ------------------------------------------------------------------------------------
@routes.command("courses", "learning", "opportunities", "learning opportunities", "course", "opportunity",
                summary="learning.summary_courses", may=Act.MANAGE_LEARNING, rank=60)
async def list_or_show(turn: Turn) -> None:
    if not await is_ld(turn):
        return
    wanted = number(turn.args)
    if wanted is not None:
        await _show(turn, wanted)
        return
    listing = await opportunities.list_opportunities(turn.db, turn.person, turn.at)
    items = [{"id": r.opportunity.id, "title": r.opportunity.title, "kind": r.opportunity.kind,
              "invited": r.invited, "booked": r.booked, "waiting": r.waiting,
              "sessions": [session_context(s, config(turn).tz) for s in r.opportunity.sessions if s.status == "open"]}
             for r in listing.rows[:MAX_LISTED]]
    turn.say("learning.list", items=items, total=len(listing.rows),
             buttons=[Button(turn.text("learning.button_show", id=i["id"]), f"learning.show:{i['id']}", str(i["id"]))
                      for i in items[:5]])


async def _show(turn: Turn, opportunity_id: int) -> None:
    try:
        found = await rec.opportunity(turn.db, opportunity_id)
        taken = await bookings.signups(turn.db, turn.person, turn.at, opportunity_id=found.id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    tz = config(turn).tz
    sessions = [{**session_context(s.session, tz), "confirmed": len(s.confirmed), "waiting": len(s.waitlist),
                 "offered": len(s.offered), "pending": len(s.pending_approval)} for s in taken.sessions]
    turn.say("learning.opportunity", **{**opportunity_context(found, tz), "sessions": sessions},
             has_audience=bool(found.audience), enrolled=len(taken.enrolled),
             buttons=_show_buttons(turn, found.id))


async def _gate(turn: Turn, command: str, act: Act = Act.MANAGE_LEARNING) -> bool:
    """L&D with the opportunity's number: go on. L&D without it: ask which. Anyone else: a policy question."""
    if not await is_ld(turn, act):
        return False
    if number(turn.args.split()[0] if turn.args.split() else None) is None:
        turn.say("learning.which", command=command)
        return False
    return True


def _ld_action(fn):  # noqa: ANN001, ANN202 - a decorator for L&D's buttons
    async def handler(turn: Turn) -> None:
        if not await turn.may(Act.MANAGE_LEARNING):
            turn.say("learning.refused", reason="not_allowed", own=True)
            return
        await fn(turn, number((action_args(turn) or [""])[0]) or 0, action_args(turn))

    return handler


@routes.action("learning.show")
@_ld_action
async def show_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _show(turn, opportunity_id)


@routes.action("learning.edit")
@_ld_action
async def edit_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _edit(turn, opportunity_id)


@routes.command("edit course", "edit opportunity", "change course", summary="", may=Act.MANAGE_LEARNING)
async def edit_course(turn: Turn) -> None:
    if await _gate(turn, "edit course"):
        await _edit(turn, number(turn.args) or 0)


async def _edit(turn: Turn, opportunity_id: int) -> None:
    try:
        found = await rec.opportunity(turn.db, opportunity_id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    values = {"title": found.title, "kind": found.kind, "description": found.description, "provider": found.provider,
              "competences": ", ".join(c.code for c in found.competences), "approval": found.approval,
              "link": found.link or "", "complete_by": found.complete_by.isoformat() if found.complete_by else ""}
    turn.say("learning.edit_start", title=found.title,
             form=details_form(turn, values, context=json.dumps({"id": found.id})))


@routes.action("learning.add_session")
@_ld_action
async def add_session_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _session_form(turn, opportunity_id, None)


@routes.command("add session", "new session", summary="", may=Act.MANAGE_LEARNING)
async def add_session(turn: Turn) -> None:
    if await _gate(turn, "add session"):
        await _session_form(turn, number(turn.args) or 0, None)


@routes.command("edit session", "change session", "move session", summary="", may=Act.MANAGE_LEARNING)
async def edit_session(turn: Turn) -> None:
    if not await _gate(turn, "edit session"):
        return
    parts = turn.args.split()
    await _session_form(turn, number(parts[0] if parts else None) or 0, number(parts[1]) if len(parts) > 1 else 1)


async def _session_form(turn: Turn, opportunity_id: int, session_number: int | None) -> None:
    try:
        found = await rec.opportunity(turn.db, opportunity_id)
        session = rec.session_numbered(found, session_number) if session_number else None
    except Refused as refused:
        say_refused(turn, refused)
        return
    tz = config(turn).tz
    values = None
    if session is not None:
        values = {"start": f"{session.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
                  "end": f"{session.ends_at.astimezone(tz):%Y-%m-%d %H:%M}", "venue": session.venue or "",
                  "online_link": session.online_link or "", "capacity": str(session.capacity),
                  "cutoff": f"{session.booking_cutoff.astimezone(tz):%Y-%m-%d %H:%M}" if session.booking_cutoff else ""}
    turn.say("learning.session_start", title=found.title, number=session.number if session else None,
             form=session_form(turn, values, context=json.dumps(
                 {"id": found.id, **({"number": session.number} if session else {})})))


@routes.action("learning.audience_form")
@_ld_action
async def audience_form_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    try:
        found = await rec.opportunity(turn.db, opportunity_id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    values = aud.to_form(found.audience)
    turn.say("learning.audience_start", title=found.title, replacing=values is None,
             form=audience_form(turn, values or {}, context=json.dumps({"id": found.id})))


# --- who would be invited, sending, progress --------------------------------------------------------------------
def _say_preview(turn: Turn, preview: broadcasts.Preview, *, intro: str = "learning.preview") -> None:
    found = preview.opportunity
    people = [{"name": m.person.name, "email": m.person.email, "before": m.person.id in preview.invited_before,
               "why": [turn.text("learning.reason", **r) for r in m.reasons]} for m in preview.members[:MAX_SHOWN]]
    value = str(found.id)
    buttons = [Button(turn.text("learning.button_send"), f"learning.send:{value}", value, "primary")] \
        if preview.new else []
    buttons.append(Button(turn.text("learning.button_audience_form"), f"learning.audience_form:{value}", value))
    turn.say(intro, title=found.title, number=found.id, count=len(preview.members), new=len(preview.new),
             people=people, more=max(0, len(preview.members) - MAX_SHOWN), has_audience=bool(found.audience),
             buttons=buttons)


@routes.command("audience", "preview", "who would be invited", summary="", may=Act.MANAGE_LEARNING)
async def preview_command(turn: Turn) -> None:
    if await _gate(turn, "audience"):
        await _preview(turn, number(turn.args) or 0)


async def _preview(turn: Turn, opportunity_id: int) -> None:
    try:
        preview = await broadcasts.preview(turn.db, turn.person, turn.at, opportunity_id=opportunity_id,
                                           config=config(turn))
    except Refused as refused:
        say_refused(turn, refused)
        return
    _say_preview(turn, preview)


@routes.action("learning.preview")
@_ld_action
async def preview_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _preview(turn, opportunity_id)


_SEND = re.compile(r"^#?(?P<id>\d+)(?:\s+(?:at|on|from)\s+(?P<when>.+))?$", re.I)


@routes.command("send", "send course", "broadcast", summary="", may=Act.MANAGE_LEARNING)
async def send_command(turn: Turn) -> None:
    if not await _gate(turn, "send"):
        return
    m = _SEND.match(turn.args.strip())
    if m is None:
        turn.say("learning.which", command="send")
        return
    start = None
    if m.group("when"):
        try:
            start = parse_local(m.group("when"), config(turn).tz, turn.today())
        except TimeProblem as exc:
            turn.say("learning.error_time", reason=exc.reason)
            return
    await _send_ask(turn, number(m.group("id")) or 0, start.isoformat() if start else "")


async def _send_ask(turn: Turn, opportunity_id: int, when: str) -> None:
    """How many would be invited, and a button to send: nothing goes before L&D confirm."""
    try:
        preview = await broadcasts.preview(turn.db, turn.person, turn.at, opportunity_id=opportunity_id,
                                           config=config(turn))
        problem = broadcasts.sendable(preview.opportunity, turn.at)
        if problem:
            raise Refused(problem, title=preview.opportunity.title, number=opportunity_id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    moment = moment_context(datetime.fromisoformat(when), config(turn).tz) if when else None
    value = f"{opportunity_id}:{when}" if when else str(opportunity_id)
    buttons = [Button(turn.text("learning.button_send_confirm", count=len(preview.new), when=moment),
                      f"learning.send_yes:{opportunity_id}", value, "primary")] if preview.new else []
    turn.say("learning.send_confirm", title=preview.opportunity.title, count=len(preview.members),
             new=len(preview.new), when=moment, buttons=buttons)


@routes.action("learning.send")
@_ld_action
async def send_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _send_ask(turn, opportunity_id, "")


@routes.action("learning.send_yes")
@_ld_action
async def send_confirmed(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    when = ":".join(args[1:])
    try:
        sent = await turn.apply(await broadcasts.send(
            turn.db, turn.person, turn.at, opportunity_id=opportunity_id,
            deliver_from=datetime.fromisoformat(when) if when else None, config=config(turn)))
    except (Refused, ValueError) as refused:
        say_refused(turn, refused if isinstance(refused, Refused) else Refused("stale"), replace=True)
        return
    value = str(opportunity_id)
    turn.say("learning.sent", replace_original=True, title=sent.opportunity.title, invited=sent.invited,
             already=sent.already, when=moment_context(sent.deliver_from, config(turn).tz),
             later=sent.deliver_from > turn.now(),
             buttons=[Button(turn.text("learning.button_progress"), f"learning.progress:{value}", value)])


@routes.command("progress", "delivery", summary="", may=Act.MANAGE_LEARNING)
async def progress_command(turn: Turn) -> None:
    if await _gate(turn, "progress"):
        await _progress(turn, number(turn.args) or 0)


async def _progress(turn: Turn, opportunity_id: int) -> None:
    try:
        result = await broadcasts.progress(turn.db, turn.person, turn.at, opportunity_id=opportunity_id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    turn.say("learning.progress", title=result.opportunity.title, invited=result.invited, queued=result.queued,
             scheduled=result.scheduled, delivered=result.delivered, cancelled=result.cancelled,
             not_for_me=result.not_for_me, signed_up=result.signed_up,
             unreachable=[{"name": u.person.name, "email": u.person.email, "why": u.why}
                          for u in result.unreachable[:MAX_SHOWN]], unreachable_count=len(result.unreachable))


@routes.action("learning.progress")
@_ld_action
async def progress_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _progress(turn, opportunity_id)


# --- sign-ups, booking and removing people ------------------------------------------------------------------------
@routes.command("signups", "sign-ups", "sign ups", "who is booked", summary="", may=Act.MANAGE_LEARNING)
async def signups_command(turn: Turn) -> None:
    if await _gate(turn, "signups"):
        await _signups(turn, number(turn.args) or 0)


async def _signups(turn: Turn, opportunity_id: int) -> None:
    try:
        result = await bookings.signups(turn.db, turn.person, turn.at, opportunity_id=opportunity_id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    tz = config(turn).tz

    def names(people: list) -> list[str]:  # noqa: ANN001
        return [p.name for p in people]

    sessions = [{**session_context(s.session, tz), "confirmed": names(s.confirmed), "waitlist": names(s.waitlist),
                 "offered": [{"name": p.name, "until": moment_context(b.offered_until, tz)} for p, b in s.offered],
                 "pending": names(s.pending_approval)} for s in result.sessions]
    turn.say("learning.signups", title=result.opportunity.title, sessions=sessions, enrolled=names(result.enrolled))


@routes.action("learning.signups")
@_ld_action
async def signups_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _signups(turn, opportunity_id)


def _target(args: str) -> tuple[int | None, int | None, str]:
    """"12 2 sam@x" or "12 sam@x": opportunity, session (or None), email."""
    parts = args.split()
    email = next((p for p in parts if "@" in p), "")
    numbers = [number(p) for p in parts if "@" not in p]
    return (numbers[0] if numbers else None), (numbers[1] if len(numbers) > 1 else None), email


@routes.command("book", "book someone", summary="", may=Act.MANAGE_LEARNING)
async def book_command(turn: Turn) -> None:
    if not await _gate(turn, "book"):
        return
    opportunity_id, session_number, email = _target(turn.args)
    if opportunity_id is None or not email:
        turn.say("learning.which", command="book")
        return
    try:
        placed = await turn.apply(await bookings.book_for(
            turn.db, turn.person, turn.at, opportunity_id=opportunity_id, session_number=session_number, email=email,
            config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused)
        return
    turn.say("learning.booked_someone", name=placed.person.name, status=placed.status, position=placed.position,
             approvers=[a.name for a in placed.approvers],
             **opportunity_context(placed.opportunity, config(turn).tz, sessions=False),
             session=session_context(placed.session, config(turn).tz) if placed.session else None)


@routes.command("remove", "unbook", summary="", may=Act.MANAGE_LEARNING)
async def remove_command(turn: Turn) -> None:
    if not await _gate(turn, "remove"):
        return
    opportunity_id, session_number, email = _target(turn.args)
    if opportunity_id is None or not email:
        turn.say("learning.which", command="remove")
        return
    try:
        released = await turn.apply(await bookings.remove_for(
            turn.db, turn.person, turn.at, opportunity_id=opportunity_id, session_number=session_number, email=email,
            config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused)
        return
    offered = [n for n in released.notices if n.template == "learning.offer"]
    turn.say("learning.removed_someone", name=released.person.name, offered=len(offered),
             **opportunity_context(released.opportunity, config(turn).tz, sessions=False))


# --- changing and cancelling sessions -----------------------------------------------------------------------------
@routes.command("cancel session", summary="", may=Act.MANAGE_LEARNING)
async def cancel_session_command(turn: Turn) -> None:
    if not await _gate(turn, "cancel session"):
        return
    parts = turn.args.split()
    opportunity_id, session_number = number(parts[0]) or 0, number(parts[1]) if len(parts) > 1 else None
    try:
        found = await rec.opportunity(turn.db, opportunity_id)
        session = rec.session_numbered(found, session_number)
        taken = await bookings.signups(turn.db, turn.person, turn.at, opportunity_id=found.id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    on = next(s for s in taken.sessions if s.session.id == session.id)
    people = len(on.confirmed) + len(on.waitlist) + len(on.offered) + len(on.pending_approval)
    value = f"{found.id}:{session.number}"
    turn.say("learning.cancel_session_confirm", title=found.title, session=session_context(session, config(turn).tz),
             people=people, buttons=[
                 Button(turn.text("learning.button_cancel_session"), f"learning.cancel_session:{value}", value, "danger"),
                 Button(turn.text("learning.button_keep"), "learning.keep:0", "0")])


@routes.action("learning.cancel_session")
@_ld_action
async def cancel_session_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    try:
        saved = await turn.apply(await opportunities.cancel_session(
            turn.db, turn.person, turn.at, opportunity_id=opportunity_id,
            number=number(args[1] if len(args) > 1 else None) or 0, config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.session_cancelled_done", replace_original=True, title=saved.opportunity.title,
             session=session_context(saved.session, config(turn).tz), told=saved.told)


@routes.command("cancel course", "cancel opportunity", summary="", may=Act.MANAGE_LEARNING)
async def cancel_course_command(turn: Turn) -> None:
    if not await _gate(turn, "cancel course"):
        return
    wanted = number(turn.args) or 0
    try:
        found = await rec.opportunity(turn.db, wanted)
    except Refused as refused:
        say_refused(turn, refused)
        return
    value = str(found.id)
    turn.say("learning.cancel_course_confirm", title=found.title, buttons=[
        Button(turn.text("learning.button_cancel_course"), f"learning.cancel_course:{value}", value, "danger"),
        Button(turn.text("learning.button_keep"), "learning.keep:0", "0")])


@routes.action("learning.cancel_course")
@_ld_action
async def cancel_course_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    try:
        saved = await turn.apply(await opportunities.cancel_opportunity(
            turn.db, turn.person, turn.at, opportunity_id=opportunity_id, config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.course_cancelled_done", replace_original=True, title=saved.opportunity.title, told=saved.told)


# --- attendance ---------------------------------------------------------------------------------------------------
@routes.command("attendance", "register", "take attendance", summary="learning.summary_attendance",
                may=Act.MANAGE_LEARNING, rank=64)
async def attendance_command(turn: Turn) -> None:
    if not await _gate(turn, "attendance"):
        return
    parts = turn.args.split()
    try:
        found = await rec.opportunity(turn.db, number(parts[0]))
        session = rec.session_numbered(found, number(parts[1]) if len(parts) > 1 else None)
        if session.starts_at > turn.now():
            raise Refused("not_started", title=found.title, session=session.number)
        taken = await bookings.signups(turn.db, turn.person, turn.at, opportunity_id=found.id)
    except Refused as refused:
        say_refused(turn, refused)
        return
    on = next(s for s in taken.sessions if s.session.id == session.id)
    if not on.confirmed:
        turn.say("learning.attendance_nobody", title=found.title, session=session_context(session, config(turn).tz))
        return
    form = attendance_form(turn, f"{found.id}:{session.number}", title=found.title,
                           options=tuple(Choice(p.name, p.email) for p in on.confirmed))
    turn.say("learning.attendance_ask", title=found.title, session=session_context(session, config(turn).tz),
             count=len(on.confirmed), form=form)


def attendance_form(turn: Turn, context: str, *, title: str = "", options: tuple[Choice, ...] = ()) -> Form:
    """The register for "<opportunity>:<session>". Rebuilt to check a submission without its options: only
    the people confirmed on the session when it is saved are marked, whatever else arrives."""
    _, _, session_number = context.partition(":")
    return Form(
        "learning.attendance", turn.text("learning.attendance_title", title=title, number=number(session_number)),
        (FormField("attended", turn.text("learning.field_attended"), "multi_choice", required=False,
                   hint=turn.text("learning.hint_attended"), options=options),),
        turn.text("learning.attendance_submit"), context=context,
    )


@routes.form("learning.attendance", declare=attendance_form)
async def save_attendance(turn: Turn, values: dict[str, str]) -> None:
    opportunity_id, _, session_number = turn.form_context.partition(":")
    try:
        found = await rec.opportunity(turn.db, number(opportunity_id))
        session = rec.session_numbered(found, number(session_number))
        taken = await bookings.signups(turn.db, turn.person, turn.at, opportunity_id=found.id)
        on = next(s for s in taken.sessions if s.session.id == session.id)
        came = {e.strip().lower() for e in (values.get("attended") or "").split(",") if e.strip()}
        marks = {p.email: ("attended" if p.email.lower() in came else "no_show") for p in on.confirmed}
        recorded = await turn.apply(await att.record_attendance(
            turn.db, turn.person, turn.at, opportunity_id=found.id, session_number=session.number, marks=marks,
            config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused)
        return
    entries = [e for m in recorded.marks for e in m.evidence]
    turn.say("learning.attendance_saved", title=found.title, session=session_context(session, config(turn).tz),
             attended=[m.person.name for m in recorded.marks if m.attendance == "attended"],
             no_show=[m.person.name for m in recorded.marks if m.attendance == "no_show"],
             entries=len(entries), waiting=sum(e.status == "submitted" for e in entries))


# --- the report ---------------------------------------------------------------------------------------------------
@routes.command("report", "course report", "learning report", summary="learning.summary_report",
                may=Act.VIEW_REPORTS, rank=66)
async def report_command(turn: Turn) -> None:
    if await _gate(turn, "report", Act.VIEW_REPORTS):
        await _report(turn, number(turn.args) or 0)


async def _report(turn: Turn, opportunity_id: int) -> None:
    try:
        result = await reports.report(turn.db, turn.person, turn.at, opportunity_id=opportunity_id,
                                      tz=config(turn).tz)
    except Refused as refused:
        say_refused(turn, refused)
        return
    turn.say("learning.report", **reports.as_json(result))


@routes.action("learning.report")
@_ld_action
async def report_clicked(turn: Turn, opportunity_id: int, args: list[str]) -> None:
    await _report(turn, opportunity_id)
