"""Text people typed never reaches the logs, on every failing path that can be made to happen (issue 16 item 4):
a database refusing a statement inside a turn, a template failing at delivery, a scheduled job failing, a
background task failing unwatched.
Each path really fails, and really logs (with a traceback, ids and the event type); the marker does not
appear in what ldbot's handler writes nor in what pytest's caplog captured. The Slack and Teams paths
are in tests/slack/test_slack_logs.py, tests/*/test_*_junk.py and the `ldbot serve` test there.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select, text, update

from bot.app import make_bot
from bot.logs import format_exception, redact_message
from bot.unit import Job
from handlers.nudges.job import run_nudges
from scheduler.jobs import guarded
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person, Reflection
from tests.log_capture import MARKER, ldbot_logs
from tests.nudge_org import MONDAY, at, build_station, rules
from tests.support import Chat, add_person, deliver, queue
from tests.test_outbox import RecordingPlatform


@asynccontextmanager
async def refusing_marker(engine, table: str, column: str) -> AsyncIterator[None]:
    """The database itself refuses a row whose `column` holds the marker, as a constraint would: a trigger
    on SQLite, a CHECK constraint on PostgreSQL (whose error then quotes the row in its DETAIL line)."""
    name = f"refuse_marker_{table}"
    async with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            await conn.execute(text(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN CAST(NEW.{column} AS TEXT) LIKE '%MARKER%' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            ))
        else:
            await conn.execute(text(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK (CAST({column} AS TEXT) NOT LIKE '%MARKER%') NOT VALID"
            ))
    try:
        yield
    finally:
        async with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                await conn.execute(text(f"DROP TRIGGER {name}"))
            else:
                await conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))


def assert_clean(logs: str, caplog, *, must_have: list[str]) -> None:
    for where, written in (("ldbot's handler", logs), ("caplog", caplog.text)):
        assert MARKER not in written, f"{where} holds the marker:\n{written}"
        assert "7f3a" not in written, f"{where} holds part of the marker:\n{written}"
    for expected in must_have:
        assert expected in logs, f"{expected!r} missing from:\n{logs}"


async def test_a_database_error_inside_a_turn_is_logged_without_the_text(services, caplog):
    caplog.set_level(logging.DEBUG)
    with ldbot_logs("DEBUG") as logs:  # set up first, as every entry point does
        await add_person(services, "alex@example.org", "Alex Morgan")
        chat = Chat(make_bot(services), "alex@example.org")
        await chat.send(f"reflect: {MARKER} ran a drill with two new starters")
        async with refusing_marker(services.engine, "reflections", "what_happened"):
            answer = await chat.send("save")
    assert "went wrong" in answer.lower()
    async with services.sessions() as db:
        assert await db.scalar(select(Reflection.id)) is None  # the database really refused it
    written = logs.getvalue()
    assert_clean(written, caplog, must_have=[
        "handler failed platform=console event=text", "Traceback (most recent call last)",
        "[SQL: INSERT INTO reflections", "IntegrityError",
    ])
    assert "[parameters" not in written and "DETAIL" not in written


async def test_a_template_failing_at_delivery_is_logged_without_the_text(services, caplog):
    """A notice whose context the template cannot render (a date that is not one): the sender logs the
    failure with its message id; the exception quotes the value, the log does not."""
    caplog.set_level(logging.DEBUG)
    with ldbot_logs("DEBUG") as logs:
        person = await add_person(services, "alex@example.org", "Alex Morgan")
        message = await queue(services, person, "nudges.booked_notice",
                              {"by": MARKER, "code": "BA", "title": MARKER, "on": MARKER})
        platform = RecordingPlatform()
        report = await deliver(services, [platform])
    assert platform.sent == [] and report.delivered == []
    assert_clean(logs.getvalue(), caplog, must_have=[
        f"outbox delivery failed message={message} platform=fake", "bot.catalogue.TemplateProblem: nudges.booked_notice",
        "ValueError: Invalid isoformat string: '…'",
    ])


async def test_a_failing_job_is_logged_without_the_text(services, caplog):
    """The nudge scan, run as the scheduler runs it, when the database refuses the digest naming a person."""
    caplog.set_level(logging.DEBUG)
    with ldbot_logs("DEBUG") as logs:
        await build_station(services)
        async with unit_of_work(services.sessions) as db:
            await db.execute(update(Person).where(Person.email == "ff1@example.org").values(name=f"{MARKER} Patel"))
        job = guarded(Job("nudges.scan", "unused:run", "unused:every"),
                      lambda s: run_nudges(s, rules=rules(), now=at(MONDAY)), services)
        async with refusing_marker(services.engine, "outgoing_messages", "context"):
            await job()
    async with services.sessions() as db:
        assert await db.scalar(select(OutgoingMessage.id)) is None  # the whole run was refused
    assert_clean(logs.getvalue(), caplog, must_have=[
        "job failed id=nudges.scan", "Traceback", "[SQL: INSERT INTO outgoing_messages",
    ])


def test_what_is_cut_from_messages_and_exceptions():
    bolt = f"Invalid request signature detected (signature: v0=ab, timestamp: 1, body: {{'text': '{MARKER}'}})"
    assert redact_message(bolt) == "Invalid request signature detected (signature: v0=ab, timestamp: 1, body: [redacted]"
    sdk = f"Sending a request - url: https://slack.com/api/chat.postMessage, query_params: {{}}, json_body: {MARKER}"
    assert MARKER not in redact_message(sdk) and "chat.postMessage" in redact_message(sdk)
    assert redact_message("token xoxb-1234-abcd used; Authorization: Bearer eyJabc.def") == (
        "token xoxb-[redacted] used; Authorization: Bearer [redacted]")
    assert redact_message("x" * 5000).endswith("[4000 more characters]")
    never_retrieved = f"Task exception was never retrieved\nfuture: <Task finished coro=<f()> exception=KeyError('{MARKER}')>"
    assert redact_message(never_retrieved) == "Task exception was never retrieved\nfuture: <Task finished coro=<f()> exception=[redacted]"
    try:
        try:
            {}[MARKER]
        except KeyError as exc:
            raise RuntimeError(f"could not find {MARKER!r} in the form\nsecond line {MARKER}") from exc
    except RuntimeError as exc:
        rendered = format_exception(exc)
    assert MARKER not in rendered
    assert "KeyError: '…'" in rendered and "RuntimeError: could not find '…' in the form [+1 more lines]" in rendered
    assert "The above exception was the direct cause" in rendered and "{}[MARKER]" in rendered  # the code line


async def test_a_background_task_failing_unwatched_is_logged_without_the_text(caplog):
    """asyncio's own report of a task whose exception nobody retrieved (it prints the exception's repr)."""
    import asyncio
    import gc

    caplog.set_level(logging.DEBUG)

    async def fails() -> None:
        raise ValueError(f"could not parse {MARKER!r}")

    with ldbot_logs("DEBUG") as logs:
        task = asyncio.get_running_loop().create_task(fails())
        await asyncio.sleep(0)
        del task
        gc.collect()
    assert_clean(logs.getvalue(), caplog, must_have=["Task exception was never retrieved", "ValueError: could not parse '…'"])
