"""CPD reflections: guided (What? So what? Now what?) or one-shot, confirmed before saving, private by
default, shared with the line manager (whole or as a summary) only by the author's choice."""

from bot.unit import Job, Unit

UNIT = Unit(
    name="reflections",
    package=__name__,
    summary="Write, keep and share CPD reflections",
    chat="handlers.reflections.chat",
    holds="handlers.reflections.holds:HOLDS",
    jobs=(Job("reflections.moved_shares", "handlers.reflections.jobs:moved_shares",
              "handlers.reflections.jobs:moved_shares_every"),),
)
