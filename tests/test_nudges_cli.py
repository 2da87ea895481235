"""`ldbot records import` and `ldbot nudges preview` as an administrator runs them."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from bot.cli import main
from storage.models import Evidence
from storage.models.nudges import AppraisalRecord
from tests.nudge_org import MONDAY_EXPECTED, item
from tests.support import add_competence, add_person


async def ldbot(services, *args: str) -> Result:
    """Run the real command line in a thread (it starts its own event loop) against the test database."""
    env = {"LDBOT_DATABASE_URL": services.settings.database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


async def small_org(services) -> None:
    await add_person(services, "gm@example.org", "Morgan Ellis", role="group_manager")
    await add_person(services, "wm@example.org", "Dana Kowalski", role="watch_manager", manager="gm@example.org")
    await add_person(services, "wm2@example.org", "Tom Okafor", role="watch_manager", manager="gm@example.org")
    await add_person(services, "ff1@example.org", "Sam Patel", manager="wm@example.org")
    await add_person(services, "ff2@example.org", "Priya Shah", manager="wm@example.org")
    await add_person(services, "ff3@example.org", "Lee Brown", manager="wm2@example.org")
    await add_competence(services, "BA", "Breathing apparatus wearer", risk_critical=True, months=12)
    await add_competence(services, "FA", "First aid", months=36)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_import_history_then_preview_lists_exactly_the_right_nudges(services, tmp_path):
    await small_org(services)
    appraisals = write(tmp_path, "appraisals.csv", (
        "email,last_appraisal_date,next_due_date\n"
        "ff1@example.org,2025-10-01,\n"
        "FF2@example.org,10/12/2025,\n"
        "ff3@example.org,2026-03-01,2027-03-01\n"
    ))
    assessments = write(tmp_path, "assessments.csv", (
        "email,competence_code,last_assessed_date\n"
        "ff1@example.org,BA,2025-12-01\n"
        "ff2@example.org,ba,2026-06-01\n"
        "ff3@example.org,FA,2020-01-01\n"
    ))
    result = await ldbot(services, "records", "import", str(appraisals))
    assert result.exit_code == 0, result.output
    assert "Appraisals: 3 created, 0 updated, 0 unchanged." in result.output
    result = await ldbot(services, "records", "import", str(assessments))
    assert "Workplace assessments: 3 created, 0 updated, 0 unchanged." in result.output
    # Importing again changes nothing.
    assert "0 created, 0 updated, 3 unchanged" in (await ldbot(services, "records", "import", str(appraisals))).output
    assert "0 created, 0 updated, 3 unchanged" in (await ldbot(services, "records", "import", str(assessments))).output
    async with services.sessions() as db:
        evidence = list(await db.scalars(select(Evidence).order_by(Evidence.id)))
    assert [(e.kind, e.status, e.source, e.activity_date, e.valid_until) for e in evidence] == [
        ("workplace_assessment", "competent", "import", date(2025, 12, 1), date(2026, 12, 1)),
        ("workplace_assessment", "competent", "import", date(2026, 6, 1), date(2027, 6, 1)),
        ("workplace_assessment", "competent", "import", date(2020, 1, 1), None),  # first aid: no revalidation
    ]
    result = await ldbot(services, "nudges", "preview", "--date", "2026-11-16", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == MONDAY_EXPECTED
    text = (await ldbot(services, "nudges", "preview", "--date", "2026-11-16")).output
    assert "- weekly digest to wm@example.org at 09:00" in text
    assert "ff1@example.org: appraisal overdue (due 01 October 2026)" in text and "due_soon" not in text
    assert json.loads((await ldbot(services, "nudges", "preview", "--date", "2026-11-21", "--json")).output) == []
    # An updated next_due_date is an update, not a new record.
    write(tmp_path, "appraisals.csv", "email,last_appraisal_date,next_due_date\nff1@example.org,2025-10-01,2026-12-12\n")
    assert "0 created, 1 updated, 0 unchanged" in (await ldbot(services, "records", "import", str(appraisals))).output
    plan = json.loads((await ldbot(services, "nudges", "preview", "--date", "2026-11-16", "--json")).output)
    assert item("ff1", "appraisal", "2026-12-12", "due_soon") in plan[-1]["items"]


async def test_a_bad_row_applies_nothing_and_names_the_line(services, tmp_path):
    await small_org(services)
    path = write(tmp_path, "assessments.csv", (
        "email,competence_code,last_assessed_date\n"
        "ff1@example.org,BA,2025-12-01\n"
        "nobody@example.org,BA,2025-12-01\n"
        "ff2@example.org,XX,31/02/2025\n"
        "ff1@example.org,BA,2025-12-01\n"
    ))
    result = await ldbot(services, "records", "import", str(path))
    assert result.exit_code != 0
    assert "line 3: nobody@example.org is not in the organisation" in result.output
    assert "line 4: no competence with code 'XX'" in result.output
    assert "last_assessed_date '31/02/2025' is not a date" in result.output
    assert "line 5: the same assessment already appears on line 2" in result.output
    assert "nothing was imported" in result.output
    bad = write(tmp_path, "appraisals.csv", (
        "email,last_appraisal_date,next_due_date\n"
        "ff1@example.org,2025-10-01,2025-09-01\n"
        "ff2@example.org,2099-01-01,\n"
        "ff1@example.org,2025-10-01,\n"
    ))
    result = await ldbot(services, "records", "import", str(bad))
    assert "line 2: next_due_date must be after last_appraisal_date" in result.output
    assert "line 3: last_appraisal_date 2099-01-01 is in the future" in result.output
    assert "line 4: ff1@example.org already appears on line 2" in result.output
    header = write(tmp_path, "other.csv", "email,when\nff1@example.org,2025-01-01\n")
    result = await ldbot(services, "records", "import", str(header))
    assert result.exit_code != 0 and "line 1: the header must be" in result.output
    async with services.sessions() as db:
        assert list(await db.scalars(select(Evidence))) == []
        assert list(await db.scalars(select(AppraisalRecord))) == []
