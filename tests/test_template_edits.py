"""Template edits that cannot work are refused with the reason; saved ones are shown back, kept as versions,
rolled back, and used on the next message by every process (issue 11 items 7 and 8, issue 13)."""

from __future__ import annotations

import logging

from bot.app import make_bot, make_catalogue
from bot.services import Services
from handlers.admin import usecases as uc
from storage.db import unit_of_work
from storage.models import Person, TemplateOverride
from tests.support import Chat, add_person


async def _admin(services: Services) -> Person:
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    async with services.sessions() as db:
        from sqlalchemy import select

        return await db.scalar(select(Person).where(Person.email == "ada@example.org"))


async def test_templates_are_listed_by_capability_one_a_line_with_when_they_are_said(services):
    await _admin(services)
    ada = Chat(make_bot(services), "ada@example.org")
    groups = await ada.send("templates")
    assert f"{len(services.catalogue.names())} responses, grouped by what they belong to" in groups
    assert "• *Log competence evidence and withdraw it; the competence framework* — " in groups
    assert "*templates evidence*" in groups and len(groups) < 4000  # readable on a phone
    lines = (await ada.send("templates evidence")).splitlines()
    assert "*Log competence evidence and withdraw it; the competence framework*" in lines
    assert "• evidence.saved — Evidence was saved and sent to be verified." in lines
    assert len([line for line in lines if line.startswith("• ")]) <= 60
    assert "• core.cancelled — Someone typed cancel in the middle of something." in (await ada.send("templates cancel")).splitlines()
    only = await ada.send("templates withdraw")
    assert "evidence.withdrawn —" in only and "core.cancelled" not in only


async def test_an_edit_using_an_unknown_value_or_the_sandbox_is_refused_and_the_good_one_shown_back(services):
    await _admin(services)
    await add_person(services, "alex@example.org", "Alex Morgan")
    bot = make_bot(services)
    ada, alex = Chat(bot, "ada@example.org"), Chat(bot, "alex@example.org")
    opened = await ada.send("template edit evidence.withdrawn")
    assert "It is given:" in opened and "{{ number }} — for example" in opened
    refused = await ada.send("Hello {{ name }}.")
    assert "{{ name }}, which this response is not given (it is given number)" in refused
    assert "Nothing was changed" in refused
    refused = await ada.send("{{ ''.__class__.__mro__ }}")
    assert "may not do" in refused
    saved = await ada.send("Evidence #{{ number }} taken back.")
    assert "people will see:\nEvidence #" in saved and "taken back." in saved
    await ada.send("template edit core.nothing_to_cancel")
    await ada.send("Nothing to stop, {{ 'friend' }}.")
    assert await alex.send("cancel") == "Nothing to stop, friend."
    async with services.sessions() as db:
        from sqlalchemy import select

        assert set(await db.scalars(select(TemplateOverride.name))) == {"evidence.withdrawn", "core.nothing_to_cancel"}


async def test_versions_are_kept_and_rolled_back_and_reset(services):
    ada = await _admin(services)
    cat, at = services.catalogue, services.at()
    async with unit_of_work(services.sessions) as db:
        await uc.override_template(db, ada, at, catalogue=cat, name="core.cancelled", source="First.")
        await uc.override_template(db, ada, at, catalogue=cat, name="core.cancelled", source="Second.")
    async with unit_of_work(services.sessions) as db:
        history = await uc.template_versions(db, ada, at, catalogue=cat, name="core.cancelled")
        assert [(v.action, v.source, v.previous) for v in history.versions] == [
            ("saved", "Second.", "First."), ("saved", "First.", "Cancelled. Nothing was saved.\n")]
        assert history.versions[0].by == "Ada Admin"
        first = history.versions[1].id
        back = await uc.rollback_template(db, ada, at, catalogue=cat, name="core.cancelled", version_id=first)
        assert back.source == "First." and back.shown["console"] == "First."
    async with services.sessions() as db:
        await cat.refresh(db)
    assert cat.render("core.cancelled") == "First."
    async with unit_of_work(services.sessions) as db:
        await uc.reset_template(db, ada, at, catalogue=cat, name="core.cancelled")
        history = await uc.template_versions(db, ada, at, catalogue=cat, name="core.cancelled")
        assert [v.action for v in history.versions] == ["reset", "rolled_back", "saved", "saved"]
        assert history.versions[0].source.strip() == "Cancelled. Nothing was saved."
    async with services.sessions() as db:
        await cat.refresh(db)
    assert cat.render("core.cancelled") == "Cancelled. Nothing was saved."


async def test_an_edit_in_one_process_is_used_on_the_next_message_in_another(services):
    ada = await _admin(services)
    other = make_catalogue(refresh_seconds=0)  # another `ldbot serve` process's catalogue
    async with services.sessions() as db:
        await other.refresh(db)
    assert other.render("core.cancelled") == "Cancelled. Nothing was saved."
    async with unit_of_work(services.sessions) as db:
        await uc.override_template(db, ada, services.at(), catalogue=services.catalogue, name="core.cancelled",
                                   source="Stopped.")
    async with services.sessions() as db:
        await other.refresh(db)
    assert other.render("core.cancelled") == "Stopped."


async def test_a_failing_override_falls_back_to_the_shipped_text_and_names_the_template(services, caplog):
    async with unit_of_work(services.sessions) as db:  # written before the checks existed, say
        db.add(TemplateOverride(name="outbox.unreachable", source="{{ name.first_name }} unreachable"))
    cat = make_catalogue()
    async with services.sessions() as db:
        await cat.refresh(db)
    with caplog.at_level(logging.WARNING, logger="ldbot.catalogue"):
        text = cat.render("outbox.unreachable", {"name": "Jo", "email": "jo@example.org"}, platform="slack")
    assert text.startswith("Heads up: I couldn't reach Jo")
    assert "template=outbox.unreachable" in caplog.text and "Jo" not in caplog.text
