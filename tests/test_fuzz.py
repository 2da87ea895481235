"""Hostile and odd input is answered calmly: thousands of generated lines, clicks and form submissions
through the core (as the console sends them) and signed requests through the real Slack endpoint, on
SQLite and PostgreSQL. Nothing may crash, and the bot never answers "something went wrong".

The generator is seeded, so a failure repeats; the pieces are what a probe of the bot found trouble with
(superscript digits, numbers too long for the database, NUL and escape sequences, template and markup
syntax, very long words, right-to-left overrides) mixed with every command the bot knows.
"""

from __future__ import annotations

import random

from bot.app import make_bot
from bot.types import Action, FormSubmission, Incoming
from handlers.people.sample import load_everything
from tests.support import Chat

ERROR = "something went wrong"
PIECES = [
    "", " ", "²", "²³¹", "١٢٣", "99999999999999999999999", "-1", "0", "#12", "#", "1e309", "NaN", "1.5 hours",
    "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07", "\u202eevil",
    "\u200b", "🔥🚒", "{{ 7*7 }}", "{% for x in range(9999999) %}x{% endfor %}", "{{ ''.__class__.__mro__ }}",
    "<!channel>", "<@U0BOSS>", "<https://evil.example|click me>", "*bold* _it_ ~s~ `code`", "'; DROP TABLE people;--",
    "x" * 5000, "yesterday", "31/02/2026", "14 Dec", "01/01/1990", "FFBA1", "breathing apparatus", "all",
    "alex", "alex.morgan@northvale-fire.example", "=HYPERLINK(\"https://evil.example\")", "cancel", "back",
    "skip", "help", "save", "yes", "no", "keep", "1", "2", "3", "%", "_", "\\", "\n", "\t", "ð\udcff", "null",
]
ALICE = "alex.morgan@northvale-fire.example"


def lines(bot, rng: random.Random, count: int) -> list[str]:
    words = [w for spec in bot.router.commands for w in spec.words]
    result = []
    for _ in range(count):
        parts = [rng.choice(words)] if rng.random() < 0.6 else []
        parts += [rng.choice(PIECES) for _ in range(rng.randint(0, 3))]
        result.append(" ".join(parts)[:6000])
    return result


async def test_generated_chat_never_crashes_or_fails(services):
    await load_everything(services.sessions, services.today())
    bot = make_bot(services)
    rng = random.Random(20261201)
    actions = sorted(bot.router.actions) + ["core.use_answer", "core.switch", "no.such.thing"]
    forms = sorted(bot.router.forms)
    people = [ALICE, "sam.patel@northvale-fire.example", "priya.shah@northvale-fire.example",
              "ruth.collins@northvale-fire.example", "ian.fraser@northvale-fire.example"]
    failures = []
    tried = 0
    for who in people:
        chat = Chat(bot, who)
        for text in lines(bot, rng, 500):
            tried += 1
            roll = rng.random()
            if roll < 0.15:
                outcome = await bot.handle(Incoming(platform="console", user_id=who, conversation_id="console",
                                                    email=who, action=Action(f"{rng.choice(actions)}:{rng.choice(PIECES)}",
                                                                             rng.choice(PIECES))))
            elif roll < 0.25:
                form = rng.choice(forms)
                values = {name: rng.choice(PIECES) for name in
                          ("competence", "kind", "date", "description", "links", "feedback", "source", "summary",
                           "detail", "what_happened", "so_what", "now_what", "by_when", "cpd_hours") if rng.random() < 0.6}
                outcome = await bot.handle(Incoming(platform="slack", user_id=f"U-{who}", conversation_id="D1",
                                                    email=who, form=FormSubmission(form, values, rng.choice(PIECES))))
            else:
                await chat.send(text)
                outcome = None
            replies = outcome.replies if outcome is not None else chat.last
            if any(ERROR in r.text for r in replies):
                failures.append(text[:80])
    assert tried == 2500
    assert failures == [], failures[:10]
