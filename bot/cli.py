"""The `ldbot` command line, built from the units' declarations and the core's own commands.

Each command is named with its one-line help in a manifest and imported only when it runs, so
`ldbot --help` loads no database, template or platform code, and `ldbot ask` loads only what answering
a question needs.
"""

from __future__ import annotations

import click

from bot.unit import CliCommand, load
from handlers.units import UNITS

CORE_COMMANDS = (
    CliCommand("chat", "bot.commands.chat:chat", "Chat with the bot in the terminal (pipe lines in to script it)."),
    CliCommand("demo", "bot.commands.chat:demo", "Load the sample service (once) and chat as one of its staff."),
    CliCommand("serve", "bot.commands.serve:serve", "Serve Slack and Teams endpoints, the web console, health and background jobs."),
    CliCommand("worker", "bot.commands.serve:worker", "Run the scheduled jobs and the outbox without web endpoints."),
    CliCommand("db", "bot.commands.db:db_group", "Database migrations."),
    CliCommand("manifest", "bot.commands.manifest:manifest_group", "Print or write a chat platform's app manifest."),
)


def all_commands() -> dict[str, CliCommand]:
    commands: dict[str, CliCommand] = {}
    for command in (*CORE_COMMANDS, *(c for unit in UNITS for c in unit.cli)):
        if command.name in commands:
            raise RuntimeError(f"two `ldbot {command.name}` commands")
        commands[command.name] = command
    return commands


class LazyGroup(click.Group):
    """Lists commands from their declarations; imports one only to run it (or to show its own help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(all_commands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        declared = all_commands().get(cmd_name)
        return load(declared.target) if declared else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, c.help) for name, c in sorted(all_commands().items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """ldbot: the Learning & Development assistant for Slack, Microsoft Teams and the terminal."""
    ctx.obj = load("bot.app:make_runtime")()
