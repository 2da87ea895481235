"""The web console's Messages page (issue 16 item 3): an admin sees what is parked and tries a message again
or gives up on it, through the same use cases as `ldbot outbox`; nobody else may; every form needs the
session's CSRF token."""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers.people.sample import load_everything
from storage.models import AuditEvent, OutgoingMessage, Person
from tests.support import audit_details, parked
from tests.web.web_support import console, csrf, post_form, sign_in

ADMIN, LD = "ian.fraser@northvale-fire.example", "priya.shah@northvale-fire.example"
ALEX = "alex.morgan@northvale-fire.example"
PAGE = "/admin/outbox"


async def person_id(services, email: str) -> int:
    async with services.sessions() as db:
        return await db.scalar(select(Person.id).where(Person.email == email))


async def states(services, ids) -> dict[int, tuple[str, int]]:
    """The state of the messages a test parked (the sample service has invitations of its own waiting)."""
    async with services.sessions() as db:
        return {m.id: (m.status, m.attempts)
                for m in await db.scalars(select(OutgoingMessage).where(OutgoingMessage.id.in_(ids)))}


async def test_an_admin_sees_parked_messages_tries_one_again_and_gives_up_on_another(services, clock):
    await load_everything(services.sessions, services.today())
    alex = await person_id(services, ALEX)
    first = await parked(services, alex, "slack: slack: internal_error", context={"name": "Private words"})
    clock.advance(minutes=1)
    second = await parked(services, alex, "teams: Teams connector status 503")
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        html = await (await client.get(PAGE)).text()
        assert '<a class="govuk-service-navigation__link" href="/admin/outbox"' in html  # in the admin's menu
        assert "<h1 class=\"govuk-heading-l\">Messages</h1>" in html and "Alex Morgan" in html
        assert "slack: slack: internal_error" in html and "Private words" not in html
        assert "Slack: 1 — internal_error (1)" in html and "Microsoft Teams: 1 — Teams connector status 503 (1)" in html
        assert html.index(f'name="id" value="{second}"') < html.index(f'name="id" value="{first}"')  # newest first
        assert f'Try again<span class="govuk-visually-hidden"> message {first}</span>' in html
        assert f'Give up<span class="govuk-visually-hidden"> on message {second}</span>' in html
        assert "Try all 2 again" in html

        clock.advance(minutes=5)
        retried = await client.post(PAGE + "/retry", data={"csrf_token": csrf(html), "id": str(first)},
                                    allow_redirects=False)
        assert retried.status == 302 and retried.headers["Location"] == PAGE + "?done=retried&count=1"
        async with services.sessions() as db:
            again = await db.get(OutgoingMessage, first)
            assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, clock())  # due now
        shown = await (await client.get(retried.headers["Location"])).text()
        assert "1 message queued again: the bot is sending it now." in shown

        dropped = await post_form(client, PAGE, PAGE + "/drop", {"id": str(second)})
        assert "Given up on 1 message: it stays on record" in await dropped.text()
        again = await post_form(client, PAGE, PAGE + "/drop", {"id": str(second)})  # twice: nothing more
        assert "Nothing changed" in await again.text() and "Nothing is parked." in await again.text()
    assert await states(services, [first, second]) == {first: ("pending", 0), second: ("dropped", 15)}
    ian = await person_id(services, ADMIN)
    async with services.sessions() as db:
        entries = list(await db.scalars(select(AuditEvent).where(AuditEvent.entity == "outgoing_message")
                                        .order_by(AuditEvent.id)))
    assert [(e.actor_id, e.action, e.entity_id, e.detail) for e in entries] == [
        (ian, "retry", first, {"count": 1, "ids": [first], "every_parked": False}),
        (ian, "drop", second, {"count": 1, "ids": [second], "every_parked": False})]


async def test_try_all_again_and_pages_of_parked_messages(services):
    await load_everything(services.sessions, services.today())
    alex = await person_id(services, ALEX)
    ids = [await parked(services, alex, "slack: network: ConnectError") for _ in range(52)]
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        first = await (await client.get(PAGE)).text()
        assert first.count('name="id"') == 100 and 'href="/admin/outbox?page=2" rel="next"' in first  # 50 rows
        second = await (await client.get(PAGE + "?page=2")).text()
        assert second.count('name="id"') == 4 and 'rel="prev"' in second and 'rel="next"' not in second
        everything = await post_form(client, PAGE, PAGE + "/retry", {"all": "yes"})
        assert "52 messages queued again: the bot is sending them now." in await everything.text()
        assert "Nothing is parked." in await everything.text()
    assert {state for state, _ in (await states(services, ids)).values()} == {"pending"}
    assert await audit_details(services, "outgoing_message", "retry") == [
        {"count": 52, "ids": ids[:52], "every_parked": True}]


async def test_the_l_and_d_team_gets_403_audited_and_a_post_without_the_token_changes_nothing(services):
    await load_everything(services.sessions, services.today())
    message = await parked(services, await person_id(services, ALEX), "slack: slack: internal_error")
    async with console(services) as client:
        await sign_in(client, services, LD)
        people = await (await client.get("/admin/people")).text()
        assert 'href="/admin/outbox"' not in people  # not in their menu
        assert (await client.get(PAGE)).status == 403
        refused = await client.post(PAGE + "/retry", data={"csrf_token": csrf(people), "id": str(message)})
        assert refused.status == 403
    refusals = await audit_details(services, "access", "refused")
    assert [(r["act"], r["where"], r["page"]) for r in refusals] == [
        ("outbox.manage", "web", PAGE), ("outbox.manage", "web", PAGE + "/retry")]
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        await client.get(PAGE)
        forged = await client.post(PAGE + "/drop", data={"id": str(message)})  # no CSRF token
        assert forged.status == 403
        wrong = await client.post(PAGE + "/retry", data={"id": str(message), "csrf_token": "not-the-token"})
        assert wrong.status == 403
        nonsense = await post_form(client, PAGE, PAGE + "/retry", {"id": "twelve"})
        assert "Nothing changed" in await nonsense.text()
    assert await states(services, [message]) == {message: ("parked", 15)}
    async with services.sessions() as db:
        assert await db.scalar(select(AuditEvent.id).where(AuditEvent.entity == "outgoing_message")) is None


async def test_a_firefighter_cannot_open_the_page(services):
    await load_everything(services.sessions, services.today())
    async with console(services) as client:
        await sign_in(client, services, ALEX)
        response = await client.get(PAGE)
        assert response.status == 403 and re.search("You cannot see this page", await response.text())
