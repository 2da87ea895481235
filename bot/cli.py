"""The `ldbot` command line: each area adds its commands from its own module in bot/commands/."""

from __future__ import annotations

import importlib

import click

COMMAND_MODULES = (
    "bot.commands.db",
    "bot.commands.chat",
    "bot.commands.serve",
    "bot.commands.policy",
    "bot.commands.org",
    "bot.commands.record",
    "bot.commands.nudges",
    "bot.commands.slack",
    "bot.commands.teams",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """ldbot: the Learning & Development assistant for Slack, Microsoft Teams and the terminal."""


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).COMMANDS:
        main.add_command(_command)
