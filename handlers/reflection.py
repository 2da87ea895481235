"""CPD reflections: guided (What? So what? Now what?) or one-shot, confirmed before saving, private by default."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.dates import DateParseError, parse_uk_date
from bot.router import action, command, dialog
from bot.router import form as form_handler
from bot.turn import Turn
from bot.types import Button, Form, FormField
from handlers.competence_lookup import label, resolve_competences
from storage.models import Competence, Person, Reflection
from storage.reflection_queries import own_reflection, reflections_for

MAX_FIELD = 4000
DIALOG = "reflection"


def reflection_form(turn: Turn, draft: dict | None = None, *, editing: int | None = None) -> Form:
    draft = draft or {}
    t = turn.text

    def field(name: str, kind: str, *, required: bool = True, max_length: int | None = MAX_FIELD) -> FormField:
        return FormField(name, t(f"reflection.field_{name}"), kind, required=required, hint=t(f"reflection.hint_{name}"),
                         initial=draft.get(name) or None, max_length=max_length,
                         options_source="competences" if name == "competences" else None)

    return Form(
        form_id="reflection.new",
        title=t("reflection.form_title"),
        intro=t("reflection.privacy"),
        submit_label=t("reflection.form_submit"),
        context=str(editing or ""),
        fields=(
            field("what_happened", "long_text"),
            field("so_what", "long_text"),
            field("now_what", "long_text"),
            field("by_when", "date", required=False, max_length=None),
            field("competences", "text", required=False, max_length=500),
            field("cpd_hours", "number", required=False, max_length=None),
        ),
    )


@command("reflect", "reflection", "new reflection", "log reflection", "add reflection", summary="reflection.summary")
async def start(turn: Turn) -> None:
    text = turn.args.strip()
    if text:
        if len(text) > MAX_FIELD:
            turn.say("core.field_error", code="too_long", limit=MAX_FIELD)
            return
        await _confirm(turn, {"what_happened": text, "so_what": "", "now_what": "", "by_when": "",
                              "competences": "", "cpd_hours": ""})
        return
    turn.say("reflection.start", form=reflection_form(turn))


async def validate(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("what_happened", "so_what", "now_what"):
        if name in values and not values[name].strip():
            errors[name] = turn.text("reflection.error_empty")
        elif name in values and len(values[name]) > MAX_FIELD:
            errors[name] = turn.text("core.field_error", code="too_long", limit=MAX_FIELD)
    if values.get("by_when", "").strip():
        try:
            values["by_when"] = parse_uk_date(values["by_when"], turn.today()).isoformat()
        except DateParseError as exc:
            errors["by_when"] = turn.text("evidence.error_date", reason=exc.reason, text=exc.text)
    if values.get("competences", "").strip():
        match = await resolve_competences(turn.db, values["competences"], multiple=True)
        if match.unknown:
            errors["competences"] = turn.text("evidence.error_competence", text=", ".join(match.unknown),
                                              suggestions=[label(c) for c in match.suggestions])
        else:
            values["competences"] = ",".join(c.code for c in match.resolved)
    if values.get("cpd_hours", "").strip():
        try:
            hours = float(values["cpd_hours"])
        except ValueError:
            hours = -1
        if not 0 <= hours <= 100:
            errors["cpd_hours"] = turn.text("reflection.error_hours")
    return errors


@form_handler("reflection.new", validate=validate)
async def submitted(turn: Turn, values: dict[str, str]) -> None:
    draft = {k: (values.get(k) or "").strip() for k in ("what_happened", "so_what", "now_what", "by_when",
                                                       "competences", "cpd_hours")}
    if turn.form_context.isdigit():
        draft["id"] = int(turn.form_context)
    await _confirm(turn, draft)


async def _confirm(turn: Turn, draft: dict) -> None:
    turn.start_dialog(DIALOG, "confirm", {"draft": draft})
    turn.say(
        "reflection.confirm",
        buttons=[Button(turn.text("reflection.button_save"), "reflection.save", style="primary"),
                 Button(turn.text("reflection.button_edit"), "reflection.edit"),
                 Button(turn.text("reflection.button_discard"), "reflection.discard", style="danger")],
        editing=bool(draft.get("id")),
        **{k: draft.get(k, "") for k in ("what_happened", "so_what", "now_what", "by_when", "competences", "cpd_hours")},
    )


def _draft(turn: Turn) -> dict | None:
    if turn.dialog is None or turn.dialog.name != DIALOG:
        return None
    return turn.dialog.data.get("draft")


@dialog(DIALOG)
async def typed_at_confirm(turn: Turn) -> None:
    word = (turn.incoming.text or "").strip().lower()
    if word in ("save", "yes", "y", "ok", "confirm"):
        await save(turn)
    elif word in ("edit", "change"):
        await edit(turn)
    else:
        turn.say("reflection.confirm_help")


@action("reflection.save")
async def save(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("reflection.nothing_to_save")
        return
    codes = [c for c in draft.get("competences", "").split(",") if c]
    competences = list(await turn.db.scalars(select(Competence).where(Competence.code.in_(codes)))) if codes else []
    fields = {
        "what_happened": draft["what_happened"], "so_what": draft.get("so_what", ""), "now_what": draft.get("now_what", ""),
        "by_when": date.fromisoformat(draft["by_when"]) if draft.get("by_when") else None,
        "cpd_hours": float(draft["cpd_hours"]) if draft.get("cpd_hours") else None,
    }
    if draft.get("id"):
        reflection = await own_reflection(turn.db, turn.person.id, int(draft["id"]))
        if reflection is None:
            turn.end_dialog()
            turn.say("reflection.not_found", number=draft["id"])
            return
        for key, value in fields.items():
            setattr(reflection, key, value)
        reflection.competences = competences
        reflection.updated_at = turn.now()
        action_name = "updated"
    else:
        reflection = Reflection(person_id=turn.person.id, competences=competences, created_at=turn.now(),
                                updated_at=turn.now(), **fields)
        turn.db.add(reflection)
        action_name = "created"
    await turn.db.flush()
    await turn.audit("reflection", reflection.id, action_name, fields=sorted(k for k, v in fields.items() if v))
    turn.end_dialog()
    turn.say("reflection.saved", number=reflection.id, updated=action_name == "updated",
             has_manager=turn.person.line_manager_id is not None, replace_original=True)


@action("reflection.edit")
async def edit(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("reflection.nothing_to_save")
        return
    turn.say("reflection.editing", form=reflection_form(turn, draft, editing=draft.get("id")))


@action("reflection.discard")
async def discard(turn: Turn) -> None:
    turn.end_dialog()
    turn.say("core.cancelled", replace_original=True)


@command("reflections", "my reflections", "list reflections", summary="reflection.summary_list")
async def list_reflections(turn: Turn) -> None:
    items = await reflections_for(turn.db, turn.person.id, limit=10)
    turn.say("reflection.list", items=[
        {"id": r.id, "date": r.created_at.date().isoformat(), "preview": r.what_happened[:70],
         "shared": r.shared_with_manager} for r in items])


async def _own(turn: Turn) -> Reflection | None:
    number = turn.args.strip().lstrip("#")
    reflection = await own_reflection(turn.db, turn.person.id, int(number)) if number.isdigit() else None
    if reflection is None:
        turn.say("reflection.not_found", number=number)
    return reflection


def _as_draft(r: Reflection) -> dict:
    return {"id": r.id, "what_happened": r.what_happened, "so_what": r.so_what, "now_what": r.now_what,
            "by_when": r.by_when.isoformat() if r.by_when else "", "competences": ",".join(c.code for c in r.competences),
            "cpd_hours": f"{r.cpd_hours:g}" if r.cpd_hours else ""}


@command("show reflection", "view reflection")
async def show(turn: Turn) -> None:
    reflection = await _own(turn)
    if reflection is not None:
        turn.say("reflection.show", number=reflection.id, shared=reflection.shared_with_manager,
                 date=reflection.created_at.date().isoformat(), **{k: v for k, v in _as_draft(reflection).items() if k != "id"})


@command("edit reflection", "change reflection")
async def edit_existing(turn: Turn) -> None:
    reflection = await _own(turn)
    if reflection is not None:
        draft = _as_draft(reflection)
        turn.start_dialog(DIALOG, "confirm", {"draft": draft})
        turn.say("reflection.editing", form=reflection_form(turn, draft, editing=reflection.id))


@command("delete reflection", "remove reflection")
async def delete(turn: Turn) -> None:
    reflection = await _own(turn)
    if reflection is not None:
        turn.say("reflection.delete_confirm", number=reflection.id, buttons=[
            Button(turn.text("reflection.button_delete"), "reflection.delete", str(reflection.id), "danger")])


@action("reflection.delete")
async def delete_confirmed(turn: Turn) -> None:
    number = turn.incoming.action.value if turn.incoming.action else ""
    reflection = await own_reflection(turn.db, turn.person.id, int(number)) if number.isdigit() else None
    if reflection is None:
        turn.say("reflection.not_found", number=number)
        return
    reflection.deleted = True
    reflection.shared_with_manager = False
    reflection.updated_at = turn.now()
    await turn.audit("reflection", reflection.id, "deleted")
    turn.say("reflection.deleted", number=reflection.id, replace_original=True)


@command("share reflection")
async def share(turn: Turn) -> None:
    reflection = await _own(turn)
    if reflection is None:
        return
    if turn.person.line_manager_id is None:
        turn.say("reflection.no_manager")
        return
    turn.say("reflection.share_how", number=reflection.id, buttons=[
        Button(turn.text("reflection.button_share_all"), "reflection.share", f"{reflection.id}:all", "primary"),
        Button(turn.text("reflection.button_share_summary"), "reflection.share", f"{reflection.id}:summary")])


@action("reflection.share")
async def share_chosen(turn: Turn) -> None:
    number, _, how = (turn.incoming.action.value if turn.incoming.action else "").partition(":")
    reflection = await own_reflection(turn.db, turn.person.id, int(number)) if number.isdigit() else None
    if reflection is None:
        turn.say("reflection.not_found", number=number)
        return
    if how == "summary":
        turn.say("reflection.summary_prompt", form=Form(
            "reflection.share_summary", turn.text("reflection.summary_title"),
            (FormField("summary", turn.text("reflection.field_summary"), "long_text", max_length=1000),),
            turn.text("reflection.button_share_summary"), context=str(reflection.id)))
        return
    await _share(turn, reflection, None)


@form_handler("reflection.share_summary")
async def share_summary(turn: Turn, values: dict[str, str]) -> None:
    reflection = await own_reflection(turn.db, turn.person.id, int(turn.form_context)) if turn.form_context.isdigit() else None
    if reflection is None:
        turn.say("reflection.not_found", number=turn.form_context)
        return
    summary = values.get("summary", "").strip()
    if not summary:
        turn.say("reflection.error_empty")
        return
    await _share(turn, reflection, summary)


async def _share(turn: Turn, reflection: Reflection, summary: str | None) -> None:
    reflection.shared_with_manager = True
    reflection.share_summary = summary
    reflection.updated_at = turn.now()
    await turn.audit("reflection", reflection.id, "shared", summary_only=summary is not None)
    manager = await turn.db.get(Person, turn.person.line_manager_id)
    await turn.notify(manager.id, "reflection.shared_notice", {"name": turn.person.name, "number": reflection.id},
                      kind="reflection_shared", dedupe_key=f"reflection:{reflection.id}:shared:{turn.now().isoformat()}")
    turn.say("reflection.shared", number=reflection.id, manager=manager.name, summary_only=summary is not None,
             replace_original=True)


@command("unshare reflection", "stop sharing reflection")
async def unshare(turn: Turn) -> None:
    reflection = await _own(turn)
    if reflection is not None:
        reflection.shared_with_manager = False
        reflection.share_summary = None
        reflection.updated_at = turn.now()
        await turn.audit("reflection", reflection.id, "unshared")
        turn.say("reflection.unshared", number=reflection.id)
