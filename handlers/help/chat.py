"""Help: what this person can do, asked of the access policy command by command.

Every command says which action it needs (`may=`); help lists those the person could take for anyone at
all (a line manager "could" decide evidence, an assessor too; a firefighter could not), in each command's
rank order, so what people reach for most is at the top of a phone screen.
"""

from __future__ import annotations

from bot.turn import Turn
from bot.unit import Routes

routes = Routes()


@routes.command("help", "?", "hello", "hi", "hiya", "hey", "good morning", "good afternoon", "good evening", "menu",
                "start", "what can you do", "what do you do", "what can i do", "commands", summary="help.summary",
                rank=1000)
async def show_help(turn: Turn) -> None:
    specs = [spec for spec in turn.router.commands if spec.summary and (spec.may is None or await turn.could(spec.may))]
    specs.sort(key=lambda spec: spec.rank)  # stable: equal ranks keep the units' order
    lines = [{"command": spec.words[0], "summary": turn.text(spec.summary)} for spec in specs]
    turn.say("help.menu", name=turn.person.name.split()[0], lines=lines)


@routes.command("thanks", "thank you", "thankyou", "cheers", "ta", "thx", "great thanks", "ok thanks", "brilliant")
async def thanks(turn: Turn) -> None:
    turn.say("help.thanks", name=turn.person.name.split()[0])
