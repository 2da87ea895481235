"""Help: what this person can do, depending on their role and whether anyone reports to them."""

from __future__ import annotations

from sqlalchemy import exists, select

from bot.router import command, registry
from bot.turn import Turn
from storage.models import Person


async def audiences_for(turn: Turn) -> set[str]:
    person = turn.person
    audiences = {"all"}
    has_reports = await turn.db.scalar(select(exists().where(Person.line_manager_id == person.id)))
    if has_reports or person.is_verifier:
        audiences |= {"manager", "verifier"}
    if person.is_ld:
        audiences.add("ld")
    if person.is_admin:
        audiences.add("admin")
    return audiences


# What people reach for most comes first (on a phone, the top of the list is what gets read); commands
# not named here follow in the order they were registered, and help itself comes last.
HELP_ORDER = ("reflect", "evidence", "record", "ask", "verify", "reflections", "export", "withdraw evidence",
              "competences", "reply", "templates", "template")


def _rank(first_word: str) -> tuple[int, int]:
    if first_word == "help":
        return (2, 0)
    return (0, HELP_ORDER.index(first_word)) if first_word in HELP_ORDER else (1, 0)


@command("help", "?", "hello", "hi", "menu", "start", summary="help.summary")
async def show_help(turn: Turn) -> None:
    audiences = await audiences_for(turn)
    specs = [spec for spec in registry.commands if spec.audience in audiences and spec.summary]
    specs.sort(key=lambda spec: _rank(spec.words[0]))  # stable: unnamed ones keep registration order
    lines = [{"command": spec.words[0], "summary": turn.text(spec.summary)} for spec in specs]
    turn.say("help.menu", name=turn.person.name.split()[0], lines=lines)
