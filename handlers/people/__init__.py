"""People and the competence framework: imports from HR and L&D files, and the sample service."""

from bot.unit import CliCommand, Unit

UNIT = Unit(
    name="people",
    package=__name__,
    summary="People, line management and the competence framework, from files",
    cli=(
        CliCommand("org", "handlers.people.cli:org_group", "Import people and line management."),
        CliCommand("competences", "handlers.people.cli:competences_group", "Import the competence framework."),
        CliCommand("seed", "handlers.people.cli:seed", "Load the sample fire and rescue service."),
    ),
)
