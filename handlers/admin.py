"""Admins change what the bot says: any response template can be overridden in the database, or reset."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.catalogue import TemplateProblem, shipped_names
from bot.router import command, form
from bot.turn import Turn
from bot.types import Form, FormField
from storage.models import TemplateOverride

MAX_TEMPLATE_CHARS = 4000


def _allowed(turn: Turn) -> bool:
    if not turn.person.is_admin:
        turn.say("admin.not_allowed")
        return False
    return True


@command("templates", "responses", summary="admin.summary_list", audience="admin")
async def list_templates(turn: Turn) -> None:
    if not _allowed(turn):
        return
    overridden = set(await turn.db.scalars(select(TemplateOverride.name)))
    query = turn.args.strip().lower()
    names = [n for n in shipped_names() if query in n]
    turn.say("admin.template_list", names=names, overridden=sorted(overridden), query=query)


@command("template", summary="admin.summary_edit", audience="admin")
async def template_command(turn: Turn) -> None:
    if not _allowed(turn):
        return
    verb, _, name = turn.args.strip().partition(" ")
    verb, name = verb.lower(), name.strip()
    if verb not in ("show", "edit", "reset") or name not in shipped_names():
        turn.say("admin.template_usage", name=name)
        return
    current = turn.services.catalogue.source(name)
    if verb == "show":
        turn.say("admin.template_show", name=name, source=current)
    elif verb == "reset":
        await turn.db.execute(delete(TemplateOverride).where(TemplateOverride.name == name))
        await turn.audit("template", 0, "reset", name=name)
        turn.services.catalogue.invalidate()
        turn.say("admin.template_reset", name=name)
    else:
        field = FormField("source", turn.text("admin.field_source"), "long_text", initial=current,
                          max_length=MAX_TEMPLATE_CHARS)
        turn.say(
            "admin.template_edit",
            name=name,
            form=Form("admin.template", turn.text("admin.form_title"), (field,), turn.text("admin.save"), context=name),
        )


async def _validate(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "source" not in values:
        return {}
    try:
        turn.services.catalogue.check(values["source"])
    except TemplateProblem as exc:
        return {"source": turn.text("admin.template_broken", problem=str(exc))}
    return {}


@form("admin.template", validate=_validate)
async def save_template(turn: Turn, values: dict[str, str]) -> None:
    if not _allowed(turn):
        return
    name = turn.form_context
    if name not in shipped_names():
        turn.say("admin.template_usage", name=name)
        return
    row = await turn.db.scalar(select(TemplateOverride).where(TemplateOverride.name == name))
    if row is None:
        row = TemplateOverride(name=name, source=values["source"], updated_by_id=turn.person.id)
        turn.db.add(row)
    else:
        row.source, row.updated_by_id = values["source"], turn.person.id
    await turn.db.flush()
    await turn.audit("template", row.id, "override", name=name)
    turn.services.catalogue.invalidate()
    turn.say("admin.template_saved", name=name)
