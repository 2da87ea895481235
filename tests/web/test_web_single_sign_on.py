"""Single sign-on with OpenID Connect (Microsoft Entra ID, Sign in with Slack), against a provider the test
runs on 127.0.0.1: people are matched by their account id or email; a token that cannot be trusted is refused."""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import make_bot
from bot.server import build_app
from bot.web.app import mount
from bot.web.settings import WebSettings
from storage.models import PlatformIdentity
from tests.support import add_person
from tests.web.oidc_provider import free_port, running_provider
from tests.web.web_support import KEY


@asynccontextmanager
async def sso_console(services, provider, which: str = "entra"):
    port = free_port()
    settings = services.settings.model_copy(update={"web_base_url": f"http://127.0.0.1:{port}"})
    services = dataclasses.replace(services, settings=settings)
    extra = ({"oidc_entra_client_id": provider.client_id, "oidc_entra_client_secret": provider.client_secret,
              "oidc_entra_issuer": provider.issuer} if which == "entra" else
             {"oidc_slack_client_id": provider.client_id, "oidc_slack_client_secret": provider.client_secret,
              "oidc_slack_issuer": provider.issuer})
    bot = make_bot(services)
    app = await build_app(bot, [], web_console=False)
    await mount(app, bot, WebSettings(_env_file=None, web_secret_key=KEY, **extra))
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client


async def test_entra_sign_in_matches_by_email_then_by_object_id(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    async with running_provider(claims={"sub": "pairwise-1", "oid": "0000-aaaa", "preferred_username": "Ada@Example.org",
                                        "name": "Ada Admin"}) as provider, sso_console(services, provider) as client:
        page = await (await client.get("/admin/sign-in")).text()
        assert "Sign in with Microsoft" in page
        signed = await client.get("/admin/sign-in/entra/start")
        assert signed.url.path == "/admin/overview" and "Ada Admin" in await signed.text()
        async with services.sessions() as db:
            linked = await db.scalar(select(PlatformIdentity.platform_user_id).where(PlatformIdentity.platform == "teams"))
        assert linked == "0000-aaaa"  # the Entra object id is how Teams names her too
    async with running_provider(claims={"oid": "0000-aaaa", "preferred_username": "ada.new@example.org"}) as provider, \
            sso_console(services, provider) as client:
        signed = await client.get("/admin/sign-in/entra/start")
        assert signed.url.path == "/admin/overview"  # a new email, the same object id


async def test_slack_sign_in_uses_the_slack_user_id(services):
    await add_person(services, "lee@example.org", "Lee Learning", role="ld")
    claims = {"sub": "U0LEE", "https://slack.com/user_id": "U0LEE", "email": "lee@example.org", "email_verified": True}
    async with running_provider(claims=claims) as provider, sso_console(services, provider, "slack") as client:
        signed = await client.get("/admin/sign-in/slack/start")
        assert signed.url.path == "/admin/overview" and "Lee Learning" in await signed.text()


async def test_an_untrustworthy_token_or_an_unknown_person_is_refused(services):
    await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    for tamper in ("nonce", "audience", "key"):
        async with running_provider(claims={"oid": "x", "email": "ada@example.org"}, tamper=tamper) as provider, \
                sso_console(services, provider) as client:
            refused = await client.get("/admin/sign-in/entra/start")
            assert refused.url.path == "/admin/sign-in" and refused.url.query.get("problem") == "sso", tamper
            assert (await client.get("/admin/overview")).url.path == "/admin/sign-in"
            assert provider.tokens_issued == 1
    async with running_provider(claims={"oid": "y", "email": "nobody@example.org"}) as provider, \
            sso_console(services, provider) as client:
        refused = await client.get("/admin/sign-in/entra/start")
        assert refused.url.query.get("problem") == "unknown"
        assert "not linked to anyone" in await refused.text()
        forged = await client.get("/admin/sign-in/entra/callback?code=abc&state=forged")
        assert forged.url.query.get("problem") == "sso"
