"""Teams settings: off, on without authentication (loudly), on with authentication, or half-configured."""

from __future__ import annotations

import logging
import time

import pytest

from bot.platforms import enabled_plugins
from bot.settings import SettingsError, load_settings
from bot.teams.platform import PLATFORM
from tests.teams.conftest import TENANT, start_bot, teams_services
from tests.teams.fake_openid import unsigned_token

APP_ID = "3f2c6d7e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"
OTHER_TENANT = "8a7f0c1e-0000-4000-8000-000000000002"


def _settings(**env: str):
    return load_settings(_env_file=None, **env)


def test_off_when_nothing_is_set():
    assert not PLATFORM.configured(_settings())


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"MICROSOFT_APP_ID": APP_ID}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_PASSWORD": "secret"}, "MICROSOFT_APP_ID"),
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret", "MICROSOFT_APP_TYPE": "SingleTenant"},
         "MICROSOFT_APP_TENANT_ID"),
    ],
)
def test_half_configured_is_a_clear_error(env, names):
    settings = _settings(**env)
    assert PLATFORM.configured(settings)
    with pytest.raises(SettingsError, match=names):
        enabled_plugins(settings)


def test_fully_configured_and_local_testing_are_both_on():
    full = _settings(MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="secret", MICROSOFT_APP_TENANT_ID=TENANT)
    PLATFORM.check(full)
    assert PLATFORM.configured(full)
    local = _settings(teams_enabled=True)
    PLATFORM.check(local)
    assert PLATFORM.configured(local)


def test_single_tenant_is_the_default_and_multi_tenant_needs_the_tenants_named():
    assert _settings().microsoft_app_type == "SingleTenant"
    with pytest.raises(SettingsError, match="MICROSOFT_APP_TENANT_ID"):
        PLATFORM.check(_settings(MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="secret"))
    multi = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret", "MICROSOFT_APP_TYPE": "MultiTenant"}
    with pytest.raises(SettingsError, match="LDBOT_TEAMS_TENANTS"):
        PLATFORM.check(_settings(**multi))
    named = _settings(**multi, teams_tenants=f" {TENANT.upper()} , {OTHER_TENANT}")
    PLATFORM.check(named)
    assert named.allowed_teams_tenants() == {TENANT, OTHER_TENANT}
    own = _settings(MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="secret", MICROSOFT_APP_TENANT_ID=TENANT)
    assert own.allowed_teams_tenants() == {TENANT}


def test_with_authentication_off_it_listens_on_this_machine_only():
    assert _settings(teams_enabled=True).listen_host() == "127.0.0.1"
    assert _settings(teams_enabled=True, host="0.0.0.0").listen_host() == "0.0.0.0"  # told otherwise
    assert _settings(MICROSOFT_APP_ID=APP_ID).listen_host() == "0.0.0.0"
    assert _settings().listen_host() == "0.0.0.0"


def test_only_microsofts_bot_connector_hosts_are_answered():
    settings = _settings()
    for url in ("https://smba.trafficmanager.net/emea/", "https://smba.infra.gcc.teams.microsoft.com/",
                "https://webchat.botframework.com/", "https://europe.webchat.botframework.com/"):
        assert settings.teams_service_allowed(url), url
    for url in ("https://evil.example/", "https://smba.trafficmanager.net.evil.example/", "http://127.0.0.1:9/",
                "https://botframework.com.evil.example/", "", None, "not a url"):
        assert not settings.teams_service_allowed(url), url


async def test_with_authentication_on_a_service_url_elsewhere_is_refused(services, connector):
    secured = teams_services(services, microsoft_app_id=APP_ID, microsoft_app_password="secret",
                             microsoft_app_tenant_id=TENANT, teams_enabled=False)
    running = await start_bot(secured)
    try:
        activity = {
            "type": "message", "id": "1", "text": "help", "channelId": "msteams", "serviceUrl": connector.url,
            "from": {"id": "29:1x"}, "recipient": {"id": "28:bot"}, "conversation": {"id": "a:1"},
        }
        # A well-formed token: the serviceUrl is refused before anyone fetches keys to check it.
        token = unsigned_token({"alg": "RS256", "kid": "k"}, {"exp": int(time.time()) + 3600})
        assert await running.post(activity, headers={"Authorization": f"Bearer {token}"}) == 403
    finally:
        await running.http.close()
        await running.close()
    assert connector.calls == [] and connector.roster_lookups == []


async def test_with_an_app_id_a_request_without_a_token_gets_401(services, connector):
    secured = teams_services(services, microsoft_app_id=APP_ID, microsoft_app_password="secret",
                             microsoft_app_tenant_id=TENANT, teams_enabled=False, teams_service_hosts="127.0.0.1")
    running = await start_bot(secured)
    try:
        activity = {
            "type": "message", "id": "1", "text": "help", "channelId": "msteams", "serviceUrl": connector.url,
            "from": {"id": "29:1x"}, "recipient": {"id": "28:bot"}, "conversation": {"id": "a:1"},
        }
        assert await running.post(activity) == 401
        assert await running.post(activity, headers={"Authorization": ""}) == 401
    finally:
        await running.http.close()
        await running.close()
    assert connector.calls == [] and connector.roster_lookups == []


async def test_without_an_app_id_the_server_warns_loudly(services, caplog):
    caplog.set_level(logging.WARNING, logger="ldbot.teams")
    running = await start_bot(teams_services(services))
    await running.http.close()
    await running.close()
    assert any("AUTHENTICATION IS OFF" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
