"""The console adapter: in-process, and as a real `ldbot chat` process fed through a pipe."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from bot.app import make_bot
from bot.console import ConsoleSession, run_console
from scheduler.outbox import NoticeButton
from tests.support import add_person, queue


class Lines(io.StringIO):
    def isatty(self) -> bool:
        return False


async def test_unknown_email_is_refused(services):
    out = io.StringIO()
    assert await run_console(make_bot(services), "ghost@example.org", stdin=Lines("help\n"), out=out) == 2
    assert out.getvalue() == ""


async def test_piped_lines_get_replies_and_waiting_messages_are_shown_once(services):
    pid = await add_person(services, "alex@example.org", "Alex Morgan")
    await queue(services, pid, "outbox.unreachable", {"name": "Jo <b>", "email": "jo@example.org"},
                buttons=(NoticeButton("nudges.button_snooze", "noop", context={"name": "Kim", "what": "appraisal"}),))
    bot = make_bot(services)
    out = io.StringIO()
    assert await run_console(bot, "Alex@Example.org", stdin=Lines("help\n\ncancel\n"), out=out) == 0
    text = out.getvalue()
    assert "Jo <b>" in text and "[1] Snooze appraisal (Kim)" in text
    assert "Hi Alex" in text and "nothing to cancel" in text
    out2 = io.StringIO()
    await run_console(bot, "alex@example.org", stdin=Lines("help\n"), out=out2)
    assert "Jo <b>" not in out2.getvalue()


async def test_numbers_pick_the_buttons_last_shown(services):
    pid = await add_person(services, "alex@example.org", "Alex Morgan")
    await queue(services, pid, "outbox.unreachable", {"name": "A", "email": "a@b"},
                buttons=(NoticeButton("verification.button_competent", "no.such.action", "1"),))
    out = io.StringIO()
    session = ConsoleSession(make_bot(services), "alex@example.org", out)
    assert await session.start()
    await session.send("1")
    assert "no longer active" in out.getvalue()
    await session.send("1")  # nothing numbered any more: typed text, not a button
    assert "didn't understand" in out.getvalue()


async def test_ldbot_chat_process_with_piped_input(services, database_url):
    await add_person(services, "alex@example.org", "Alex Morgan")
    env = {**os.environ, "LDBOT_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "alex@example.org"],
        input="help\nwhat\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Hi Alex" in done.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "nobody@example.org"],
        input="help\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert unknown.returncode == 2
    assert "nobody with the email" in unknown.stderr and "Traceback" not in unknown.stderr


async def test_a_reply_held_for_another_platform_is_not_shown_or_marked_delivered_here(services):
    from bot.types import Reply
    from scheduler.outbox import hold_replies
    from storage.models import OutgoingMessage

    pid = await add_person(services, "alex@example.org", "Alex Morgan")
    bot = make_bot(services)
    [held] = await hold_replies(services.sessions, pid, [Reply("Saved as evidence \\#7")], "teams", now=services.now())
    out = io.StringIO()
    assert await run_console(bot, "alex@example.org", stdin=Lines("help\n"), out=out) == 0
    assert "Saved as evidence" not in out.getvalue()
    async with services.sessions() as db:
        row = await db.get(OutgoingMessage, held)
    assert row.status == "pending" and row.platform == "teams"  # still waiting for Teams
