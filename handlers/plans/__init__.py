"""Development plans: learning pathways L&D define, plans that assign one to a person (by L&D, their line
manager, or an import that gives them a role with an induction pathway), agreed by the person and their line
manager, with progress read from the record and steps falling behind in weekly reminders."""

from bot.unit import CliCommand, Job, Unit

UNIT = Unit(
    name="plans",
    package=__name__,
    summary="Development plans and learning pathways",
    chat="handlers.plans.chat",
    cli=(
        CliCommand("pathways", "handlers.plans.cli:pathways_group", "Learning pathways: add from a file, list."),
        CliCommand("plans", "handlers.plans.cli:plans_group", "Development plans: assign, show, report progress."),
    ),
    jobs=(Job("plans.behind", "handlers.plans.jobs:behind", "handlers.plans.jobs:behind_every"),),
    holds="handlers.plans.holds:HOLDS",
)
