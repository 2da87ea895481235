"""The whole journey in Slack, end to end over signed HTTP and a fake Web API: a member of staff logs
evidence in a modal, the line manager is messaged (via the outbox), verifies it with a button, and the
member of staff is told. Also: a double click decides once, and typed mrkdwn never reaches Slack live."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.slack.platform import PLATFORM
from storage.models import Evidence, OutgoingMessage
from tests.slack.slack_support import dm_of
from tests.support import add_competence, add_person, deliver

STAFF, MANAGER = "U0STAFF", "U0MANAGER"
SNEAKY = "Led the BA team <!channel> see <https://evil.example|the guidance> & <@U0BOSS>"


async def _people(slack) -> None:
    services = slack.bot.services
    await add_person(services, "sam.patel@northvale.example", "Sam Patel", role="watch_manager")
    await add_person(services, "jo.bloggs@northvale.example", "Jo Bloggs", manager="sam.patel@northvale.example")
    await add_competence(services, "BA1", "Breathing apparatus wearer", risk_critical=True, months=12)
    slack.fake.users |= {STAFF: "jo.bloggs@northvale.example", MANAGER: "sam.patel@northvale.example"}


async def _log_evidence(slack, description: str = SNEAKY) -> int:
    await slack.command(STAFF, "evidence")
    view = slack.fake.of("views.open")[-1]["view"]
    response = await slack.submit(STAFF, view, {
        "competence": "BA1", "kind": "real_incident", "date": "2026-11-12", "description": description,
        "links": None})
    assert response.status == 200 and await response.text() == ""
    review = slack.last_posted(dm_of(STAFF))
    assert "Please check this before I save it" in review["text"]
    await slack.click(STAFF, review, "evidence.save")
    async with slack.bot.services.sessions() as db:
        return (await db.scalars(select(Evidence.id).order_by(Evidence.id.desc()))).first()


async def _deliver(slack) -> None:
    report = await deliver(slack.bot.services, [PLATFORM.deliverer(slack.bot.services)])
    assert report.retrying == [] and report.parked == [] and report.unreachable == []


async def test_staff_logs_evidence_manager_verifies_staff_is_told(slack):
    await _people(slack)
    # The manager has talked to the bot before, so Slack knows who they are.
    await slack.dm(MANAGER, "help")
    evidence_id = await _log_evidence(slack)

    # The outbox delivers the verification request to the manager's DM, with three decision buttons.
    await _deliver(slack)
    request = slack.last_posted(dm_of(MANAGER))
    assert f"#{evidence_id}" in request["text"] and "Jo Bloggs" in request["text"]
    buttons = [e for b in request["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons] == [
        f"{evidence_id}:competent", f"{evidence_id}:not_yet_competent", f"{evidence_id}:insufficient_evidence"]
    assert len({b["action_id"] for b in buttons}) == 3  # Slack refuses repeated action ids in one message

    # What the member of staff typed is shown, but as text: no @channel, no disguised link, no mention.
    assert "&lt;!channel&gt;" in request["text"] and "<!channel>" not in request["text"]
    everything_sent = json.dumps([c.body for c in slack.fake.calls])
    for live in ("<!channel>", "<https://evil.example", "<@U0BOSS>"):
        assert live not in everything_sent

    # The manager clicks "competent": a feedback modal opens, they submit it.
    await slack.click(MANAGER, request, "evidence.decide", f"{evidence_id}:competent")
    feedback_view = slack.fake.of("views.open")[-1]["view"]
    assert feedback_view["callback_id"] == "evidence.feedback"
    metadata = json.loads(feedback_view["private_metadata"])
    assert metadata["c"] == dm_of(MANAGER) and metadata["ts"] == request["ts"]
    await slack.submit(MANAGER, feedback_view, {"feedback": "Calm and methodical entry & search."})

    # The feedback, which Jo will read, is shown back first; nothing is decided until it is sent.
    confirm = slack.last_posted(dm_of(MANAGER))
    assert "Jo Bloggs will read this feedback" in confirm["text"] and "entry &amp; search" in confirm["text"]
    before = slack.fake.count("chat.update")
    await slack.click(MANAGER, confirm, "verification.send")

    # The confirmation is replaced by the decision, with no buttons left to click.
    updates = slack.fake.of("chat.update")[before:]
    assert len(updates) == 1
    assert updates[0]["ts"] == confirm["ts"] and updates[0]["channel"] == dm_of(MANAGER)
    assert "Marked competent by Sam Patel" in updates[0]["text"]
    assert all(b["type"] == "section" for b in updates[0]["blocks"])

    # The member of staff is told, in their DM, by the outbox.
    await _deliver(slack)
    told = slack.last_posted(dm_of(STAFF))
    assert "Sam Patel" in told["text"] and "competent" in told["text"] and f"#{evidence_id}" in told["text"]
    assert "entry &amp; search" in told["text"]
    async with slack.bot.services.sessions() as db:
        evidence = await db.get(Evidence, evidence_id)
    assert evidence.status == "competent" and evidence.valid_until.isoformat() == "2027-11-12"

    # Their App Home now shows the competence in date.
    await slack.event({"type": "app_home_opened", "user": STAFF, "channel": dm_of(STAFF), "tab": "home",
                       "event_ts": "9.1"})
    home = slack.fake.of("views.publish")[-1]
    assert home["user_id"] == STAFF
    home_text = "\n".join(b["text"]["text"] for b in home["view"]["blocks"] if b["type"] == "section")
    assert "BA1 Breathing apparatus wearer" in home_text and "in date until 12 November 2027" in home_text


async def test_a_double_click_on_a_verify_button_decides_once(slack):
    await _people(slack)
    await slack.dm(MANAGER, "help")
    evidence_id = await _log_evidence(slack, "Casualty care at a road traffic collision")
    await _deliver(slack)
    request = slack.last_posted(dm_of(MANAGER))

    saved_updates = slack.fake.count("chat.update")  # the review became "Saved as evidence"
    # Two quick clicks open two modals before either is submitted.
    await slack.click(MANAGER, request, "evidence.decide", f"{evidence_id}:competent", settle=False)
    await slack.click(MANAGER, request, "evidence.decide", f"{evidence_id}:not_yet_competent")
    first, second = [o["view"] for o in slack.fake.of("views.open")[-2:]]
    await slack.submit(MANAGER, first, {"feedback": ""})
    await slack.submit(MANAGER, second, {"feedback": "Please add the casualty handover."})

    async with slack.bot.services.sessions() as db:
        evidence = await db.get(Evidence, evidence_id)
        decisions = list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.kind == "decision")))
    assert evidence.status == "competent"
    assert len(decisions) == 1
    updates = [u["text"] for u in slack.fake.of("chat.update")][saved_updates:]
    assert len(updates) == 2
    assert "Marked competent" in updates[0] and "already decided" in updates[1]

    # A click on the old message later changes nothing and opens no modal.
    modals = slack.fake.count("views.open")
    await slack.click(MANAGER, request, "evidence.decide", f"{evidence_id}:insufficient_evidence")
    assert slack.fake.count("views.open") == modals
    assert "already decided" in slack.fake.of("chat.update")[-1]["text"]
    async with slack.bot.services.sessions() as db:
        assert (await db.get(Evidence, evidence_id)).status == "competent"


async def test_a_form_that_could_not_open_offers_a_button_that_opens_it(slack):
    """views.open refuses an expired trigger (over 3 s): the manager gets a button that repeats the click."""
    await _people(slack)
    await slack.dm(MANAGER, "help")
    evidence_id = await _log_evidence(slack, "Casualty care")
    await _deliver(slack)
    request = slack.last_posted(dm_of(MANAGER))
    slack.fake.refuse("views.open", "expired_trigger_id")
    await slack.click(MANAGER, request, "evidence.decide", f"{evidence_id}:competent")
    fallback = slack.last_posted(dm_of(MANAGER))
    assert fallback is not request and "Marking Jo Bloggs" in fallback["text"]
    await slack.click(MANAGER, fallback, "evidence.decide", f"{evidence_id}:competent")
    opened = slack.fake.of("views.open")
    assert opened[-1]["view"]["callback_id"] == "evidence.feedback"
    assert slack.fake.count("views.open") == 3  # the evidence form, the refused one, the reopened one
