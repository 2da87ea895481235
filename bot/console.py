"""The console adapter: the same core in a terminal, or scripted by piping lines into it.

Buttons become numbered choices (type the number; numbers keep their meaning, see ConsoleSession); forms
are asked field by field by the core. Messages
the bot started for this person (a manager told of new evidence, a decision) are shown at the start of the
session and whenever new ones arrive, then marked delivered.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import TextIO

from sqlalchemy import func, select

from bot.core import Bot
from bot.text import clean
from bot.types import Action, Button, Incoming, Reply
from scheduler.outbox import mark_shown, pending_for, render_message
from storage.db import unit_of_work
from storage.models import ConsoleChoice

PLATFORM = "console"
CONVERSATION = "console"


_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*?\S)?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(\S(?:[^_\n]*?\S)?)_(?![\w_])")


def plain(text: str) -> str:
    """Templates are written in Slack's markup (*bold*, _hint_); a terminal shows the words without it."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def render_reply(reply: Reply, numbers: list[int]) -> str:
    """The reply as terminal text, its buttons and list entries shown with the numbers given."""
    lines = [plain(reply.text)] if reply.text else []
    labels = [b.label for b in reply.buttons] + ([o.label for o in reply.choices.options] if reply.choices else [])
    lines += [f"  [{number}] {label}" for number, label in zip(numbers, labels, strict=True)]
    return "\n".join(lines)


def actions_of(reply: Reply) -> list[Action]:
    actions = [Action(b.action_id, b.value) for b in reply.buttons]
    if reply.choices is not None:
        actions += [Action(reply.choices.action_id, o.value) for o in reply.choices.options]
    return actions


class ConsoleSession:
    """One person's terminal conversation.

    Every button or list entry shown gets the next number, kept in the database, so a number on the screen
    keeps its meaning: after acting on one item of a digest the others still work, a list shown again gets
    new numbers rather than reusing old ones, and closing and reopening the chat keeps them. A number that
    was never shown is refused; one whose button no longer applies is answered by its handler.
    """

    def __init__(self, bot: Bot, email: str, out: TextIO = sys.stdout) -> None:
        self.bot = bot
        self.email = email.strip().lower()
        self.out = out
        self.person_id: int | None = None
        self.asking = False  # a form question is waiting: typed numbers are its options

    def _incoming(self, **kw: object) -> Incoming:
        return Incoming(platform=PLATFORM, user_id=self.email, conversation_id=CONVERSATION, email=self.email, **kw)

    async def start(self) -> bool:
        """Greet (or report an unknown user); show waiting messages; pick up an unfinished dialog."""
        self.person_id = await self.bot.person_id_for(self._incoming())
        if self.person_id is None:
            return False
        resumed = await self.bot.resume(self._incoming())
        self.asking = resumed.asking
        replies = await self.waiting_messages() + resumed.replies
        if replies:
            await self._show(replies)
        return True

    async def waiting_messages(self) -> list[Reply]:
        """Messages the bot started for this person since they last looked; marked delivered once shown."""
        if self.person_id is None:
            return []
        services = self.bot.services
        messages = await pending_for(services.sessions, self.person_id, PLATFORM, now=services.now())
        replies = [render_message(m, PLATFORM, services.catalogue) for m in messages]
        await mark_shown(services.sessions, [m.id for m in messages], PLATFORM, now=services.now())
        return replies

    async def send(self, line: str) -> None:
        text = line.rstrip("\r\n")
        number = _number(text)
        if number is not None and not self.asking:
            action = await self._choice(number)
            if action is None:
                await self._show([Reply(self.bot.services.catalogue.render("console.no_such_choice",
                                                                            {"number": number}, platform=PLATFORM))])
                return
            outcome = await self.bot.handle(self._incoming(action=action))
        else:
            outcome = await self.bot.handle(self._incoming(text=text))
        self.asking = outcome.asking
        await self._show(outcome.replies + await self.waiting_messages())

    async def _choice(self, number: int) -> Action | None:
        async with self.bot.services.sessions() as db:
            row = await db.scalar(select(ConsoleChoice).where(
                ConsoleChoice.person_id == self.person_id, ConsoleChoice.number == number))
        return Action(row.action_id, row.value) if row is not None else None

    async def _show(self, replies: list[Reply]) -> None:
        if not replies:
            return
        actions = [actions_of(r) for r in replies]
        numbers = await self._number(sum(len(a) for a in actions), [x for a in actions for x in a])
        blocks, at = [], 0
        for reply, mine in zip(replies, actions, strict=True):
            blocks.append(render_reply(reply, numbers[at : at + len(mine)]))
            at += len(mine)
        # Text stored before ldbot cleaned it at the edge, or imported, must not drive the terminal either.
        self.out.write(clean("\n\n".join(b for b in blocks if b)) + "\n\n")
        self.out.flush()

    async def _number(self, count: int, actions: list[Action]) -> list[int]:
        """The next `count` numbers for this person, stored with what each picks."""
        if count == 0 or self.person_id is None:
            return []
        services = self.bot.services
        async with unit_of_work(services.sessions) as db:
            last = await db.scalar(select(func.max(ConsoleChoice.number)).where(ConsoleChoice.person_id == self.person_id))
            first = (last or 0) + 1
            db.add_all([
                ConsoleChoice(person_id=self.person_id, number=first + i, action_id=a.action_id, value=a.value,
                              created_at=services.now())
                for i, a in enumerate(actions)
            ])
        return list(range(first, first + count))


def _number(text: str) -> int | None:
    stripped = text.strip().strip("[]().")
    return int(stripped) if stripped.isascii() and stripped.isdigit() and len(stripped) <= 9 else None


async def run_console(bot: Bot, email: str, *, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    session = ConsoleSession(bot, email, out)
    if not await session.start():
        return 2
    interactive = stdin.isatty()
    if interactive:
        intro = bot.services.catalogue.render("console.welcome", {}, platform=PLATFORM)
        out.write(intro + "\n\n")
    read = await _line_reader(stdin)
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = await read()
        if line == "":
            break
        if not line.strip() and not interactive:
            continue
        await session.send(line)
    return 0


async def _line_reader(stdin: TextIO):  # noqa: ANN202 - an async () -> str
    """Lines from the terminal or a pipe, read by the event loop itself, so Ctrl-C stops the chat at once
    (a thread blocked in readline would hold the process until Enter); bytes that are not UTF-8 become
    replacement characters instead of ending the chat."""
    try:
        fd = stdin.fileno()
    except (AttributeError, OSError, ValueError):  # an in-memory stream (tests): nothing blocks on it
        return lambda: asyncio.to_thread(stdin.readline)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), open(fd, "rb", buffering=0, closefd=False))

    async def read() -> str:
        try:
            line = await reader.readline()
        except ValueError:  # a line longer than the limit: drop what is buffered, carry on
            return "\n"
        return line.decode("utf-8", errors="replace")

    return read


__all__ = ["Button", "ConsoleSession", "render_reply", "run_console"]
