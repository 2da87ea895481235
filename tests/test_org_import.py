"""People and competence imports: BOM or not, Excel too, line-numbered errors, all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from storage.db import unit_of_work
from storage.models import Competence, Person, PlatformIdentity
from storage.org_import import import_competences, import_people
from storage.tabular import read_table

PEOPLE_HEADER = (
    "email,name,role,team,station,line_manager_email,timezone,working_pattern,slack_user_id,teams_user_id\n"
)


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
    path = write(
        tmp_path,
        "people.csv",
        PEOPLE_HEADER
        + "alex@x.org,Alex Morgan,Firefighter,Red,Ashby,sam@x.org,,,U123,aad-1\n"
        + "Sam@X.org,Sam Patel,Crew Manager,Red,Ashby,,Europe/London,,,\n"
        + "\n"
        + "lee@x.org,Lee Ng,L&D,L&D,HQ,sam@x.org,,,,\n",
        bom=True,
    )
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
    path = write(
        tmp_path,
        "people.csv",
        PEOPLE_HEADER
        + "ok@x.org,Okay Person,firefighter,,,,,,,\n"
        + "not-an-email,Bad,firefighter,,,,,,,\n"
        + "who@x.org,,wizard,,,ghost@x.org,Mars/Base,,,\n",
    )
    report = await run_people(services, path)
    assert report.errors[0].startswith("line 3: 'not-an-email' is not an email address")
    assert report.errors[1].startswith("line 4: name is empty; unknown role 'wizard'")
    assert "unknown time zone" in report.errors[1]
    assert await people(services) == {}


async def test_unknown_manager_and_cycles_rejected(services, tmp_path):
    unknown = write(tmp_path, "a.csv", PEOPLE_HEADER + "a@x.org,A,firefighter,,,ghost@x.org,,,,\n")
    assert "line manager ghost@x.org is not in the file" in (await run_people(services, unknown)).errors[0]
    cycle = write(
        tmp_path,
        "b.csv",
        PEOPLE_HEADER
        + "a@x.org,A,firefighter,,,b@x.org,,,,\n"
        + "b@x.org,B,crew manager,,,c@x.org,,,,\nc@x.org,C,watch manager,,,a@x.org,,,,\n",
    )
    errors = (await run_people(services, cycle)).errors
    assert errors and "circle" in errors[0] and "a@x.org" in errors[0]
    selfish = write(tmp_path, "c.csv", PEOPLE_HEADER + "a@x.org,A,firefighter,,,a@x.org,,,,\n")
    assert "own line manager" in (await run_people(services, selfish)).errors[0]
    assert await people(services) == {}


async def test_a_new_file_can_change_managers_but_not_into_a_cycle(services, tmp_path):
    first = write(
        tmp_path,
        "1.csv",
        PEOPLE_HEADER
        + "boss@x.org,Boss,station manager,,,,,,,\n"
        + "mid@x.org,Mid,watch manager,,,boss@x.org,,,,\n",
    )
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
        assert report.errors == [
            "line 4: risk_critical must be yes or no, not 'maybe'; revalidation_months must be "
            "a whole number of months (1-120), not 'twelve'"
        ]
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


def test_csv_with_and_without_bom_reads_the_same(tmp_path):
    text = (
        "Code,Title,description,risk_critical,revalidation_months\n"
        'FFBA1,"Use breathing\napparatus",,yes,12\n'
        "\n"
        "FFCS9,Home fire safety,,no,\n"
    )
    plain = read_table(write(tmp_path, "plain.csv", text))
    bom = read_table(write(tmp_path, "bom.csv", text, bom=True))
    assert plain == bom
    assert plain.columns[:2] == ["code", "title"]  # the BOM does not stick to the first column's name
    # Numbered as a spreadsheet shows rows: the cell with a line break is one row, the blank row still counts.
    assert [(r.line, r.get("code")) for r in plain.rows] == [(2, "FFBA1"), (4, "FFCS9")]


async def test_competence_reimport_is_idempotent_and_updates_by_code(services, tmp_path):
    header = "code,title,description,risk_critical,revalidation_months\n"
    first = write(tmp_path, "f1.csv", header + "FFBA1,Use BA,Wear BA,yes,12\nFFCS9,Safety visits,,no,\n")
    for expected in [(2, 0, 0), (0, 0, 2)]:
        async with unit_of_work(services.sessions) as db:
            report = await import_competences(db, read_table(first))
        assert (report.created, report.updated, report.unchanged) == expected
    changed = write(
        tmp_path, "f2.csv", header + "ffba1,Use breathing apparatus,Wear BA,Y,24\nFFCS9,Safety visits,,0,\n"
    )
    async with unit_of_work(services.sessions) as db:
        report = await import_competences(db, read_table(changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    async with services.sessions() as db:
        rows = {c.code: (c.title, c.revalidation_months) for c in await db.scalars(select(Competence))}
    assert rows == {"FFBA1": ("Use breathing apparatus", 24), "FFCS9": ("Safety visits", None)}


async def test_duplicate_codes_and_bad_months_are_named_by_line(services, tmp_path):
    path = write(
        tmp_path,
        "f.csv",
        "code,title,description,risk_critical,revalidation_months\n"
        "A1,One,,no,\nA1,Again,,no,\nB2,Two,,no,0\nC3,,,no,\n",
    )
    async with unit_of_work(services.sessions) as db:
        report = await import_competences(db, read_table(path))
        await db.rollback()
    assert report.errors == [
        "line 3: code A1 already appears on line 2",
        "line 4: revalidation_months must be a whole number of months (1-120), not '0'",
        "line 5: title is empty",
    ]


async def test_missing_column_is_reported_on_the_header_line(services, tmp_path):
    path = write(tmp_path, "p.csv", "email,name,role\na@x.org,A,firefighter\n")
    report = await run_people(services, path)
    assert report.errors == ["missing columns: team, station, line_manager_email (line 1)"]


async def test_friendly_roles_case_insensitive_emails_and_updates(services, tmp_path):
    first = write(
        tmp_path,
        "1.csv",
        PEOPLE_HEADER
        + "wm@x.org,Wendy M,Watch Manager,Red,Ashby,,,,,\n"
        + "Admin@X.org,Ada Min,Admin,HQ,,,,,,\n"
        + "ld@x.org,Lou D,Learning & Development,HQ,,wm@x.org,,,,\n"
        + "as@x.org,Al S,Assessor,HQ,,wm@x.org,Europe/London,4 on 4 off,,\n",
    )
    assert (await run_people(services, first)).created == 4
    found = await people(services)
    assert {e: p.role for e, p in found.items()} == {
        "wm@x.org": "watch_manager",
        "admin@x.org": "admin",
        "ld@x.org": "ld",
        "as@x.org": "assessor",
    }
    assert found["as@x.org"].working_pattern == "4 on 4 off"
    second = write(
        tmp_path,
        "2.csv",
        PEOPLE_HEADER
        + "WM@x.org,Wendy M,watch_manager,Red,Ashby,,,,,\n"
        + "admin@x.org,Ada Min,administrator,HQ,,,,,,\n"
        + "LD@X.ORG,Lou D,L&D,HQ,,admin@x.org,,,,\n"
        + "as@x.org,Al S,Assessor,HQ,,wm@x.org,Europe/London,4 on 4 off,,\n",
    )
    report = await run_people(services, second)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    found = await people(services)
    assert found["ld@x.org"].line_manager_id == found["admin@x.org"].id


async def test_manager_already_in_the_database_and_platform_ids_move_with_the_file(services, tmp_path):
    boss = write(tmp_path, "1.csv", PEOPLE_HEADER + "boss@x.org,Boss,station manager,,,,,,UBOSS,\n")
    assert (await run_people(services, boss)).ok
    crew = write(tmp_path, "2.csv", PEOPLE_HEADER + "ff@x.org,Fi F,firefighter,,,boss@x.org,,,U1,aad-9\n")
    report = await run_people(services, crew)
    assert report.ok and report.created == 1
    found = await people(services)
    assert found["ff@x.org"].line_manager_id == found["boss@x.org"].id
    async with services.sessions() as db:
        owners = {
            (i.platform, i.platform_user_id): i.person_id for i in await db.scalars(select(PlatformIdentity))
        }
    assert owners == {
        ("slack", "UBOSS"): found["boss@x.org"].id,
        ("slack", "U1"): found["ff@x.org"].id,
        ("teams", "aad-9"): found["ff@x.org"].id,
    }
    clash = write(
        tmp_path, "3.csv", PEOPLE_HEADER + "a@x.org,A,firefighter,,,,,,U7,\nb@x.org,B,firefighter,,,,,,U7,\n"
    )
    assert (await run_people(services, clash)).errors == ["line 3: slack_user_id U7 is also given to a@x.org"]


async def test_only_the_people_in_a_cycle_are_blamed(services, tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        PEOPLE_HEADER
        + "d@x.org,D,firefighter,,,a@x.org,,,,\n"
        + "a@x.org,A,crew manager,,,b@x.org,,,,\nb@x.org,B,watch manager,,,a@x.org,,,,\n",
    )
    errors = (await run_people(services, path)).errors
    assert errors == [
        "line 3: line management goes round in a circle (a@x.org → b@x.org → a@x.org)",
        "line 4: line management goes round in a circle (b@x.org → a@x.org → b@x.org)",
    ]


def _cli(database_url: str, *args: str):
    from click.testing import CliRunner

    from bot.cli import main

    return CliRunner().invoke(
        main, list(args), env={"LDBOT_DATABASE_URL": database_url}, catch_exceptions=False
    )


async def test_cli_imports_print_a_summary_and_reject_bad_files_whole(services, database_url, tmp_path):
    import asyncio

    header = "code,title,description,risk_critical,revalidation_months\n"
    good = write(
        tmp_path, "framework.csv", header + "FFBA1,Use BA,,yes,12\nFFCS9,Safety visits,,no,\n", bom=True
    )
    done = await asyncio.to_thread(_cli, database_url, "competences", "import", str(good))
    assert done.exit_code == 0 and "Competences: 2 created, 0 updated, 0 unchanged." in done.output
    done = await asyncio.to_thread(_cli, database_url, "competences", "import", str(good))
    assert "0 created, 0 updated, 2 unchanged" in done.output
    bad = write(tmp_path, "bad.csv", header + "NEW1,New one,,no,\nFFX,Broken,,yes,\n")
    done = await asyncio.to_thread(_cli, database_url, "competences", "import", str(bad))
    assert done.exit_code != 0 and "nothing was imported" in done.stderr
    assert "bad.csv: line 3: a risk-critical competence needs revalidation_months" in done.stderr
    async with services.sessions() as db:
        assert sorted(await db.scalars(select(Competence.code))) == ["FFBA1", "FFCS9"]  # NEW1 was not applied

    staff = write(
        tmp_path,
        "people.csv",
        PEOPLE_HEADER + "a@x.org,A,firefighter,,,b@x.org,,,,\nb@x.org,B,crew manager,,,,,,,\n",
    )
    done = await asyncio.to_thread(_cli, database_url, "org", "import", str(staff))
    assert done.exit_code == 0 and "People: 2 created, 0 updated, 0 unchanged." in done.output
    orphan = write(tmp_path, "more.csv", PEOPLE_HEADER + "c@x.org,C,firefighter,,,ghost@x.org,,,,\n")
    done = await asyncio.to_thread(_cli, database_url, "org", "import", str(orphan))
    assert done.exit_code != 0
    assert "more.csv: line 2: line manager ghost@x.org is not in the file or the organisation" in done.stderr
    assert len(await people(services)) == 2
    missing = await asyncio.to_thread(_cli, database_url, "org", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code != 0 and "no such file" in missing.output


async def test_sample_organisation_loads_once_and_gives_alex_a_record(services):
    from datetime import date

    from storage.models import Evidence
    from storage.sample import DEMO_USER, load_sample
    from storage.status import competence_status

    today = date(2026, 11, 17)
    async with unit_of_work(services.sessions) as db:
        first = await load_sample(db, today)
    async with unit_of_work(services.sessions) as db:
        second = await load_sample(db, today)
    assert first["people"] == second["people"] >= 20 and first["competences"] == second["competences"] >= 12
    assert first["evidence"] > 0 and second["evidence"] == 0
    found = await people(services)
    alex = found[DEMO_USER]
    assert alex.role == "firefighter" and alex.line_manager_id == found["sam.patel@northvale-fire.example"].id
    assert found["sam.patel@northvale-fire.example"].role == "crew_manager"
    assert {p.station for p in found.values() if p.role == "firefighter"} == {"Ashby", "Carrow"}
    assert {"ld", "assessor", "admin", "watch_manager", "station_manager"} <= {p.role for p in found.values()}
    assert all(p.email.endswith("@northvale-fire.example") for p in found.values())
    async with services.sessions() as db:
        statuses = {s.status for s in await competence_status(db, alex.id, today)}
        assert {"in_date", "expiring", "expired", "never"} <= statuses
        assert await db.scalar(select(func.count(Evidence.id))) == first["evidence"]


def test_seed_sample_command(database_url):
    done = _cli(database_url, "seed", "--sample")
    assert done.exit_code == 0 and "25 people" in done.output and "15 competences" in done.output


async def test_a_repeated_email_is_named_even_when_its_first_row_is_bad(services, tmp_path):
    path = write(
        tmp_path, "p.csv", PEOPLE_HEADER + "a@x.org,,firefighter,,,,,,,\nA@x.org,A,firefighter,,,,,,,\n"
    )
    assert (await run_people(services, path)).errors == [
        "line 2: name is empty",
        "line 3: a@x.org already appears on line 2",
    ]
