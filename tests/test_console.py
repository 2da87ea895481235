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


async def test_a_number_keeps_its_meaning_while_it_is_on_screen_and_after_reopening(services):
    pid = await add_person(services, "alex@example.org", "Alex Morgan")
    await queue(services, pid, "outbox.unreachable", {"name": "A", "email": "a@b"},
                buttons=(NoticeButton("verification.button_competent", "no.such.action", "1"),))
    out = io.StringIO()
    session = ConsoleSession(make_bot(services), "alex@example.org", out)
    assert await session.start()
    assert "[1] Competent" in out.getvalue()
    await session.send("1")
    assert "no longer active" in out.getvalue()  # its handler says so; nothing else is picked
    await session.send("99")
    assert "There's no choice [99] on your screen" in out.getvalue()
    assert "didn't understand" not in out.getvalue()  # a number is never taken for a question

    await session.send("reflect: Ran a drill.")
    shown = out.getvalue()
    assert "[2] Save" in shown and "[3] Edit" in shown and "[4] Cancel" in shown  # the next numbers, not 1-3
    reopened = io.StringIO()
    again = ConsoleSession(make_bot(services), "alex@example.org", reopened)  # the chat closed and opened
    assert await again.start()
    await again.send("2")
    assert "Saved as reflection" in reopened.getvalue()


async def test_acting_on_one_item_leaves_the_others_working(services):
    await add_person(services, "sam@example.org", "Sam Patel", role="watch_manager")
    for name in ("Ann", "Bob", "Cat"):
        await add_person(services, f"{name.lower()}@example.org", f"{name} Smith", manager="sam@example.org")
    out = io.StringIO()
    session = ConsoleSession(make_bot(services), "sam@example.org", out)
    assert await session.start()
    from sqlalchemy import select

    from storage.models import Person

    async with services.sessions() as db:
        ids = {p.name: p.id for p in await db.scalars(select(Person))}
    digest = [NoticeButton("nudges.button_snooze", f"nudges.snooze:{ids[n + ' Smith']}:appraisal",
                           f"{ids[n + ' Smith']}:appraisal", context={"name": n, "what": "appraisal"})
              for n in ("Ann", "Bob", "Cat")]
    await queue(services, ids["Sam Patel"], "outbox.unreachable", {"name": "x", "email": "y"}, buttons=tuple(digest))
    await session.send("help")
    numbers = [line.split("]")[0].strip(" [") for line in out.getvalue().splitlines() if "Snooze" in line]
    assert len(numbers) == 3
    await session.send(numbers[0])
    await session.send(numbers[2])  # the third still works after the first was used
    text = out.getvalue()
    assert "mention Ann Smith's appraisal" in text and "mention Cat Smith's appraisal" in text
    assert "Bob Smith's appraisal again" not in text


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


async def test_ctrl_c_ends_ldbot_chat_at_once_and_bad_bytes_do_not(services, database_url):
    import signal
    import time

    await add_person(services, "alex@example.org", "Alex Morgan")
    env = {**os.environ, "LDBOT_DATABASE_URL": database_url}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--user", "alex@example.org"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        proc.stdin.write(b"help\n\xff\xfe caf\xe9\n\xc2\xb2\xc2\xb3\xc2\xb9\n")  # not UTF-8, then superscripts
        proc.stdin.flush()
        time.sleep(4.0)  # start-up and three answers
        proc.send_signal(signal.SIGINT)  # stdin stays open and no Enter follows: the chat must not wait for one
        started = time.monotonic()
        out, err = proc.communicate(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert b"Bye" in out and b"Traceback" not in err
    assert b"here's what I can do" in out and b"There's no choice" not in out
