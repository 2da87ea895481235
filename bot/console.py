"""The console adapter: the same core in a terminal, or scripted by piping lines into it.

Buttons become numbered choices (type the number); forms are asked field by field by the core. Messages
the bot started for this person (a manager told of new evidence, a decision) are shown at the start of the
session and whenever new ones arrive, then marked delivered.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.core import Bot
from bot.types import Action, Button, Incoming, Reply
from scheduler.outbox import mark_shown, pending_for, render_message

PLATFORM = "console"
CONVERSATION = "console"


def render_reply(reply: Reply, first_number: int = 1) -> str:
    lines = [reply.text] if reply.text else []
    number = first_number
    for button in reply.buttons:
        lines.append(f"  [{number}] {button.label}")
        number += 1
    if reply.choices is not None:
        for option in reply.choices.options:
            lines.append(f"  [{number}] {option.label}")
            number += 1
    return "\n".join(lines)


class ConsoleSession:
    """One person's terminal conversation; holds only what was last shown (for numbered choices)."""

    def __init__(self, bot: Bot, email: str, out: TextIO = sys.stdout) -> None:
        self.bot = bot
        self.email = email.strip().lower()
        self.out = out
        self.person_id: int | None = None
        self._numbered: list[Action] = []

    def _incoming(self, **kw: object) -> Incoming:
        return Incoming(platform=PLATFORM, user_id=self.email, conversation_id=CONVERSATION, email=self.email, **kw)

    async def start(self) -> bool:
        """Greet (or report an unknown user); show waiting messages; pick up an unfinished dialog."""
        self.person_id = await self.bot.person_id_for(self._incoming())
        if self.person_id is None:
            return False
        replies = await self.waiting_messages() + await self.bot.resume(self._incoming())
        if replies:
            self._show(replies)
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
        action = self._numbered_action(text)
        incoming = self._incoming(action=action) if action else self._incoming(text=text)
        outcome = await self.bot.handle(incoming)
        self._show(outcome.replies + await self.waiting_messages())

    def _numbered_action(self, text: str) -> Action | None:
        stripped = text.strip().strip("[]().")
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._numbered):
            return self._numbered[int(stripped) - 1]
        return None

    def _show(self, replies: list[Reply]) -> None:
        if not replies:
            self._numbered = []
            return
        numbered: list[Action] = []
        blocks = []
        for reply in replies:
            blocks.append(render_reply(reply, len(numbered) + 1))
            numbered += [Action(b.action_id, b.value) for b in reply.buttons]
            if reply.choices is not None:
                numbered += [Action(reply.choices.action_id, o.value) for o in reply.choices.options]
        self._numbered = numbered
        self.out.write("\n\n".join(b for b in blocks if b) + "\n\n")
        self.out.flush()


async def run_console(bot: Bot, email: str, *, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    session = ConsoleSession(bot, email, out)
    if not await session.start():
        return 2
    interactive = stdin.isatty()
    if interactive:
        intro = bot.services.catalogue.render("console.welcome", {}, platform=PLATFORM)
        out.write(intro + "\n\n")
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = await asyncio.to_thread(stdin.readline)
        if line == "":
            break
        if not line.strip() and not interactive:
            continue
        await session.send(line)
    return 0


__all__ = ["Button", "ConsoleSession", "render_reply", "run_console"]
