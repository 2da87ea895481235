"""Socket Mode: the handler is built from the settings over the same bolt app, and an envelope from the
WebSocket is routed into it (no network: the envelope is handed to the handler directly)."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.settings import SettingsError
from bot.slack.app import adapter_for, socket_mode_handler
from tests.slack.slack_support import dm_of, event_callback
from tests.support import add_person

STAFF = "U0STAFF"


class RecordingSocketClient:
    """Stands in for the WebSocket connection: keeps the acknowledgements the handler sends back."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("test.socket")
        self.sent = []

    async def send_socket_mode_response(self, response) -> None:
        self.sent.append(response)


async def test_the_handler_is_built_from_the_settings(slack):
    settings = slack.bot.services.settings.model_copy(update={"slack_app_token": "xapp-1-A0LDBOT-1-secret"})
    handler = socket_mode_handler(slack.bot, settings)
    try:
        assert handler.app_token == "xapp-1-A0LDBOT-1-secret"
        assert handler.app is adapter_for(slack.bot, settings).app is slack.adapter.app
        assert handler.client.web_client.base_url == slack.fake.api_url
        assert handler.client.web_client.token == settings.slack_bot_token
    finally:
        await handler.client.close()
    assert slack.fake.calls == []  # building it calls nothing


async def test_a_socket_mode_envelope_reaches_the_same_app(slack):
    await add_person(slack.bot.services, "jo.bloggs@northvale.example", "Jo Bloggs")
    slack.fake.users[STAFF] = "jo.bloggs@northvale.example"
    settings = slack.bot.services.settings.model_copy(update={"slack_app_token": "xapp-1-A0LDBOT-1-secret"})
    handler = socket_mode_handler(slack.bot, settings)
    socket = RecordingSocketClient()
    envelope = SocketModeRequest.from_dict({
        "envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False, "retry_attempt": 0,
        "payload": event_callback({"type": "message", "channel": dm_of(STAFF), "user": STAFF, "text": "help",
                                   "ts": "3.1", "channel_type": "im"}, event_id="Ev0SOCKET"),
    })
    try:
        await handler.handle(socket, envelope)  # no signature in Socket Mode: the WebSocket is authenticated
        await slack.settle()
        assert [r.envelope_id for r in socket.sent] == ["env-1"]
        assert len(slack.posted(dm_of(STAFF))) == 1
        # The same event over HTTP afterwards (Slack retrying elsewhere) is not processed again.
        await slack.dm(STAFF, "help", event_id="Ev0SOCKET", retry=1)
        assert len(slack.posted(dm_of(STAFF))) == 1
    finally:
        await handler.client.close()


async def test_socket_mode_needs_an_app_token(slack):
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        socket_mode_handler(slack.bot, slack.bot.services.settings)
