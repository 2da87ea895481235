"""Nudges: weekly manager digests about overdue and due-soon appraisals (IPDR) and workplace assessments,
escalations, staff expiry reminders — in working time — and the actions taken from the nudge itself."""

from bot.unit import CliCommand, Job, Unit

UNIT = Unit(
    name="nudges",
    package=__name__,
    summary="Appraisal and assessment reminders, and acting on them",
    chat="handlers.nudges.chat",
    cli=(
        CliCommand("nudges", "handlers.nudges.cli:nudges_group", "Preview or run the reminders to managers and staff."),
        CliCommand("records", "handlers.nudges.cli:records_group", "Import appraisal and workplace-assessment history."),
    ),
    jobs=(Job("nudges.scan", "handlers.nudges.jobs:scan", "handlers.nudges.jobs:scan_every"),),
    holds="handlers.nudges.holds:HOLDS",
)
