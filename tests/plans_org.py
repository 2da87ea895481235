"""A small service for the development-plan tests: L&D, a watch manager with two firefighters, another
manager's firefighter, a competence, a course and the pathway everyone's plans come from."""

from __future__ import annotations

from datetime import UTC, date, datetime

import yaml
from sqlalchemy import select

from bot.services import Services
from bot.usecase import run_use_case
from handlers.plans import usecases as uc
from handlers.plans.spec import parse_spec
from storage.db import unit_of_work
from storage.models import Person
from storage.models.learning import LearningBooking, LearningOpportunity
from tests.support import add_competence, add_person

PATHWAY_YAML = """\
name: Trainee firefighter development
description: The first year on station.
induction_for: firefighter
steps:
  - checkin: Meet your line manager
    within: 2 weeks
  - competence: FFBA1
    within: 3 months
  - learning: [Breathing apparatus refresher]
    within: 4 months
  - reflection: Reflect on your first shifts
    within: 2 months
  - appraisal: Appraisal at the end
    within: 12 months
"""
START = date(2026, 8, 3)  # a plan started then is 3.5 months in on the tests' clock (17 Nov 2026)


def email(name: str) -> str:
    return f"{name}@plans.example"


async def build(services: Services) -> dict[str, int]:
    ids = {
        "ld": await add_person(services, email("ld"), "Lee Dunn", role="ld"),
        "wm": await add_person(services, email("wm"), "Dana Kowalski", role="watch_manager", station="Ashby"),
        "other_wm": await add_person(services, email("other_wm"), "Tom Okafor", role="watch_manager"),
        "admin": await add_person(services, email("admin"), "Ian Fraser", role="admin"),
    }
    ids["ff"] = await add_person(services, email("ff"), "Sam Patel", manager=email("wm"), station="Ashby")
    ids["ff2"] = await add_person(services, email("ff2"), "Jo Bloggs", manager=email("wm"), station="Ashby")
    ids["far"] = await add_person(services, email("far"), "Kofi Mensah", manager=email("other_wm"))
    ids["FFBA1"] = await add_competence(services, "FFBA1", "Breathing apparatus wearer")
    async with unit_of_work(services.sessions) as db:
        course = LearningOpportunity(title="Breathing apparatus refresher", kind="course")
        db.add(course)
        await db.flush()
        ids["course"] = course.id
    return ids


async def add_pathway(services: Services, text: str = PATHWAY_YAML, **changes: object) -> int:
    data = yaml.safe_load(text)
    data.update(changes)
    saved = await run_use_case(services, uc.add_pathway, None, spec=parse_spec(data))
    return saved.pathway.id


async def person(services: Services, name: str) -> Person:
    async with services.sessions() as db:
        return await db.scalar(select(Person).where(Person.email == email(name)))


async def attended(services: Services, person_id: int, opportunity_id: int, on: datetime) -> None:
    async with unit_of_work(services.sessions) as db:
        db.add(LearningBooking(opportunity_id=opportunity_id, person_id=person_id, status="confirmed",
                               attendance="attended", attendance_at=on, created_at=on, updated_at=on))


def moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
