"""The App Home tab: a person's own summary — competence status, recent reflections, and for those who
decide evidence, what is waiting for them.

The facts come from the record unit's `home` use case (the same rules as everywhere else); every sentence
from the catalogue (templates slack.home_*). This module only lays the rendered text out as Block Kit.
"""

from __future__ import annotations

from typing import Any

from bot.core import Bot, ProfileLookup
from bot.slack.blocks import OPEN_FORM_ACTION, button_element, sections
from bot.types import Button, Incoming
from handlers.nudges.rules import NudgeRules
from handlers.record.team import team_context
from handlers.record.usecases import home
from storage.db import unit_of_work

PREVIEW_CHARS = 80
PLATFORM = "slack"
STATUS_ORDER = {"expired": 0, "expiring": 1, "never": 2, "in_date": 3}


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


async def home_view(bot: Bot, incoming: Incoming, *, profile: ProfileLookup | None = None) -> tuple[dict[str, Any], int | None]:
    """The Home tab for this Slack user (or, for one the organisation does not know, a polite note)."""
    services = bot.services

    def render(template: str, **context: Any) -> str:
        return services.catalogue.render(template, context, platform=PLATFORM)

    async with unit_of_work(services.sessions) as db:
        await services.catalogue.refresh(db)
        person = await bot.identify(db, incoming, profile)
        if person is None:
            return {"type": "home", "blocks": sections(render("slack.home_unknown"))}, None
        rules = services.config(NudgeRules)
        summary = await home(db, person, services.at(), appraisal_months=rules.appraisal_months,
                             due_soon_days=rules.due_soon_days)
    competences = sorted(
        (
            {"code": s.code, "title": s.title, "status": s.status, "valid_until": s.valid_until,
             "risk_critical": s.risk_critical}
            for s in summary.statuses
            if s.status != "never" or s.risk_critical
        ),
        key=lambda c: (STATUS_ORDER[c["status"]], c["code"]),
    )
    reflections = [{"id": r.id, "date": r.created_at.date(), "preview": _preview(r.what_happened)}
                   for r in summary.reflections]
    team = []
    for evidence, owner in summary.waiting:
        competence = evidence.competences[0] if evidence.competences else None
        team.append({
            "id": evidence.id, "staff_name": owner.name, "date": evidence.activity_date,
            "code": competence.code if competence else "", "title": competence.title if competence else "",
        })

    blocks: list[dict[str, Any]] = []
    blocks += sections(render("slack.home_header", name=person.name.split()[0]))
    log_evidence = Button(render("slack.button_log_evidence"), OPEN_FORM_ACTION, "evidence")
    blocks.append({"type": "actions", "elements": [button_element(log_evidence, OPEN_FORM_ACTION)]})
    blocks.append({"type": "divider"})
    blocks += sections(render("slack.home_competences", items=competences))
    blocks.append({"type": "divider"})
    blocks += sections(render("slack.home_reflections", items=reflections, total=summary.total_reflections))
    if summary.team is not None:
        blocks.append({"type": "divider"})
        blocks += sections(render("record.team", **team_context(summary.team)))
    if summary.decides:
        blocks.append({"type": "divider"})
        blocks += sections(render("slack.home_team", items=team))
    return {"type": "home", "blocks": blocks[:100]}, person.id
