"""Forms in Slack: /ld opens a modal at once, a DM gets a button that opens it, type-ahead comes from an
options load, errors show inline in the modal, and a good submission is saved and answered in the DM."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Evidence, OutgoingMessage
from tests.slack.slack_support import dm_of
from tests.support import add_competence, add_person

STAFF, MANAGER = "U0STAFF", "U0MANAGER"


async def _people(slack) -> None:
    services = slack.bot.services
    await add_person(services, "sam.patel@northvale.example", "Sam Patel", role="watch_manager")
    await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs", manager="sam.patel@northvale.example")
    await add_competence(services, "BA1", "Breathing apparatus wearer", risk_critical=True, months=12)
    await add_competence(services, "FA2", "First aid at work")
    slack.fake.users |= {STAFF: "jo.bloggs@northvale.example", MANAGER: "sam.patel@northvale.example"}


def _inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


async def test_slash_evidence_opens_the_modal_straight_away(slack):
    await _people(slack)
    await slack.command(STAFF, "evidence")
    opened = slack.fake.of("views.open")
    assert len(opened) == 1 and slack.posted() == []
    view = opened[0]["view"]
    assert view["callback_id"] == "evidence.new" and view["type"] == "modal"
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    inputs = _inputs(view)
    assert list(inputs) == ["competence", "kind", "date", "description", "links"]
    assert inputs["competence"]["element"]["type"] == "external_select"
    assert inputs["kind"]["element"]["type"] == "static_select"
    assert inputs["date"]["element"]["type"] == "datepicker"
    assert inputs["description"]["element"] == {
        "type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000}
    assert inputs["links"]["optional"] is True and inputs["description"]["optional"] is False
    assert json.loads(view["private_metadata"])["c"] == dm_of(STAFF)


async def test_a_dm_gets_a_button_that_opens_the_form(slack):
    await _people(slack)
    await slack.dm(STAFF, "log evidence")
    assert slack.fake.count("views.open") == 0
    message = slack.last_posted(dm_of(STAFF))
    await slack.click(STAFF, message, "slack.open_form")
    opened = slack.fake.of("views.open")
    assert len(opened) == 1 and opened[0]["view"]["callback_id"] == "evidence.new"


async def test_type_ahead_options_come_from_the_core(slack):
    await _people(slack)
    await slack.command(STAFF, "evidence")
    view = slack.fake.of("views.open")[0]["view"]
    response = await slack.suggest(STAFF, view, "competence", "breathing")
    assert response.status == 200
    options = (await response.json())["options"]
    assert [o["value"] for o in options] == ["BA1"]
    assert "Breathing apparatus" in options[0]["text"]["text"]


async def test_errors_show_inline_in_the_modal_and_nothing_is_saved(slack):
    await _people(slack)
    await slack.command(STAFF, "evidence")
    view = slack.fake.of("views.open")[0]["view"]
    response = await slack.submit(STAFF, view, {
        "competence": "BA1", "kind": "observed", "date": "2027-01-05", "description": "  ", "links": "not a link"})
    body = await response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"date", "description", "links"}
    assert all(isinstance(v, str) and v for v in body["errors"].values())
    assert slack.posted() == []  # the modal shows the errors; nothing in the DM
    async with slack.bot.services.sessions() as db:
        assert list(await db.scalars(select(Evidence))) == []


async def test_a_good_submission_is_saved_answered_and_refreshes_home(slack):
    await _people(slack)
    await slack.command(STAFF, "evidence")
    view = slack.fake.of("views.open")[0]["view"]
    response = await slack.submit(STAFF, view, {
        "competence": "BA1", "kind": "observed", "date": "2026-11-10",
        "description": "Wore BA at a training fire in the smoke house", "links": None})
    assert response.status == 200 and await response.text() == ""  # the modal closes
    [review] = slack.posted(dm_of(STAFF))
    assert "Please check this before I save it" in review["text"] and "10 November 2026" in review["text"]
    async with slack.bot.services.sessions() as db:
        assert list(await db.scalars(select(Evidence))) == []  # nothing until Save
    await slack.click(STAFF, review, "evidence.save")
    async with slack.bot.services.sessions() as db:
        evidence = (await db.scalars(select(Evidence))).one()
        queued = (await db.scalars(select(OutgoingMessage))).one()
    assert evidence.status == "submitted" and evidence.activity_date.isoformat() == "2026-11-10"
    assert queued.kind == "verify_request"
    [saved] = slack.fake.of("chat.update")  # the review becomes the answer: its buttons cannot be used again
    assert f"#{evidence.id}" in saved["text"] and "Saved as evidence" in saved["text"]
    published = slack.fake.of("views.publish")
    assert [p["user_id"] for p in published] == [STAFF]
