"""The web console's Development plans page: progress per pathway for those who see reports, nobody else."""

from __future__ import annotations

from handlers.people.sample import load_everything
from tests.web.web_support import console, sign_in

LD, ALEX = "priya.shah@northvale-fire.example", "alex.morgan@northvale-fire.example"


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
