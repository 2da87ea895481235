"""competence_standings stays equal to what the evidence says (storage.status's rule), by every way in.

The nudge scan reads the standing; the record view works it out from the evidence. These tests hold the two
to agreement: imports, decisions in any order, refusals, ties, concurrent decisions, and the migration's
backfill of evidence recorded before the table existed.
"""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import create_engine, select, text

from storage.db import unit_of_work
from storage.evidence_queries import change_if_submitted
from storage.migrate import sync_url, upgrade
from storage.models import CompetenceStanding, Evidence, Person
from storage.models.competence import evidence_competences
from storage.records_import import import_records
from storage.status import competence_status
from storage.tabular import Row, Table
from tests.support import add_competence, add_person

TODAY = date(2026, 11, 17)


async def _standing(services) -> dict[tuple[int, int], tuple[date, date | None]]:
    async with services.sessions() as db:
        rows = await db.execute(select(CompetenceStanding.person_id, CompetenceStanding.competence_id,
                                       CompetenceStanding.activity_date, CompetenceStanding.valid_until))
        return {(p, c): (a, v) for p, c, a, v in rows}


async def _from_evidence(services) -> dict[tuple[int, int], tuple[date, date | None]]:
    """The record view's answer for everyone (storage.status.competence_status), keyed like the standing."""
    out = {}
    async with services.sessions() as db:
        people = list(await db.scalars(select(Person)))
        codes = {c: i for i, c in await db.execute(text("SELECT id, code FROM competences"))}
        for person in people:
            for status in await competence_status(db, person.id, TODAY):
                if status.last_evidence_date is not None:
                    out[(person.id, codes[status.code])] = (status.last_evidence_date, status.valid_until)
    return out


async def _submitted(services, person_id: int, competence_id: int, activity: date) -> int:
    async with unit_of_work(services.sessions) as db:
        evidence = Evidence(person_id=person_id, kind="observed", activity_date=activity, description="x",
                            links=[], status="submitted")
        db.add(evidence)
        await db.flush()
        await db.execute(evidence_competences.insert().values(evidence_id=evidence.id, competence_id=competence_id))
        return evidence.id


async def _decide(services, evidence_id: int, status: str, valid_until: date | None = None) -> bool:
    async with unit_of_work(services.sessions) as db:
        return await change_if_submitted(db, evidence_id, status=status, valid_until=valid_until)


async def test_standing_follows_imports_and_decisions_in_any_order(services):
    jo = await add_person(services, "jo@northvale.example", "Jo")
    sam = await add_person(services, "sam@northvale.example", "Sam")
    ba = await add_competence(services, "FFBA1", "Breathing apparatus", risk_critical=True, months=12)
    drive = await add_competence(services, "FFDR8", "Driving", risk_critical=True, months=24)

    table = Table(["email", "competence_code", "last_assessed_date"], [
        Row(2, {"email": "jo@northvale.example", "competence_code": "FFBA1", "last_assessed_date": "01/03/2026"}),
        Row(3, {"email": "sam@northvale.example", "competence_code": "FFDR8", "last_assessed_date": "10/10/2025"}),
    ])
    async with unit_of_work(services.sessions) as db:
        kind, report = await import_records(db, table, today=TODAY, description="Imported")
    assert kind == "assessment" and report.errors == [] and report.created == 2
    assert await _standing(services) == {(jo, ba): (date(2026, 3, 1), date(2027, 3, 1)),
                                         (sam, drive): (date(2025, 10, 10), date(2027, 10, 10))}

    newer = await _submitted(services, jo, ba, date(2026, 9, 1))
    older = await _submitted(services, jo, ba, date(2026, 5, 1))
    refused = await _submitted(services, sam, drive, date(2026, 11, 1))
    assert await _decide(services, newer, "competent", date(2027, 9, 1))
    assert await _decide(services, older, "competent", date(2027, 5, 1))  # decided later, but older: no change
    assert await _decide(services, refused, "not_yet_competent")
    assert not await _decide(services, newer, "not_yet_competent")  # final: a second decision changes nothing

    standing = await _standing(services)
    assert standing[(jo, ba)] == (date(2026, 9, 1), date(2027, 9, 1))
    assert standing[(sam, drive)] == (date(2025, 10, 10), date(2027, 10, 10))
    assert standing == await _from_evidence(services)


async def test_same_day_evidence_the_later_recorded_counts_and_no_end_date_means_in_date(services):
    jo = await add_person(services, "jo@northvale.example", "Jo")
    course = await add_competence(services, "FFCS9", "Casualty care")  # not risk-critical: no end date
    first = await _submitted(services, jo, course, date(2026, 6, 1))
    second = await _submitted(services, jo, course, date(2026, 6, 1))
    assert await _decide(services, second, "competent", date(2027, 6, 1))
    assert await _decide(services, first, "competent", None)
    async with services.sessions() as db:
        row = await db.get(CompetenceStanding, (jo, course))
    assert row.evidence_id == second and row.valid_until == date(2027, 6, 1)
    assert await _standing(services) == await _from_evidence(services)


async def test_two_decisions_at_the_same_moment_keep_the_newer_evidence(services):
    jo = await add_person(services, "jo@northvale.example", "Jo")
    ba = await add_competence(services, "FFBA1", "Breathing apparatus", risk_critical=True, months=12)
    # Something already standing, so both decisions update one existing row.
    start = await _submitted(services, jo, ba, date(2025, 1, 1))
    assert await _decide(services, start, "competent", date(2026, 1, 1))
    a = await _submitted(services, jo, ba, date(2026, 10, 1))
    b = await _submitted(services, jo, ba, date(2026, 8, 1))
    results = await asyncio.gather(_decide(services, a, "competent", date(2027, 10, 1)),
                                   _decide(services, b, "competent", date(2027, 8, 1)))
    assert results == [True, True]
    assert (await _standing(services))[(jo, ba)] == (date(2026, 10, 1), date(2027, 10, 1))
    assert await _standing(services) == await _from_evidence(services)


def test_the_migration_backfills_standing_from_evidence_already_recorded(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0003")
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO people (id, email, name, role, active, created_at) "
                              "VALUES (1, 'jo@x.example', 'Jo', 'firefighter', 1, '2026-01-01')"))
            conn.execute(text("INSERT INTO competences (id, code, title, description, risk_critical, "
                              "revalidation_months, active) VALUES (1, 'FFBA1', 'BA', '', 1, 12, 1)"))
            for eid, day, status, until in [(1, "2025-01-01", "competent", "2026-01-01"),
                                            (2, "2026-02-01", "competent", "2027-02-01"),
                                            (3, "2026-06-01", "not_yet_competent", None),
                                            (4, "2026-07-01", "submitted", None)]:
                conn.execute(text(
                    "INSERT INTO evidence (id, person_id, kind, activity_date, description, links, status, "
                    "valid_until, source, created_at, updated_at) VALUES "
                    "(:id, 1, 'observed', :day, 'x', '[]', :status, :until, 'chat', '2026-01-01', '2026-01-01')"
                ), {"id": eid, "day": day, "status": status, "until": until})
                conn.execute(text("INSERT INTO evidence_competences (evidence_id, competence_id) VALUES (:id, 1)"),
                             {"id": eid})
        upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT person_id, competence_id, evidence_id, valid_until "
                                     "FROM competence_standings")).all()
        assert [tuple(r) for r in rows] == [(1, 1, 2, "2027-02-01")]
    finally:
        engine.dispose()
