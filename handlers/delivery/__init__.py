"""Delivery: the messages the bot is sending, seen and handled by admins. Parked messages (the sender gave
up after hours of back-off, or nobody could reach the person) are listed, tried again or given up on from
the command line and the web console, and each admin hears once a day, in working time, what is parked."""

from bot.unit import CliCommand, Job, Unit

UNIT = Unit(
    name="delivery",
    package=__name__,
    summary="Messages the bot is sending",
    cli=(
        CliCommand("outbox", "handlers.delivery.cli:outbox_group",
                   "Messages the bot started: list, retry or drop parked ones."),
    ),
    jobs=(Job("delivery.parked_report", "handlers.delivery.jobs:parked_report",
              "handlers.delivery.jobs:parked_report_every"),),
    holds="handlers.delivery.holds:HOLDS",
)
