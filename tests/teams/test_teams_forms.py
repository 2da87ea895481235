"""Forms as Adaptive Cards in a live Teams conversation: inputs, errors shown on the card, the card replaced."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.teams.cards import DEF_KEY, FORM_KEY
from bot.teams.platform import PLATFORM
from storage.models import Evidence, OutgoingMessage
from tests.support import add_competence, add_person, deliver
from tests.teams.conftest import TeamsUser


async def _alex(services, running, connector) -> TeamsUser:
    await add_person(services, "sam.patel@northvale-fire.example", "Sam Patel", role="watch_manager")
    await add_person(services, "alex.morgan@northvale-fire.example", "Alex Morgan",
                     manager="sam.patel@northvale-fire.example")
    await add_competence(services, "FFDR8", "Drive an emergency response vehicle", risk_critical=True, months=24)
    await add_competence(services, "FFBA1", "Wear breathing apparatus", risk_critical=True, months=12)
    return TeamsUser(running, connector, "Alex Morgan", "alex.morgan@northvale-fire.example", "aad-alex")


async def test_evidence_form_renders_as_an_adaptive_card(services, running, connector):
    alex = await _alex(services, running, connector)
    [reply] = await alex.say("evidence")

    card = reply.card
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert "Let's log some evidence." in reply.text and "Log competence evidence" in reply.text
    inputs = reply.inputs()
    assert list(inputs) == ["competence", "kind", "date", "description", "links"]
    competence = inputs["competence"]
    assert competence["type"] == "Input.ChoiceSet" and competence["style"] == "filtered"
    assert {c["value"] for c in competence["choices"]} == {"FFDR8", "FFBA1"}  # from the options source
    assert inputs["kind"]["type"] == "Input.ChoiceSet" and inputs["kind"]["style"] == "compact"
    assert {"title": "Real incident", "value": "real_incident"} in inputs["kind"]["choices"]
    assert inputs["date"]["type"] == "Input.Date"
    assert inputs["description"]["type"] == "Input.Text" and inputs["description"]["isMultiline"] is True
    assert inputs["description"]["maxLength"] == 3000
    assert inputs["description"]["isRequired"] is True and inputs["description"]["errorMessage"]
    assert "isRequired" not in inputs["links"]
    [submit] = card["actions"]
    assert submit["type"] == "Action.Submit" and submit["title"] == "Submit for verification"
    assert submit["data"][FORM_KEY] == "evidence.new"


async def test_invalid_form_is_shown_again_with_errors_and_nothing_is_saved(services, running, connector):
    alex = await _alex(services, running, connector)
    [form_card] = await alex.say("evidence")
    data = form_card.submit_data("Submit for verification")

    # The handler's validator: a date in the future. Teams sends only the inputs the user filled in.
    calls = await alex.submit({**data, "competence": "FFDR8", "kind": "real_incident", "date": "2027-01-05",
                               "description": "Drove to a kitchen fire."}, card=form_card)
    [update] = calls
    assert update.method == "PUT" and update.activity_id == form_card.assigned_id  # the same card, in place
    assert "in the future" in update.text and "nothing was saved" in update.text.lower()
    again = update.inputs()
    assert again["description"]["value"] == "Drove to a kitchen fire."  # what was typed is kept
    assert again["competence"]["value"] == "FFDR8"
    assert update.card["actions"][0]["data"][FORM_KEY] == "evidence.new"

    # Required fields are checked on the server too (a client may skip the card's own checks).
    [update2] = await alex.submit({**data, "competence": "FFDR8", "kind": "real_incident"}, card=form_card)
    assert update2.method == "PUT" and "I need an answer" in update2.text
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Evidence)) == 0


async def test_valid_form_replaces_the_card_and_queues_the_verification(services, running, connector):
    alex = await _alex(services, running, connector)
    [form_card] = await alex.say("evidence")
    data = form_card.submit_data("Submit for verification")
    assert DEF_KEY in data

    [review] = await alex.submit({**data, "competence": "FFDR8", "kind": "real_incident", "date": "2026-11-16",
                                  "description": "Drove to a kitchen fire.", "links": ""}, card=form_card)
    assert review.method == "PUT" and review.activity_id == form_card.assigned_id
    assert "Please check this" in review.text and "16 November 2026" in review.text
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Evidence)) == 0  # nothing until Save
    [update] = await alex.submit(review.submit_data("Save and send"), card=review)

    assert update.method == "PUT" and update.activity_id == form_card.assigned_id
    assert "Saved as evidence" in update.text and "Sam Patel" in update.text
    assert "actions" not in update.card  # the form is spent: it cannot be sent twice
    async with services.sessions() as db:
        evidence = await db.scalar(select(Evidence))
        queued = await db.scalar(select(OutgoingMessage))
    assert evidence.kind == "real_incident" and evidence.activity_date.isoformat() == "2026-11-16"
    assert queued.kind == "verify_request" and queued.status == "pending"


async def test_card_update_refused_falls_back_to_a_new_message(services, running, connector):
    alex = await _alex(services, running, connector)
    [form_card] = await alex.say("evidence")
    data = form_card.submit_data("Submit for verification")
    connector.throttle(404, retry_after=None)  # Teams will not update that message any more

    calls = await alex.submit({**data, "competence": "FFDR8", "kind": "observed", "date": "2026-11-16",
                               "description": "Observed at a road traffic collision."}, card=form_card)

    assert connector.refused == [(f"PUT /v3/conversations/{alex.conversation}/activities/{form_card.assigned_id}", 404)]
    [sent] = calls
    assert sent.method == "POST" and "Please check this" in sent.text


async def test_throttled_reply_is_retried_honouring_retry_after(services, running, connector):
    alex = await _alex(services, running, connector)
    connector.throttle(429, retry_after="0", times=2)
    calls = await alex.say("help")
    assert [status for _, status in connector.refused] == [429, 429]
    assert len(calls) == 1 and "Hi Alex" in calls[0].text


async def _held(services) -> list[OutgoingMessage]:
    async with services.sessions() as db:
        return list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.kind == "reply")))


async def test_reply_still_throttled_after_quick_retries_is_held_and_delivered_by_the_outbox(services, running, connector):
    alex = await _alex(services, running, connector)
    [form_card] = await alex.say("evidence")
    data = form_card.submit_data("Submit for verification")
    [review] = await alex.submit({**data, "competence": "FFDR8", "kind": "real_incident", "date": "2026-11-16",
                                  "description": "Drove to a kitchen fire."}, card=form_card)
    connector.throttle(429, retry_after="0", times=3)  # every quick retry of the card update is refused

    calls = await alex.submit(review.submit_data("Save and send"), card=review)

    assert calls == [] and [status for _, status in connector.refused] == [429, 429, 429]
    [held] = await _held(services)
    assert held.platform == "teams" and held.status == "pending"
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Evidence)) == 1  # the record was kept

    before = len(connector.calls)
    report = await deliver(running.bot.services, [PLATFORM.deliverer(running.bot.services)])
    assert held.id in report.delivered
    [sent] = [c for c in connector.calls[before:] if c.conversation_id == alex.conversation]
    assert sent.method == "POST"
    assert "Saved as evidence" in sent.text and "Sam Patel" in sent.text


async def test_held_form_keeps_its_type_ahead_choices(services, running, connector):
    alex = await _alex(services, running, connector)
    connector.throttle(503, retry_after="0", times=3)

    assert await alex.say("evidence") == []

    [held] = await _held(services)
    report = await deliver(running.bot.services, [PLATFORM.deliverer(running.bot.services)])
    assert report.delivered == [held.id]
    [sent] = connector.posts(alex.conversation)
    competence = sent.inputs()["competence"]
    assert competence["style"] == "filtered" and {c["value"] for c in competence["choices"]} == {"FFDR8", "FFBA1"}
    assert sent.card["actions"][0]["data"][FORM_KEY] == "evidence.new"


async def test_a_long_retry_after_is_left_to_the_outbox_not_waited_out_in_the_turn(services, running, connector):
    alex = await _alex(services, running, connector)
    connector.throttle(429, retry_after="30", times=1)

    assert await alex.say("help") == []

    assert [status for _, status in connector.refused] == [429]  # no second try inside the turn, by anyone
    [held] = await _held(services)
    async with services.sessions() as db:
        assert (await db.get(OutgoingMessage, held.id)).status == "pending"
    assert (await deliver(running.bot.services, [PLATFORM.deliverer(running.bot.services)])).delivered == [held.id]
    assert "Hi Alex" in connector.posts(alex.conversation)[-1].text
