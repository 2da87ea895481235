"""Policy answers: staff ask in their own words and get the service's documents quoted, with the section
it came from — or an honest "I don't know", which the L&D team sees and can answer."""

from bot.unit import CliCommand, Unit

UNIT = Unit(
    name="policy",
    package=__name__,
    summary="Answers from the policy documents; questions handed to the L&D team",
    chat="handlers.policy.chat",
    cli=(
        CliCommand("policy", "handlers.policy.cli:policy_group", "Policy documents the bot answers questions from."),
        CliCommand("ask", "handlers.policy.cli:ask_command", "Ask a policy question as staff would."),
    ),
    holds="handlers.policy.holds:HOLDS",
)
