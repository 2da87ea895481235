"""A small service where Alex Morgan has used every part of ldbot, for the privacy tests.

    Gail Group (group manager)        gm@example.org
      └─ Sam Patel (crew manager)     sam@example.org
           ├─ Alex Morgan             alex@example.org   slack U0ALEX01, teams aad-alex-0001
           └─ Jo Bloggs               jo@example.org
    Lee Trainer (L&D)                 lee@example.org
    Ash Assessor (assessor)           ash@example.org

Alex has: reflections (one shared, one deleted, one holding a unique phrase), evidence decided by Sam and
evidence still waiting, a policy question handed to L&D, answered and saved as a standard answer, a helpful
click, an appraisal, a booked assessment and a snooze, a nudge digest (to Sam, naming Alex) and an expiry
reminder, a half-finished reflection in the console, platform accounts and a conversation reference. Sam has
looked at Alex's record; Jo's reflection names Alex; Jo's evidence was decided by Sam.

Learning (Lee created and sent both, to Ashby and to Alex by name): Alex went on the ladder drill on
5 November, said what he will apply (with the phrase) and that Sam ran it well, and Sam answered whether he
has seen a change; Jo did not come. Alex holds the one place on a coming session, Jo waiting behind
him (a session two months ahead). An operator printed Alex a web console sign-in link (`ldbot admin link`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bot.app import make_bot
from bot.clock import Moment
from bot.services import Services
from bot.usecase import Result, apply
from handlers.evidence.usecases import log_evidence
from handlers.learning.attendance import record_attendance
from handlers.learning.bookings import sign_up
from handlers.learning.broadcasts import send
from handlers.learning.config import config_for
from handlers.learning.evaluation import answer_evaluation, answer_manager
from handlers.learning.opportunities import create_opportunity
from handlers.learning.spec import parse_spec
from handlers.nudges.job import run_nudges
from handlers.nudges.usecases import book_assessment, snooze
from handlers.policy.usecases import ask, give_feedback, hand_off, reply_to_handoff, save_standard_answer
from handlers.record.usecases import view_record
from handlers.reflections.usecases import delete_reflection, save_reflection, share_reflection
from handlers.verification.usecases import decide_evidence
from handlers.webconsole.usecases import issue_link
from storage.db import unit_of_work
from storage.models import Base, ConversationRef, Evidence, Person, PlatformIdentity
from storage.models.learning import LearningBooking
from storage.models.nudges import AppraisalRecord
from storage.org_import import person_by_email
from storage.policy.importer import load_sample_policies
from tests.nudge_org import rules
from tests.support import Chat, add_competence, add_person

GM, SAM, ALEX, JO, LEE, ASH = (f"{who}@example.org" for who in ("gm", "sam", "alex", "jo", "lee", "ash"))
PHRASE = "quokka-ladder drill"
QUESTION = "can i claim mileage for driving to a course?"
ANSWER = "Yes: claim mileage for course travel on the expenses form, at the standard rate."
SLACK_ID, TEAMS_ID = "U0ALEX01", "aad-alex-0001"
MONDAY = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


async def as_person(
    services: Services, email: str, fn: Callable[..., Awaitable[Result]], *, when: datetime | None = None,
    **kwargs: Any,
) -> Any:
    """A use case in its own transaction, as that person (at `when`, or now), with its notices queued."""
    async with unit_of_work(services.sessions) as db:
        actor = await person_by_email(db, email)
        at = Moment(when, services.tz) if when else services.at()
        return await apply(db, await fn(db, actor, at, **kwargs), at)


async def learning(services: Services, people: dict[str, int]) -> None:
    """Alex's courses (see the module docstring)."""
    config = config_for(services)

    async def course(data: dict[str, Any], when: datetime) -> int:
        spec = parse_spec(data, tz=services.tz, now=when, base=Path("."))
        created = await as_person(services, LEE, create_opportunity, when=when, spec=spec)
        await as_person(services, LEE, send, when=when, opportunity_id=created.opportunity.id, config=config)
        return created.opportunity.id

    october = datetime(2026, 10, 20, 10, 0, tzinfo=UTC)
    drill = await course({
        "title": "Ladder drill refresher", "kind": "drill", "description": "Pitching the 13.5 m ladder.",
        "sessions": [{"start": "2026-11-05 09:00", "end": "2026-11-05 12:00", "venue": "Ashby drill yard",
                      "capacity": 5}],
        "audience": {"any": [{"station": "Ashby"}, {"people": [ALEX]}]},
    }, october)
    for who in (ALEX, JO):
        await as_person(services, who, sign_up, when=october, opportunity_id=drill, config=config)
    after = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)
    await as_person(services, LEE, record_attendance, when=after, opportunity_id=drill, session_number=1,
                    marks={ALEX: "attended", JO: "no_show"}, config=config)
    async with services.sessions() as db:
        booking = await db.scalar(select(LearningBooking.id).where(LearningBooking.person_id == people["alex"],
                                                                  LearningBooking.opportunity_id == drill))
    await as_person(services, ALEX, answer_evaluation, when=after, booking_id=booking, useful=5,
                    apply=f"Run the {PHRASE} with the new crew.", comment="Sam Patel ran it well.")
    await as_person(services, SAM, answer_manager, when=after, booking_id=booking, answer="yes")

    # Well ahead of the tests' clock and of the real one (`ldbot privacy erase` runs on the real clock).
    day = max(services.now(), datetime.now(UTC)).date() + timedelta(days=60)
    upcoming = await course({
        "title": "Casualty care", "sessions": [{"start": f"{day} 09:00", "end": f"{day} 17:00",
                                                 "venue": "Carrow training room", "capacity": 1}],
        "audience": {"people": [ALEX, JO]},
    }, services.now())
    for who in (ALEX, JO):
        await as_person(services, who, sign_up, opportunity_id=upcoming, config=config)

    async with unit_of_work(services.sessions) as db:
        alex = await person_by_email(db, ALEX)
        await issue_link(db, None, services.at(), subject=alex, base_url="http://localhost:3978", via="cli")


async def ids(services: Services) -> dict[str, int]:
    async with services.sessions() as db:
        return {p.email.split("@")[0]: p.id for p in await db.scalars(select(Person))}


async def build(services: Services) -> dict[str, int]:
    await add_person(services, GM, "Gail Group", role="group_manager", station="HQ")
    await add_person(services, SAM, "Sam Patel", role="crew_manager", manager=GM, station="Ashby")
    await add_person(services, ALEX, "Alex Morgan", manager=SAM, station="Ashby")
    await add_person(services, JO, "Jo Bloggs", manager=SAM, station="Ashby")
    await add_person(services, LEE, "Lee Trainer", role="ld", station="HQ")
    await add_person(services, ASH, "Ash Assessor", role="assessor", station="HQ")
    ba = await add_competence(services, "FFBA1", "Use breathing apparatus", risk_critical=True, months=12)
    await add_competence(services, "FFCS9", "Home fire safety visits")
    people = await ids(services)
    async with unit_of_work(services.sessions) as db:
        await load_sample_policies(db)
        db.add_all([
            PlatformIdentity(platform="slack", platform_user_id=SLACK_ID, person_id=people["alex"]),
            PlatformIdentity(platform="teams", platform_user_id=TEAMS_ID, person_id=people["alex"]),
            ConversationRef(platform="teams", person_id=people["alex"],
                            reference={"user": {"id": TEAMS_ID}, "conversation": {"id": "a:conv-alex"}}),
            AppraisalRecord(person_id=people["alex"], last_appraisal_date=date(2025, 9, 1), source="import"),
        ])

    # Reflections: one with the phrase (shared with Sam), one deleted, and Jo's naming Alex.
    draft = {"what_happened": f"Led the {PHRASE} for the watch.", "so_what": "Diagrams help.", "now_what": "More."}
    saved = await as_person(services, ALEX, save_reflection, draft=draft)
    await as_person(services, ALEX, share_reflection, reflection_id=saved.reflection.id)
    gone = await as_person(services, ALEX, save_reflection, draft={"what_happened": "A bad night, best forgotten."})
    await as_person(services, ALEX, delete_reflection, reflection_id=gone.reflection.id)
    await as_person(services, JO, save_reflection, draft={"what_happened": "Alex Morgan showed me the BA board."})

    # Evidence: one decided by Sam (feedback naming Alex), one still waiting; Jo's decided by Sam too.
    first = await as_person(services, ALEX, log_evidence, competence_code="FFBA1", kind="observed",
                            activity_date=date(2026, 11, 2), description=f"Wore BA at the {PHRASE}.", links=[])
    await as_person(services, SAM, decide_evidence, evidence_id=first.evidence.id, decision="competent",
                    feedback="Well led, Alex Morgan.")
    await as_person(services, ALEX, log_evidence, competence_code="FFCS9", kind="real_incident",
                    activity_date=date(2026, 11, 10), description="Three home visits.", links=["https://x.example/a"])
    jo = await as_person(services, JO, log_evidence, competence_code="FFBA1", kind="observed",
                         activity_date=date(2026, 11, 3), description="Wore BA at a drill.", links=[])
    await as_person(services, SAM, decide_evidence, evidence_id=jo.evidence.id, decision="competent",
                    feedback="Good entry control.")

    # Policy: a question the bot could not answer, handed to L&D, answered, saved as standard, clicked.
    asked = await as_person(services, ALEX, ask, question=QUESTION, channel="chat")
    assert not asked.answer.answered
    handed = await as_person(services, ALEX, hand_off, question_id=asked.answer.question_id)
    await as_person(services, LEE, reply_to_handoff, handoff_id=handed.handoff.id, text=ANSWER)
    await as_person(services, LEE, save_standard_answer, handoff_id=handed.handoff.id)
    again = await as_person(services, ALEX, ask, question=QUESTION, channel="chat")
    assert again.answer.standard is not None
    await as_person(services, ALEX, give_feedback, question_id=again.answer.question_id, helpful=True)

    # Nudges: Sam books and snoozes for Alex; a Monday run sends Sam a digest naming Alex.
    await as_person(services, SAM, book_assessment, person_id=people["alex"], competence_id=ba,
                    on=date(2026, 12, 1))
    report = await run_nudges(services, rules=rules(), now=MONDAY)
    assert report.queued.get("digest") == 1, report
    await as_person(services, SAM, snooze, person_id=people["alex"], item="appraisal", rules=rules())

    # Sam looks at Alex's record; Alex leaves a reflection half-written in chat (Slack).
    async with unit_of_work(services.sessions) as db:
        sam = await person_by_email(db, SAM)
        alex = await person_by_email(db, ALEX)
        await view_record(db, sam, services.at(), subject=alex)
    await learning(services, people)
    console = Chat(make_bot(services), ALEX)
    await console.send("new reflection")
    assert "So what" in await console.send(f"Another {PHRASE}, this time at night.")
    return people


async def dump(services: Services) -> list[tuple[str, str]]:
    """Every row of every table in the models, as raw SQL returns it: (table, the row as lower-case text)."""
    found = []
    async with services.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in await conn.execute(text(f'SELECT * FROM "{table.name}"')):
                found.append((table.name, repr(tuple(row)).lower()))
    return found


def naming(rows: list[tuple[str, str]], *needles: str) -> list[tuple[str, str, str]]:
    return [(table, needle, row) for table, row in rows for needle in needles if needle.lower() in row]


async def evidence_of(services: Services, email: str) -> list[Evidence]:
    async with services.sessions() as db:
        person = await person_by_email(db, email)
        return list(await db.scalars(select(Evidence).where(Evidence.person_id == person.id).order_by(Evidence.id)))
