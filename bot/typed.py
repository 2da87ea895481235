"""A typed answer to a question that has buttons. On a phone, or in the console, people type "yes" or
"save" rather than press; every unit's confirm step reads that answer the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TYPE_CHECKING

from bot.forms import normalise

if TYPE_CHECKING:
    from bot.turn import Turn


async def answer_typed(turn: Turn, choices: Sequence[tuple[Collection[str], Callable[[Turn], Awaitable[None]]]],
                       help_template: str) -> None:
    """Run the handler of the first choice whose words include what was typed; otherwise say how to answer
    (nothing is saved or sent on a word the question did not offer)."""
    word = normalise(turn.incoming.text or "")  # as a form's typed choice is read
    for words, handler in choices:
        if word in words:
            await handler(turn)
            return
    turn.say(help_template)
