"""Acting on a digest without leaving the chat (the rules are in usecases.py)."""

from __future__ import annotations

from datetime import date

from bot.access import Act
from bot.dates import DateParseError, parse_uk_date
from bot.ids import parse_id
from bot.turn import Turn
from bot.types import Button, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.nudges import usecases as uc
from handlers.nudges.job import message_for
from handlers.nudges.rules import NudgeRules
from handlers.nudges.scan import digest_items
from storage.models import EVIDENCE_KINDS
from storage.records_import import parse_day

routes = Routes()

SUMMARY_CHARS = 80


def _args(turn: Turn) -> list[str]:
    """The button's data: its value, or what follows the route key in its id."""
    act = turn.incoming.action
    if act is None:
        return []
    data = act.value or act.action_id.partition(":")[2]
    return data.split(":") if data else []


def _number(text: str | None) -> int | None:
    return parse_id(text)


def _refused(turn: Turn, refused: Refused) -> None:
    if refused.reason == "not_allowed":
        turn.say("nudges.not_allowed", **refused.detail)
    elif refused.reason == "booked_already":
        turn.say("nudges.booked_already", **refused.detail)
    elif refused.reason in ("future_date", "past_date", "far_date"):
        turn.say(f"nudges.{refused.reason}")
    else:
        turn.say("nudges.gone")


def _parse(turn: Turn, text: str) -> date | None:
    """A typed date: the chat's friendly parser ("yesterday", "28/03"), else the strict formats."""
    try:
        return parse_uk_date(text, turn.today())
    except DateParseError:
        return parse_day(text)


def _uk(day) -> str:  # noqa: ANN001 - a date
    return day.strftime("%d/%m/%Y")


def _date_field(turn: Turn, label: str) -> FormField:
    return FormField("date", label, "date", hint=turn.text("nudges.date_hint", example=_uk(turn.today())),
                     initial=turn.today().isoformat())


def _rules(turn: Turn) -> NudgeRules:
    return turn.services.config(NudgeRules)


# --- appraisal done -----------------------------------------------------------------------------------------
@routes.action("nudges.done")
async def ask_appraisal_done(turn: Turn) -> None:
    args = _args(turn)
    try:
        person = await uc.managed_person(turn.db, turn.person, _number(args[0] if args else None))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("nudges.done_ask", name=person.name, form=done_form(turn, str(person.id), person.name))


def done_form(turn: Turn, context: str, name: str = "") -> Form:
    return Form("nudges.done", turn.text("nudges.done_title", name=name),
                (_date_field(turn, turn.text("nudges.done_field")),), turn.text("nudges.save"), context=context)


async def _validate_done(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "date" not in values:
        return {}
    day = _parse(turn, values["date"])
    if day is None:
        return {"date": turn.text("nudges.bad_date", example=_uk(turn.today()))}
    if day > turn.today():
        return {"date": turn.text("nudges.future_date")}
    values["date"] = day.isoformat()
    return {}


@routes.form("nudges.done", declare=done_form, validate=_validate_done)
async def save_appraisal_done(turn: Turn, values: dict[str, str]) -> None:
    try:
        done = await turn.apply(await uc.appraisal_done(
            turn.db, turn.person, turn.at, person_id=_number(turn.form_context) or 0,
            done=date.fromisoformat(values["date"]), rules=_rules(turn),
        ))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("nudges.done_saved", name=done.person.name, done=done.done.isoformat(), next_due=done.next_due.isoformat())


# --- snooze ---------------------------------------------------------------------------------------------------
@routes.action("nudges.snooze")
async def snooze(turn: Turn) -> None:
    args = _args(turn)
    try:
        snoozed = await turn.apply(await uc.snooze(
            turn.db, turn.person, turn.at, person_id=_number(args[0] if args else None) or 0,
            item=":".join(args[1:]), rules=_rules(turn),
        ))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("nudges.snoozed", name=snoozed.person.name, what=snoozed.what, until=snoozed.until.isoformat())


# --- book a workplace assessment ----------------------------------------------------------------------------
@routes.action("nudges.book")
async def ask_booking(turn: Turn) -> None:
    args = _args(turn)
    try:
        person = await uc.managed_person(turn.db, turn.person, _number(args[0] if args else None))
        competence = await uc.active_competence(turn.db, _number(args[1] if len(args) > 1 else None))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("nudges.book_ask", name=person.name, what=competence.code,
             form=book_form(turn, f"{person.id}:{competence.id}", person.name, competence.code))


def book_form(turn: Turn, context: str, name: str = "", what: str = "") -> Form:
    return Form("nudges.book", turn.text("nudges.book_title", name=name, what=what),
                (_date_field(turn, turn.text("nudges.book_field")),), turn.text("nudges.book_submit"), context=context)


async def _validate_booking(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "date" not in values:
        return {}
    day = _parse(turn, values["date"])
    if day is None:
        return {"date": turn.text("nudges.bad_date", example=_uk(turn.today()))}
    problem = uc.booking_problem(day, turn.today())
    if problem:
        return {"date": turn.text(f"nudges.{problem}")}
    values["date"] = day.isoformat()
    return {}


@routes.form("nudges.book", declare=book_form, validate=_validate_booking)
async def save_booking(turn: Turn, values: dict[str, str]) -> None:
    person_id, _, competence_id = turn.form_context.partition(":")
    try:
        booked = await turn.apply(await uc.book_assessment(
            turn.db, turn.person, turn.at, person_id=_number(person_id) or 0,
            competence_id=_number(competence_id) or 0, on=date.fromisoformat(values["date"]),
        ))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("nudges.booked", name=booked.person.name, what=booked.competence.code, on=booked.on.isoformat())


# --- evidence awaiting verification ---------------------------------------------------------------------------
@routes.action("nudges.evidence")
async def evidence_waiting(turn: Turn) -> None:
    args = _args(turn)
    try:
        waiting = await uc.evidence_waiting(
            turn.db, turn.person, turn.at, person_id=_number(args[0] if args else None) or 0,
            competence_id=_number(args[1] if len(args) > 1 else None),
        )
    except Refused as refused:
        _refused(turn, refused)
        return
    code = waiting.competence.code if waiting.competence else ""
    items = []
    for evidence in waiting.evidence:
        codes = [c.code for c in evidence.competences]
        summary = " ".join(evidence.description.split())
        items.append({
            "id": evidence.id,
            "kind": EVIDENCE_KINDS.get(evidence.kind, evidence.kind),
            "date": evidence.activity_date.isoformat(),
            "codes": ", ".join(codes),
            "summary": summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1] + "…",
            "matches": bool(code) and code in codes,
        })
    turn.say("nudges.evidence_list", name=waiting.person.name, what=code, items=items)


# --- this week's digest, now ---------------------------------------------------------------------------------
@routes.command("digest", "my digest", "weekly digest", "nudges", "whats due", "what's due",
                summary="nudges.summary_digest", may=Act.ACT_ON_NUDGES, rank=56)
async def digest_now(turn: Turn) -> None:
    """The weekly digest as it stands today, with its buttons: no waiting for Monday to act."""
    plan = await digest_items(turn.db, turn.person.id, turn.today(), _rules(turn))
    if not plan.nudges:
        turn.say("nudges.digest_empty")
        return
    [nudge] = plan.nudges
    context, buttons = message_for(plan, "digest", plan.people[turn.person.id], nudge.items, [])
    turn.say("nudges.digest", buttons=[
        Button(turn.text(b.template, **b.context), b.action_id, b.value, b.style) for b in buttons
    ], **context)
