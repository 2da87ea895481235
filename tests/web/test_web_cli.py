"""`ldbot admin link`: a one-time sign-in link for first set-up, printed; the database keeps only its digest."""

from __future__ import annotations

import asyncio
import hashlib
import re

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from storage.models.web import WebSignInLink
from tests.support import add_person


def _run(services, *args: str):  # noqa: ANN202 - click's Result
    return CliRunner().invoke(main, list(args), env={"LDBOT_DATABASE_URL": services.settings.database_url})


async def test_admin_link_prints_a_single_use_link_and_refuses_strangers(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    await add_person(services, "alex@example.org", "Alex Morgan")
    # The command runs its own event loop, as it does from a terminal: in a thread of its own here.
    done = await asyncio.to_thread(_run, services, "admin", "link", "--user", "ADA@example.org",
                                   "--base-url", "https://ldbot.example/")
    assert done.exit_code == 0, done.output
    url = re.search(r"https://ldbot\.example/admin/sign-in/([0-9a-f]{48})\b", done.output)
    assert url and "valid for 10 minutes" in done.output

    async with services.sessions() as db:
        assert list(await db.scalars(select(WebSignInLink.token_digest))) == [
            hashlib.sha256(url.group(1).encode()).hexdigest()]
    staff = await asyncio.to_thread(_run, services, "admin", "link", "--user", "alex@example.org")
    assert staff.exit_code == 0 and "is not an admin or in the L&D team" in staff.output
    stranger = await asyncio.to_thread(_run, services, "admin", "link", "--user", "nobody@example.org")
    assert stranger.exit_code != 0 and "nobody active with the email" in stranger.output
