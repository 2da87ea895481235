"""The learning unit's scheduled job: offers that lapsed go to the next person, reminders before sessions,
and the follow-up evaluation weeks after. Safe to run often and in several processes at once: offers are
changed under the session's row lock, and every message has a de-duplication key the outbox keeps once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.services import Services
from bot.usecase import Result, apply
from handlers.learning import messages
from handlers.learning.bookings import lapse_offers
from handlers.learning.config import LearningConfig, config_for
from handlers.learning.evaluation import due_follow_ups
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person
from storage.models.learning import LearningBooking, LearningOpportunity, LearningSession

log = logging.getLogger("ldbot.learning")


@dataclass
class TickReport:
    lapsed: int = 0
    offered: int = 0
    reminders: int = 0
    follow_ups: int = 0
    managers: int = 0

    def __str__(self) -> str:
        return (f"offers lapsed {self.lapsed}, offered {self.offered}, reminders {self.reminders}, "
                f"follow-ups {self.follow_ups} (managers {self.managers})")


@dataclass
class Reminders(Result):
    queued: int = 0


async def due_reminders(db: AsyncSession, at: Moment, *, config: LearningConfig) -> Reminders:
    """Each confirmed place hears `days` before its session, for the latest reminder day already reached
    (a job that was down sends one, not several), if they booked before that day and the message can
    reach them in working time before the session starts."""
    days = config.rules.reminders
    result = Reminders()
    if not days:
        return result
    horizon = at.now + timedelta(days=max(days) + 1)
    rows = (await db.execute(
        select(LearningBooking, LearningSession, Person)
        .join(LearningSession, LearningSession.id == LearningBooking.session_id)
        .join(Person, Person.id == LearningBooking.person_id)
        .where(LearningBooking.status == "confirmed", LearningSession.status == "open",
               LearningSession.starts_at > at.now, LearningSession.starts_at <= horizon, Person.active.is_(True))
    )).all()
    wanted = []
    for booking, session, person in rows:
        start_day = session.starts_at.astimezone(config.tz).date()
        reached = [d for d in days if at.today >= start_day - timedelta(days=d)]
        if not reached:
            continue
        day = min(reached)
        if booking.updated_at.astimezone(config.tz).date() >= start_day - timedelta(days=day):
            continue  # booked on or after the reminder day: they know
        key = messages.booking_key(booking.id, f"remind:{day}:{session.starts_at.isoformat()}")
        wanted.append((key, day, booking, session, person))
    if not wanted:
        return result
    sent = set(await db.scalars(select(OutgoingMessage.dedupe_key)
                                .where(OutgoingMessage.dedupe_key.in_([w[0] for w in wanted]))))
    opportunities: dict[int, LearningOpportunity | None] = {}
    for key, day, booking, session, person in wanted:
        if key in sent:
            continue
        if session.opportunity_id not in opportunities:
            opportunities[session.opportunity_id] = await db.get(LearningOpportunity, session.opportunity_id)
        found = opportunities[session.opportunity_id]
        deliver = config.deliver_at(person.working_pattern, person.timezone, at.now)
        if found is None or found.status != "open" or deliver >= session.starts_at:
            continue
        result.notices.append(messages.reminder(booking, person, found, session, config, days=day, deliver=deliver))
    result.queued = len(result.notices)
    return result


async def tick(services: Services) -> TickReport:
    config = config_for(services)
    at = services.at()
    report = TickReport()
    async with unit_of_work(services.sessions) as db:
        lapsed = await apply(db, await lapse_offers(db, at, config=config), at)
        report.lapsed, report.offered = lapsed.lapsed, lapsed.offered
    async with unit_of_work(services.sessions) as db:
        report.reminders = (await apply(db, await due_reminders(db, at, config=config), at)).queued
    async with unit_of_work(services.sessions) as db:
        follow = await apply(db, await due_follow_ups(db, at, config=config), at)
        report.follow_ups, report.managers = follow.asked, follow.managers
    if report.lapsed or report.offered or report.reminders or report.follow_ups:
        log.info("learning tick %s", report)
    return report


def tick_every(services: Services) -> timedelta:
    return timedelta(minutes=config_for(services).rules.tick_every_minutes)
