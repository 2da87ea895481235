"""People and competence imports: BOM or not, Excel too, line-numbered errors, all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from storage.db import unit_of_work
from storage.models import Competence, Person, PlatformIdentity
from storage.org_import import import_competences, import_people
from storage.tabular import read_table

PEOPLE_HEADER = "email,name,role,team,station,line_manager_email,timezone,working_pattern,slack_user_id,teams_user_id\n"


def write(tmp_path: Path, name: str, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


async def run_people(services, path: Path):
    async with unit_of_work(services.sessions) as db:
        report = await import_people(db, read_table(path))
        if report.errors:
            await db.rollback()
        return report


async def people(services) -> dict[str, Person]:
    async with services.sessions() as db:
        return {p.email: p for p in await db.scalars(select(Person))}


async def test_people_with_bom_managers_after_reports_and_platform_ids(services, tmp_path):
    path = write(tmp_path, "people.csv", PEOPLE_HEADER
                 + "alex@x.org,Alex Morgan,Firefighter,Red,Ashby,sam@x.org,,,U123,aad-1\n"
                 + "Sam@X.org,Sam Patel,Crew Manager,Red,Ashby,,Europe/London,,,\n"
                 + "\n"
                 + "lee@x.org,Lee Ng,L&D,L&D,HQ,sam@x.org,,,,\n", bom=True)
    report = await run_people(services, path)
    assert report.ok and (report.created, report.updated, report.unchanged) == (3, 0, 0)
    found = await people(services)
    assert found["alex@x.org"].line_manager_id == found["sam@x.org"].id
    assert (found["sam@x.org"].role, found["lee@x.org"].role) == ("crew_manager", "ld")
    async with services.sessions() as db:
        ids = {(i.platform, i.platform_user_id) for i in await db.scalars(select(PlatformIdentity))}
    assert ids == {("slack", "U123"), ("teams", "aad-1")}
    again = await run_people(services, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


async def test_bad_rows_reported_by_line_and_nothing_applied(services, tmp_path):
    path = write(tmp_path, "people.csv", PEOPLE_HEADER
                 + "ok@x.org,Okay Person,firefighter,,,,,,,\n"
                 + "not-an-email,Bad,firefighter,,,,,,,\n"
                 + "who@x.org,,wizard,,,ghost@x.org,Mars/Base,,,\n")
    report = await run_people(services, path)
    assert report.errors[0].startswith("line 3: 'not-an-email' is not an email address")
    assert report.errors[1].startswith("line 4: name is empty; unknown role 'wizard'")
    assert "unknown time zone" in report.errors[1]
    assert await people(services) == {}


async def test_unknown_manager_and_cycles_rejected(services, tmp_path):
    unknown = write(tmp_path, "a.csv", PEOPLE_HEADER + "a@x.org,A,firefighter,,,ghost@x.org,,,,\n")
    assert "line manager ghost@x.org is not in the file" in (await run_people(services, unknown)).errors[0]
    cycle = write(tmp_path, "b.csv", PEOPLE_HEADER + "a@x.org,A,firefighter,,,b@x.org,,,,\n"
                  + "b@x.org,B,crew manager,,,c@x.org,,,,\nc@x.org,C,watch manager,,,a@x.org,,,,\n")
    errors = (await run_people(services, cycle)).errors
    assert errors and "circle" in errors[0] and "a@x.org" in errors[0]
    selfish = write(tmp_path, "c.csv", PEOPLE_HEADER + "a@x.org,A,firefighter,,,a@x.org,,,,\n")
    assert "own line manager" in (await run_people(services, selfish)).errors[0]
    assert await people(services) == {}


async def test_a_new_file_can_change_managers_but_not_into_a_cycle(services, tmp_path):
    first = write(tmp_path, "1.csv", PEOPLE_HEADER + "boss@x.org,Boss,station manager,,,,,,,\n"
                  + "mid@x.org,Mid,watch manager,,,boss@x.org,,,,\n")
    assert (await run_people(services, first)).ok
    loop = write(tmp_path, "2.csv", PEOPLE_HEADER + "boss@x.org,Boss,station manager,,,mid@x.org,,,,\n")
    assert "circle" in (await run_people(services, loop)).errors[0]


async def test_competences_from_excel(services, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "title", "description", "risk_critical", "revalidation_months"])
    sheet.append(["FFBA1", "Use breathing apparatus", "BA", "Yes", 12])
    sheet.append(["FFCS9", "Home fire safety", "", "no", None])
    sheet.append(["FFX", "Broken", "", "maybe", "twelve"])
    path = tmp_path / "framework.xlsx"
    book.save(path)
    async with unit_of_work(services.sessions) as db:
        report = await import_competences(db, read_table(path))
        assert report.errors == ["line 4: risk_critical must be yes or no, not 'maybe'; revalidation_months must be "
                                 "a whole number of months (1-120), not 'twelve'"]
        await db.rollback()
    sheet.delete_rows(4)
    book.save(path)
    async with unit_of_work(services.sessions) as db:
        assert (await import_competences(db, read_table(path))).created == 2
    async with services.sessions() as db:
        ba = await db.scalar(select(Competence).where(Competence.code == "FFBA1"))
    assert ba.risk_critical and ba.revalidation_months == 12


async def test_risk_critical_needs_months(services, tmp_path):
    path = write(tmp_path, "f.csv", "code,title,description,risk_critical,revalidation_months\nA1,T,,yes,\n")
    async with unit_of_work(services.sessions) as db:
        report = await import_competences(db, read_table(path))
    assert report.errors == ["line 2: a risk-critical competence needs revalidation_months"]


def test_cli_reports_errors_and_exits_non_zero(database_url, tmp_path):
    import os
    import subprocess
    import sys

    bad = write(tmp_path, "p.csv", PEOPLE_HEADER + "nope,X,firefighter,,,,,,,\n")
    env = {**os.environ, "LDBOT_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "bot", "org", "import", str(bad)], capture_output=True, text=True, env=env)
    assert done.returncode != 0 and "p.csv: line 2:" in done.stderr and "nothing was imported" in done.stderr
