"""People and the competence framework: imports from HR and L&D files, leavers and rejoiners, and the sample service."""

from bot.unit import CliCommand, Job, Unit

UNIT = Unit(
    name="people",
    package=__name__,
    summary="People, line management and the competence framework, from files",
    cli=(
        CliCommand("org", "handlers.people.cli:org_group", "Import people and line management."),
        CliCommand("competences", "handlers.people.cli:competences_group", "Import the competence framework."),
        CliCommand("seed", "handlers.people.cli:seed", "Load the sample fire and rescue service."),
    ),
    jobs=(Job("people.leavers", "handlers.people.jobs:leavers", "handlers.people.jobs:leavers_every"),),
    holds="handlers.people.holds:HOLDS",
)
