"""The web console's way in from chat and the command line: one-time sign-in links for admins and L&D."""

from bot.unit import CliCommand, Unit

UNIT = Unit(
    name="webconsole",
    package=__name__,
    summary="Sign-in links to the web console",
    chat="handlers.webconsole.chat",
    cli=(CliCommand("admin", "handlers.webconsole.cli:admin_group", "The web console: print a one-time sign-in link."),),
    holds="handlers.webconsole.holds:HOLDS",
)
