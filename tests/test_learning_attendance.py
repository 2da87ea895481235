"""After the session: attendance in chat, the training-course entries it adds (verified or sent to be
verified), the evaluation right after and weeks later, the managers' view, and the report's anonymity."""

from __future__ import annotations

from datetime import UTC, date, datetime

import yaml
from sqlalchemy import select

from bot.app import make_bot
from bot.usecase import run_use_case
from handlers.learning import broadcasts, reports
from handlers.learning.config import config_for
from handlers.learning.jobs import tick
from storage.models import CompetenceStanding, Evidence
from storage.models.learning import LearningBooking, LearningEvaluation
from storage.status import competence_status
from tests.learning_org import ISSUE_YAML, add, build, click, competent, email, inbox, queued
from tests.support import Chat

SESSION_DAY = datetime(2027, 1, 12, 18, 0, tzinfo=UTC)  # the evening after the session
NEXT_MORNING = datetime(2027, 1, 13, 10, 0, tzinfo=UTC)
PEOPLE = ("ann", "ben", "cal", "dee", "eve", "fay")


async def booked_and_held(services, clock, *, capacity: int = 6) -> tuple[int, Chat]:
    """Everyone at Ashby and Carrow booked by L&D; then the session takes place."""
    await build(services)
    session = yaml.safe_load(ISSUE_YAML)["sessions"][0]
    opportunity = await add(services, competences=["FFBA1", "FFCS9"], sessions=[{**session, "capacity": capacity}],
                            audience={"station": ["Ashby", "Carrow"]})
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    lee = Chat(make_bot(services), email("ld"))
    for name in PEOPLE:
        await lee.send(f"book {opportunity} {email(name)}")
        await inbox(services, name)
    clock.at = SESSION_DAY
    return opportunity, lee


async def test_attendance_in_chat_adds_evidence_and_asks_for_feedback(services, clock):
    opportunity, lee = await booked_and_held(services, clock)
    ask = await lee.send(f"attendance {opportunity} 1")
    assert "Attendance for *Breathing apparatus refresher* on 12 January 2027: 6 booked." in ask
    assert "1. Ann Archer" in ask and "6. Fay Fisher" in ask
    saved = await lee.send("1, 2, 5")  # Ann, Ben, Eve came
    assert "Attended: Ann Archer, Ben Baker, Eve Evans" in saved
    assert "No-show: Cal Cooper, Dee Dyer, Fay Fisher" in saved
    assert "6 training-course entries added to records (3 sent to be verified: risk-critical competences)" in saved

    async with services.sessions() as db:
        entries = list(await db.scalars(select(Evidence).where(Evidence.source == "learning").order_by(Evidence.id)))
        by_code = {}
        for entry in entries:
            by_code.setdefault(entry.competences[0].code, []).append(entry)
        # FFBA1 (risk-critical) waits for the line manager; FFCS9 is recorded as competent by L&D's attendance.
        assert {e.status for e in by_code["FFBA1"]} == {"submitted"} and len(by_code["FFBA1"]) == 3
        assert {e.status for e in by_code["FFCS9"]} == {"competent"} and len(by_code["FFCS9"]) == 3
        assert {e.kind for e in entries} == {"training_course"}
        assert entries[0].activity_date == date(2027, 1, 12)
        assert entries[0].description == ('Attended "Breathing apparatus refresher" on 12 January 2027 at Ashby '
                                          'training centre. Attendance recorded by the L&D team.')
        verified = by_code["FFCS9"][0]
        standing = await db.get(CompetenceStanding, (verified.person_id, verified.competences[0].id))
        assert standing is not None and standing.evidence_id == verified.id  # the nudges' scan sees it too
        statuses = {s.code: s.status for s in await competence_status(db, verified.person_id, date(2027, 1, 13))}
        assert statuses["FFCS9"] == "in_date"
    requests = await queued(services, "evidence.verify_request")
    assert len(requests) == 3 and {r.recipient_id for r in requests} == {(await _id(services, "wm"))}

    # Ann gives feedback from the message (it waits for her working hours: the next morning); once only.
    assert await inbox(services, "ann") == []
    clock.at = NEXT_MORNING
    [evaluate] = await inbox(services, "ann")
    assert "Thanks for coming to *Breathing apparatus refresher*, Ann." in evaluate.text
    ann = Chat(make_bot(services), email("ann"))
    form = await click(ann, evaluate, "learning.evaluate")
    assert "How useful was it?" in form and "1. 5 – very useful" in form
    await ann.send("1")
    await ann.send("Check my cylinder pressure before every entry")
    done = await ann.send("skip")
    assert "Thank you — that helps the L&D team. I'll check back in 8 weeks" in done
    assert "already answered" in await click(ann, evaluate, "learning.evaluate")
    assert await inbox(services, "cal") == []  # no-shows are not asked

    # Changing someone to a no-show withdraws the entries still waiting.
    await lee.send(f"attendance {opportunity} 1")
    await lee.send("1, 2")
    async with services.sessions() as db:
        eve = await _id(services, "eve")
        left = {e.status for e in await db.scalars(select(Evidence).where(Evidence.person_id == eve,
                                                                          Evidence.source == "learning"))}
    assert left == {"withdrawn", "competent"}


async def _id(services, name: str) -> int:
    from storage.models import Person

    async with services.sessions() as db:
        return await db.scalar(select(Person.id).where(Person.email == email(name)))


async def test_follow_up_and_managers_weeks_later_then_the_report(services, clock):
    opportunity, lee = await booked_and_held(services, clock)
    assert "Bookings for *Breathing apparatus refresher* closed" in await lee.send(
        f"book {opportunity} {email('wm')}")  # it has happened
    await lee.send(f"attendance {opportunity} 1")
    await lee.send("1, 2, 3, 4, 5")  # everyone but Fay
    clock.at = NEXT_MORNING
    ratings = {"ann": 5, "ben": 4, "cal": 4, "dee": 3}
    bot = make_bot(services)
    for name, rating in ratings.items():
        [evaluate] = await inbox(services, name)
        chat = Chat(bot, email(name))
        await click(chat, evaluate, "learning.evaluate")
        for answer in (str(6 - rating), f"Apply {name}", f"Comment {name}"):
            await chat.send(answer)
    report = await run_use_case(services, reports.report, None, opportunity_id=opportunity, tz=services.tz)
    data = reports.as_json(report)
    assert (data["answered"], data["average_rating"], data["comments"], data["withheld"]) == (4, None, [], True)
    text = await lee.send(f"report {opportunity}")
    assert "4 answered: fewer than five, so ratings and comments are not shown" in text

    [evaluate] = await inbox(services, "eve")
    chat = Chat(bot, email("eve"))
    await click(chat, evaluate, "learning.evaluate")
    for answer in ("1", "Apply eve", "skip"):
        await chat.send(answer)
    data = reports.as_json(await run_use_case(services, reports.report, None, opportunity_id=opportunity,
                                              tz=services.tz))
    assert (data["answered"], data["average_rating"], data["withheld"]) == (5, 4.2, False)
    assert data["comments"] == sorted(["Apply ann", "Apply ben", "Apply cal", "Apply dee", "Apply eve",
                                       "Comment ann", "Comment ben", "Comment cal", "Comment dee"])
    assert (data["attended"], data["no_shows"], data["signed_up"]) == (5, 1, 6)
    text = await lee.send(f"report {opportunity}")
    assert "Rated 4.2 out of 5 by 5." in text and "“Apply ann”" in text
    assert "Ann" not in text.replace("Apply ann", "").replace("Comment ann", "")  # nobody named

    # Eight weeks on: "have you used it at work?", and the line manager is asked too; once each.
    clock.advance(weeks=8, hours=1)
    done = await tick(services)
    assert (done.follow_ups, done.managers) == (5, 5)
    assert (await tick(services)).follow_ups == 0
    [follow] = await inbox(services, "ann")
    assert "8 weeks ago you went on *Breathing apparatus refresher*. Have you used what you learnt at work?" in follow.text
    assert [b.label for b in follow.buttons] == ["Yes", "Partly", "Not yet"]
    assert "Thanks — noted" in await click(Chat(bot, email("ann")), follow, "learning.used:")
    questions = [r for r in await inbox(services, "wm") if "Have you seen a change" in r.text]
    assert len(questions) == 5
    wendy = Chat(bot, email("wm"))
    assert "noted for the L&D team" in await click(wendy, questions[0], "learning.seen:")
    assert "isn't there any more" in await click(Chat(bot, email("ben")), questions[1], "learning.seen:")
    async with services.sessions() as db:
        stages = sorted(e.stage for e in await db.scalars(select(LearningEvaluation)))
    assert stages == ["after"] * 5 + ["follow_up", "manager"]


async def test_gaps_closed_within_90_days(services, clock):
    await build(services)
    opportunity = await add(services)  # the issue's audience: Ann and Eve, whose FFBA1 runs out soon
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    await competent(services, "ann", "FFBA1", date(2027, 1, 20))  # within 90 days of 17 November
    await competent(services, "eve", "FFBA1", date(2027, 3, 1))  # 104 days later: too late to count
    report = await run_use_case(services, reports.report, None, opportunity_id=opportunity, tz=services.tz)
    [ba] = reports.as_json(report)["competences"]
    assert ba == {"code": "FFBA1", "title": "Use breathing apparatus", "audience_with_gap": 2,
                  "closed_within_90_days": 1}
    clock.advance(days=1)
    text = await Chat(make_bot(services), email("ld")).send(f"report {opportunity}")
    assert "FFBA1: 1 of the 2 invited with a gap closed it within 90 days" in text


async def test_elearning_open_and_complete(services):
    await build(services)
    opportunity = await add(services, "title: Hazardous materials awareness\nkind: elearning\n"
                            "link: https://learning.northvale.example/hazmat\ncomplete_by: 2027-01-31\n"
                            "competences: [FFBA1]\naudience:\n  person: ann@northvale.example\n")
    await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config_for(services))
    [invite] = await inbox(services, "ann")
    assert [b.label for b in invite.buttons] == ["Sign up", "Open", "Not for me"]
    assert "Take it online by 31 January 2027." in invite.text
    ann = Chat(make_bot(services), email("ann"))
    opened = await click(ann, invite, "learning.open")
    assert "Here's *Hazardous materials awareness*: https://learning.northvale.example/hazmat" in opened
    assert "Online, by 31 January 2027" in await ann.send("my bookings")
    await ann.send("my bookings")
    await click(ann, ann.last[-1], "learning.open")
    done = await click(ann, ann.last[-1], "learning.done")
    assert "Well done on finishing *Hazardous materials awareness* ✓" in done and "FFBA1" in done
    async with services.sessions() as db:
        [entry] = list(await db.scalars(select(Evidence).where(Evidence.source == "learning")))
    assert (entry.status, entry.description) == ("submitted", 'Completed the e-learning "Hazardous materials awareness".')
    assert "already told me you completed" in await ann.click(f"learning.done:{opportunity}", str(opportunity))


async def test_an_evaluation_sent_from_a_platform_is_checked_against_the_form_it_answers(services, clock):
    """A submission is checked against the form as offered: a rating it does not offer, or no answer to a
    required question, is refused with the reason and saves nothing; a forged booking number finds nothing."""
    opportunity, lee = await booked_and_held(services, clock)
    await lee.send(f"attendance {opportunity} 1")
    await lee.send("1")  # Ann came
    clock.at = NEXT_MORNING
    [evaluate] = await inbox(services, "ann")
    ann = Chat(make_bot(services), email("ann"))
    await click(ann, evaluate, "learning.evaluate")
    async with services.sessions() as db:
        booking = str(await db.scalar(select(LearningBooking.id).where(
            LearningBooking.person_id == await _id(services, "ann"))))
    refused = await ann.submit("learning.evaluation", {"useful": "9", "comment": "x"}, booking)  # no apply at all
    assert set(refused.form_errors) == {"useful", "apply"} and "nothing was saved" in refused.replies[0].text
    await ann.submit("learning.evaluation", {"useful": "5", "apply": "Brief the crew", "comment": ""}, "99999")
    async with services.sessions() as db:
        assert list(await db.scalars(select(LearningEvaluation))) == []
    saved = await ann.submit("learning.evaluation", {"useful": "5", "apply": "Brief the crew", "comment": ""}, booking)
    assert "Thank you" in "\n".join(r.text for r in saved.replies)
    async with services.sessions() as db:
        [answer] = list(await db.scalars(select(LearningEvaluation)))
    assert (answer.useful, answer.apply) == (5, "Brief the crew")
