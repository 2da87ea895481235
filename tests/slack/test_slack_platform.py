"""Slack as a plugin: on with its settings, off without, an error when half-configured; the manifest."""

from __future__ import annotations

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from bot.app import make_bot
from bot.cli import main
from bot.platforms import enabled_plugins
from bot.server import build_app
from bot.settings import SettingsError, load_settings
from bot.slack.manifest import BOT_SCOPES, manifest
from bot.slack.platform import PLATFORM


def _settings(**slack):
    return load_settings(_env_file=None, **slack)


def test_no_slack_settings_means_slack_is_off():
    settings = _settings()
    assert PLATFORM.configured(settings) is False
    assert PLATFORM not in enabled_plugins(settings)


@pytest.mark.parametrize("given, missing", [
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_SIGNING_SECRET": "s3cret"}, "SLACK_BOT_TOKEN"),
    ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
])
def test_half_configured_slack_is_an_error_that_names_the_setting(given, missing):
    settings = _settings(**given)
    assert PLATFORM.configured(settings) is True
    with pytest.raises(SettingsError, match=missing):
        enabled_plugins(settings)


def test_full_settings_or_socket_mode_settings_turn_slack_on():
    http = _settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s3cret")
    socket = _settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1-A")
    assert enabled_plugins(http) == [PLATFORM] and enabled_plugins(socket) == [PLATFORM]
    with pytest.raises(SettingsError, match="xapp-"):
        PLATFORM.check(_settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xoxb-wrong-one"))


async def test_health_still_answers_with_slack_mounted(slack):
    response = await slack.client.get("/healthz")
    assert response.status == 200
    assert (await slack.client.get("/slack/events")).status == 405  # POST only
    assert slack.fake.calls == []  # starting the app called nothing


async def test_without_a_signing_secret_the_http_endpoint_is_off(services):
    settings = services.settings.model_copy(update={"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1-A"})
    import dataclasses

    app = await build_app(make_bot(dataclasses.replace(services, settings=settings)), [PLATFORM])
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        assert (await client.post("/slack/events", data=b"{}")).status == 404


def test_the_manifest_is_valid_yaml_with_the_scopes_the_code_uses():
    result = CliRunner().invoke(main, ["manifest", "slack", "--url", "https://ldbot.northvale.example/"])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    assert data == manifest(url="https://ldbot.northvale.example")
    assert set(data["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES) == {
        "chat:write", "im:history", "im:read", "im:write", "app_mentions:read", "users:read",
        "users:read.email", "commands"}
    settings = data["settings"]
    endpoint = "https://ldbot.northvale.example/slack/events"
    assert settings["event_subscriptions"] == {
        "request_url": endpoint, "bot_events": ["app_home_opened", "app_mention", "message.im"]}
    assert settings["interactivity"] == {"is_enabled": True, "request_url": endpoint, "message_menu_options_url": endpoint}
    assert settings["socket_mode_enabled"] is False
    assert data["features"]["slash_commands"][0]["command"] == "/ld"
    assert data["features"]["slash_commands"][0]["url"] == endpoint
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True


def test_the_socket_mode_manifest_has_no_urls():
    result = CliRunner().invoke(main, ["manifest", "slack", "--socket-mode"])
    data = yaml.safe_load(result.output)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert "url" not in data["features"]["slash_commands"][0]
    assert "request_url" not in data["settings"]["interactivity"]


def test_the_manifest_refuses_a_plain_http_url():
    result = CliRunner().invoke(main, ["manifest", "slack", "--url", "http://insecure.example"])
    assert result.exit_code != 0 and "https" in result.output
