"""A refused attempt is seen, not only stopped (issue 16 item 12): someone asking for what only admins or
the L&D team may do gets the polite answer, and the attempt is logged (ids and the act, no text) and
written to the audit log — in chat and in the web console."""

from __future__ import annotations

import logging

from bot.app import make_bot
from handlers.people.sample import load_everything
from tests.support import Chat, audit_details
from tests.web.web_support import console, sign_in

ALEX = "alex.morgan@northvale-fire.example"  # a firefighter in the sample service


async def test_a_firefighter_editing_a_response_is_refused_logged_and_audited(services, caplog):
    await load_everything(services.sessions, services.today())
    caplog.set_level(logging.INFO)
    chat = Chat(make_bot(services), ALEX)
    assert "only admins can change what I say" in await chat.send("template edit core.cancelled")
    assert "Only the L&D team can answer" in await chat.send("unanswered")
    refusals = await audit_details(services, "access", "refused")
    assert [r["act"] for r in refusals] == ["templates.edit", "policy.answer_handoffs"]
    logged = [r.getMessage() for r in caplog.records if r.name == "ldbot.access"]
    assert len(logged) == 2 and all(m.startswith("refused person=") for m in logged)
    assert not [m for m in logged if "core.cancelled" in m]  # what was typed stays out of the log


async def test_a_firefighter_opening_an_admin_page_is_refused_and_audited(services, caplog):
    await load_everything(services.sessions, services.today())
    caplog.set_level(logging.INFO)
    async with console(services) as client:
        await sign_in(client, services, "ruth.collins@northvale-fire.example")  # L&D: may use the console
        assert (await client.get("/admin/responses")).status == 403  # responses are for admins
        assert (await client.get("/admin/audit")).status == 403
    refusals = await audit_details(services, "access", "refused")
    assert [(r["act"], r["where"], r["page"]) for r in refusals] == [
        ("templates.edit", "web", "/admin/responses"), ("audit.view", "web", "/admin/audit")]
    assert sum("web refused person=" in r.getMessage() for r in caplog.records) == 2
