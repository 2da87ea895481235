"""Managers and assessors deciding evidence: who may, what it records, and that it is decided only once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.app import make_bot
from scheduler.outbox import render_message
from storage.evidence_queries import change_if_submitted
from storage.models import AuditEvent, Evidence, OutgoingMessage
from tests.support import Chat, add_person
from tests.test_evidence import MANAGER, OTHER, STAFF, WATCH, all_evidence, outbox, person_id, setup_org

RUTH, ADMIN = "ruth@example.org", "ada@example.org"


async def submitted(
    services, *, competence: str = "FFBA1", when: str = "2026-11-16", email: str = STAFF
) -> int:
    """Evidence logged through the core, as a whole form (as from Slack)."""
    chat = Chat(make_bot(services), email, platform="slack", conversation=f"D-{email}")
    outcome = await chat.submit(
        "evidence.new",
        {
            "competence": competence,
            "kind": "observed",
            "date": when,
            "description": "Search drill in smoke.",
            "links": "",
        },
    )
    assert outcome.form_errors == {}
    assert "Saved as evidence" in await chat.click("evidence.save")
    return max(e.id for e in await all_evidence(services))


async def decided_messages(services) -> list[OutgoingMessage]:
    return [m for m in await outbox(services) if m.template == "evidence.decided"]


async def evidence(services, evidence_id: int) -> Evidence:
    return next(e for e in await all_evidence(services) if e.id == evidence_id)


# --- listing ---------------------------------------------------------------------------------------------------
async def test_manager_lists_their_reports_evidence_with_three_buttons(services):
    await setup_org(services)
    first = await submitted(services)
    second = await submitted(services, competence="FFCS9", email=OTHER)
    sam = Chat(make_bot(services), MANAGER)
    for word in ("verify", "pending", "to verify"):
        listing = await sam.send(word)
        assert "2 pieces of evidence waiting" in listing
        assert (
            "Alex Morgan has submitted evidence" in listing and "Jo Bloggs has submitted evidence" in listing
        )
        assert [(label, value) for label, _, value in sam.buttons()] == [
            ("Competent", f"{first}:competent"),
            ("Not yet competent", f"{first}:not_yet_competent"),
            ("Insufficient evidence", f"{first}:insufficient_evidence"),
            ("Competent", f"{second}:competent"),
            ("Not yet competent", f"{second}:not_yet_competent"),
            ("Insufficient evidence", f"{second}:insufficient_evidence"),
        ]


async def test_staff_and_other_managers_see_nothing_of_others(services):
    await setup_org(services)
    await add_person(services, "kim@example.org", "Kim Lee", role="crew_manager", manager=WATCH)
    await submitted(services)
    bot = make_bot(services)
    # a colleague, the owner, another crew manager, the manager's manager
    for email in (OTHER, STAFF, "kim@example.org", WATCH):
        reply = await Chat(bot, email).send("verify")
        assert "Nothing is waiting" in reply and "Search drill" not in reply


async def test_assessors_see_everyones_but_their_own_and_admins_decide_nothing(services):
    await setup_org(services)
    await add_person(services, RUTH, "Ruth Collins", role="assessor")
    await add_person(services, ADMIN, "Ada Khan", role="admin")
    await submitted(services)
    await submitted(services, email=RUTH)
    bot = make_bot(services)
    ruth = await Chat(bot, RUTH).send("verify")
    assert "1 piece of evidence" in ruth and "Alex Morgan" in ruth and "Ruth Collins has" not in ruth
    ada = await Chat(bot, ADMIN).send("pending")
    assert "Nothing is waiting" in ada and "Ruth Collins" not in ada  # admins administer; they do not verify


async def test_verify_n_shows_one_item_with_buttons(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER)
    reply = await sam.send(f"verify {evidence_id}")
    assert (
        f"evidence #{evidence_id}" in reply
        and "Search drill in smoke." in reply
        and "16 November 2026" in reply
    )
    assert len(sam.buttons()) == 3
    assert "can't find evidence #999" in await sam.send("verify 999")
    assert "can't find evidence #abc" in await sam.send("verify abc")


# --- deciding on the console: button, then feedback asked field by field ------------------------------------------
async def test_competent_on_risk_critical_sets_valid_until_and_tells_the_staff_member(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER)
    reply = await sam.click("evidence.decide", f"{evidence_id}:competent")
    assert "Marking Alex Morgan's evidence" in reply and "Any feedback?" in reply and "optional" in reply
    assert (await evidence(services, evidence_id)).status == "submitted"  # not until the feedback is in
    shown = await sam.send("Calm, controlled entry; good radio use.")
    assert "Alex Morgan will read this feedback" in shown and "Calm, controlled entry" in shown
    assert (await evidence(services, evidence_id)).status == "submitted"  # not until it is sent
    reply = await sam.click("verification.send")
    assert "Marked competent by Sam Patel ✓" in reply and "16 November 2027" in reply
    assert sam.last[-1].replace_original is True

    decided = await evidence(services, evidence_id)
    assert decided.status == "competent" and decided.decided_by_id == await person_id(services, MANAGER)
    assert decided.decided_at == datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    assert decided.feedback == "Calm, controlled entry; good radio use."
    assert decided.valid_until == date(2027, 11, 16)  # activity date + 12 months

    [message] = await decided_messages(services)
    assert (
        message.recipient_id == decided.person_id and message.dedupe_key == f"evidence:{evidence_id}:decided"
    )
    text = render_message(message, "console", services.catalogue).text
    assert "Sam Patel marked your evidence" in text and "competent" in text and "good radio use" in text
    async with services.sessions() as db:
        audit = await db.scalar(select(AuditEvent).where(AuditEvent.action == "decided"))
    assert audit.entity_id == evidence_id and audit.actor_id == decided.decided_by_id
    assert audit.detail["decision"] == "competent"


async def test_competent_feedback_is_optional_and_valid_until_follows_the_interval(services):
    await setup_org(services)
    evidence_id = await submitted(services, competence="FFRT3", when="2024-02-29")
    sam = Chat(make_bot(services), MANAGER)
    await sam.click("evidence.decide", f"{evidence_id}:competent")
    assert "Marked competent" in await sam.send("skip")
    decided = await evidence(services, evidence_id)
    assert decided.feedback is None and decided.valid_until == date(2026, 2, 28)  # 24 months, no 29 February


async def test_not_risk_critical_has_no_valid_until(services):
    await setup_org(services)
    evidence_id = await submitted(services, competence="FFCS9")
    sam = Chat(make_bot(services), MANAGER)
    await sam.click("evidence.decide", f"{evidence_id}:competent")
    await sam.send("skip")
    decided = await evidence(services, evidence_id)
    assert decided.status == "competent" and decided.valid_until is None


async def test_not_yet_competent_needs_feedback(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER)
    reply = await sam.click("evidence.decide", f"{evidence_id}:not_yet_competent")
    assert "What's missing" in reply
    assert "What's missing" in await sam.send("skip")  # asked again
    assert (await evidence(services, evidence_id)).status == "submitted"
    await sam.send("Needs a full wear under observation.")
    assert "Marked not yet competent by Sam Patel" in await sam.send("send")  # typed, not clicked
    decided = await evidence(services, evidence_id)
    assert decided.status == "not_yet_competent" and decided.valid_until is None
    assert decided.feedback == "Needs a full wear under observation."
    [message] = await decided_messages(services)
    assert message.context["decision"] == "not_yet_competent"


async def test_cancelling_the_feedback_decides_nothing(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER)
    await sam.click("evidence.decide", f"{evidence_id}:insufficient_evidence")
    assert "Nothing was saved" in await sam.send("cancel")
    assert (await evidence(services, evidence_id)).status == "submitted"
    assert await decided_messages(services) == []


# --- Slack: the feedback form arrives whole ------------------------------------------------------------------------
async def test_slack_feedback_form_errors_inline(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER, platform="slack", conversation="D-sam")
    await sam.click("evidence.decide", f"{evidence_id}:insufficient_evidence")
    [form] = [r.form for r in sam.last if r.form]
    assert form.form_id == "evidence.feedback" and form.context == f"{evidence_id}:insufficient_evidence"
    assert [f.name for f in form.fields] == ["feedback"] and form.fields[0].required
    outcome = await sam.submit("evidence.feedback", {"feedback": "  "}, context=form.context)
    assert "feedback" in outcome.form_errors
    assert (await evidence(services, evidence_id)).status == "submitted"
    outcome = await sam.submit("evidence.feedback", {"feedback": "x" * 2001}, context=form.context)
    assert "feedback" in outcome.form_errors
    outcome = await sam.submit(
        "evidence.feedback", {"feedback": "Please add the incident log."}, context=form.context
    )
    assert outcome.form_errors == {} and "will read this feedback" in outcome.replies[-1].text
    assert (await evidence(services, evidence_id)).status == "submitted"
    sent = await sam.click("verification.send")
    assert "Marked insufficient evidence by Sam Patel" in sent and sam.last[-1].replace_original
    assert (await evidence(services, evidence_id)).status == "insufficient_evidence"


async def test_a_competent_form_has_optional_feedback(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    sam = Chat(make_bot(services), MANAGER, platform="slack", conversation="D-sam")
    await sam.click("evidence.decide", f"{evidence_id}:competent")
    [form] = [r.form for r in sam.last if r.form]
    assert form.fields[0].required is False


# --- permissions ------------------------------------------------------------------------------------------------
async def test_only_the_line_manager_or_an_assessor_may_decide(services):
    await setup_org(services)
    await add_person(services, RUTH, "Ruth Collins", role="assessor")
    await add_person(services, ADMIN, "Ada Khan", role="admin")
    evidence_id = await submitted(services)
    bot = make_bot(services)
    for email in (OTHER, STAFF, WATCH, ADMIN):  # a colleague, the owner, the manager's manager, an admin
        chat = Chat(bot, email)
        assert f"can't find evidence #{evidence_id}" in await chat.click(
            "evidence.decide", f"{evidence_id}:competent"
        )
        assert f"can't find evidence #{evidence_id}" in await chat.send(f"verify {evidence_id}")
        assert chat.buttons() == []
    assert (await evidence(services, evidence_id)).status == "submitted"
    ruth = Chat(bot, RUTH)
    await ruth.click("evidence.decide", f"{evidence_id}:insufficient_evidence")
    await ruth.send("Add the BA log entry.")
    assert "Marked insufficient evidence by Ruth Collins" in await ruth.click("verification.send")

    second = await submitted(services)
    sam = Chat(bot, MANAGER)
    await sam.click("evidence.decide", f"{second}:competent")
    assert "Marked competent by" in await sam.send("skip")


async def test_a_forged_feedback_form_changes_nothing(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    jo = Chat(make_bot(services), OTHER, platform="slack", conversation="D-jo")
    outcome = await jo.submit("evidence.feedback", {"feedback": "ok"}, context=f"{evidence_id}:competent")
    assert f"can't find evidence #{evidence_id}" in outcome.replies[-1].text
    assert "Marked" not in await jo.click("verification.send")  # nothing was held for them to send
    alex = Chat(make_bot(services), STAFF, platform="slack", conversation="D-alex")
    outcome = await alex.submit("evidence.feedback", {"feedback": ""}, context=f"{evidence_id}:competent")
    assert f"can't find evidence #{evidence_id}" in outcome.replies[-1].text
    outcome = await alex.submit("evidence.feedback", {"feedback": "ok"}, context=f"{evidence_id}:promoted")
    assert (await evidence(services, evidence_id)).status == "submitted"
    assert await decided_messages(services) == []


async def test_an_assessor_cannot_decide_their_own_evidence(services):
    await setup_org(services)
    await add_person(services, RUTH, "Ruth Collins", role="assessor")
    evidence_id = await submitted(services, email=RUTH)
    ruth = Chat(make_bot(services), RUTH)
    assert "can't find evidence" in await ruth.click("evidence.decide", f"{evidence_id}:competent")


async def test_a_broken_button_value_is_stale(services):
    await setup_org(services)
    sam = Chat(make_bot(services), MANAGER)
    for value in ("", "abc", "12", "12:promoted"):
        reply = await sam.click("evidence.decide", value)
        assert reply and "Marked" not in reply
    assert await decided_messages(services) == []


# --- deciding once ------------------------------------------------------------------------------------------------
async def test_a_second_decision_says_who_decided_and_changes_nothing(services):
    await setup_org(services)
    await add_person(services, RUTH, "Ruth Collins", role="assessor")
    evidence_id = await submitted(services)
    bot = make_bot(services)
    sam = Chat(bot, MANAGER, platform="slack", conversation="D-sam")
    ruth = Chat(bot, RUTH, platform="slack", conversation="D-ruth")
    await ruth.click("evidence.decide", f"{evidence_id}:not_yet_competent")  # Ruth opens the form first ...
    await sam.click("evidence.decide", f"{evidence_id}:competent")
    await sam.submit("evidence.feedback", {"feedback": ""}, context=f"{evidence_id}:competent")
    # ... but submits it after Sam has decided
    outcome = await ruth.submit(
        "evidence.feedback", {"feedback": "Not yet."}, context=f"{evidence_id}:not_yet_competent"
    )
    assert "already decided by Sam Patel on 17 November 2026" in outcome.replies[-1].text
    assert outcome.replies[-1].replace_original
    # an old message's button, clicked again
    again = await sam.click("evidence.decide", f"{evidence_id}:insufficient_evidence")
    assert (
        "already decided by Sam Patel" in again
        and sam.last[-1].replace_original
        and sam.last[-1].form is None
    )
    decided = await evidence(services, evidence_id)
    assert decided.status == "competent" and decided.feedback is None
    assert len(await decided_messages(services)) == 1


async def test_two_decisions_at_once_decide_once(services):
    await setup_org(services)
    await add_person(services, RUTH, "Ruth Collins", role="assessor")
    evidence_id = await submitted(services)
    bot = make_bot(services)
    sam = Chat(bot, MANAGER, platform="slack", conversation="D-sam")
    ruth = Chat(bot, RUTH, platform="slack", conversation="D-ruth")
    await ruth.submit("evidence.feedback", {"feedback": "No log."}, context=f"{evidence_id}:insufficient_evidence")
    results = await asyncio.gather(
        sam.submit("evidence.feedback", {"feedback": ""}, context=f"{evidence_id}:competent"),
        ruth.click("verification.send"),
    )
    texts = [results[0].replies[-1].text, results[1]]
    assert sum("already decided" in t for t in texts) == 1 and sum("Marked" in t for t in texts) == 1
    assert len(await decided_messages(services)) == 1
    winner = await evidence(services, evidence_id)
    assert winner.status in ("competent", "insufficient_evidence")


async def test_the_conditional_update_refuses_a_stale_read(services):
    """A decision based on an old read (another process decided in between) does not overwrite."""
    await setup_org(services)
    evidence_id = await submitted(services)
    async with services.sessions() as stale:
        seen = await stale.get(Evidence, evidence_id)
        assert seen.status == "submitted"
        async with services.sessions() as other:
            assert await change_if_submitted(other, evidence_id, status="competent")
            await other.commit()
        await stale.rollback()
        assert not await change_if_submitted(stale, evidence_id, status="not_yet_competent")
        await stale.commit()
    assert (await evidence(services, evidence_id)).status == "competent"


async def test_withdrawn_evidence_cannot_be_decided(services):
    await setup_org(services)
    evidence_id = await submitted(services)
    bot = make_bot(services)
    sam = Chat(bot, MANAGER)
    # the manager opens the feedback question ...
    await sam.click("evidence.decide", f"{evidence_id}:competent")
    assert "Withdraw evidence" in await Chat(bot, STAFF).send(f"withdraw evidence {evidence_id}")
    assert "is withdrawn" in await Chat(bot, STAFF).click("evidence.withdraw", str(evidence_id))
    reply = await sam.send("Good.")  # ... and answers after the withdrawal
    assert "was withdrawn" in reply and "Nothing was changed" in reply
    assert (await evidence(services, evidence_id)).status == "withdrawn"
    assert await decided_messages(services) == []
    assert "Nothing is waiting" in await sam.send("verify")
