"""A typed answer to a question that has buttons. On a phone, or in the console, people type "yes" or
"save" rather than press; every unit's confirm step reads that answer the same way."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.turn import Turn

_NOT_LETTERS = re.compile(r"[^a-z ]")


def typed_word(text: str | None) -> str:
    """'Yes!' -> 'yes', ' Save it. ' -> 'save it': letters and spaces, lower case."""
    return _NOT_LETTERS.sub("", (text or "").lower()).strip()


async def answer_typed(turn: Turn, choices: Sequence[tuple[Collection[str], Callable[[Turn], Awaitable[None]]]],
                       help_template: str) -> None:
    """Run the handler of the first choice whose words include what was typed; otherwise say how to answer
    (nothing is saved or sent on a word the question did not offer)."""
    word = typed_word(turn.incoming.text)
    for words, handler in choices:
        if word in words:
            await handler(turn)
            return
    turn.say(help_template)
