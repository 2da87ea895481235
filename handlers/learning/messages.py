"""The notices the learning unit sends, with their buttons and de-duplication keys.

Keys name what a message is about so the outbox sends each once and a whole family can be withdrawn
(`scheduler.outbox.cancel` takes a key and everything under `key:`):
- `learning:<opportunity>:invite:<broadcast>:<person>` — an invitation;
- `learning:b<booking>:offer:<seq>`, `...:approve:<seq>`, `...:remind:<days>:<start>`, `...:evaluate`,
  `...:follow_up`, `...:manager` — about one booking.
Invitations, offers, approval requests, reminders and evaluations wait for the recipient's working time;
a change or a cancellation by L&D is told at once (the session may be tomorrow).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.learning.config import LearningConfig
from handlers.learning.describe import opportunity_context, session_context
from handlers.learning.times import moment_context
from scheduler.outbox import Notice, NoticeButton
from storage.models import Person
from storage.models.learning import LearningBooking, LearningOpportunity, LearningSession


def booking_key(booking_id: int, what: str) -> str:
    return f"learning:b{booking_id}:{what}"


def invite_prefix(opportunity_id: int) -> str:
    return f"learning:{opportunity_id}:invite"


def invite_key(opportunity_id: int, broadcast_id: int, person_id: int) -> str:
    return f"{invite_prefix(opportunity_id)}:{broadcast_id}:{person_id}"


def first_name(name: str) -> str:
    return (name.split() or [name])[0]


def invitation_buttons(opportunity: LearningOpportunity) -> tuple[NoticeButton, ...]:
    value = str(opportunity.id)
    buttons = [NoticeButton("learning.button_signup", f"learning.signup:{value}", value, "primary")]
    if opportunity.is_elearning and opportunity.link:
        buttons.append(NoticeButton("learning.button_open", f"learning.open:{value}", value))
    buttons.append(NoticeButton("learning.button_not_for_me", f"learning.not_for_me:{value}", value))
    return tuple(buttons)


def invitation(
    opportunity: LearningOpportunity, context: dict[str, Any], person_id: int, name: str, reasons: list[dict],
    *, broadcast_id: int, not_before: datetime,
) -> Notice:
    """`context` is the opportunity's (built once for a whole broadcast); the person's own reasons are
    those about their record (a competence running out, an overdue appraisal)."""
    own = [r for r in reasons if r["kind"] in ("competence", "appraisal")]
    return Notice(
        person_id, "learning.invitation", {**context, "first": first_name(name), "reasons": own},
        invitation_buttons(opportunity), kind="learning_invitation",
        dedupe_key=invite_key(opportunity.id, broadcast_id, person_id), not_before=not_before,
    )


def _about(opportunity: LearningOpportunity, session: LearningSession | None, config: LearningConfig) -> dict:
    context = opportunity_context(opportunity, config.tz, sessions=False)
    context["session"] = session_context(session, config.tz) if session is not None else None
    return context


def offer(
    booking: LearningBooking, person: Person, opportunity: LearningOpportunity, session: LearningSession,
    config: LearningConfig, *, deliver: datetime,
) -> Notice:
    value = str(booking.id)
    return Notice(
        person.id, "learning.offer",
        {**_about(opportunity, session, config), "first": first_name(person.name),
         "until": moment_context(booking.offered_until, config.tz)},
        (NoticeButton("learning.button_accept", f"learning.accept:{value}", value, "primary"),
         NoticeButton("learning.button_decline", f"learning.decline:{value}", value)),
        kind="learning_offer", dedupe_key=booking_key(booking.id, f"offer:{booking.seq}"), not_before=deliver,
    )


def approval_request(
    booking: LearningBooking, person: Person, approver: Person, opportunity: LearningOpportunity,
    session: LearningSession, config: LearningConfig, *, deliver: datetime, as_ld: bool,
) -> Notice:
    value = str(booking.id)
    return Notice(
        approver.id, "learning.approval_request",
        {**_about(opportunity, session, config), "first": first_name(approver.name), "name": person.name,
         "as_ld": as_ld},
        (NoticeButton("learning.button_approve", f"learning.approve:{value}", value, "primary", {"name": person.name}),
         NoticeButton("learning.button_refuse", f"learning.refuse:{value}", value, None, {"name": person.name})),
        kind="learning_approval", dedupe_key=booking_key(booking.id, f"approve:{booking.seq}"), not_before=deliver,
    )


def about_booking(
    template: str, booking: LearningBooking, person: Person, opportunity: LearningOpportunity,
    session: LearningSession | None, config: LearningConfig, *, key: str, deliver: datetime | None = None,
    buttons: tuple[NoticeButton, ...] = (), **extra: Any,
) -> Notice:
    """A message to the person a booking is for: booked or removed by L&D, an offer lapsed, approved, ..."""
    return Notice(
        person.id, template, {**_about(opportunity, session, config), "first": first_name(person.name), **extra},
        buttons, kind="learning_booking", dedupe_key=booking_key(booking.id, key), not_before=deliver,
    )


def evaluation_request(
    booking: LearningBooking, person: Person, opportunity: LearningOpportunity, session: LearningSession | None,
    config: LearningConfig, *, deliver: datetime,
) -> Notice:
    value = str(booking.id)
    return about_booking(
        "learning.evaluate", booking, person, opportunity, session, config, key="evaluate", deliver=deliver,
        buttons=(NoticeButton("learning.button_evaluate", f"learning.evaluate:{value}", value, "primary"),),
    )


FOLLOW_UP_ANSWERS = ("yes", "partly", "no")
MANAGER_ANSWERS = ("yes", "not_yet", "unsure")


def follow_up(
    booking: LearningBooking, person: Person, opportunity: LearningOpportunity, session: LearningSession | None,
    config: LearningConfig, *, deliver: datetime, weeks: int,
) -> Notice:
    buttons = tuple(
        NoticeButton(f"learning.button_used_{answer}", f"learning.used:{booking.id}:{answer}", f"{booking.id}:{answer}",
                     "primary" if answer == "yes" else None)
        for answer in FOLLOW_UP_ANSWERS
    )
    return about_booking("learning.follow_up", booking, person, opportunity, session, config, key="follow_up",
                         deliver=deliver, buttons=buttons, weeks=weeks)


def manager_question(
    booking: LearningBooking, person: Person, manager: Person, opportunity: LearningOpportunity,
    session: LearningSession | None, config: LearningConfig, *, deliver: datetime,
) -> Notice:
    buttons = tuple(
        NoticeButton(f"learning.button_seen_{answer}", f"learning.seen:{booking.id}:{answer}", f"{booking.id}:{answer}",
                     "primary" if answer == "yes" else None)
        for answer in MANAGER_ANSWERS
    )
    return Notice(
        manager.id, "learning.manager_question",
        {**_about(opportunity, session, config), "first": first_name(manager.name), "name": person.name},
        buttons, kind="learning_evaluation", dedupe_key=booking_key(booking.id, "manager"), not_before=deliver,
    )


def reminder(
    booking: LearningBooking, person: Person, opportunity: LearningOpportunity, session: LearningSession,
    config: LearningConfig, *, days: int, deliver: datetime,
) -> Notice:
    return about_booking(
        "learning.reminder", booking, person, opportunity, session, config,
        key=f"remind:{days}:{session.starts_at.isoformat()}", deliver=deliver, days=days,
    )
