"""The whole journey in Teams: evidence through a card form, the line manager's card from the outbox, the
decision and feedback, the staff member told once, and a double submit that changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.teams.cards import ACTION_KEY, FORM_KEY
from bot.teams.platform import PLATFORM
from storage.models import AuditEvent, Evidence
from tests.support import add_competence, add_person, deliver
from tests.teams.conftest import TeamsUser


async def test_log_verify_and_tell(services, running, connector):
    await add_person(services, "sam.patel@northvale-fire.example", "Sam Patel", role="watch_manager")
    await add_person(services, "alex.morgan@northvale-fire.example", "Alex Morgan",
                     manager="sam.patel@northvale-fire.example")
    await add_competence(services, "FFDR8", "Drive an emergency response vehicle", risk_critical=True, months=24)
    alex = TeamsUser(running, connector, "Alex Morgan", "alex.morgan@northvale-fire.example", "aad-alex")
    sam = TeamsUser(running, connector, "Sam Patel", "sam.patel@northvale-fire.example", "aad-sam")
    deliverers = [PLATFORM.deliverer(running.bot.services)]
    await sam.install()  # Sam added the app earlier: the bot may message Sam first

    # Alex logs evidence through the card form.
    [form_card] = await alex.say("log evidence")
    form = form_card.submit_data("Submit for verification")
    assert form[FORM_KEY] == "evidence.new"
    [review] = await alex.submit({**form, "competence": "FFDR8", "kind": "real_incident", "date": "2026-11-16",
                                  "description": "Drove the pump to a kitchen fire on blue lights."}, card=form_card)
    assert review.method == "PUT" and "Please check this before I save it" in review.text
    [saved] = await alex.submit(review.submit_data("Save and send"), card=review)
    assert saved.method == "PUT" and "Saved as evidence" in saved.text
    async with services.sessions() as db:
        evidence_id = await db.scalar(select(Evidence.id))

    # The outbox sender reaches Sam with a card.
    report = await deliver(running.bot.services, deliverers)
    assert len(report.delivered) == 1
    [request] = connector.posts(sam.conversation)[-1:]
    assert "Alex Morgan has submitted evidence" in request.text and "FFDR8" in request.text
    competent = request.submit_data("Competent")
    assert competent == {ACTION_KEY: "evidence.decide", "value": f"{evidence_id}:competent"}

    # Sam clicks Competent: the request card becomes the feedback form, in place.
    [feedback_card] = await sam.submit(competent, card=request)
    assert feedback_card.method == "PUT" and feedback_card.activity_id == request.assigned_id
    assert "Competent" not in [a["title"] for a in feedback_card.card["actions"]]
    assert list(feedback_card.inputs()) == ["feedback"]
    feedback = feedback_card.submit_data("Mark competent")
    assert feedback[FORM_KEY] == "evidence.feedback"

    [confirm] = await sam.submit({**feedback, "feedback": "Safe, well-planned drive."}, card=feedback_card)
    assert confirm.method == "PUT" and "Alex Morgan will read this feedback" in confirm.text
    [done] = await sam.submit(confirm.submit_data("Send decision"), card=confirm)
    assert done.method == "PUT" and done.activity_id == request.assigned_id
    assert "Marked competent by Sam Patel" in done.text
    assert "actions" not in done.card

    # The same submit again (a double click that got through): verified once, nothing changes.
    [again] = await sam.submit({**feedback, "feedback": "Changed my mind?"}, card=feedback_card)
    assert "already decided" in again.text and "Nothing was changed" in again.text
    async with services.sessions() as db:
        evidence = await db.get(Evidence, evidence_id)
        decisions = await db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "decided")
        )
    assert evidence.status == "competent" and evidence.feedback == "Safe, well-planned drive."
    assert decisions == 1

    # Alex is told, once.
    before = len(connector.posts(alex.conversation))
    report = await deliver(running.bot.services, deliverers)
    assert len(report.delivered) == 1
    [told] = connector.posts(alex.conversation)[before:]
    assert "Good news: Sam Patel marked your evidence" in told.text and "Safe, well-planned drive." in told.text
    assert (await deliver(running.bot.services, deliverers)).delivered == []
    assert len(connector.posts(alex.conversation)) == before + 1
