"""A small fire service for the learning tests: an L&D officer, Ashby station (Red and Blue Watch) and
Carrow, with breathing-apparatus records in different states, and helpers to read what people were sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from bot.services import Services
from bot.types import Reply
from bot.usecase import run_use_case
from handlers.learning import opportunities
from handlers.learning.spec import parse_spec
from scheduler.outbox import mark_shown, pending_for, render_message
from storage.db import unit_of_work
from storage.models import Competence, Evidence, OutgoingMessage, Person
from storage.standing import record_competent
from storage.status import valid_until_for
from tests.support import Chat, add_competence, add_person

# The issue's example, as L&D would write it (a session in January 2027; the tests' clock is in Nov 2026).
ISSUE_YAML = """\
title: Breathing apparatus refresher
kind: course            # course | workshop | drill | elearning | qualification
description: One day, practical, wearers only.
competences: [FFBA1]
approval: none          # none | line_manager
sessions:
  - start: 2027-01-12 09:00
    end: 2027-01-12 17:00
    venue: Ashby training centre
    capacity: 5
audience:
  all:
    - any:
        - station: Ashby
        - team: Red Watch
    - competence: FFBA1
      status: expiring
      within_days: 90
  not:
    - role: station manager
"""


def email(name: str) -> str:
    return f"{name}@northvale.example"


@dataclass
class Org:
    ids: dict[str, int]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


async def competent(services: Services, who: str, code: str, on: date) -> None:
    """Verified evidence for `who` in `code` from `on` (the standing follows, as when it is decided)."""
    async with unit_of_work(services.sessions) as db:
        person = await db.scalar(select(Person).where(Person.email == email(who)))
        competence = await db.scalar(select(Competence).where(Competence.code == code))
        evidence = Evidence(person_id=person.id, kind="observed", activity_date=on, description="Drill tower",
                            links=[], status="competent", valid_until=valid_until_for(competence, on),
                            source="test", competences=[competence])
        db.add(evidence)
        await db.flush()
        await record_competent(db, evidence.id)


async def build(services: Services, today: date = date(2026, 11, 17)) -> Org:
    """Ashby: a station manager, Red Watch (watch manager Wendy; firefighters Ann, Ben, Cal, Dee) and Blue
    Watch (Eve); Carrow: Fay. FFBA1 (12-monthly): Ann runs out in 40 days, Ben in 200, Cal expired, Dee
    never, Eve runs out in 10 days, Fay in 20; the station manager's runs out in 30."""
    ids = {}
    ids["ld"] = await add_person(services, email("ld"), "Lee Learning", role="ld", team="Learning and Development",
                                 station="Headquarters")
    ids["sm"] = await add_person(services, email("sm"), "Stan Station", role="station_manager", station="Ashby",
                                 team="Ashby Station")
    ids["wm"] = await add_person(services, email("wm"), "Wendy Watch", role="watch_manager", station="Ashby",
                                 team="Red Watch", manager=email("sm"))
    for name, full, team, station in (
        ("ann", "Ann Archer", "Red Watch", "Ashby"), ("ben", "Ben Baker", "Red Watch", "Ashby"),
        ("cal", "Cal Cooper", "Red Watch", "Ashby"), ("dee", "Dee Dyer", "Red Watch", "Ashby"),
        ("eve", "Eve Evans", "Blue Watch", "Ashby"), ("fay", "Fay Fisher", "Green Watch", "Carrow"),
    ):
        ids[name] = await add_person(services, email(name), full, team=team, station=station, manager=email("wm"))
    ids["FFBA1"] = await add_competence(services, "FFBA1", "Use breathing apparatus", risk_critical=True, months=12)
    ids["FFCS9"] = await add_competence(services, "FFCS9", "Deliver home fire safety visits")
    year = timedelta(days=365)
    for who, runs_out_in in (("ann", 40), ("ben", 200), ("cal", -5), ("eve", 10), ("fay", 20), ("sm", 30)):
        await competent(services, who, "FFBA1", today + timedelta(days=runs_out_in) - year)
    return Org(ids)


async def add(services: Services, text: str = ISSUE_YAML, **changes: Any) -> int:
    """An opportunity from YAML (with top-level changes), as `ldbot learning add` makes it; its id."""
    data = yaml.safe_load(text)
    data.update(changes)
    spec = parse_spec(data, tz=services.tz, now=services.now(), base=Path("."))
    saved = await run_use_case(services, opportunities.create_opportunity, None, spec=spec)
    return saved.opportunity.id


async def inbox(services: Services, name: str) -> list[Reply]:
    """What the person's console shows when they next open a chat (and it is then delivered)."""
    async with services.sessions() as db:
        person_id = await db.scalar(select(Person.id).where(Person.email == email(name)))
    messages = await pending_for(services.sessions, person_id, "console", now=services.now())
    await mark_shown(services.sessions, [m.id for m in messages], "console", now=services.now())
    return [render_message(m, "console", services.catalogue) for m in messages]


async def queued(services: Services, template: str) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        return list(await db.scalars(
            select(OutgoingMessage).where(OutgoingMessage.template == template).order_by(OutgoingMessage.id)))


async def count(services: Services, model: type, *where: Any) -> int:
    async with services.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def button(reply: Reply, starts: str) -> tuple[str, str]:
    """(action id, value) of the reply's button whose action id starts with `starts`."""
    found = next(b for b in reply.buttons if b.action_id.startswith(starts))
    return found.action_id, found.value


async def click(chat: Chat, reply: Reply, starts: str) -> str:
    return await chat.click(*button(reply, starts))
