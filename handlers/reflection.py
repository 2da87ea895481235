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

from sqlalchemy import func, select

from bot.dates import DateParseError, parse_uk_date
from bot.router import action, command, dialog
from bot.router import form as form_handler
from bot.turn import Turn
from bot.types import Button, Form, FormField
from handlers.competence_lookup import label, resolve_competences
from storage.models import AuditEvent, Competence, Person, Reflection
from storage.reflection_queries import (
    count_reflections,
    manager_view,
    own_reflection,
    reflections_for,
    shared_reflection_for_manager,
)

DIALOG = "reflection"
FIELDS = ("what_happened", "so_what", "now_what", "by_when", "competences", "cpd_hours")
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
MAX_SUMMARY = 1000
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
            errors["by_when"] = turn.text("reflection.error_date", text=exc.text)
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
@command(
    "reflect",
    "reflection",
    "new reflection",
    "log reflection",
    "add reflection",
    summary="reflection.summary",
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


@form_handler("reflection.new", validate=validate)
async def submitted(turn: Turn, values: dict[str, str]) -> None:
    draft: dict[str, Any] = {name: (values.get(name) or "").strip() for name in FIELDS}
    if turn.form_context.isdigit():
        draft["id"] = int(turn.form_context)
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
    if turn.dialog is None or turn.dialog.name != DIALOG:
        return None
    return turn.dialog.data.get("draft")


@dialog(DIALOG)
async def typed_at_confirm(turn: Turn) -> None:
    word = re.sub(r"[^a-z ]", "", (turn.incoming.text or "").lower()).strip()
    if word in SAVE_WORDS:
        await save(turn)
    elif word in EDIT_WORDS:
        await edit(turn)
    elif word in DISCARD_WORDS:
        await discard(turn)
    else:
        turn.say("reflection.confirm_help")


# --- save, edit, discard the draft -----------------------------------------------------------------------
@action("reflection.save")
async def save(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("reflection.nothing_to_save")
        return
    codes = [c for c in draft.get("competences", "").split(",") if c]
    competences = (
        list(await turn.db.scalars(select(Competence).where(Competence.code.in_(codes)))) if codes else []
    )
    values: dict[str, Any] = {
        "what_happened": draft["what_happened"],
        "so_what": draft.get("so_what", ""),
        "now_what": draft.get("now_what", ""),
        "by_when": date.fromisoformat(draft["by_when"]) if draft.get("by_when") else None,
        "cpd_hours": float(draft["cpd_hours"]) if draft.get("cpd_hours") else None,
    }
    if draft.get("id"):
        reflection = await own_reflection(turn.db, turn.person.id, int(draft["id"]))
        if reflection is None:
            turn.end_dialog()
            turn.say("reflection.not_found", number=draft["id"])
            return
        changed = [name for name, value in values.items() if getattr(reflection, name) != value]
        if sorted(c.code for c in reflection.competences) != sorted(codes):
            changed.append("competences")
        for name, value in values.items():
            setattr(reflection, name, value)
        reflection.competences = competences
        reflection.updated_at = turn.now()
        await turn.db.flush()
        await turn.audit("reflection", reflection.id, "updated", fields=sorted(changed))
        updated = True
    else:
        reflection = Reflection(
            person_id=turn.person.id,
            competences=competences,
            created_at=turn.now(),
            updated_at=turn.now(),
            **values,
        )
        turn.db.add(reflection)
        await turn.db.flush()
        filled = [name for name, value in values.items() if value] + (["competences"] if competences else [])
        await turn.audit("reflection", reflection.id, "created", fields=sorted(filled))
        updated = False
    turn.end_dialog()
    has_manager = turn.person.line_manager_id is not None
    buttons = (
        [Button(turn.text("reflection.button_share"), "reflection.share_ask", str(reflection.id))]
        if (has_manager and not reflection.shared_with_manager)
        else []
    )
    turn.say(
        "reflection.saved",
        number=reflection.id,
        updated=updated,
        has_manager=has_manager,
        shared=reflection.shared_with_manager,
        buttons=buttons,
        replace_original=True,
    )


@action("reflection.edit")
async def edit(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("reflection.nothing_to_save")
        return
    turn.say("reflection.editing", form=reflection_form(turn, draft, editing=draft.get("id")))


@action("reflection.discard")
async def discard(turn: Turn) -> None:
    if _draft(turn) is None:
        turn.say("reflection.nothing_to_save")
        return
    turn.end_dialog()
    turn.say("core.cancelled", replace_original=True)


# --- afterwards: list, show, edit, delete -----------------------------------------------------------------
@command(
    "reflections",
    "my reflections",
    "list reflections",
    "list my reflections",
    summary="reflection.summary_list",
)
async def list_reflections(turn: Turn) -> None:
    items = await reflections_for(turn.db, turn.person.id, limit=LIST_LIMIT)
    total = await count_reflections(turn.db, turn.person.id) if len(items) == LIST_LIMIT else len(items)
    turn.say(
        "reflection.list",
        total=total,
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
    return int(text) if text.isdigit() else None


async def _own(turn: Turn, verb: str) -> Reflection | None:
    """The author's own reflection named in the command, or a reply saying which one / not found."""
    number = _number(turn)
    if number is None:
        turn.say("reflection.which", verb=verb)
        return None
    reflection = await own_reflection(turn.db, turn.person.id, number)
    if reflection is None:
        turn.say("reflection.not_found", number=number)
    return reflection


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


@command("show reflection", "view reflection", "open reflection", "read reflection")
async def show(turn: Turn) -> None:
    number = _number(turn)
    if number is None:
        turn.say("reflection.which", verb="show")
        return
    reflection = await own_reflection(turn.db, turn.person.id, number)
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
    shared = await shared_reflection_for_manager(turn.db, turn.person.id, number)
    if shared is None:
        turn.say("reflection.not_found", number=number)
        return
    author, reflection = shared
    turn.say(
        "reflection.show_shared",
        number=reflection.id,
        author=author.name,
        date=reflection.created_at.date().isoformat(),
        **manager_view(reflection),
    )


@command("edit reflection", "change reflection", "update reflection")
async def edit_existing(turn: Turn) -> None:
    reflection = await _own(turn, "edit")
    if reflection is not None:
        turn.say(
            "reflection.editing", form=reflection_form(turn, _as_draft(reflection), editing=reflection.id)
        )


@command("delete reflection", "remove reflection")
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
    reflection = await own_reflection(turn.db, turn.person.id, int(value)) if value.isdigit() else None
    if reflection is None:
        turn.say("reflection.not_found", number=value, replace_original=True)
    return reflection


@action("reflection.delete")
async def delete_confirmed(turn: Turn) -> None:
    """A soft delete: the row stays (hidden everywhere) so the audit trail still points at something."""
    reflection = await _own_from_value(turn, _action_value(turn))
    if reflection is None:
        return
    reflection.deleted = True
    reflection.shared_with_manager = False
    reflection.share_summary = None
    reflection.updated_at = turn.now()
    await turn.audit("reflection", reflection.id, "deleted")
    turn.say("reflection.deleted", number=reflection.id, replace_original=True)


@action("reflection.keep")
async def delete_declined(turn: Turn) -> None:
    turn.say("reflection.kept", number=_action_value(turn), replace_original=True)


# --- sharing with the line manager ------------------------------------------------------------------------
@command("share reflection")
async def share(turn: Turn) -> None:
    reflection = await _own(turn, "share")
    if reflection is not None:
        await _ask_how_to_share(turn, reflection)


@action("reflection.share_ask")
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
            Button(
                turn.text("reflection.button_share_all"),
                "reflection.share",
                f"{reflection.id}:all",
                "primary",
            ),
            Button(
                turn.text("reflection.button_share_summary"), "reflection.share", f"{reflection.id}:summary"
            ),
        ],
    )


@action("reflection.share")
async def share_chosen(turn: Turn) -> None:
    number, _, how = _action_value(turn).partition(":")
    reflection = await _own_from_value(turn, number)
    if reflection is None:
        return
    if how == "summary":
        turn.say(
            "reflection.summary_prompt",
            number=reflection.id,
            form=Form(
                "reflection.share_summary",
                turn.text("reflection.summary_title"),
                (
                    FormField(
                        "summary",
                        turn.text("reflection.field_summary"),
                        "long_text",
                        hint=turn.text("reflection.hint_summary"),
                        max_length=MAX_SUMMARY,
                        initial=reflection.share_summary or None,
                    ),
                ),
                turn.text("reflection.button_share_summary"),
                intro=turn.text("reflection.privacy"),
                context=str(reflection.id),
            ),
        )
        return
    await _share(turn, reflection, None)


async def validate_summary(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "summary" not in values:
        return {}
    summary = (values["summary"] or "").strip()
    if not summary:
        return {"summary": turn.text("reflection.error_empty")}
    if len(summary) > MAX_SUMMARY:
        return {"summary": turn.text("core.field_error", code="too_long", limit=MAX_SUMMARY)}
    values["summary"] = summary
    return {}


@form_handler("reflection.share_summary", validate=validate_summary)
async def share_summary(turn: Turn, values: dict[str, str]) -> None:
    reflection = await _own_from_value(turn, turn.form_context)
    if reflection is not None:
        await _share(turn, reflection, values["summary"].strip())


async def _share(turn: Turn, reflection: Reflection, summary: str | None) -> None:
    """Share (whole or summary) and tell the manager once; a repeated click changes nothing."""
    manager = await turn.db.get(Person, turn.person.line_manager_id) if turn.person.line_manager_id else None
    if manager is None:
        turn.say("reflection.no_manager")
        return
    if reflection.shared_with_manager and reflection.share_summary == summary:
        turn.say(
            "reflection.shared",
            number=reflection.id,
            manager=manager.name,
            summary_only=summary is not None,
            again=True,
            replace_original=True,
        )
        return
    reflection.shared_with_manager = True
    reflection.share_summary = summary
    reflection.updated_at = turn.now()
    await turn.audit("reflection", reflection.id, "shared", summary_only=summary is not None)
    await turn.db.flush()
    times = await turn.db.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.entity == "reflection",
            AuditEvent.entity_id == reflection.id,
            AuditEvent.action == "shared",
        )
    )
    await turn.notify(
        manager.id,
        "reflection.shared_notice",
        {"name": turn.person.name, "number": reflection.id, "summary_only": summary is not None},
        kind="reflection_shared",
        dedupe_key=f"reflection:{reflection.id}:shared:{times}",
    )
    turn.say(
        "reflection.shared",
        number=reflection.id,
        manager=manager.name,
        summary_only=summary is not None,
        again=False,
        replace_original=True,
    )


@command("unshare reflection", "stop sharing reflection", "make reflection private")
async def unshare(turn: Turn) -> None:
    reflection = await _own(turn, "unshare")
    if reflection is None:
        return
    if not reflection.shared_with_manager:
        turn.say("reflection.not_shared", number=reflection.id)
        return
    reflection.shared_with_manager = False
    reflection.share_summary = None
    reflection.updated_at = turn.now()
    await turn.audit("reflection", reflection.id, "unshared")
    turn.say("reflection.unshared", number=reflection.id)
