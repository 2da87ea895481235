"""The web console in a real browser (Playwright driving Debian's Chromium) against a real `ldbot serve`:
sign in with a link, edit a response and see a console chat use it, roll it back; import a CSV with errors;
every page opens with no console errors and no axe-core (WCAG 2.2 AA) violations, and is photographed;
a parked message is tried again and another given up on; L&D create a learning opportunity, build its
audience, send it after the confirm page and see the invitation arrive at the fake Slack; L&D add a
learning pathway from a file after its check page; a firefighter gets 403; a POST without the CSRF token is refused.

Needs /usr/bin/chromium and axe-core (scripts/test-tools.sh installs both; .ci/run runs it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.app import make_bot
from bot.clock import Moment
from handlers.people.sample import load_everything
from handlers.webconsole.usecases import issue_link
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person, PlatformIdentity
from storage.models.learning import LearningOpportunity, LearningSession
from tests.learning_serving import ALWAYS, arrive, region
from tests.slack.fake_slack import FakeSlack
from tests.slack.slack_support import BOT_TOKEN, SIGNING_SECRET, dm_of
from tests.support import Chat, add_person, parked, serve_process
from tests.web.web_support import KEY

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".cache/test-tools/node_modules/axe-core/axe.min.js"
SHOTS = ROOT / "test-artifacts/web"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ADMIN, FIREFIGHTER = "ian.fraser@northvale-fire.example", "alex.morgan@northvale-fire.example"
LD = "priya.shah@northvale-fire.example"


def _tools() -> None:
    if not AXE.is_file() and shutil.which("npm"):
        subprocess.run(["bash", str(ROOT / "scripts/test-tools.sh")], check=False, capture_output=True, timeout=300)
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed (bash scripts/test-tools.sh installs it)")
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (bash scripts/test-tools.sh installs it)")


@pytest.fixture(scope="module")
async def browser():
    _tools()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield launched
        await launched.close()


def now() -> Moment:
    """The serving process's clock is the real one, so links are made at the real time."""
    return Moment(datetime.now(UTC), ZoneInfo("Europe/London"))


async def link(services, base: str, email: str) -> str:
    async with unit_of_work(services.sessions) as db:
        person = await db.scalar(select(Person).where(Person.email == email))
        return (await issue_link(db, None, now(), subject=person, base_url=base, via="cli")).url


class Watched:
    """A page whose console errors and uncaught exceptions are collected."""

    def __init__(self, page) -> None:  # noqa: ANN001 - a Playwright page
        self.page, self.errors = page, []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    async def check(self, name: str) -> None:
        """No console errors, no axe violations; a screenshot kept as a test artefact."""
        # After a click the DOM may be there before the stylesheets are: axe would judge an unstyled page.
        await self.page.wait_for_load_state("load")
        await self.page.evaluate(AXE.read_text("utf-8") + "\n;0")
        result = await self.page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))", WCAG)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert result == [], f"{name}: {result}"
        assert self.errors == [], f"{name}: {self.errors}"


async def _serve(services, database_url, tmp_path, **env: str):
    await load_everything(services.sessions, now().today)
    return serve_process({"LDBOT_DATABASE_URL": database_url, "LDBOT_WEB_SECRET_KEY": KEY, **env}, tmp_path)


@pytest.fixture
async def fake_slack():
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


async def test_every_page_is_accessible_and_a_response_edit_reaches_chat(services, database_url, tmp_path, browser):
    async with await _serve(services, database_url, tmp_path) as served:
        async with services.sessions() as db:  # two messages the sender gave up on, for the Messages page
            alex = await db.scalar(select(Person.id).where(Person.email == FIREFIGHTER))
        stuck = [await parked(services, alex, error) for error in ("slack: slack: internal_error",
                                                                   "teams: Teams connector status 503")]
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        watched = Watched(await context.new_page())
        page = watched.page
        await page.goto(served.base + "/admin/overview")  # not signed in: the sign-in page
        await page.wait_for_selector("h1:has-text('Sign in to the ldbot web console')")
        await watched.check("sign-in")
        await page.goto(await link(services, served.base, ADMIN))
        await watched.check("sign-in-link")
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/admin/overview")
        await page.wait_for_selector(".ld-chart canvas")  # charts drawn from the tables
        await watched.check("overview")

        await page.goto(served.base + "/admin/responses")
        await watched.check("responses")
        await page.goto(served.base + "/admin/responses/core.nothing_to_cancel")
        await watched.check("response")
        box = page.get_by_label("Wording")
        await box.fill("Nothing to stop, *{{ 'friend' }}*.")
        await page.locator("[data-preview=slack] strong", has_text="friend").wait_for()
        await box.fill("Hello {{ name }}.")
        await page.locator("#live-problem", has_text="not given").wait_for()
        await box.fill("Nothing to stop here.")
        await page.get_by_role("button", name="Save", exact=True).click()
        await page.wait_for_selector("text=Saved. The bot uses this wording from its next message")
        await watched.check("response-saved")
        alex = Chat(make_bot(services), FIREFIGHTER)
        assert await alex.send("cancel") == "Nothing to stop here."
        await page.get_by_role("button", name="Reset to the shipped wording").click()
        await page.wait_for_selector("text=Back to the shipped wording")
        await page.get_by_role("button", name=re.compile("Roll back to this")).click()
        await page.wait_for_selector("text=Rolled back")
        assert await alex.send("cancel") == "Nothing to stop here."
        await page.get_by_role("button", name=re.compile("Roll back to this")).first.click()
        await page.wait_for_selector("text=Rolled back")
        assert await alex.send("cancel") == "There's nothing to cancel — you're not in the middle of anything."

        await page.goto(served.base + "/admin/people?q=morgan")
        await watched.check("people")
        await page.get_by_role("link", name="Alex Morgan").click()
        await page.wait_for_selector("h1:has-text('Alex Morgan')")
        await watched.check("person")
        bad = tmp_path / "people.csv"
        bad.write_text("email,name,role,team,station,line_manager_email\nnot-an-email,Someone,firefighter,,,\n"
                       "kim@northvale-fire.example,Kim Lee,astronaut,,,\n", encoding="utf-8")
        await page.goto(served.base + "/admin/people/import")
        await watched.check("people-import")
        await page.get_by_label("File").set_input_files(str(bad))
        await page.get_by_role("button", name="Check the file").click()
        await page.wait_for_selector("text=nothing was imported")
        assert "line 2: 'not-an-email' is not an email address" in await page.content() or \
            "line 2: &#39;not-an-email&#39; is not an email address" in await page.content()
        assert "line 3: unknown role" in await page.content()
        await watched.check("people-import-errors")
        good = tmp_path / "competences.csv"
        good.write_text("code,title,description,risk_critical,revalidation_months\n"
                        "FFXX1,Operate the aerial ladder platform,,yes,12\n", encoding="utf-8")
        await page.goto(served.base + "/admin/people/import")
        await page.get_by_label("The competence framework").check()
        await page.get_by_label("File").set_input_files(str(good))
        await page.get_by_role("button", name="Check the file").click()
        await page.wait_for_selector("text=line 2: add competence FFXX1 Operate the aerial ladder platform")
        await watched.check("people-import-dry-run")
        await page.get_by_role("button", name="Apply these changes").click()
        await page.wait_for_selector("text=Import applied")
        await watched.check("people-import-applied")

        for name, path in (("policy", "/admin/policy?question=is+workplace+assessment+mandatory"),
                           ("policy-questions", "/admin/policy/questions"), ("policy-synonyms", "/admin/policy/synonyms"),
                           ("audit", "/admin/audit"), ("plans", "/admin/plans"), ("outbox", "/admin/outbox"),
                           ("people-leavers", "/admin/people/leavers")):
            await page.goto(served.base + path)
            await watched.check(name)
        await page.goto(served.base + "/admin/people/leavers")
        await page.get_by_label("Their email address").fill(FIREFIGHTER)
        await page.get_by_role("button", name="Continue").click()
        await page.wait_for_selector("h1:has-text('Check: Alex Morgan has left')")
        await watched.check("people-leaver-confirm")
        await page.goto(served.base + "/admin/people/leavers")
        await page.get_by_role("button", name="Continue").click()
        await page.wait_for_selector("text=There is a problem")
        await watched.check("people-leavers-errors")
        await page.goto(served.base + "/admin/outbox")
        await page.get_by_role("button", name=f"Try again message {stuck[0]}", exact=True).click()
        await page.wait_for_selector("text=1 message queued again")
        await watched.check("outbox-retried")
        await page.get_by_role("button", name=f"Give up on message {stuck[1]}", exact=True).click()
        await page.wait_for_selector("text=Given up on 1 message")
        async with services.sessions() as db:
            assert {m.id: m.status for m in await db.scalars(select(OutgoingMessage).where(
                OutgoingMessage.id.in_(stuck)))} == {stuck[0]: "pending", stuck[1]: "dropped"}
        await page.goto(served.base + "/admin/policy")
        document = tmp_path / "driving.md"
        document.write_text("# Driving Policy\n\n## 1 Blue-light training\n\nEveryone who drives under blue lights "
                            "completes the emergency response driving course every three years.\n", encoding="utf-8")
        await page.get_by_label(re.compile("Markdown, text, HTML")).set_input_files(str(document))
        await page.get_by_role("button", name="Check the sections").click()
        await page.wait_for_selector("text=Blue-light training")
        await watched.check("policy-upload")
        await page.get_by_role("button", name="Import").click()
        await page.wait_for_selector("text=Imported.")
        await page.goto(served.base + "/admin/policy")
        await page.locator("table a.govuk-link").first.click()
        await page.wait_for_selector("text=Sections")
        await watched.check("policy-document")

        token = await page.locator("input[name=csrf_token]").first.get_attribute("value")
        refused = await page.request.post(served.base + "/admin/responses/core.cancelled",
                                          form={"action": "save", "source": "Hacked."})
        assert refused.status == 403
        allowed = await page.request.post(served.base + "/admin/responses/core.cancelled",
                                          form={"action": "preview", "source": "Fine.", "csrf_token": token})
        assert allowed.status == 200
        await context.close()


async def test_a_firefighter_gets_403_in_the_browser(services, database_url, tmp_path, browser):
    async with await _serve(services, database_url, tmp_path) as served:
        context = await browser.new_context()
        watched = Watched(await context.new_page())
        page = watched.page
        await page.goto(await link(services, served.base, FIREFIGHTER))
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_selector("text=You cannot see this page")
        for path in ("/admin/overview", "/admin/responses", "/admin/people", "/admin/policy", "/admin/outbox",
                     "/admin/audit", "/admin/plans", "/admin/learning", "/admin/learning/new",
                     "/admin/people/leavers"):
            response = await page.goto(served.base + path)
            assert response.status == 403, path
        watched.errors = [e for e in watched.errors if "403" not in e]  # the browser logs each 403 it is given
        await watched.check("forbidden")
        await context.close()


async def test_ld_add_a_pathway_from_a_file_every_page_checked(services, database_url, tmp_path, browser):
    """The Development plans page as L&D, its upload page, the problems and the check page in the axe loop."""
    async with await _serve(services, database_url, tmp_path) as served:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        watched = Watched(await context.new_page())
        page = watched.page
        await page.goto(await link(services, served.base, LD))
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/admin/overview")
        await page.goto(served.base + "/admin/plans")
        await page.get_by_role("button", name="Add a pathway from a file").click()
        await page.wait_for_selector("h1:has-text('Add a pathway from a file')")
        await watched.check("plans-pathway-upload")
        bad = tmp_path / "bad.yaml"
        bad.write_text("name: Station manager development\nsteps:\n  - checkin: Meet your area manager\n"
                       "    within: soon\n", encoding="utf-8")
        await page.get_by_label("Pathway file").set_input_files(str(bad))
        await page.get_by_role("button", name="Check the file").click()
        await page.wait_for_selector("text=There is a problem")
        assert "step 1: `within` should say by when" in await page.content()
        await watched.check("plans-pathway-errors")
        good = tmp_path / "station.yaml"
        good.write_text("name: Station manager development\ninduction_for: station manager\nsteps:\n"
                        "  - checkin: Meet your area manager\n    within: 2 weeks\n"
                        "  - competence: ICL1\n    within: 6 months\n", encoding="utf-8")
        await page.get_by_label("Pathway file").set_input_files(str(good))
        await page.get_by_role("button", name="Check the file").click()
        await page.wait_for_selector("h1:has-text('Check the pathway')")
        await watched.check("plans-pathway-check")
        await page.get_by_role("button", name="Add the pathway").click()
        await page.wait_for_selector("text=Station manager development is a learning pathway now.")
        await watched.check("plans-pathway-added")
        await context.close()


async def test_ld_create_an_opportunity_build_its_audience_send_it_and_it_arrives_in_slack(
    services, database_url, tmp_path, browser, fake_slack,
):
    """The Learning opportunities pages in the browser, every one checked; the invitation goes out through the
    served process's outbox sender to the fake Slack Web API."""
    await load_everything(services.sessions, now().today)
    await add_person(services, "wren.webb@northvale-fire.example", "Wren Webb", team="Web Watch", station="Ashby",
                     working_pattern=ALWAYS)
    async with unit_of_work(services.sessions) as db:
        wren = await db.scalar(select(Person.id).where(Person.email == "wren.webb@northvale-fire.example"))
        db.add(PlatformIdentity(platform="slack", platform_user_id="U0WREN", person_id=wren))
    fake_slack.users["U0WREN"] = "wren.webb@northvale-fire.example"
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_slack.api_url,
           "LDBOT_NUDGE_HOLIDAY_SUBDIV": region()}
    async with await _serve(services, database_url, tmp_path, **env) as served:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        watched = Watched(await context.new_page())
        page = watched.page
        await page.goto(await link(services, served.base, LD))
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/admin/overview")
        await page.get_by_role("link", name="Learning opportunities", exact=True).click()
        await page.wait_for_selector("h1:has-text('Learning opportunities')")
        await watched.check("learning")
        await page.get_by_role("button", name="Create a learning opportunity").click()
        await page.wait_for_selector("h1:has-text('Create a learning opportunity')")
        await watched.check("learning-new")
        await page.get_by_role("button", name="Create", exact=True).click()
        await page.wait_for_selector("text=There is a problem")
        await watched.check("learning-new-errors")
        start = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        await page.get_by_label("Title", exact=True).fill("Water rescue awareness")
        await page.get_by_label("Start", exact=True).fill(f"{start} 09:00")
        await page.get_by_label("End", exact=True).fill("15:00")
        await page.get_by_label("Venue", exact=True).fill("Ashby training centre")
        await page.get_by_label("Places", exact=True).fill("12")
        await page.get_by_role("button", name="Create", exact=True).click()
        await page.wait_for_selector("text=Created. Next:")
        await watched.check("learning-opportunity")
        number = page.url.split("/admin/learning/")[1].split("?")[0]

        await page.get_by_role("button", name="Who it is for").click()
        await page.get_by_label("Named people").fill("wren.webb@northvale-fire.example")
        await page.locator("#live-count", has_text="This reaches 1 person today.").wait_for()  # the live count
        await page.get_by_role("button", name="Show who this reaches").click()
        await page.wait_for_selector("h2:has-text('This reaches 1 person today')")
        assert "Wren Webb" in await page.content()
        await watched.check("learning-audience")
        await page.get_by_role("button", name="Save this audience").click()
        await page.wait_for_selector("text=The audience is saved")

        for name, path in (("learning-edit", "edit"), ("learning-session", "sessions/1"),
                           ("learning-session-new", "sessions/new"), ("learning-results", "results")):
            await page.goto(f"{served.base}/admin/learning/{number}/{path}")
            await watched.check(name)
        await page.goto(f"{served.base}/admin/learning/{number}")
        await page.get_by_role("button", name="Send the invitations").click()
        await watched.check("learning-send")
        await page.get_by_role("button", name="Check before sending").click()
        await page.wait_for_selector("h1:has-text('Check before sending')")
        await watched.check("learning-send-confirm")
        assert fake_slack.of("chat.postMessage") == []  # nothing sent before it is confirmed
        await page.get_by_role("button", name="Send 1 invitation").click()
        await page.wait_for_selector("text=1 invitation queued")
        invitation = await arrive(lambda: next((c.body for c in fake_slack.calls if c.method == "chat.postMessage"
                                                and c.body.get("channel") in ("U0WREN", dm_of("U0WREN"))), None))
        assert "Water rescue awareness" in invitation["text"]
        await page.reload()
        await page.wait_for_selector("text=Delivered")
        await watched.check("learning-sent")

        # Attendance at the sample refresher's first session, once it has taken place.
        async with unit_of_work(services.sessions) as db:
            refresher = await db.scalar(select(LearningOpportunity.id).where(
                LearningOpportunity.title == "Breathing apparatus refresher"))
            await db.execute(update(LearningSession).where(LearningSession.opportunity_id == refresher,
                                                            LearningSession.number == 1).values(
                starts_at=datetime.now(UTC) - timedelta(hours=8), ends_at=datetime.now(UTC) - timedelta(hours=1)))
        await page.goto(f"{served.base}/admin/learning/{refresher}")
        await watched.check("learning-waitlist")
        await page.get_by_role("link", name="Record attendance at session 1").click()
        await page.wait_for_selector("h1:has-text('Attendance at session 1')")
        await watched.check("learning-attendance")
        await page.get_by_label("Attended: Chloe Adams").check()
        await page.get_by_label("Did not attend: Ben Hughes").check()
        await page.get_by_role("button", name="Record attendance").click()
        await page.wait_for_selector("text=Attendance is recorded (1 attended)")
        await page.goto(f"{served.base}/admin/learning/{refresher}/results")
        await watched.check("learning-results-attended")
        await context.close()
