"""Admins change what the bot says, from chat: list, show, edit (a form) and reset templates."""

from __future__ import annotations

from bot.access import Act
from bot.catalogue import SafeText
from bot.turn import Turn
from bot.types import Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.admin import usecases as uc

routes = Routes()


def _refused(turn: Turn, refused: Refused) -> None:
    if refused.reason == "not_allowed":
        turn.say("admin.not_allowed")
    elif refused.reason == "broken_template":
        turn.say("admin.template_broken", **refused.detail)
    else:
        turn.say("admin.template_usage", name=refused.detail.get("name", ""))


@routes.command("templates", "responses", summary="admin.summary_list", may=Act.EDIT_TEMPLATES, rank=110)
async def list_templates(turn: Turn) -> None:
    try:
        found = await uc.list_templates(turn.db, turn.person, turn.at, catalogue=turn.services.catalogue,
                                        query=turn.args.strip())
    except Refused as refused:
        _refused(turn, refused)
        return
    query = turn.args.strip()
    if not query:  # hundreds of responses: on a phone, the capabilities first, each one word away
        turn.say("admin.template_groups", count=len(found.entries), changed=sum(e.changed for e in found.entries),
                 groups=[{"capability": capability, "count": len(entries), "changed": sum(e.changed for e in entries),
                          "word": entries[0].name.partition(".")[0]} for capability, entries in found.groups])
        return
    shown, left = [], LIST_AT_MOST
    for capability, entries in found.groups:
        if left <= 0:
            break
        shown.append({"capability": capability, "templates": [
            {"name": e.name, "said": e.said, "changed": e.changed} for e in entries[:left]]})
        left -= len(entries)
    turn.say("admin.template_list", groups=shown, count=len(found.entries),
             changed=sum(e.changed for e in found.entries), query=query,
             more=max(0, len(found.entries) - LIST_AT_MOST))


LIST_AT_MOST = 60  # lines of a template list in one chat message; the web console lists them all


@routes.command("template", summary="admin.summary_edit", may=Act.EDIT_TEMPLATES, rank=120)
async def template_command(turn: Turn) -> None:
    verb, _, name = turn.args.strip().partition(" ")
    verb, name = verb.lower(), name.strip()
    catalogue = turn.services.catalogue
    try:
        if verb == "show":
            shown = await uc.show_template(turn.db, turn.person, turn.at, catalogue=catalogue, name=name)
            turn.say("admin.template_show", name=name, source=shown.source)
        elif verb == "reset":
            await turn.apply(await uc.reset_template(turn.db, turn.person, turn.at, catalogue=catalogue, name=name))
            turn.say("admin.template_reset", name=name)
        elif verb == "edit":
            current = await uc.show_template(turn.db, turn.person, turn.at, catalogue=catalogue, name=name)
            given = current.info.given if current.info else {}
            turn.say(
                "admin.template_edit",
                name=name,
                said=current.info.said if current.info else "",
                given=[{"name": k, "example": _example(v)} for k, v in sorted(given.items())],
                form=template_form(turn, name, current.source),
            )
        else:
            await uc.show_template(turn.db, turn.person, turn.at, catalogue=catalogue, name="")
    except Refused as refused:
        _refused(turn, refused)


def template_form(turn: Turn, name: str, initial: str = "") -> Form:
    field = FormField("source", turn.text("admin.field_source"), "long_text", initial=initial or None,
                      max_length=uc.MAX_TEMPLATE_CHARS)
    return Form("admin.template", turn.text("admin.form_title"), (field,), turn.text("admin.save"), context=name)


def _example(value: object) -> str:
    """An example value on one short line (lists and records are shown by their shape)."""
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "a list"
    if isinstance(value, dict):
        return "a record with " + ", ".join(sorted(value))
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


async def _validate(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "source" not in values or not await turn.may(Act.EDIT_TEMPLATES):
        return {}
    problem = uc.problem_with(turn.services.catalogue, values["source"], turn.form_context or None)
    return {"source": turn.text("admin.template_broken", problem=problem)} if problem else {}


@routes.form("admin.template", declare=template_form, validate=_validate)
async def save_template(turn: Turn, values: dict[str, str]) -> None:
    try:
        saved = await turn.apply(await uc.override_template(
            turn.db, turn.person, turn.at, catalogue=turn.services.catalogue, name=turn.form_context,
            source=values["source"],
        ))
    except Refused as refused:
        _refused(turn, refused)
        return
    platform = turn.incoming.platform if turn.incoming.platform in saved.shown else "console"
    # Already rendered (and escaped) for this platform: shown as the person will see it.
    turn.say("admin.template_saved", name=turn.form_context, shown=SafeText(saved.shown[platform]))
