"""Personal data: subject access exports, erasure, retention periods, and who has looked at your record."""

from bot.unit import CliCommand, Job, Unit

UNIT = Unit(
    name="privacy",
    package=__name__,
    summary="Personal data: export, erasure, retention, and who has looked at your record",
    chat="handlers.privacy.chat",
    cli=(CliCommand("privacy", "handlers.privacy.cli:privacy_group",
                    "Personal data: export or erase what ldbot holds about a person; retention."),),
    jobs=(Job("privacy.retention", "handlers.privacy.jobs:retention", "handlers.privacy.jobs:retention_every"),),
    holds="handlers.privacy.holds:HOLDS",
)
