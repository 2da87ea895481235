"""Signing in to the web console: one-time links, sessions, CSRF, security headers, the access policy."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import make_bot
from storage.models import AuditEvent
from tests.support import Chat, add_person
from tests.web.web_support import console, csrf, link_for, post_form, sign_in

PAGES = ["/admin/overview", "/admin/responses", "/admin/responses/core.cancelled", "/admin/people",
         "/admin/people/import", "/admin/policy", "/admin/policy/questions", "/admin/policy/synonyms", "/admin/audit"]


async def test_a_link_signs_its_person_in_once_and_expires(services, clock):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    async with console(services) as client:
        assert (await client.get("/admin/overview", allow_redirects=False)).headers["Location"] == "/admin/sign-in"
        path = await link_for(services, "ada@example.org")
        page = await client.get(path)
        assert "Sign in" in await page.text()
        assert (await client.get("/admin/overview")).url.path == "/admin/sign-in"  # opening the page is not using it
        signed = await client.post(path, data={"csrf_token": csrf(await page.text())})
        assert signed.status == 200 and signed.url.path == "/admin/overview"
        assert "Ada Admin" in await signed.text()
    async with console(services) as other:  # another browser
        page = await other.get(path)
        again = await other.post(path, data={"csrf_token": csrf(await page.text())})
        assert again.status == 400 and "has been used already or has expired" in await again.text()
        late = await link_for(services, "ada@example.org")
        clock.advance(minutes=11)
        page = await other.get(late)
        assert (await other.post(late, data={"csrf_token": csrf(await page.text())})).status == 400
    async with services.sessions() as db:
        assert "web_sign_in" in set(await db.scalars(select(AuditEvent.action)))


async def test_chat_web_sends_admins_and_ld_a_link_and_refuses_staff(services):
    await add_person(services, "lee@example.org", "Lee Learning", role="ld")
    await add_person(services, "alex@example.org", "Alex Morgan")
    bot = make_bot(services)
    reply = await Chat(bot, "lee@example.org").send("web")
    assert "/admin/sign-in/" in reply and "works once, for 10 minutes" in reply
    assert "web console is for admins and the L&D team" in await Chat(bot, "alex@example.org").send("admin")
    assert "web" not in await Chat(bot, "alex@example.org").send("help")


async def test_a_firefighter_gets_403_everywhere_and_an_idle_session_ends(services, clock):
    await add_person(services, "alex@example.org", "Alex Morgan")
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    async with console(services) as client:
        await sign_in(client, services, "alex@example.org")
        for page in PAGES:
            response = await client.get(page)
            assert response.status == 403, page
            assert "You cannot see this page" in await response.text()
    async with console(services, web_idle_minutes=30) as client:
        assert (await sign_in(client, services, "ada@example.org")).url.path == "/admin/overview"
        clock.advance(minutes=31)
        response = await client.get("/admin/responses")
        assert response.url.path == "/admin/sign-in" and "did nothing for a while" in await response.text()


async def test_every_page_opens_for_an_admin_with_security_headers(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    async with console(services) as client:
        await sign_in(client, services, "ada@example.org")
        for page in PAGES:
            response = await client.get(page)
            assert response.status == 200, (page, await response.text())
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
            assert response.headers["X-Frame-Options"] == "DENY"
            assert "<script>" not in await response.text()  # no inline script
        set_cookie = response.headers["Set-Cookie"]
        assert set_cookie.startswith("ldbot_admin=") and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
        assert "Path=/admin" in set_cookie and "Secure" not in set_cookie  # http here; Secure behind https


async def test_a_post_without_the_csrf_token_changes_nothing(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    async with console(services) as client:
        await sign_in(client, services, "ada@example.org")
        refused = await client.post("/admin/responses/core.cancelled", data={"action": "save", "source": "Hacked."})
        assert refused.status == 403 and "This form has expired" in await refused.text()
        wrong = await client.post("/admin/responses/core.cancelled",
                                  data={"action": "save", "source": "Hacked.", "csrf_token": "guess"})
        assert wrong.status == 403
        saved = await post_form(client, "/admin/responses/core.cancelled", "/admin/responses/core.cancelled",
                                {"action": "save", "source": "Stopped."})
        assert saved.status == 200 and "Saved." in await saved.text()
