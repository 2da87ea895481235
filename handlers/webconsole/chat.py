"""`web` (or `admin`) in chat: an admin or L&D person gets a one-time link to the web console."""

from __future__ import annotations

from bot.access import Act
from bot.turn import Turn
from bot.unit import Routes
from bot.usecase import Refused
from handlers.webconsole import usecases as uc

routes = Routes()


@routes.command("web", "admin", "web console", summary="webconsole.summary", may=Act.USE_WEB_CONSOLE, rank=105)
async def sign_in_link(turn: Turn) -> None:
    try:
        issued = await turn.apply(await uc.issue_link(
            turn.db, turn.person, turn.at, subject=turn.person, base_url=turn.services.settings.public_base_url,
            via=turn.incoming.platform,
        ))
    except Refused:
        turn.say("webconsole.not_allowed")
        return
    turn.say("webconsole.link", url=issued.url, minutes=issued.minutes)
