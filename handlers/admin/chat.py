"""Admins change what the bot says, from chat: list, show, edit (a form) and reset templates."""

from __future__ import annotations

from bot.access import Act
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
    turn.say("admin.template_list", names=found.names, overridden=found.overridden, query=turn.args.strip().lower())


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
            turn.say("admin.template_edit", name=name, form=template_form(turn, name, current.source))
        else:
            await uc.show_template(turn.db, turn.person, turn.at, catalogue=catalogue, name="")
    except Refused as refused:
        _refused(turn, refused)


def template_form(turn: Turn, name: str, initial: str = "") -> Form:
    field = FormField("source", turn.text("admin.field_source"), "long_text", initial=initial or None,
                      max_length=uc.MAX_TEMPLATE_CHARS)
    return Form("admin.template", turn.text("admin.form_title"), (field,), turn.text("admin.save"), context=name)


async def _validate(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "source" not in values or not await turn.may(Act.EDIT_TEMPLATES):
        return {}
    problem = uc.problem_with(turn.services.catalogue, values["source"])
    return {"source": turn.text("admin.template_broken", problem=problem)} if problem else {}


@routes.form("admin.template", declare=template_form, validate=_validate)
async def save_template(turn: Turn, values: dict[str, str]) -> None:
    try:
        await turn.apply(await uc.override_template(
            turn.db, turn.person, turn.at, catalogue=turn.services.catalogue, name=turn.form_context,
            source=values["source"],
        ))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("admin.template_saved", name=turn.form_context)
