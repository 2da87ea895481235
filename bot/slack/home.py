"""The App Home tab: a person's own summary — competence status, recent reflections, and for line
managers and assessors the evidence waiting for their decision.

Every sentence comes from the catalogue (templates slack.home_*); this module only gathers the facts
and lays the rendered text out as Block Kit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from bot.core import Bot
from bot.slack.blocks import OPEN_FORM_ACTION, button_element, sections
from bot.types import Button
from storage.evidence_queries import awaiting_decision
from storage.models import Person
from storage.reflection_queries import count_reflections, reflections_for
from storage.status import competence_status

RECENT_REFLECTIONS = 5
PREVIEW_CHARS = 80
PLATFORM = "slack"


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


async def home_view(bot: Bot, person_id: int | None) -> dict[str, Any]:
    """The Home tab for a person (or, for a Slack user the organisation does not know, a polite note)."""
    render = bot.services.catalogue.render
    if person_id is None:
        return {"type": "home", "blocks": sections(render("slack.home_unknown", {}, platform=PLATFORM))}
    async with bot.services.sessions() as db:
        await bot.services.catalogue.refresh(db)
        person = await db.get(Person, person_id)
        if person is None or not person.active:
            return {"type": "home", "blocks": sections(render("slack.home_unknown", {}, platform=PLATFORM))}
        statuses = await competence_status(db, person.id, bot.services.today())
        competences = [
            {"code": s.code, "title": s.title, "status": s.status, "valid_until": s.valid_until,
             "risk_critical": s.risk_critical}
            for s in statuses
            if s.status != "never" or s.risk_critical
        ]
        order = {"expired": 0, "expiring": 1, "never": 2, "in_date": 3}
        competences.sort(key=lambda c: (order[c["status"]], c["code"]))
        reflections = [
            {"id": r.id, "date": r.created_at.date(), "preview": _preview(r.what_happened)}
            for r in await reflections_for(db, person.id, limit=RECENT_REFLECTIONS)
        ]
        total_reflections = await count_reflections(db, person.id)
        manages = person.is_verifier or bool(
            await db.scalar(select(exists().where(Person.line_manager_id == person.id, Person.active.is_(True))))
        )
        team: list[dict[str, Any]] = []
        if manages:
            for evidence, owner in await awaiting_decision(db, person):
                competence = evidence.competences[0] if evidence.competences else None
                team.append({
                    "id": evidence.id, "staff_name": owner.name, "date": evidence.activity_date,
                    "code": competence.code if competence else "", "title": competence.title if competence else "",
                })

    blocks: list[dict[str, Any]] = []
    blocks += sections(render("slack.home_header", {"name": person.name.split()[0]}, platform=PLATFORM))
    log_evidence = Button(render("slack.button_log_evidence", {}, platform=PLATFORM), OPEN_FORM_ACTION, "evidence")
    blocks.append({"type": "actions", "elements": [button_element(log_evidence, OPEN_FORM_ACTION)]})
    blocks.append({"type": "divider"})
    blocks += sections(render("slack.home_competences", {"items": competences}, platform=PLATFORM))
    blocks.append({"type": "divider"})
    blocks += sections(
        render("slack.home_reflections", {"items": reflections, "total": total_reflections}, platform=PLATFORM)
    )
    if manages:
        blocks.append({"type": "divider"})
        blocks += sections(render("slack.home_team", {"items": team}, platform=PLATFORM))
    return {"type": "home", "blocks": blocks[:100]}
