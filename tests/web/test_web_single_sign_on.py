"""Single sign-on with OpenID Connect (Microsoft Entra ID, Sign in with Slack), against a provider the test
runs on 127.0.0.1: people are matched by their account id or email; a token that cannot be trusted is refused."""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import make_bot
from bot.server import build_app
from bot.settings import SettingsError
from bot.web.app import mount
from bot.web.settings import WebSettings
from storage.models import PlatformIdentity
from tests.support import add_person, audit_details, linked_accounts
from tests.web.oidc_provider import free_port, running_provider
from tests.web.web_support import KEY

WORKSPACE = "T0NORTHVALE"


@asynccontextmanager
async def sso_console(services, provider, which: str = "entra", **more: str):
    port = free_port()
    settings = services.settings.model_copy(update={"web_base_url": f"http://127.0.0.1:{port}"})
    services = dataclasses.replace(services, settings=settings)
    extra = ({"oidc_entra_client_id": provider.client_id, "oidc_entra_client_secret": provider.client_secret,
              "oidc_entra_issuer": provider.issuer} if which == "entra" else
             {"oidc_slack_client_id": provider.client_id, "oidc_slack_client_secret": provider.client_secret,
              "oidc_slack_issuer": provider.issuer, "oidc_slack_team_id": WORKSPACE})
    bot = make_bot(services)
    app = await build_app(bot, [], web_console=False)
    await mount(app, bot, WebSettings(_env_file=None, web_secret_key=KEY, **extra, **more))
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
    claims = {"sub": "U0LEE", "https://slack.com/user_id": "U0LEE", "https://slack.com/team_id": WORKSPACE,
              "email": "lee@example.org", "email_verified": True}
    async with running_provider(claims=claims) as provider, sso_console(services, provider, "slack") as client:
        signed = await client.get("/admin/sign-in/slack/start")
        assert signed.url.path == "/admin/overview" and "Lee Learning" in await signed.text()


async def test_a_slack_account_of_another_workspace_cannot_sign_in_with_a_staff_email(services):
    await add_person(services, "lee@example.org", "Lee Learning", role="ld")
    claims = {"sub": "U0OTHER", "https://slack.com/user_id": "U0OTHER", "https://slack.com/team_id": "T0ELSEWHERE",
              "email": "lee@example.org", "email_verified": True}
    async with running_provider(claims=claims) as provider, sso_console(services, provider, "slack") as client:
        refused = await client.get("/admin/sign-in/slack/start")
        assert refused.url.query.get("problem") == "sso"
        assert (await client.get("/admin/overview")).url.path == "/admin/sign-in"
    assert await linked_accounts(services, "slack") == []


def test_sign_in_with_slack_must_name_its_workspace():
    with pytest.raises(SettingsError, match="LDBOT_OIDC_SLACK_TEAM_ID"):
        WebSettings(_env_file=None, oidc_slack_client_id="c", oidc_slack_client_secret="s").providers()


async def test_an_entra_account_of_another_tenant_or_showing_a_linked_persons_email_is_refused(services):
    ada = await add_person(services, "ada@example.org", "Ada Admin", role="admin")
    tenant = "8a7f0c1e-0000-4000-8000-000000000001"
    async with running_provider(claims={"oid": "0000-evil", "tid": "another-tenant", "email": "ada@example.org"}) \
            as provider, sso_console(services, provider, oidc_entra_tenant_id=tenant) as client:
        assert (await client.get("/admin/sign-in/entra/start")).url.query.get("problem") == "sso"
    async with running_provider(claims={"oid": "0000-aaaa", "tid": tenant, "email": "ada@example.org"}) as provider, \
            sso_console(services, provider, oidc_entra_tenant_id=tenant) as client:
        assert (await client.get("/admin/sign-in/entra/start")).url.path == "/admin/overview"
    # Ada is linked to her object id now: another account of the tenant showing her email is not her.
    async with running_provider(claims={"oid": "0000-bbbb", "tid": tenant, "email": "ada@example.org"}) as provider, \
            sso_console(services, provider, oidc_entra_tenant_id=tenant) as client:
        assert (await client.get("/admin/sign-in/entra/start")).url.query.get("problem") == "unknown"
    assert await linked_accounts(services, "teams") == [("0000-aaaa", ada)]
    [refusal] = await audit_details(services, "identity", "refused")
    assert refusal["platform_user_id"] == "0000-bbbb"


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
