"""The web console's Learning opportunities pages, as a browser without JavaScript uses them: create (with the
spec's own checks, shown GOV.UK-style), an audience tried then saved, a confirm page before anything is sent,
the invitations in the outbox, sign-ups and the waitlist, attendance, results. Only L&D may; every change is
the learning unit's use case, audited as it audits it."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from handlers.people.sample import load_everything
from storage.db import unit_of_work
from storage.models import AuditEvent, OutgoingMessage, Person
from storage.models.learning import LearningBooking, LearningInvitation, LearningOpportunity, LearningSession
from tests.web.web_support import console, csrf, post_form, sign_in

ADMIN, LD, FIREFIGHTER = ("ian.fraser@northvale-fire.example", "priya.shah@northvale-fire.example",
                          "alex.morgan@northvale-fire.example")
BASE = "/admin/learning"


def _day(services, days: int) -> str:
    return (services.today() + timedelta(days=days)).isoformat()


async def _create(client, services, **fields: str):
    values = {"title": "Casualty care refresher", "kind": "course", "approval": "none", "competences": "",
              "start": f"{_day(services, 20)} 09:00", "end": "16:00", "venue": "Ashby training centre",
              "capacity": "2"} | fields
    return await post_form(client, BASE + "/new", BASE + "/new", values)


async def test_create_with_problems_then_audience_send_confirm_and_the_outbox(services):
    await load_everything(services.sessions, services.today())
    async with console(services) as client:
        await sign_in(client, services, LD)
        listing = await (await client.get(BASE)).text()
        assert 'href="/admin/learning"' in listing and "Breathing apparatus refresher" in listing
        assert re.search(r">3 / 11<", listing)  # the sample's full first session: 3 of 3, plus 8 more places

        bad = await _create(client, services, title="", start="yesterday-ish", capacity="0", competences="NOPE1")
        assert bad.status == 200
        text = await bad.text()
        assert "There is a problem" in text and '<a href="#title">Title is empty</a>' in text
        assert '<a href="#start">Start is not a date and time' in text
        assert '<a href="#capacity">Places must be a whole number of places, 1 to 10000</a>' in text
        unknown = await (await _create(client, services, competences="NOPE1")).text()
        assert '<a href="#competences">Competences: no competence with code &#39;NOPE1&#39;' in unknown
        async with services.sessions() as db:
            assert await db.scalar(select(func.count()).select_from(LearningOpportunity).where(
                LearningOpportunity.title == "Casualty care refresher")) == 0

        made = await _create(client, services, competences="FFBA1")
        assert made.status == 200 and "Created. Next:" in await made.text()
        number = int(str(made.url).rsplit("/", 1)[1].split("?")[0])
        page = f"{BASE}/{number}"

        # The audience: tried (nothing saved), then saved; the count is the learning unit's own.
        tried = await post_form(client, page + "/audience", page + "/audience",
                                {"action": "show", "teams": "Red Watch", "exclude_roles": "watch manager"})
        shown = await tried.text()
        count = int(re.search(r"This reaches (\d+) (?:person|people) today", shown).group(1))
        async with services.sessions() as db:
            red = set(await db.scalars(select(Person.email).where(
                Person.team == "Red Watch", Person.active.is_(True), Person.role != "watch_manager")))
            assert count == len(red) and count > 0
            assert (await db.get(LearningOpportunity, number)).audience is None
        assert all(email in shown for email in red)
        live = await post_form(client, page + "/audience", page + "/audience/count", {"teams": "Red Watch"})
        assert (await live.json())["count"] >= count
        wrong = await post_form(client, page + "/audience", page + "/audience", {"action": "show", "roles": "astronaut"})
        assert wrong.status == 200 and '<a href="#roles">' in await wrong.text()
        saved = await post_form(client, page + "/audience", page + "/audience",
                                {"action": "save", "teams": "Red Watch", "exclude_roles": "watch manager"})
        assert "The audience is saved. Nothing has been sent" in await saved.text()

        # Send: a confirm page first; posting without its "confirmed" sends nothing.
        check = await post_form(client, page + "/send", page + "/send/check", {"when": "now"})
        confirm = await check.text()
        assert f"Send {count} invitation" in confirm
        unconfirmed = await post_form(client, page + "/send", page + "/send", {"when": "now"})
        assert str(unconfirmed.url).endswith("/send")
        async with services.sessions() as db:
            assert await db.scalar(select(func.count()).select_from(LearningInvitation).where(
                LearningInvitation.opportunity_id == number)) == 0
        past = await post_form(client, page + "/send", page + "/send/check", {"when": "later", "later_at": "2020-01-01 09:00"})
        assert past.status == 200 and "must be in the future" in await past.text()
        sent = await client.post(page + "/send", data={"csrf_token": csrf(confirm), "when": "now", "confirmed": "yes"})
        shown = await sent.text()
        assert f"{count} invitation" in shown and "queued" in shown
        async with services.sessions() as db:
            queued = await db.scalar(select(func.count()).select_from(OutgoingMessage).where(
                OutgoingMessage.dedupe_key.like(f"learning:{number}:invite:%")))
            assert queued == count
            actions = set(await db.scalars(select(AuditEvent.action).where(
                AuditEvent.entity.in_(("learning_opportunity", "learning_broadcast")))))
            assert {"created", "audience_set", "sent"} <= actions
        assert re.search(rf"Invited</th><td[^>]*>{count}<", shown.replace("\n", "").replace("  ", ""))
        again = await post_form(client, page + "/send", page + "/send/check", {"when": "now"})
        assert "Nobody new to invite" in await again.text()


async def test_signups_waitlist_attendance_and_results(services):
    await load_everything(services.sessions, services.today())
    async with services.sessions() as db:
        found = await db.scalar(select(LearningOpportunity).where(LearningOpportunity.title == "Breathing apparatus refresher"))
        number = found.id
    page = f"{BASE}/{number}"
    async with console(services) as client:
        await sign_in(client, services, LD)
        text = await (await client.get(page)).text()
        assert "3 of 3" in text and "1. Liam Foster" in text and "Chloe Adams" in text  # booked, the waitlist
        assert "Record attendance" not in text  # not started yet
        async with unit_of_work(services.sessions) as db:
            await db.execute(update(LearningSession).where(LearningSession.opportunity_id == number,
                                                            LearningSession.number == 1).values(
                starts_at=services.now() - timedelta(hours=8), ends_at=services.now() - timedelta(hours=1)))
        form = await (await client.get(page + "/sessions/1/attendance")).text()
        assert "Chloe Adams" in form and "Liam Foster" not in form
        none = await client.post(page + "/sessions/1/attendance", data={"csrf_token": csrf(form)})
        assert none.status == 200 and "Choose attended or did not attend" in await none.text()
        done = await client.post(page + "/sessions/1/attendance", data={
            "csrf_token": csrf(form), "mark:chloe.adams@northvale-fire.example": "attended",
            "mark:ben.hughes@northvale-fire.example": "no_show", "mark:nadia.rahman@northvale-fire.example": ""})
        assert "Attendance is recorded (1 attended)" in await done.text()
        async with services.sessions() as db:
            marks = dict((await db.execute(select(Person.email, LearningBooking.attendance).join(
                LearningBooking, LearningBooking.person_id == Person.id).where(
                LearningBooking.opportunity_id == number, LearningBooking.attendance.is_not(None)))).all())
        assert marks == {"chloe.adams@northvale-fire.example": "attended", "ben.hughes@northvale-fire.example": "no_show"}
        results = await (await client.get(page + "/results")).text()
        flat = re.sub(r"\s+", " ", results)
        # session 1: 3 places, 3 signed up, 3 waiting, 1 attended, 1 did not, nobody has answered yet
        assert re.search(r"1: [^<]+</th>" + "".join(rf" ?<td[^>]*>{n}</td>" for n in (3, 3, 3, 1, 1, 0)), flat), flat
        assert "No comments yet." in results

        # Changing a session: fewer places than are taken is the use case's refusal, shown on the form.
        fewer = await post_form(client, page + "/sessions/2", page + "/sessions/2", {
            "start": f"{_day(services, 40)} 09:00", "end": "17:00", "venue": "Carrow", "capacity": "8"})
        assert "The session is saved" in await fewer.text()
        added = await post_form(client, page + "/sessions/new", page + "/sessions/new", {
            "start": f"{_day(services, 50)} 09:00", "end": "08:00", "venue": "", "capacity": "5"})
        text = await added.text()
        assert added.status == 200 and '<a href="#end">End must be after the start</a>' in text
        assert '<a href="#venue">' in text
        edited = await post_form(client, page + "/edit", page + "/edit", {
            "title": "BA refresher", "kind": "course", "approval": "none", "competences": "FFBA1"})
        assert "The details are saved" in await edited.text()


async def test_only_ld_may_and_admins_see_results_read_only(services):
    await load_everything(services.sessions, services.today())
    async with services.sessions() as db:
        number = await db.scalar(select(LearningOpportunity.id).limit(1))
    for email, expected in ((FIREFIGHTER, {BASE: 403, f"{BASE}/{number}": 403, f"{BASE}/{number}/results": 403}),
                            (ADMIN, {BASE: 403, f"{BASE}/{number}": 403, f"{BASE}/{number}/results": 200})):
        async with console(services) as client:
            await sign_in(client, services, email)
            for path, status in expected.items():
                assert (await client.get(path)).status == status, (email, path)
            if email == ADMIN:
                menu = await (await client.get("/admin/overview")).text()
                assert 'href="/admin/learning"' not in menu
    async with console(services) as client:
        await sign_in(client, services, LD)
        refused = await client.post(f"{BASE}/{number}/send", data={"when": "now", "confirmed": "yes"})
        assert refused.status == 403  # no CSRF token
