"""CPD reflections: guided (What? So what? Now what?) or one-shot, confirmed before saving, private by default.

The draft lives only in the dialog state until the author chooses Save, so cancelling, walking away (the
dialog expires) or a restart never leaves half a reflection in the database. Someone else's reflection
answers exactly like a missing one; the line manager may read only what the author chose to share.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date
from typing import Any

from bot.access import Act
from bot.dates import DateParseError, parse_uk_date
from bot.ids import parse_id
from bot.turn import Turn
from bot.typed import answer_typed
from bot.types import Button, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.evidence.competences import label, resolve_competences
from handlers.reflections import usecases as uc
from storage.models import Reflection
from storage.reflection_queries import manager_view

routes = Routes()

DIALOG = "reflection"
FIELDS = uc.FIELDS
REQUIRED = ("what_happened", "so_what", "now_what")
MAX_FIELD = 4000
LIMITS = {
    "what_happened": MAX_FIELD,
    "so_what": MAX_FIELD,
    "now_what": MAX_FIELD,
    "by_when": 60,
    "competences": 500,
    "cpd_hours": 20,
}
MAX_SUMMARY = uc.MAX_SUMMARY
MAX_HOURS = 100
LIST_LIMIT = 10
SAVE_WORDS = {"save", "yes", "y", "ok", "okay", "confirm", "save it"}
EDIT_WORDS = {"edit", "change", "edit it"}
DISCARD_WORDS = {"discard", "no", "n", "delete", "bin it"}


# --- the form --------------------------------------------------------------------------------------------
def reflection_form(turn: Turn, draft: dict[str, Any] | None = None, *, editing: int | None = None) -> Form:
    """The guided form; `draft` prefills it (Edit), `editing` carries the id of a saved reflection."""
    draft = draft or {}
    kinds = {
        "what_happened": "long_text",
        "so_what": "long_text",
        "now_what": "long_text",
        "by_when": "date",
        "competences": "text",
        "cpd_hours": "number",
    }

    def field(name: str) -> FormField:
        return FormField(
            name,
            turn.text(f"reflection.field_{name}"),
            kinds[name],  # type: ignore[arg-type]
            required=name in REQUIRED,
            hint=turn.text(f"reflection.hint_{name}"),
            options_source="competences" if name == "competences" else None,
            initial=str(draft.get(name) or "") or None,
            max_length=LIMITS[name] if kinds[name] in ("text", "long_text") else None,
        )

    return Form(
        form_id="reflection.new",
        title=turn.text("reflection.form_title"),
        intro=turn.text("reflection.privacy"),
        submit_label=turn.text("reflection.form_submit"),
        context=str(editing or ""),
        fields=tuple(field(name) for name in FIELDS),
    )


_WEEKDAY = re.compile(r"^(this )?(mon|tues?|wed|thur?s?|fri|sat|sun)[a-z]*$")
_YEARLESS = re.compile(
    r"^\d{1,2}[/.\-]\d{1,2}$|^\d{1,2}(st|nd|rd|th)?( of)? [a-z]{3,}$|^[a-z]{3,} \d{1,2}(st|nd|rd|th)?$"
)


def parse_by_when(text: str, today: date) -> date:
    """A next-step date looks forward: "by Friday" is the coming Friday, and "31/12" the next 31 December."""
    cleaned = re.sub(r"\s+", " ", text.strip().lower()).strip(" .,")
    cleaned = re.sub(r"^(by|before|on) ", "", cleaned)
    if _WEEKDAY.match(cleaned):
        cleaned = "next " + cleaned.removeprefix("this ")
    try:
        result = parse_uk_date(cleaned, today)
    except DateParseError as exc:
        raise DateParseError(exc.reason, text) from None
    if result < today and _YEARLESS.match(cleaned):
        try:
            result = result.replace(year=result.year + 1)
        except ValueError:  # 29 February
            raise DateParseError("unparseable", text) from None
    if result < today:
        raise DateParseError("past", text)  # a next step is still to do
    return result


async def validate(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    """Checks only the fields present (the console asks one at a time) and normalises them in place."""
    errors: dict[str, str] = {}
    for name in FIELDS:
        if name in values and len(values[name] or "") > LIMITS[name]:
            errors[name] = turn.text("core.field_error", code="too_long", limit=LIMITS[name])
    for name in REQUIRED:
        if name in values and name not in errors and not (values[name] or "").strip():
            errors[name] = turn.text("reflection.error_empty")
    if (values.get("by_when") or "").strip() and "by_when" not in errors:
        try:
            values["by_when"] = parse_by_when(values["by_when"], turn.today()).isoformat()
        except DateParseError as exc:
            errors["by_when"] = turn.text("reflection.error_date", text=exc.text, reason=exc.reason)
    if (values.get("competences") or "").strip() and "competences" not in errors:
        match = await resolve_competences(turn.db, values["competences"], multiple=True)
        if match.unknown:
            errors["competences"] = turn.text(
                "reflection.error_competence",
                unknown=match.unknown,
                suggestions=[label(c) for c in match.suggestions],
            )
        else:
            values["competences"] = ",".join(c.code for c in match.resolved)
    if (values.get("cpd_hours") or "").strip() and "cpd_hours" not in errors:
        hours = _hours(values["cpd_hours"])
        if hours is None:
            errors["cpd_hours"] = turn.text("reflection.error_hours", limit=MAX_HOURS)
        else:
            values["cpd_hours"] = f"{hours:g}"
    return errors


def _hours(text: str) -> float | None:
    try:
        hours = float(text.strip())
    except ValueError:
        return None
    return hours if 0 <= hours <= MAX_HOURS else None  # NaN fails both comparisons


# --- starting: guided or one-shot ------------------------------------------------------------------------
@routes.command(
    "reflect",
    "reflection",
    "new reflection",
    "log reflection",
    "add reflection",
    summary="reflection.summary",
    may=Act.WRITE_OWN_RECORD,
    rank=10,
)
async def start(turn: Turn) -> None:
    text = turn.args.strip()
    if re.fullmatch(r"#?\d+", text):  # "reflection 4" means the saved one
        await show(turn)
        return
    if not text:
        turn.say("reflection.start", form=reflection_form(turn))
        return
    if len(text) > MAX_FIELD:
        turn.say("core.field_error", code="too_long", limit=MAX_FIELD)
        return
    await _confirm(turn, {**dict.fromkeys(FIELDS, ""), "what_happened": text})


@routes.form("reflection.new", declare=lambda turn, _context: reflection_form(turn), validate=validate)
async def submitted(turn: Turn, values: dict[str, str]) -> None:
    draft: dict[str, Any] = {name: (values.get(name) or "").strip() for name in FIELDS}
    if parse_id(turn.form_context):
        draft["id"] = parse_id(turn.form_context)
    await _confirm(turn, draft)


async def _confirm(turn: Turn, draft: dict[str, Any]) -> None:
    """Keep the draft in the dialog (not the database) and ask: Save, Edit or Cancel?"""
    turn.start_dialog(DIALOG, "confirm", {"draft": draft})
    turn.say(
        "reflection.confirm",
        buttons=[
            Button(turn.text("reflection.button_save"), "reflection.save", style="primary"),
            Button(turn.text("reflection.button_edit"), "reflection.edit"),
            Button(turn.text("reflection.button_discard"), "reflection.discard", style="danger"),
        ],
        editing=bool(draft.get("id")),
        **{name: draft.get(name, "") for name in FIELDS},
    )


def _draft(turn: Turn) -> dict[str, Any] | None:
    return turn.held(DIALOG, "draft")


@routes.dialog(DIALOG)
async def typed_at_confirm(turn: Turn) -> None:
    await answer_typed(turn, [(SAVE_WORDS, save), (EDIT_WORDS, edit), (DISCARD_WORDS, discard)],
                       "reflection.confirm_help")


# --- save, edit, discard the draft -----------------------------------------------------------------------
@routes.action("reflection.save")
async def save(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("reflection.nothing_to_save")
        return
    try:
        saved = await turn.apply(await uc.save_reflection(
            turn.db, turn.person, turn.at, draft=draft, reflection_id=int(draft["id"]) if draft.get("id") else None,
        ))
    except Refused as refused:
        turn.end_dialog()
        turn.say("reflection.not_found", number=refused.detail.get("number", ""))
        return
    turn.end_dialog()
    reflection = saved.reflection
    has_manager = turn.person.line_manager_id is not None
    buttons = (
        [Button(turn.text("reflection.button_share"), "reflection.share_ask", str(reflection.id))]
        if (has_manager and not reflection.shared_with_manager)
        else []
    )
    turn.say(
        "reflection.saved",
        number=reflection.id,
        updated=saved.updated,
        has_manager=has_manager,
        shared=reflection.shared_with_manager,
        buttons=buttons,
        replace_original=True,
    )


@routes.action("reflection.edit")
async def edit(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("reflection.nothing_to_save")
        return
    turn.say("reflection.editing", form=reflection_form(turn, draft, editing=draft.get("id")))


@routes.action("reflection.discard")
async def discard(turn: Turn) -> None:
    if _draft(turn) is None:
        turn.say("reflection.nothing_to_save")
        return
    turn.end_dialog()
    turn.say("core.cancelled", replace_original=True)


# --- afterwards: list, show, edit, delete -----------------------------------------------------------------
@routes.command(
    "reflections",
    "my reflections",
    "list reflections",
    "list my reflections",
    summary="reflection.summary_list",
    may=Act.WRITE_OWN_RECORD,
    rank=60,
)
async def list_reflections(turn: Turn) -> None:
    listed = await uc.list_own(turn.db, turn.person, turn.at, limit=LIST_LIMIT)
    items = listed.reflections
    turn.say(
        "reflection.list",
        total=listed.total,
        items=[
            {
                "id": r.id,
                "date": r.created_at.date().isoformat(),
                "shared": r.shared_with_manager,
                "preview": textwrap.shorten(r.what_happened, width=70, placeholder="…"),
            }
            for r in items
        ],
    )


def _number(turn: Turn) -> int | None:
    text = turn.args.strip().lstrip("#")
    return parse_id(text)


async def _own(turn: Turn, verb: str) -> Reflection | None:
    """The author's own reflection named in the command, or a reply saying which one / not found."""
    number = _number(turn)
    if number is None:
        turn.say("reflection.which", verb=verb)
        return None
    try:
        return await uc.own(turn.db, turn.person, number)
    except Refused:
        turn.say("reflection.not_found", number=number)
        return None


def _as_draft(r: Reflection) -> dict[str, Any]:
    return {
        "id": r.id,
        "what_happened": r.what_happened,
        "so_what": r.so_what,
        "now_what": r.now_what,
        "by_when": r.by_when.isoformat() if r.by_when else "",
        "competences": ",".join(c.code for c in r.competences),
        "cpd_hours": f"{r.cpd_hours:g}" if r.cpd_hours is not None else "",
    }


@routes.command("show reflection", "view reflection", "open reflection", "read reflection")
async def show(turn: Turn) -> None:
    number = _number(turn)
    if number is None:
        turn.say("reflection.which", verb="show")
        return
    try:
        reflection: Reflection | None = await uc.own(turn.db, turn.person, number)
    except Refused:
        reflection = None
    if reflection is not None:
        draft = _as_draft(reflection)
        del draft["id"]
        turn.say(
            "reflection.show",
            number=reflection.id,
            shared=reflection.shared_with_manager,
            summary_only=bool(reflection.share_summary),
            date=reflection.created_at.date().isoformat(),
            **draft,
        )
        return
    try:
        shared = await uc.read_shared(turn.db, turn.person, turn.at, reflection_id=number)
    except Refused:
        turn.say("reflection.not_found", number=number)
        return
    reflection = shared.reflection
    turn.say(
        "reflection.show_shared",
        number=reflection.id,
        author=shared.author.name,
        date=reflection.created_at.date().isoformat(),
        **manager_view(reflection),
    )


@routes.command("edit reflection", "change reflection", "update reflection")
async def edit_existing(turn: Turn) -> None:
    reflection = await _own(turn, "edit")
    if reflection is not None:
        turn.say(
            "reflection.editing", form=reflection_form(turn, _as_draft(reflection), editing=reflection.id)
        )


@routes.command("delete reflection", "remove reflection")
async def delete(turn: Turn) -> None:
    reflection = await _own(turn, "delete")
    if reflection is not None:
        turn.say(
            "reflection.delete_confirm",
            number=reflection.id,
            buttons=[
                Button(
                    turn.text("reflection.button_delete"), "reflection.delete", str(reflection.id), "danger"
                ),
                Button(turn.text("reflection.button_keep"), "reflection.keep", str(reflection.id)),
            ],
        )


def _action_value(turn: Turn) -> str:
    return turn.incoming.action.value if turn.incoming.action else ""


async def _own_from_value(turn: Turn, value: str) -> Reflection | None:
    try:
        if parse_id(value):
            return await uc.own(turn.db, turn.person, parse_id(value))
    except Refused:
        pass
    _missing(turn, value)
    return None


def _missing(turn: Turn, value: str) -> None:
    turn.say("reflection.not_found", number=value, replace_original=True)


@routes.action("reflection.delete")
async def delete_confirmed(turn: Turn) -> None:
    value = _action_value(turn)
    if parse_id(value) is None:
        _missing(turn, value)
        return
    try:
        deleted = await turn.apply(await uc.delete_reflection(turn.db, turn.person, turn.at, reflection_id=parse_id(value)))
    except Refused:
        _missing(turn, value)
        return
    turn.say("reflection.deleted", number=deleted.reflection.id, replace_original=True)


@routes.action("reflection.keep")
async def delete_declined(turn: Turn) -> None:
    turn.say("reflection.kept", number=_action_value(turn), replace_original=True)


# --- sharing with the line manager ------------------------------------------------------------------------
@routes.command("share reflection")
async def share(turn: Turn) -> None:
    reflection = await _own(turn, "share")
    if reflection is not None:
        await _ask_how_to_share(turn, reflection)


@routes.action("reflection.share_ask")
async def share_from_button(turn: Turn) -> None:
    reflection = await _own_from_value(turn, _action_value(turn))
    if reflection is not None:
        await _ask_how_to_share(turn, reflection)


async def _ask_how_to_share(turn: Turn, reflection: Reflection) -> None:
    if turn.person.line_manager_id is None:
        turn.say("reflection.no_manager")
        return
    turn.say(
        "reflection.share_how",
        number=reflection.id,
        shared=reflection.shared_with_manager,
        buttons=[
            Button(turn.text("reflection.button_share_all"), "reflection.share", f"{reflection.id}:all", "primary"),
            Button(turn.text("reflection.button_share_summary"), "reflection.share", f"{reflection.id}:summary"),
        ],
    )


@routes.action("reflection.share")
async def share_chosen(turn: Turn) -> None:
    number, _, how = _action_value(turn).partition(":")
    reflection = await _own_from_value(turn, number)
    if reflection is None:
        return
    if how == "summary":
        turn.say("reflection.summary_prompt", number=reflection.id,
                 form=summary_form(turn, str(reflection.id), reflection.share_summary or ""))
        return
    await _share(turn, reflection, None)


def summary_form(turn: Turn, context: str, initial: str = "") -> Form:
    return Form(
        "reflection.share_summary",
        turn.text("reflection.summary_title"),
        (
            FormField(
                "summary",
                turn.text("reflection.field_summary"),
                "long_text",
                hint=turn.text("reflection.hint_summary"),
                max_length=MAX_SUMMARY,
                initial=initial or None,
            ),
        ),
        turn.text("reflection.button_share_summary"),
        intro=turn.text("reflection.privacy"),
        context=context,
    )


async def validate_summary(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "summary" not in values:
        return {}
    summary = (values["summary"] or "").strip()
    problem = uc.summary_problem(summary)
    if problem == "empty":
        return {"summary": turn.text("reflection.error_empty")}
    if problem == "too_long":
        return {"summary": turn.text("core.field_error", code="too_long", limit=MAX_SUMMARY)}
    values["summary"] = summary
    return {}


@routes.form("reflection.share_summary", declare=summary_form, validate=validate_summary)
async def share_summary(turn: Turn, values: dict[str, str]) -> None:
    reflection = await _own_from_value(turn, turn.form_context)
    if reflection is not None:
        await _share(turn, reflection, values["summary"].strip())


async def _share(turn: Turn, reflection: Reflection, summary: str | None) -> None:
    """Share (whole or summary) and tell the manager once; a repeated click changes nothing."""
    try:
        shared = await turn.apply(await uc.share_reflection(
            turn.db, turn.person, turn.at, reflection_id=reflection.id, summary=summary,
        ))
    except Refused as refused:
        turn.say("reflection.no_manager" if refused.reason == "no_manager" else "reflection.error_empty")
        return
    turn.say(
        "reflection.shared",
        number=reflection.id,
        manager=shared.manager.name,
        summary_only=summary is not None,
        again=shared.again,
        replace_original=True,
    )


@routes.command("unshare reflection", "stop sharing reflection", "make reflection private")
async def unshare(turn: Turn) -> None:
    reflection = await _own(turn, "unshare")
    if reflection is None:
        return
    try:
        await turn.apply(await uc.unshare_reflection(turn.db, turn.person, turn.at, reflection_id=reflection.id))
    except Refused:
        turn.say("reflection.not_shared", number=reflection.id)
        return
    turn.say("reflection.unshared", number=reflection.id)


# --- when the line manager changed -----------------------------------------------------------------------
@routes.action(uc.RESHARE)
async def reshare(turn: Turn) -> None:
    former = parse_id(_action_value(turn))
    try:
        done = await turn.apply(await uc.reshare_with_manager(turn.db, turn.person, turn.at, former_id=former or 0))
    except Refused:
        turn.say("reflection.no_manager", replace_original=True)
        return
    turn.say("reflection.reshared", count=done.count, manager=done.manager.name if done.manager else "",
             replace_original=True)


@routes.action(uc.KEEP_PRIVATE)
async def keep_them_private(turn: Turn) -> None:
    former = parse_id(_action_value(turn))
    done = await turn.apply(await uc.keep_private(turn.db, turn.person, turn.at, former_id=former or 0))
    turn.say("reflection.kept_private", count=done.count, replace_original=True)
