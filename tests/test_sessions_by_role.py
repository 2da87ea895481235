"""A console session for each kind of user of the sample service, as the conversation they would have.

Each script is what the person types and what the bot's answer must say (every line is checked in turn,
through the real console adapter, so numbered choices are the ones shown on screen).
"""

from __future__ import annotations

import io
import re

from bot.app import make_bot
from bot.console import ConsoleSession
from handlers.people.sample import load_everything

ORG = "@northvale-fire.example"


class Screen:
    """One person at a terminal: type a line, read what came back since."""

    def __init__(self, services, who: str) -> None:
        self.out = io.StringIO()
        self.session = ConsoleSession(make_bot(services), who + ORG, self.out)
        self._read = 0

    async def open(self) -> str:
        assert await self.session.start()
        return self._new()

    async def type(self, line: str) -> str:
        await self.session.send(line)
        return self._new()

    def number_of(self, label: str) -> str:
        """The number shown beside the latest choice with this label."""
        found = re.findall(rf"\[(\d+)\] {re.escape(label)}", self.out.getvalue())
        assert found, f"no choice {label!r} on screen"
        return found[-1]

    def _new(self) -> str:
        text = self.out.getvalue()[self._read :]
        self._read = len(self.out.getvalue())
        return text


async def converse(screen: Screen, script: list[tuple[str, str | list[str]]]) -> None:
    for typed, expected in script:
        if typed.startswith("#"):  # "#Save" picks the choice labelled Save by its number on screen
            typed = screen.number_of(typed[1:])
        answer = await screen.type(typed)
        for part in [expected] if isinstance(expected, str) else expected:
            assert part in answer, f"after {typed!r}: {part!r} not in {answer!r}"


async def sample(services) -> None:
    await load_everything(services.sessions, services.today())


async def test_a_firefighter_logs_a_reflection_and_evidence_and_checks_their_record(services):
    await sample(services)
    alex = Screen(services, "alex.morgan")
    await alex.open()
    await converse(alex, [
        ("hi", ["Hi Alex", "reflect", "evidence", "record"]),
        ("reflect: Led my first BA drill for two new starters; we practised entry control.",
         "Here's your reflection"),
        ("#Save", "Saved as reflection"),
        ("I did BA training yesterday", ["Shall I log it as evidence for FFBA1", "16 November 2026"]),
        ("#Log it as evidence", ["Please check this before I save it", "FFBA1", "Training course"]),
        ("#Save and send", ["Saved as evidence", "Sam Patel"]),
        ("who is my boss", "Your line manager is Sam Patel"),
        ("my record", ["Your record", "FFBA1", "Appraisal (IPDR): overdue"]),
        ("is workplace assessment mandatory?", "Workplace assessment"),
        ("thanks", "You're welcome"),
    ])


async def test_a_crew_manager_sees_the_team_and_verifies_with_feedback_shown_back(services):
    await sample(services)
    sam = Screen(services, "sam.patel")
    await sam.open()
    await converse(sam, [
        ("my team", ["Your team", "Alex Morgan", "Jamie Reid", "Chloe Adams", "overdue"]),
        ("digest", ["here's what needs your attention", "Alex Morgan: appraisal (IPDR)"]),
        ("verify", ["Jamie Reid has submitted evidence", "FFRT3"]),
        ("#Not yet competent", "What's missing"),
        ("Please add the casualty handover.", ["Jamie Reid will read this feedback", "casualty handover"]),
        ("#Send decision", "Marked not yet competent by Sam Patel"),
        ("record alex", ["Record for Alex Morgan", "FFBA1"]),
    ])


async def test_the_ld_team_answers_what_staff_could_not_find(services):
    await sample(services)
    alex = Screen(services, "alex.morgan")
    await alex.open()
    await converse(alex, [
        ("can I get study leave for a university course", "couldn't find an answer"),
        ("#Ask the L&D team", "add a little detail"),
        ("It's a part-time degree.", "This is what the L&D team will see"),
        ("#Send to L&D", "I've passed your question to the L&D team"),
    ])
    priya = Screen(services, "priya.shah")
    opened = await priya.open()
    assert "Question" in opened and "from Alex Morgan" in opened
    number = re.search(r"Question (\d+) from Alex Morgan", opened).group(1)
    await converse(priya, [
        ("help", ["unanswered", "reply"]),
        ("unanswered", [f"#{number} from Alex Morgan", "study leave"]),
        (f"reply {number}: Yes, for up to 5 days a year; ask your line manager first.", "Sent your answer"),
        ("record Alex Morgan", ["Record for Alex Morgan", "Reflections stay private"]),
    ])


async def test_an_assessor_decides_evidence_from_anyone_but_cannot_edit_templates(services):
    await sample(services)
    ruth = Screen(services, "ruth.collins")
    await ruth.open()
    await converse(ruth, [
        ("help", "verify"),
        ("verify", ["Jamie Reid has submitted evidence", "FFRT3"]),
        ("#Competent", "Any feedback?"),
        ("skip", "Marked competent by Ruth Collins"),
        ("templates", "only admins can change what I say"),
    ])


async def test_an_admin_changes_what_the_bot_says_and_decides_nothing(services):
    await sample(services)
    ian = Screen(services, "ian.fraser")
    await ian.open()
    await converse(ian, [
        ("help", ["templates", "template"]),
        ("verify", "Nothing is waiting for your decision"),
        ("template edit help.thanks", "(1/1)"),
        ("No problem, {{ name }}! 🙂", "Saved"),
        ("thanks", "No problem, Ian!"),
        ("template reset help.thanks", "back to the original wording"),
        ("thanks", "You're welcome, Ian"),
    ])
