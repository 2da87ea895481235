"""`ldbot admin link --user EMAIL`: a one-time sign-in link to the web console, for first set-up."""

from __future__ import annotations

import click

from bot.runtime import Runtime
from bot.services import Services
from bot.usecase import Refused
from handlers.webconsole.usecases import LinkIssued, issue_link
from storage.db import unit_of_work
from storage.org_import import person_by_email


@click.group("admin")
def admin_group() -> None:
    """The web console."""


@admin_group.command("link")
@click.option("--user", "email", required=True, help="Email of the person the link signs in.")
@click.option("--base-url", help="The console's public address (LDBOT_WEB_BASE_URL; else this machine's port).")
@click.pass_obj
def link_command(runtime: Runtime, email: str, base_url: str | None) -> None:
    """Print a single-use sign-in link, valid for 10 minutes, bound to that person."""

    async def job(services: Services) -> LinkIssued | None:
        async with unit_of_work(services.sessions) as db:
            person = await person_by_email(db, email)
            if person is None:
                return None
            try:
                return await issue_link(db, None, services.at(), subject=person,
                                        base_url=base_url or services.settings.public_base_url, via="cli")
            except Refused:
                return None

    issued = runtime.run(job)
    if issued is None:
        raise click.ClickException(f"nobody active with the email {email!r} is in the organisation")
    if not issued.allowed:
        click.echo(f"Note: {email} is not an admin or in the L&D team, so the console will refuse them.", err=True)
    click.echo(issued.url)
    click.echo(f"(single use, valid for {issued.minutes} minutes)", err=True)
