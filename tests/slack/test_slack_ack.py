"""Slack wants an answer within 3 seconds: slash commands and clicks are acknowledged before the work is
done, and a slow form submission closes the modal in time and answers in the DM afterwards."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest

import bot.slack.app as slack_app
from bot.slack import blocks
from bot.slack.blocks import ModalMetadata
from bot.types import Button, Form, FormField
from bot.unit import Routes
from tests.slack.slack_support import dm_of
from tests.support import add_person

STAFF = "U0STAFF"


@pytest.fixture
def gate(slack):
    """A command, a button and a form (added to this bot's router) whose handlers wait for the gate."""
    opened = asyncio.Event()
    routes = Routes()

    @routes.command("zz slowpoke")
    @routes.action("test.slow")
    async def slow(turn) -> None:
        await opened.wait()
        turn.say("core.cancelled", buttons=[Button("Again", "test.slow", "1")])

    @routes.form("test.slow", declare=lambda turn, context: Form("test.slow", "Slow", (FormField("note", "Note"),), "Send"))
    async def slow_form(turn, values) -> None:
        await opened.wait()
        turn.say("core.cancelled")

    router = slack.bot.router
    router.commands += routes.commands
    router.actions.update(routes.actions)
    router.forms.update(routes.forms)
    yield opened
    opened.set()


async def _staff(slack) -> None:
    slack.fake.users[STAFF] = "jo.bloggs@northvale.example"
    await add_person(slack.bot.services, "jo.bloggs@northvale.example", "Jo Bloggs")


async def test_a_slash_command_is_acknowledged_before_the_work_finishes(slack, gate):
    await _staff(slack)
    form = {"command": "/ld", "text": "zz slowpoke", "user_id": STAFF, "channel_id": dm_of(STAFF),
            "team_id": "T0LDBOT", "trigger_id": "trig.1", "response_url": slack.fake.response_url(STAFF)}
    response = await asyncio.wait_for(slack.post(urlencode(form), "application/x-www-form-urlencoded"), 2.5)
    assert response.status == 200
    assert slack.posted() == []  # still working
    gate.set()
    await slack.settle()
    assert len(slack.posted(dm_of(STAFF))) == 1


async def test_a_click_is_acknowledged_before_the_work_finishes(slack, gate):
    await _staff(slack)
    gate.set()
    await slack.dm(STAFF, "zz slowpoke")
    message = slack.last_posted(dm_of(STAFF))
    gate.clear()
    response = await asyncio.wait_for(slack.click(STAFF, message, "test.slow", settle=False), 2.5)
    assert response.status == 200 and len(slack.posted()) == 1
    gate.set()
    await slack.settle()
    assert len(slack.posted(dm_of(STAFF))) == 2


async def test_a_slow_form_closes_the_modal_in_time_and_answers_in_the_dm(slack, gate, monkeypatch):
    monkeypatch.setattr(slack_app, "ACK_BUDGET", 0.3)
    await _staff(slack)
    form = Form("test.slow", "Slow", (FormField("note", "Note"),), "Send")
    view = blocks.form_view(form, ModalMetadata(dm_of(STAFF)))
    response = await asyncio.wait_for(slack.submit(STAFF, json.loads(json.dumps(view)), {"note": "hi"}, settle=False), 2.5)
    assert response.status == 200 and await response.text() == ""
    assert slack.posted() == []
    gate.set()
    await slack.settle()
    assert len(slack.posted(dm_of(STAFF))) == 1
