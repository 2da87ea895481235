"""The web console's Development plans page: progress per pathway for those who see reports, nobody else."""

from __future__ import annotations

import json

import yaml
from aiohttp import FormData
from sqlalchemy import func, select

from handlers.people.sample import load_everything
from storage.models import AuditEvent
from storage.models.plans import Pathway
from tests.web.web_support import console, csrf, sign_in

LD, ALEX = "priya.shah@northvale-fire.example", "alex.morgan@northvale-fire.example"
ADMIN = "ian.fraser@northvale-fire.example"
NEW = "/admin/plans/pathways/new"
GOOD = """\
name: Station manager development
description: The first year as a station manager.
induction_for: station manager
steps:
  - checkin: Meet your area manager
    within: 2 weeks
  - competence: ICL1
    title: Command an initial incident (verified)
    within: 6 months
  - appraisal: Appraisal at the end of the first year
    within: 1 year
"""


async def _upload(client, filename: str, body: str, *, token: str | None = None):
    form = FormData()
    form.add_field("csrf_token", token if token is not None else csrf(await (await client.get(NEW)).text()))
    form.add_field("file", body.encode(), filename=filename, content_type="application/yaml")
    return await client.post(NEW, data=form)


async def _pathways(services) -> list[str]:
    async with services.sessions() as db:
        return list(await db.scalars(select(Pathway.name).order_by(Pathway.name)))


async def test_ld_see_progress_per_pathway_and_staff_may_not(services):
    await load_everything(services.sessions, services.today())
    async with console(services) as client:
        await sign_in(client, services, LD)
        response = await client.get("/admin/plans")
        html = await response.text()
        assert response.status == 200
        assert '<a class="govuk-service-navigation__link" href="/admin/plans"' in html
        assert "<h1 class=\"govuk-heading-l\">Development plans</h1>" in html
        assert "Trainee firefighter development" in html and "New crew manager induction" in html
        assert "the induction for crew manager" in html
    async with console(services) as client:
        await sign_in(client, services, ALEX)
        assert (await client.get("/admin/plans")).status == 403


async def test_ld_upload_a_pathway_see_every_problem_then_check_and_confirm_it(services):
    await load_everything(services.sessions, services.today())
    before = await _pathways(services)
    async with console(services) as client:
        await sign_in(client, services, LD)
        page = await (await client.get("/admin/plans")).text()
        assert f'href="{NEW}"' in page and "Add a pathway from a file" in page
        bad = GOOD.replace("ICL1", "XXNOPE9").replace("within: 1 year", "within: whenever") + "colour: red\n"
        response = await _upload(client, "station.yaml", bad)
        html = await response.text()
        assert response.status == 200 and "There is a problem" in html and "Error: Add a pathway" in html
        assert "station.yaml has 2 problems: nothing was added" in html
        assert "unknown field &#39;colour&#39;" in html and "step 3: `within` should say by when" in html
        assert 'href="#file"' in html
        response = await _upload(client, "station.yaml", GOOD.replace("ICL1", "XXNOPE9"))  # the framework's check
        assert "step 2: no competence XXNOPE9 in the framework" in await response.text()
        broken = await (await _upload(client, "station.json", '{"name": "x",\n "steps": [}')).text()
        assert "station.json could not be read: Expecting value at line 2, column 12" in broken
        assert "Choose a YAML (.yaml or .yml) or JSON (.json) file" in await (await _upload(client, "a.csv", GOOD)).text()
        assert await _pathways(services) == before

        response = await _upload(client, "station.json", json.dumps(yaml.safe_load(GOOD)))
        html = await response.text()
        assert response.status == 200 and "<h1 class=\"govuk-heading-l\">Check the pathway</h1>" in html
        assert "Station manager development" in html and "station manager" in html
        assert "Command an initial incident (verified)" in html and "12 months from the start" in html
        assert "Nothing has been added yet." in html and "Add the pathway" in html
        assert await _pathways(services) == before  # nothing until the confirm
        action = html.split('<form method="post" action="')[-1].split('"')[0]
        refused = await client.post(action, data={})  # no CSRF token: refused, nothing added
        assert refused.status == 403 and await _pathways(services) == before
        done = await client.post(action, data={"csrf_token": csrf(html)}, allow_redirects=False)
        assert done.status == 302 and done.headers["Location"].startswith("/admin/plans?added=")
        shown = await (await client.get(done.headers["Location"])).text()
        assert "Station manager development is a learning pathway now." in shown
        assert sorted([*before, "Station manager development"]) == await _pathways(services)
        again = await client.post(action, data={"csrf_token": csrf(html)})  # the held file is used once
        assert "That upload has gone" in await again.text()

        # the same name again: replaced while nobody has a plan from it, and the check page says so
        html = await (await _upload(client, "station.yaml", GOOD.replace("within: 2 weeks", "within: 3 weeks"))).text()
        assert "It replaces the pathway <strong>Station manager development</strong>" in html
        assert "Replace the pathway" in html
        action = html.split('<form method="post" action="')[-1].split('"')[0]
        shown = await (await client.post(action, data={"csrf_token": csrf(html)})).text()
        assert "Station manager development is replaced." in shown and "3 weeks" in shown
        # one nobody may replace: it has plans already
        with open("handlers/plans/sample/trainee-firefighter.yaml", encoding="utf-8") as sample:
            html = await (await _upload(client, "trainee.yaml", sample.read())).text()
        assert "already has plans: give the changed pathway a new name" in html
    async with services.sessions() as db:
        assert [a for a, in (await db.execute(select(AuditEvent.action).where(
            AuditEvent.entity == "pathway").order_by(AuditEvent.id))).all()][-2:] == ["added", "replaced"]
        assert await db.scalar(select(func.count()).select_from(Pathway)) == len(before) + 1


async def test_admins_see_the_plans_page_but_may_not_add_pathways(services):
    await load_everything(services.sessions, services.today())
    before = await _pathways(services)
    async with console(services) as client:
        await sign_in(client, services, ADMIN)
        page = await client.get("/admin/plans")
        html = await page.text()
        assert page.status == 200 and "Add a pathway from a file" not in html and NEW not in html
        assert (await client.get(NEW)).status == 403
        token = csrf(html)
        assert (await _upload(client, "station.yaml", GOOD, token=token)).status == 403
        assert (await client.post("/admin/plans/pathways/1", data={"csrf_token": token})).status == 403
    async with console(services) as client:
        await sign_in(client, services, ALEX)
        assert (await client.get(NEW)).status == 403
    assert await _pathways(services) == before
