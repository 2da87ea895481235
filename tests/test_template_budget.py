"""What an admin writes runs within limits (issue 16 item 9): a response that loops for ever, repeats
text a million times or raises a number to a huge power is refused with the reason before it is saved;
one already stored that misbehaves falls back to the shipped wording; staff cannot even try."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.app import make_bot, make_catalogue
from bot.catalogue import MAX_OUTPUT_CHARS, TemplateProblem
from storage.db import unit_of_work
from storage.models import AuditEvent, TemplateOverride
from tests.support import Chat, add_person

CATALOGUE = make_catalogue()
LOOPS = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}{% endfor %}{% endfor %}"


@pytest.mark.parametrize(("source", "reason"), [
    (LOOPS, "took longer than"),
    ("{% for a in range(1000) %}{% for b in range(1000) %}xxxxxxxx{% endfor %}{% endfor %}", "more than"),
    ("{{ 'x' * 100000000 }}", "more than"),
    ("{{ ['x'] * 100000000 }}", "more than"),
    ("{{ 9 ** 99999999 }}", "too high a power"),
    ("{% for a in range(100000) %}{% endfor %}", "at most 1000 numbers"),
])
def test_a_response_that_would_eat_the_server_is_refused_with_the_reason(source, reason):
    with pytest.raises(TemplateProblem) as refused:
        CATALOGUE.trial("core.cancelled", source)
    assert reason in str(refused.value) and "quick and short" in str(refused.value)


def test_ordinary_responses_are_untouched_by_the_limits():
    shown = CATALOGUE.trial("core.cancelled", "{% for n in range(3) %}{{ n }} {% endfor %}{{ 'ab' * 3 }} {{ 2 ** 10 }}")
    assert shown["console"] == "0 1 2 ababab 1024"
    assert len(CATALOGUE.trial("core.cancelled", "{{ 'x' * " + str(MAX_OUTPUT_CHARS - 10) + " }}")["console"]) > 1000


async def test_an_admin_is_told_and_nothing_is_saved(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    ada = Chat(make_bot(services), "ada@example.org")
    await ada.send("template edit core.cancelled")
    assert "took longer than" in await ada.send(LOOPS)
    async with services.sessions() as db:
        assert await db.scalar(select(TemplateOverride.id)) is None


async def test_a_stored_wording_that_misbehaves_falls_back_to_the_shipped_text(services, caplog):
    await add_person(services, "alex@example.org", "Alex Morgan")
    async with unit_of_work(services.sessions) as db:  # stored before the limits existed
        db.add(TemplateOverride(name="core.nothing_to_cancel", source=LOOPS))
    caplog.set_level(logging.WARNING)
    reply = await Chat(make_bot(services), "alex@example.org").send("cancel")
    assert reply == "There's nothing to cancel — you're not in the middle of anything."
    assert any("template override failed" in r.getMessage() and "RenderBudgetExceeded" in r.getMessage()
               for r in caplog.records)


async def test_staff_cannot_try_a_wording_at_all(services):
    await add_person(services, "alex@example.org", "Alex Morgan")
    alex = Chat(make_bot(services), "alex@example.org", platform="slack", conversation="D1")
    outcome = await alex.submit("admin.template", {"source": "x" * 1_900_000}, context="core.cancelled")
    assert outcome.form_errors  # too long for the form: refused before anything is compiled
    outcome = await alex.submit("admin.template", {"source": "{{ 'x' * 9 }}"}, context="core.cancelled")
    assert "only admins" in outcome.replies[0].text and not outcome.form_errors
    async with services.sessions() as db:
        assert await db.scalar(select(TemplateOverride.id)) is None
        refused = list(await db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "refused")))
    assert refused == [{"act": "templates.edit"}]


def test_a_busy_server_does_not_make_an_ordinary_response_fail():
    """The budget counts the rendering thread's own work: time spent waiting (another thread holding the
    GIL, no free core) is not the template's fault. Here the wait is a value that sleeps when read."""
    import time

    from jinja2.sandbox import SandboxedEnvironment

    from bot.catalogue import render_within_budget

    class Slow:
        def __str__(self) -> str:
            time.sleep(0.4)
            return "Ada"

    template = SandboxedEnvironment().from_string("Thanks, {{ who }}.")
    assert render_within_budget(template, {"who": Slow()}) == "Thanks, Ada."
