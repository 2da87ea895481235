"""The scan's decisions on hand-checked dates: weekends, bank holidays, snoozes, done, escalation, rotas."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, update

from handlers.nudges.job import preview
from storage.db import unit_of_work
from storage.models import Person
from storage.models.nudges import AppraisalRecord, AssessmentBooking, NudgeDone, NudgeSnooze, competence_item
from tests.nudge_org import MONDAY, MONDAY_EXPECTED, add_appraisal, build_station, item, rules
from tests.support import add_person


async def kinds_on(services, day: date, **overrides) -> list[tuple[str, str]]:
    plan = await preview(services, day, rules=rules(**overrides))
    return [(n["recipient"].split("@")[0], n["kind"]) for n in plan.for_json()]


async def test_monday_preview_lists_exactly_the_right_nudges(services):
    await build_station(services)
    plan = await preview(services, MONDAY, rules=rules())
    assert plan.for_json() == MONDAY_EXPECTED
    # Delivered at 09:00 UK time (UTC in November).
    assert {n.slot for n in plan.nudges} == {datetime(2026, 11, 16, 9, 0, tzinfo=UTC)}


async def test_managers_with_nobody_due_get_nothing(services):
    await build_station(services)
    recipients = {n["recipient"] for n in (await preview(services, MONDAY, rules=rules())).for_json()}
    assert "wm2@example.org" not in recipients and "ff3@example.org" not in recipients
    # Morgan manages Dana and Tom, who have nothing due themselves: an escalation, but no digest.
    assert await kinds_on(services, MONDAY) == [("ff1", "expiry"), ("gm", "escalation"), ("wm", "digest")]


async def test_nothing_at_weekends(services):
    await build_station(services)
    assert await kinds_on(services, date(2026, 11, 21)) == []  # Saturday
    assert await kinds_on(services, date(2026, 11, 22)) == []  # Sunday


async def test_digest_only_on_the_digest_day_but_daily_notices_wait_for_a_working_day(services):
    await build_station(services)
    # Tuesday: Dana's digest went on Monday; the once-only notices would still go if Monday's were not sent.
    assert await kinds_on(services, date(2026, 11, 17)) == [("ff1", "expiry"), ("gm", "escalation")]
    # A different digest day moves the digest.
    assert ("wm", "digest") in await kinds_on(services, date(2026, 11, 18), digest_day="wednesday")
    assert ("wm", "digest") not in await kinds_on(services, date(2026, 11, 16), digest_day="wednesday")


async def test_bank_holidays_move_the_digest_to_the_next_working_day(services):
    await build_station(services)
    assert await kinds_on(services, date(2026, 12, 25)) == []  # Christmas Day (Friday)
    assert await kinds_on(services, date(2026, 12, 28)) == []  # Boxing Day substitute (Monday)
    plan = await preview(services, date(2026, 12, 29), rules=rules())
    digest = [n for n in plan.for_json() if n["kind"] == "digest"]
    assert digest == [
        {"recipient": "wm@example.org", "kind": "digest", "items": [
            item("ff1", "appraisal", "2026-10-01", "overdue"),
            item("ff1", "BA", "2026-12-01", "overdue"),
            item("ff2", "appraisal", "2026-12-10", "overdue"),
        ]}
    ]
    # The holiday calendar is configurable: St Andrew's Day (Monday 30 November) is a holiday in Scotland only.
    assert ("wm", "digest") in await kinds_on(services, date(2026, 11, 30))
    assert await kinds_on(services, date(2026, 11, 30), holiday_subdiv="SCT") == []
    assert ("wm", "digest") in await kinds_on(services, date(2026, 12, 1), holiday_subdiv="SCT")
    assert ("wm", "digest") not in await kinds_on(services, date(2026, 12, 1))


async def test_snoozed_items_are_left_out_until_the_snooze_ends(services):
    ids = await build_station(services)
    async with unit_of_work(services.sessions) as db:
        db.add(NudgeSnooze(person_id=ids["ff1"], item="appraisal", until=date(2026, 11, 23)))
    plan = await preview(services, MONDAY, rules=rules())
    assert plan.for_json() == [
        MONDAY_EXPECTED[0],  # Sam's own BA reminder is untouched
        {"recipient": "wm@example.org", "kind": "digest", "items": [
            item("ff1", "BA", "2026-12-01", "due_soon"),
            item("ff2", "appraisal", "2026-12-10", "due_soon"),
        ]},
    ]
    # On the snooze's end date it is back (snooze means "not until", never "forever").
    assert ("gm", "escalation") in await kinds_on(services, date(2026, 11, 23))


async def test_done_and_booked_items_are_not_chased(services):
    ids = await build_station(services)
    async with unit_of_work(services.sessions) as db:
        db.add(NudgeDone(person_id=ids["ff1"], item="appraisal", due_date=date(2026, 10, 1), done_on=MONDAY))
        db.add(AssessmentBooking(person_id=ids["ff1"], competence_id=ids["BA"], booked_for=date(2026, 11, 25)))
    plan = await preview(services, MONDAY, rules=rules())
    assert plan.for_json() == [
        {"recipient": "wm@example.org", "kind": "digest", "items": [item("ff2", "appraisal", "2026-12-10", "due_soon")]},
    ]
    # The day after the booked assessment, an unrecorded assessment is chased again.
    after = await preview(services, date(2026, 11, 30), rules=rules())
    assert item("ff1", "BA", "2026-12-01", "due_soon") in after.for_json()[-1]["items"]
    assert competence_item(ids["BA"]) == f"competence:{ids['BA']}"


async def test_escalation_only_past_the_threshold(services):
    ids = await build_station(services)
    await add_person(services, "ff4@example.org", "Ash Green", manager="wm@example.org")
    async with services.sessions() as db:
        ff4 = (await db.execute(Person.__table__.select().where(Person.email == "ff4@example.org"))).first().id
    await add_appraisal(services, ff4, date(2025, 11, 2))  # due 2 Nov: exactly 14 days overdue on the 16th
    plan = await preview(services, MONDAY, rules=rules())
    escalation = next(n for n in plan.for_json() if n["kind"] == "escalation")
    assert escalation["items"] == [item("ff1", "appraisal", "2026-10-01", "overdue")]
    tuesday = await preview(services, date(2026, 11, 17), rules=rules())
    escalation = next(n for n in tuesday.for_json() if n["kind"] == "escalation")
    assert [i["person"] for i in escalation["items"]] == ["ff1@example.org", "ff4@example.org"]
    # Dana's own appraisal is long overdue: Morgan's digest lists it, and nobody above Morgan hears of it.
    await add_appraisal(services, ids["wm"], date(2025, 1, 10))
    plan = await preview(services, MONDAY, rules=rules())
    assert [(n.recipient_id, n.kind) for n in plan.nudges if n.recipient_id == ids["gm"]] == [
        (ids["gm"], "digest"), (ids["gm"], "escalation"),
    ]
    assert all(i.person_id != ids["wm"] for n in plan.nudges if n.kind == "escalation" for i in n.items)


async def test_rota_moves_the_digest_to_the_first_shift_and_its_start(services):
    # Dana's rota from Monday 16 November: off, off, night, day, off x4. Sam works nights on Tuesday.
    await build_station(
        services,
        wm="anchor=2026-11-16;pattern=O,O,N,D,O,O,O,O",
        ff1="anchor=2026-11-16;pattern=O,N,O,O,O,O,O,O",
    )
    assert await kinds_on(services, MONDAY) == [("gm", "escalation")]
    tuesday = await preview(services, date(2026, 11, 17), rules=rules())
    assert [(n.kind, n.slot) for n in tuesday.nudges if n.kind != "escalation"] == [
        ("expiry", datetime(2026, 11, 17, 18, 0, tzinfo=UTC)),  # Sam's night shift starts at 18:00
    ]
    wednesday = await preview(services, date(2026, 11, 18), rules=rules())
    assert [(n.kind, n.slot) for n in wednesday.nudges if n.kind == "digest"] == [
        ("digest", datetime(2026, 11, 18, 18, 0, tzinfo=UTC)),
    ]
    # Thursday's day shift would have had it at 09:00, but one digest a week is enough.
    assert ("wm", "digest") not in await kinds_on(services, date(2026, 11, 19))


async def test_rota_workers_hear_on_a_weekend_shift_office_workers_do_not(services):
    await build_station(services, ff1="anchor=2026-11-21;pattern=D,D,O,O")
    assert await kinds_on(services, date(2026, 11, 21)) == [("ff1", "expiry")]  # Saturday day shift


async def test_inactive_people_and_inactive_managers_are_left_out(services):
    ids = await build_station(services)
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(Person).where(Person.id == ids["ff1"]).values(active=False))
    assert await kinds_on(services, MONDAY) == [("wm", "digest")]
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(Person).where(Person.id == ids["wm"]).values(active=False))
    assert await kinds_on(services, MONDAY) == []


async def test_an_escalation_lists_several_teams_in_one_order(services):
    ids = await build_station(services)
    await add_person(services, "ff4@example.org", "Ash Green", manager="wm@example.org")
    async with unit_of_work(services.sessions) as db:
        ff4 = await db.scalar(select(Person.id).where(Person.email == "ff4@example.org"))
        db.add(AppraisalRecord(person_id=ff4, last_appraisal_date=date(2025, 9, 1)))
        await db.execute(
            update(AppraisalRecord).where(AppraisalRecord.person_id == ids["ff3"]).values(
                last_appraisal_date=date(2025, 9, 15))
        )
    plan = await preview(services, MONDAY, rules=rules())
    escalation = next(n for n in plan.for_json() if n["kind"] == "escalation")
    assert escalation["items"] == [
        item("ff1", "appraisal", "2026-10-01", "overdue"),  # Dana's team
        item("ff3", "appraisal", "2026-09-15", "overdue"),  # Tom's team
        item("ff4", "appraisal", "2026-09-01", "overdue"),  # Dana's team
    ]
