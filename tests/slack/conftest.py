"""The Slack harness: the real aiohttp app with Slack mounted, pointed at a fake Web API on 127.0.0.1."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import make_bot
from bot.server import build_app
from bot.services import Services
from bot.slack.app import SLACK_ADAPTER
from bot.slack.platform import PLATFORM
from tests.slack.fake_slack import FakeSlack
from tests.slack.slack_support import BOT_TOKEN, SIGNING_SECRET, SlackHarness


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


@pytest.fixture
def slack_services(services: Services, fake_slack: FakeSlack) -> Services:
    settings = services.settings.model_copy(update={
        "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET, "slack_api_url": fake_slack.api_url,
    })
    return dataclasses.replace(services, settings=settings)


@pytest.fixture
async def slack(slack_services: Services, fake_slack: FakeSlack) -> AsyncIterator[SlackHarness]:
    bot = make_bot(slack_services)
    app = await build_app(bot, [PLATFORM])
    client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    harness = SlackHarness(client=client, fake=fake_slack, adapter=app[SLACK_ADAPTER], bot=bot)
    try:
        yield harness
    finally:
        await harness.settle()
        await client.close()
