"""Someone who leaves drops out of learning: out of every audience, their place on a coming session
offered to the next person waiting (through the learning unit's own rules, so the offer is sent), and a
booking that waited for their approval asked of whoever approves now."""

from __future__ import annotations

from datetime import date

import yaml
from sqlalchemy import select

from bot.app import make_bot
from bot.usecase import apply, run_use_case
from handlers.learning import bookings, broadcasts
from handlers.learning.config import config_for
from handlers.people.leavers import leave
from storage.db import unit_of_work
from storage.models import Person
from storage.models.learning import LearningBooking
from storage.org_import import person_by_email
from tests.learning_org import ISSUE_YAML, add, build, click, email, inbox
from tests.support import Chat

SESSION = {**yaml.safe_load(ISSUE_YAML)["sessions"][0], "capacity": 1}


async def leaves(services, who: str) -> list[int]:
    async with unit_of_work(services.sessions) as db:
        person = await person_by_email(db, email(who))
        at = services.at()
        left = await apply(db, await leave(db, None, at, person=person, on=at.today, source="test",
                                           learning=config_for(services)), at)
        return left.bookings_released


async def status_of(services, who: str, opportunity: int) -> str:
    async with services.sessions() as db:
        person = await person_by_email(db, email(who))
        return await db.scalar(select(LearningBooking.status).where(
            LearningBooking.person_id == person.id, LearningBooking.opportunity_id == opportunity))


async def test_a_leavers_place_goes_to_the_next_person_waiting_and_they_leave_every_audience(services):
    await build(services)
    opportunity = await add(services, sessions=[SESSION], audience={"team": "Red Watch"})
    lee = Chat(make_bot(services), email("ld"))
    for who in ("ann", "ben"):
        await lee.send(f"book {opportunity} {email(who)}")
        await inbox(services, who)
    assert (await status_of(services, "ann", opportunity), await status_of(services, "ben", opportunity)) == (
        "confirmed", "waitlisted")

    assert len(await leaves(services, "ann")) == 1
    assert await status_of(services, "ann", opportunity) == "removed"
    assert await status_of(services, "ben", opportunity) == "offered"
    [offer] = await inbox(services, "ben")
    assert offer.text.startswith("Good news, Ben: a place has come free on *Breathing apparatus refresher*")
    async with services.sessions() as db:
        ann = await person_by_email(db, email("ann"))
    assert "Ann Archer" not in (await lee.send(f"signups {opportunity}"))
    preview = await run_use_case(services, broadcasts.preview, None, opportunity_id=opportunity,
                                 config=config_for(services))
    assert ann.id not in {m.person.id for m in preview.members} and preview.members  # the others still are


async def test_a_booking_waiting_for_a_leavers_approval_is_asked_of_the_manager_above(services):
    await build(services)
    opportunity = await add(services, approval="line_manager", audience={"team": "Red Watch"})
    async with services.sessions() as db:
        ann = await person_by_email(db, email("ann"))
    placed = await run_use_case(services, bookings.sign_up, ann, opportunity_id=opportunity, session_number=1,
                                config=config_for(services))
    assert placed.status == "pending_approval" and [a.name for a in placed.approvers] == ["Wendy Watch"]
    await inbox(services, "wm")

    assert await leaves(services, "wm") == []  # Wendy had no place of her own
    request, handover = await inbox(services, "sm")  # Ann now reports to Stan, who is asked instead
    assert request.text.startswith("Hello Stan — Ann Archer would like a place on *Breathing apparatus refresher*")
    assert handover.text.startswith("Wendy Watch left the service on 17 November 2026.")
    stan = Chat(make_bot(services), email("sm"))
    assert "Approved ✓ Ann Archer is booked" in await click(stan, request, "learning.approve")
    assert await status_of(services, "ann", opportunity) == "confirmed"
    async with services.sessions() as db:
        booking = await db.scalar(select(LearningBooking).where(LearningBooking.person_id == ann.id))
        stan_id = await db.scalar(select(Person.id).where(Person.email == email("sm")))
    assert booking.approver_id == stan_id and date(2027, 1, 12) > services.today()
