"""What the real-server learning tests share: the command line run as L&D, an opportunity weeks from today
for people who work every day, all day, and waiting for the fakes to receive something.

The server reads the real clock, so the session is weeks from today (and a bank holiday would still hold
messages back, so the region is picked where today is not one).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import holidays
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from bot.cli import main
from storage.db import unit_of_work
from storage.models.learning import LearningSession
from tests.learning_org import ISSUE_YAML, email
from tests.support import add_competence, add_person

ALWAYS = "weekdays=mon,tue,wed,thu,fri,sat,sun;hours=00:00-23:59"


def region() -> str:
    today = datetime.now(UTC).date()
    for subdiv in ("ENG", "SCT", "NIR", "WLS"):
        if today not in holidays.country_holidays("GB", subdiv=subdiv):
            return subdiv
    pytest.skip("a bank holiday everywhere in the UK today: nothing the bot starts goes out")


async def ldbot(database_url: str, *args: str) -> str:
    env = {"LDBOT_DATABASE_URL": database_url}
    result = await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


async def arrive(check, seconds: float = 20.0):  # noqa: ANN001, ANN201
    for _ in range(int(seconds * 10)):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("nothing arrived")


async def opportunity_for_ann(services, database_url: str, tmp_path: Path) -> str:
    await add_person(services, email("ld"), "Lee Learning", role="ld", working_pattern=ALWAYS)
    await add_person(services, email("wm"), "Wendy Watch", role="watch_manager", team="Red Watch", working_pattern=ALWAYS)
    await add_person(services, email("ann"), "Ann Archer", team="Red Watch", manager=email("wm"), working_pattern=ALWAYS)
    await add_competence(services, "FFBA1", "Use breathing apparatus", risk_critical=True, months=12)
    start = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    path = tmp_path / "ba.yaml"
    path.write_text(ISSUE_YAML.replace("2027-01-12", start).replace(
        "  all:\n    - any:\n        - station: Ashby\n        - team: Red Watch\n    - competence: FFBA1\n"
        "      status: expiring\n      within_days: 90\n  not:\n    - role: station manager\n",
        "  people: [ann@northvale.example]\n"))
    return (await ldbot(database_url, "learning", "add", str(path))).strip()


async def session_took_place(services, opportunity: str) -> None:
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(LearningSession).where(LearningSession.opportunity_id == int(opportunity)).values(
            starts_at=datetime.now(UTC) - timedelta(hours=8), ends_at=datetime.now(UTC) - timedelta(hours=1)))
