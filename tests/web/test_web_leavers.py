"""Leavers on the web console's People page: the list with the day each left, marking someone as left or
rejoined after a confirm page, through the people unit's own use cases (audited, their team moved up the
line as the import moves it). Admins only (`Act.MANAGE_PEOPLE`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.people.sample import load_everything
from storage.models import AuditEvent, Person
from tests.web.web_support import console, csrf, post_form, sign_in

ADMIN, LD = "ian.fraser@northvale-fire.example", "priya.shah@northvale-fire.example"
SAM, HELEN = "sam.patel@northvale-fire.example", "helen.brooks@northvale-fire.example"
PAGE = "/admin/people/leavers"


async def _person(services, email: str) -> Person:
    async with services.sessions() as db:
        return await db.scalar(select(Person).where(Person.email == email))


async def test_an_admin_marks_someone_as_left_after_a_confirm_page_then_as_rejoined(services):
    await load_everything(services.sessions, services.today())
    sam = await _person(services, SAM)
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        people = await (await client.get("/admin/people")).text()
        assert f'href="{PAGE}"' in people
        assert "Nobody has left." in await (await client.get(PAGE)).text()

        bad = await post_form(client, PAGE, PAGE + "/check", {"email": "nobody@northvale-fire.example",
                                                               "left_on": (services.today() + timedelta(days=3)).isoformat()})
        text = await bad.text()
        assert bad.status == 200 and "There is a problem" in text
        assert '<a href="#email">Nobody with the email nobody@northvale-fire.example' in text
        assert '<a href="#left_on">The day they left must be today or before' in text

        day = (services.today() - timedelta(days=2)).isoformat()
        check = await post_form(client, PAGE, PAGE + "/check", {"email": SAM, "left_on": day})
        confirm = await check.text()
        assert "Check: Sam Patel has left" in confirm and "they will report to Helen Brooks, for now" in confirm
        assert (await _person(services, SAM)).active  # nothing changed on the confirm page
        unconfirmed = await client.post(PAGE + "/leave", data={"csrf_token": csrf(confirm), "email": SAM, "left_on": day})
        assert str(unconfirmed.url).endswith(PAGE) and (await _person(services, SAM)).active
        done = await client.post(PAGE + "/leave", data={"csrf_token": csrf(confirm), "email": SAM, "left_on": day,
                                                        "confirmed": "yes"})
        shown = await done.text()
        assert "Sam Patel is marked as having left" in shown and "Sam Patel" in shown.split("<tbody")[1]
        left = await _person(services, SAM)
        assert (left.active, left.left_on.isoformat()) == (False, day)
        async with services.sessions() as db:
            reports = list(await db.scalars(select(Person).where(Person.line_manager_id == sam.id, Person.active.is_(True))))
            assert reports == []  # they report to Helen now
            events = list(await db.scalars(select(AuditEvent).where(AuditEvent.entity == "person",
                                                                   AuditEvent.entity_id == sam.id)))
            assert [(e.action, e.detail.get("source")) for e in events if e.action == "left"] == [("left", "web")]
        again = await post_form(client, PAGE, PAGE + "/check", {"email": SAM})
        assert "Sam Patel has left already" in await again.text()

        rejoin = await (await client.get(f"/admin/people/{sam.id}/rejoin")).text()
        assert "Check: Sam Patel has rejoined" in rejoin
        back = await client.post(f"/admin/people/{sam.id}/rejoin", data={"csrf_token": csrf(rejoin)})
        assert "Sam Patel is back" in await back.text()
        assert (await _person(services, SAM)).active
        twice = await client.post(f"/admin/people/{sam.id}/rejoin", data={"csrf_token": csrf(rejoin)})
        assert "had not left" in await twice.text()


async def test_only_admins_manage_leavers(services):
    await load_everything(services.sessions, services.today())
    sam = await _person(services, SAM)
    async with console(services) as client:
        await sign_in(client, services, LD)
        assert f'href="{PAGE}"' not in await (await client.get("/admin/people")).text()
        assert (await client.get(PAGE)).status == 403
        assert (await client.get(f"/admin/people/{sam.id}/rejoin")).status == 403
        refused = await post_form(client, "/admin/people", PAGE + "/leave", {"email": SAM, "confirmed": "yes"})
        assert refused.status == 403
    assert (await _person(services, SAM)).active
