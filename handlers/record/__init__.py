"""A person's record: competence status, evidence and reflections, as each viewer may see it; exports."""

from bot.unit import CliCommand, Unit

UNIT = Unit(
    name="record",
    package=__name__,
    summary="Your record, and the records you look after; IPDR exports",
    chat="handlers.record.chat",
    cli=(CliCommand("export", "handlers.record.cli:export", "Export a person's record as Markdown or CSV."),),
    holds="handlers.record.holds:HOLDS",
)
