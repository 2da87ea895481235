"""What the learning unit's chat handlers share: the routes, their data, refusals, the L&D gate."""

from __future__ import annotations

from bot.access import Act
from bot.ids import parse_id
from bot.turn import Turn
from bot.unit import Routes
from bot.usecase import Refused
from handlers.learning.config import LearningConfig, config_for

routes = Routes()


def config(turn: Turn) -> LearningConfig:
    return config_for(turn.services)


def action_args(turn: Turn) -> list[str]:
    """A button's data: its value, or what follows the route key in its id, split on ":"."""
    act = turn.incoming.action
    if act is None:
        return []
    data = act.value or act.action_id.partition(":")[2]
    return data.split(":") if data else []


def number(text: str | None) -> int | None:
    """A record number typed or carried in a button (bot.ids: ASCII digits, in a database integer's range)."""
    return parse_id(text)


def say_refused(turn: Turn, refused: Refused, *, replace: bool = False) -> None:
    detail = {"own": True, **refused.detail}
    turn.say("learning.refused", reason=refused.reason, replace_original=replace, **detail)


async def is_ld(turn: Turn, act: Act = Act.MANAGE_LEARNING) -> bool:
    """L&D (who manage learning) get the command; anyone else's words go to the policy answers, as if the
    command were not there (someone asking "report a fault?" gets an answer, not a refusal)."""
    if await turn.may(act):
        return True
    if turn.incoming.text is not None and turn.router.fallbacks:
        turn.args = turn.incoming.text.strip()
        for fallback in turn.router.fallbacks:  # the same chain the core runs for words it does not know
            if await fallback(turn):
                return False
        turn.say("core.unknown_command")
    else:
        turn.say("learning.refused", reason="not_allowed", own=True)
    return False
