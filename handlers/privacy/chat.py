"""Who has looked at my record: the access log, as the person it is about reads it."""

from __future__ import annotations

from bot.access import Act
from bot.turn import Turn
from bot.unit import Routes
from handlers.privacy import usecases as uc

routes = Routes()

SHOWN = 20


@routes.command("who has looked at my record", "who looked at my record", "who has seen my record",
                "who has viewed my record", "who viewed my record", "who has accessed my record",
                "record views", "access log", summary="privacy.summary_views", may=Act.SEE_RECORD_VIEWS, rank=75)
async def who_looked(turn: Turn) -> None:
    views = await turn.apply(await uc.record_views(turn.db, turn.person, turn.at, limit=SHOWN))
    if not views.views:
        turn.say("privacy.views_none")
        return
    tz = turn.at.tz
    turn.say(
        "privacy.views",
        total=views.total,
        views=[
            {
                "by": view.by,
                "via": view.via,
                "account": view.account,
                "what": view.what,
                "date": view.at.astimezone(tz).date().isoformat(),
                "time": view.at.astimezone(tz).strftime("%H:%M"),
            }
            for view in views.views
        ],
    )
