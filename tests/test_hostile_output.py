"""Text that leaves ldbot cannot act on where it lands (issue 16 item 10): a spreadsheet never runs a cell
as a formula, a terminal never receives an escape sequence, Slack never formats what a person typed; and
the console never takes a message that is on its way to someone in Slack or Teams (item 12)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, timedelta

from click.testing import CliRunner
from sqlalchemy import select

from bot.app import make_bot
from bot.catalogue import escape_slack
from bot.cli import main
from bot.console import ConsoleSession
from storage.db import unit_of_work
from storage.models import Evidence, OutgoingMessage, PlatformIdentity, Reflection
from storage.safe_text import csv_cell
from tests.support import add_competence, add_person, queue

ESCAPE = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x1b[31mred"


def test_a_cell_that_would_be_a_formula_is_text():
    assert csv_cell('=HYPERLINK("https://evil.example","x")') == '\'=HYPERLINK("https://evil.example","x")'
    assert csv_cell("@SUM(A1:A9)") == "'@SUM(A1:A9)"
    assert csv_cell("+44 7700 900123") == "'+44 7700 900123"
    assert csv_cell("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert csv_cell("\tnothing") == "'\tnothing"
    assert csv_cell("-1.5") == "-1.5" and csv_cell(-3) == -3 and csv_cell("plain") == "plain"
    assert csv_cell("a\x1b[31mb") == "ab"


async def _hostile_record(services) -> None:
    alex = await add_person(services, "alex@example.org", "Alex Morgan")
    await add_competence(services, "FFBA1", "Use breathing apparatus", risk_critical=True, months=12)
    async with unit_of_work(services.sessions) as db:  # as an import, or a record from before the edge was cleaned
        db.add(Evidence(person_id=alex, kind="observed", activity_date=date.today() - timedelta(days=3),
                        description='=HYPERLINK("https://evil.example","Open")', links=[], status="submitted"))
        db.add(Reflection(person_id=alex, what_happened="@SUM(1+1)*cmd|' /C calc'!A0", so_what=ESCAPE, now_what="x"))


async def test_exports_hold_no_formulas_and_no_escape_sequences(services, database_url):
    await _hostile_record(services)

    def export(fmt: str) -> str:
        done = CliRunner().invoke(main, ["export", "--user", "alex@example.org", "--format", fmt],
                                  env={"LDBOT_DATABASE_URL": database_url}, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.stdout

    rows = list(csv.reader(io.StringIO(await asyncio.to_thread(export, "csv"))))
    cells = [cell for row in rows for cell in row]
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:].replace(".", "").isdigit())]
    assert not [c for c in cells if "\x1b" in c or "\x07" in c]
    markdown = await asyncio.to_thread(export, "md")
    assert "\x1b" not in markdown and "\x07" not in markdown and "click red" in markdown


async def test_the_console_never_writes_an_escape_sequence(services):
    await _hostile_record(services)
    out = io.StringIO()
    session = ConsoleSession(make_bot(services), "alex@example.org", out)
    assert await session.start()
    async with services.sessions() as db:
        number = await db.scalar(select(Reflection.id))
    await session.send("reflections")
    await session.send(f"show reflection {number}")
    shown = out.getvalue()
    assert "click red" in shown
    assert not [ch for ch in shown if ord(ch) < 32 and ch not in "\n\t"]


def test_what_a_person_typed_cannot_format_a_slack_message():
    shown = escape_slack("~not~ *competent* `rm` _really_ <!channel>")
    for mark in "~*`_":
        assert f"\u200b{mark}\u200b" in shown
    assert "<!channel>" not in shown
    assert escape_slack("alex_morgan@example.org") == "alex_morgan@example.org"  # inside a word: left alone


async def test_the_console_leaves_messages_that_are_on_their_way_to_slack(services):
    alex = await add_person(services, "alex@example.org", "Alex Morgan")
    await queue(services, alex, "outbox.unreachable", {"name": "A", "email": "a@b"})
    async with unit_of_work(services.sessions) as db:
        db.add(PlatformIdentity(platform="slack", platform_user_id="U0ALEX", person_id=alex))
    out = io.StringIO()
    assert await ConsoleSession(make_bot(services), "alex@example.org", out).start()
    async with services.sessions() as db:
        statuses = list(await db.scalars(select(OutgoingMessage.status)))
    assert statuses == ["pending"]  # still Slack's to deliver
    assert "unreachable" not in out.getvalue().lower()
    # Someone with no other account gets them on the console, as before.
    sam = await add_person(services, "sam@example.org", "Sam Patel")
    await queue(services, sam, "outbox.unreachable", {"name": "A", "email": "a@b"})
    assert await ConsoleSession(make_bot(services), "sam@example.org", io.StringIO()).start()
    async with services.sessions() as db:
        mine = await db.scalar(select(OutgoingMessage.status).where(OutgoingMessage.recipient_id == sam))
    assert mine == "delivered"


async def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    from storage.db import make_engine

    path = tmp_path / "fresh" / "ldbot.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    await engine.dispose()
    assert path.stat().st_mode & 0o777 == 0o600
