"""The web console's pages on the sample service, as a browser without JavaScript uses them: every change
is the same use case chat calls, and what it shows is what the data says."""

from __future__ import annotations

import re
from datetime import timedelta

from aiohttp import FormData
from sqlalchemy import func, select

from bot.app import make_bot
from handlers.people.sample import load_everything
from storage.models import AuditEvent, Person, TemplateOverride
from storage.policy.models import PolicyDocument, PolicyDocumentVersion, PolicyStandardAnswer, PolicySynonym
from tests.support import Chat
from tests.web.web_support import console, csrf, post_form, sign_in

ADMIN, LD, FIREFIGHTER = ("ian.fraser@northvale-fire.example", "priya.shah@northvale-fire.example",
                          "alex.morgan@northvale-fire.example")


async def _upload(client, page: str, action: str, filename: str, body: bytes, **fields: str):
    token = csrf(await (await client.get(page)).text())
    form = FormData()
    form.add_field("csrf_token", token)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", body, filename=filename, content_type="text/csv")
    return await client.post(action, data=form)


async def test_edit_a_response_see_chat_use_it_then_roll_back(services):
    await load_everything(services.sessions, services.today())
    alex = Chat(make_bot(services), FIREFIGHTER)
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        listing = await (await client.get("/admin/responses?q=cancel")).text()
        assert "core.cancelled" in listing and "Someone typed cancel in the middle of something." in listing
        page = "/admin/responses/core.nothing_to_cancel"
        refused = await post_form(client, page, page, {"action": "save", "source": "Hello {{ name }}."})
        text = await refused.text()
        assert "There is a problem" in text and "which this response is not given" in text
        preview = await post_form(client, page, page, {"action": "preview", "source": "*Nothing* to stop."})
        assert "<strong>Nothing</strong> to stop." in await preview.text()  # Slack's bold, previewed
        live = await post_form(client, page, page + "/preview", {"source": "Nothing to stop, {{ 'friend' }}."})
        assert (await live.json())["shown"]["console"] == "Nothing to stop, friend."
        saved = await post_form(client, page, page, {"action": "save", "source": "Nothing to stop here."})
        assert "Saved. The bot uses this wording from its next message" in await saved.text()
        assert await alex.send("cancel") == "Nothing to stop here."
        await post_form(client, page, page, {"action": "save", "source": "Still nothing to stop."})
        versions = await (await client.get(page)).text()
        assert versions.count("Roll back to this") == 1 and "<ins>+ Still nothing to stop.</ins>" in versions
        first = re.search(r'name="version" value="(\d+)"', versions).group(1)
        back = await post_form(client, page, page + "/rollback", {"version": first})
        assert "Rolled back" in await back.text()
        assert await alex.send("cancel") == "Nothing to stop here."
        await post_form(client, page, page + "/reset", {})
        assert await alex.send("cancel") == "There's nothing to cancel — you're not in the middle of anything."
    async with services.sessions() as db:
        assert await db.scalar(select(func.count(TemplateOverride.id))) == 0
        actions = list(await db.scalars(select(AuditEvent.action).where(AuditEvent.entity == "template")))
        assert actions == ["override", "override", "rollback", "reset"]


async def test_an_import_with_errors_names_every_line_and_applies_nothing(services):
    await load_everything(services.sessions, services.today())
    bad = (b"email,name,role,team,station,line_manager_email\n"
           b"jo.bloggs@northvale-fire.example,Jo Bloggs,firefighter,Red Watch,Ashby,sam.patel@northvale-fire.example\n"
           b"not-an-email,Someone,firefighter,,,\n"
           b"kim.lee@northvale-fire.example,Kim Lee,astronaut,,,\n")
    good = (b"email,name,role,team,station,line_manager_email\n"
            b"jo.bloggs@northvale-fire.example,Jo Bloggs,firefighter,Red Watch,Ashby,sam.patel@northvale-fire.example\n"
            b"alex.morgan@northvale-fire.example,Alex Morgan,firefighter,Blue Watch,Ashby,sam.patel@northvale-fire.example\n")
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        checked = await _upload(client, "/admin/people/import", "/admin/people/import", "people.csv", bad, kind="people")
        text = await checked.text()
        assert "2 problems: nothing was imported" in text
        assert "line 3: &#39;not-an-email&#39; is not an email address" in text and "line 4: unknown role" in text
        assert "Apply these changes" not in text
        checked = await _upload(client, "/admin/people/import", "/admin/people/import", "people.csv", good, kind="people")
        text = await checked.text()
        assert "1 to add, 1 to change" in text and "line 2: add Jo Bloggs &lt;jo.bloggs@northvale-fire.example&gt;" in text
        assert "line 3: change Alex Morgan &lt;alex.morgan@northvale-fire.example&gt; (team, timezone)" in text, text[text.find("What it would"):][:600]
        async with services.sessions() as db:  # the dry run changed nothing
            assert await db.scalar(select(Person.id).where(Person.email == "jo.bloggs@northvale-fire.example")) is None
        upload = re.search(r'action="/admin/people/import/(\d+)"', text).group(1)
        applied = await client.post(f"/admin/people/import/{upload}", data={"csrf_token": csrf(text), "kind": "people"})
        assert "Import applied" in await applied.text()
    async with services.sessions() as db:
        assert await db.scalar(select(Person.team).where(Person.email == "alex.morgan@northvale-fire.example")) == "Blue Watch"
        assert await db.scalar(select(AuditEvent.action).where(AuditEvent.entity == "import")) == "people"


async def test_ld_imports_assessments_but_not_people_and_sees_records_audited(services):
    await load_everything(services.sessions, services.today())
    async with console(services) as client:
        await sign_in(client, services, LD)
        page = await (await client.get("/admin/people/import")).text()
        assert "Appraisal or workplace-assessment history" in page and 'value="people"' not in page
        refused = await _upload(client, "/admin/people/import", "/admin/people/import", "p.csv", b"email\n", kind="people")
        assert refused.status == 403
        records = b"email,competence_code,last_assessed_date\nalex.morgan@northvale-fire.example,FFBA1,2026-11-01\n"
        checked = await _upload(client, "/admin/people/import", "/admin/people/import", "a.csv", records, kind="records")
        assert "add alex.morgan@northvale-fire.example&#39;s workplace assessment in FFBA1 on 2026-11-01" in await checked.text()
        found = await (await client.get("/admin/people?q=alex")).text()
        alex = re.search(r'href="/admin/people/(\d+)">Alex Morgan', found).group(1)
        record = await (await client.get(f"/admin/people/{alex}")).text()
        assert "Competences" in record and "FFBA1" in record and "Reflections are private" in record
        assert (await client.get("/admin/audit")).status == 403  # the audit log is for admins
    async with services.sessions() as db:
        assert "record_viewed" in set(await db.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_id == int(alex), AuditEvent.entity == "person")))


async def test_policy_documents_questions_and_synonyms(services):
    await load_everything(services.sessions, services.today())
    alex = Chat(make_bot(services), FIREFIGHTER)
    await alex.send("what is the policy on quantum teleportation training?")
    async with console(services) as client:
        await sign_in(client, services, LD)
        page = await (await client.get("/admin/policy")).text()
        assert "Learning and Development Framework" in page
        doc = (b"# Driving Policy\n\nVersion: 1.0\n\n## 1 Blue-light training\n\nEveryone who drives under blue "
               b"lights completes the emergency response driving course every three years.\n")
        checked = await _upload(client, "/admin/policy", "/admin/policy/upload", "driving.md", doc)
        text = await checked.text()
        assert "gives 1 section" in text and "Blue-light training" in text
        upload = re.search(r'action="/admin/policy/upload/(\d+)"', text).group(1)
        imported = await client.post(f"/admin/policy/upload/{upload}", data={
            "csrf_token": csrf(text), "title": "Driving Policy", "version": "1.0", "published": "not a date",
            "review": "", "url": ""})
        assert "Enter a date such as 28 March 2026" in await imported.text()
        imported = await client.post(f"/admin/policy/upload/{upload}", data={
            "csrf_token": csrf(text), "title": "Driving Policy", "version": "1.0", "published": "1 March 2026",
            "review": "1 March 2027", "url": ""})
        assert "Imported." in await imported.text()
        asked = await (await client.get("/admin/policy?question=how+often+is+blue+light+driving+training")).text()
        assert "emergency response driving course" in asked
        questions = await (await client.get("/admin/policy/questions")).text()
        assert "quantum teleportation" in questions
        await post_form(client, "/admin/policy/questions", "/admin/policy/questions/answer", {
            "question": "what is the policy on quantum teleportation training?", "answer": "We do not offer it."})
        await post_form(client, "/admin/policy/synonyms", "/admin/policy/synonyms",
                        {"term": "blues and twos", "meaning": "emergency response driving"})
        removed = await post_form(client, "/admin/policy/synonyms", "/admin/policy/synonyms", {"remove": "blues and twos"})
        assert "blues and twos" not in await removed.text()
    assert "We do not offer it." in await alex.send("what is the policy on quantum teleportation training?")
    async with services.sessions() as db:
        driving = await db.scalar(select(PolicyDocument).where(PolicyDocument.title == "Driving Policy"))
        assert driving.version == "1.0"
    async with console(services) as client:
        await sign_in(client, services, LD)
        page = f"/admin/policy/documents/{driving.id}"
        assert "Blue-light training" in await (await client.get(page)).text()
        removed = await post_form(client, page, page + "/remove", {})
        assert removed.url.path == "/admin/policy" and "Driving Policy" not in await removed.text()
    async with services.sessions() as db:
        assert await db.scalar(select(PolicyDocumentVersion.reason).where(
            PolicyDocumentVersion.title == "Driving Policy")) == "removed"
        assert await db.scalar(select(func.count(PolicyStandardAnswer.id))) == 1
        assert await db.scalar(select(func.count(PolicySynonym.id))) == 0


async def test_overview_figures_their_csv_and_the_audit_log(services):
    await load_everything(services.sessions, services.today())
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        page = await (await client.get("/admin/overview")).text()
        for title in ("Competence standing by station", "Competence standing by competence", "Appraisals by team",
                      "Evidence waiting for a decision, by age", "Policy questions per week",
                      "Learning opportunities: places filled and attendance, by month"):
            assert title in page
        learning = (await (await client.get("/admin/overview/learning-by-month.csv")).text()).lstrip("\ufeff")
        assert learning.splitlines()[0] == "Month sessions start,Places,Places taken,Attended,Did not attend"
        assert sum(int(line.split(",")[1]) for line in learning.splitlines()[1:]) == 11  # the sample's 3 + 8 places
        assert 'data-chart="bar"' in page and "<caption" in page
        csv = await (await client.get("/admin/overview/standing-by-station.csv")).text()
        lines = csv.lstrip("\ufeff").splitlines()
        assert lines[0] == "Station,In date,Running out,Expired,Never evidenced"
        ashby = next(line for line in lines if line.startswith("Ashby,"))
        async with services.sessions() as db:
            people = await db.scalar(select(func.count(Person.id)).where(Person.station == "Ashby"))
        assert sum(int(n) for n in ashby.split(",")[1:]) == people * 15  # everyone x every competence, once
        filtered = await (await client.get("/admin/overview/standing-by-station.csv?station=Carrow")).text()
        assert [line.split(",")[0] for line in filtered.lstrip("\ufeff").splitlines()[1:]] == ["Carrow"]
        bad = await client.get("/admin/overview?since=yesterday")
        assert "Enter the start date as a date" in await bad.text()
        audit = await (await client.get("/admin/audit?action=web_sign_in")).text()
        assert "web sign in" in audit and "Ian Fraser" in audit
        rows = (await (await client.get("/admin/audit.csv")).text()).lstrip("\ufeff").splitlines()
        assert rows[0].startswith("when (UTC),who,record") and any(",web_sign_in," in r for r in rows)


async def test_a_leaver_in_a_web_import_is_applied_as_the_command_line_applies_it(services):
    """A `left_on` that has come marks them as left there and then (their team moves up the line), the dry
    run names it first; an upload left for more than a day is gone."""
    await load_everything(services.sessions, services.today())
    left = (b"email,name,role,team,station,line_manager_email,timezone,left_on\n"
            b"sam.patel@northvale-fire.example,Sam Patel,Crew Manager,Red Watch,Ashby,helen.brooks@northvale-fire.example,"
            b"Europe/London,2026-11-16\n")
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        checked = await _upload(client, "/admin/people/import", "/admin/people/import", "left.csv", left, kind="people")
        text = await checked.text()
        assert "change Sam Patel &lt;sam.patel@northvale-fire.example&gt; (left_on, leaves)" in text
        upload = re.search(r'action="/admin/people/import/(\d+)"', text).group(1)
        applied = await client.post(f"/admin/people/import/{upload}", data={"csrf_token": csrf(text), "kind": "people"})
        assert "Import applied" in await applied.text()
    async with services.sessions() as db:
        sam = await db.scalar(select(Person).where(Person.email == "sam.patel@northvale-fire.example"))
        alex = await db.scalar(select(Person).where(Person.email == FIREFIGHTER))
        helen = await db.scalar(select(Person.id).where(Person.email == "helen.brooks@northvale-fire.example"))
        assert (sam.active, alex.line_manager_id) == (False, helen)
        assert await db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "left")) == {
            "on": "2026-11-16", "source": "web import"}

    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        checked = await _upload(client, "/admin/people/import", "/admin/people/import", "again.csv", left, kind="people")
        text = await checked.text()
        upload = re.search(r'action="/admin/people/import/(\d+)"', text).group(1)
        services.clock.at = services.now() + timedelta(hours=25)
        await sign_in(client, services, ADMIN)
        token = csrf(await (await client.get("/admin/people/import")).text())
        gone = await client.post(f"/admin/people/import/{upload}", data={"csrf_token": token, "kind": "people"})
        assert "That upload has gone" in await gone.text()
