"""Learning opportunities: L&D announce courses, workshops, drills, e-learning and qualifications to the
people whose record says they need them; staff sign up (capacity, waitlist, offers, manager approval),
are reminded, attend, and say whether it helped; L&D see who came and what it changed."""

from bot.unit import CliCommand, Job, Unit

UNIT = Unit(
    name="learning",
    package=__name__,
    summary="Learning opportunities: audiences, broadcasts, sign-up and waitlists, attendance, evaluation",
    chat="handlers.learning.chat",
    cli=(
        CliCommand("learning", "handlers.learning.cli:learning_group",
                   "Learning opportunities: add, send to an audience, bookings, attendance, reports."),
    ),
    jobs=(Job("learning.tick", "handlers.learning.jobs:tick", "handlers.learning.jobs:tick_every"),),
    holds="handlers.learning.holds:HOLDS",
)
