"""Policy questions: free text (or "ask ...") answered from the service's own documents, with citations.

Also the loop that closes gaps: helpful / not helpful feedback, "Ask the L&D team" hand-offs that the team
answers through the bot ("reply 12: ..."), and saving such an answer as a standard answer for next time.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.router import action, command, fallback
from bot.turn import Turn
from bot.types import Button
from storage.models import Person
from storage.policy.answer import Answer, answer_question, question_signature
from storage.policy.models import PolicyFeedback, PolicyHandoff, PolicyQuestion, PolicyStandardAnswer

_REPLY = re.compile(r"^#?\s*(\d+)\s*[:.,\-–]?\s*(.*)$", re.S)


@command("ask", "policy", "question", summary="policy.summary")
async def ask(turn: Turn) -> None:
    await answer(turn, turn.args)


@fallback
async def free_text(turn: Turn) -> None:
    """Text no command claims is treated as a policy question."""
    await answer(turn, turn.args)


async def answer(turn: Turn, question: str) -> None:
    if not question.strip():
        turn.say("policy.ask_usage")
        return
    result = await answer_question(
        turn.db, question, today=turn.today(), now=turn.now(), person_id=turn.person.id,
        channel=turn.incoming.platform,
    )
    if result.vague:
        turn.say("core.unknown_command")  # the core's own "didn't understand" (free text reaches us first)
        return
    if result.standard is not None:
        turn.say("policy.standard_answer", buttons=_feedback_buttons(turn, result), **answer_context(result))
    elif result.confident:
        turn.say("policy.answer", buttons=_feedback_buttons(turn, result), **answer_context(result))
    else:
        manager = await _manager_name(turn)
        turn.say(
            "policy.no_answer",
            buttons=(Button(turn.text("policy.button_ask_ld"), f"policy.handoff:{result.question_id}"),),
            manager=manager or "",
        )


def answer_context(result: Answer) -> dict:
    """What the answer templates receive (also used by `ldbot ask`)."""
    return {
        "question": result.question,
        "quote": result.quote,
        "citation": result.best.as_context() if result.best else None,
        "see_also": [c.as_context() for c in result.see_also],
        "standard": (
            {"answer": result.standard.text, "author": result.standard.author,
             "date": result.standard.created.isoformat()}
            if result.standard else None
        ),
    }


def _feedback_buttons(turn: Turn, result: Answer) -> tuple[Button, ...]:
    qid = result.question_id
    return (
        Button(turn.text("policy.button_helpful"), f"policy.feedback:{qid}:yes"),
        Button(turn.text("policy.button_not_helpful"), f"policy.feedback:{qid}:no"),
    )


async def _manager_name(turn: Turn) -> str | None:
    if turn.person.line_manager_id is None:
        return None
    manager = await turn.db.get(Person, turn.person.line_manager_id)
    return manager.name if manager is not None and manager.active else None


def _action_parts(turn: Turn) -> list[str]:
    assert turn.incoming.action is not None
    return turn.incoming.action.action_id.split(":")[1:]


async def _own_question(turn: Turn, raw_id: str) -> PolicyQuestion | None:
    if not raw_id.isdigit():
        return None
    question = await turn.db.get(PolicyQuestion, int(raw_id))
    if question is None or question.person_id != turn.person.id:
        return None
    return question


@action("policy.feedback")
async def feedback(turn: Turn) -> None:
    parts = _action_parts(turn)
    question = await _own_question(turn, parts[0]) if len(parts) == 2 and parts[1] in ("yes", "no") else None
    if question is None:
        turn.say("core.stale_action")
        return
    if await turn.db.scalar(select(PolicyFeedback.id).where(PolicyFeedback.question_id == question.id)):
        turn.say("policy.feedback_already")
        return
    helpful = parts[1] == "yes"
    turn.db.add(
        PolicyFeedback(
            question_id=question.id, person_id=turn.person.id, helpful=helpful, section_id=question.section_id,
            cited=question.cited, standard_answer_id=question.standard_answer_id, at=turn.now(),
        )
    )
    await turn.db.flush()
    if helpful:
        turn.say("policy.feedback_thanks")
    else:
        turn.say(
            "policy.feedback_sorry",
            buttons=(Button(turn.text("policy.button_ask_ld"), f"policy.handoff:{question.id}"),),
        )


async def ld_team(turn: Turn) -> list[Person]:
    """People with the "ld" role; admins stand in when there is no L&D team yet."""
    for role in ("ld", "admin"):
        people = list(await turn.db.scalars(select(Person).where(Person.role == role, Person.active.is_(True))))
        if people:
            return people
    return []


@action("policy.handoff")
async def hand_off(turn: Turn) -> None:
    parts = _action_parts(turn)
    question = await _own_question(turn, parts[0]) if parts else None
    if question is None:
        turn.say("core.stale_action")
        return
    existing = await turn.db.scalar(select(PolicyHandoff).where(PolicyHandoff.question_id == question.id))
    if existing is not None:
        turn.say("policy.handoff_already", number=existing.id)
        return
    team = await ld_team(turn)
    if not team:
        turn.say("policy.handoff_no_team")
        return
    handoff = PolicyHandoff(question_id=question.id, asker_id=turn.person.id, created_at=turn.now())
    turn.db.add(handoff)
    await turn.db.flush()
    context = {"number": handoff.id, "asker": turn.person.name, "question": question.text, "cited": question.cited or ""}
    for member in team:
        await turn.notify(member.id, "policy.handoff_notice", context, kind="policy_handoff",
                          dedupe_key=f"policy.handoff:{handoff.id}:{member.id}")
    await turn.audit("policy_handoff", handoff.id, "create", question=question.id, team=len(team))
    turn.say("policy.handoff_sent", number=handoff.id)


@command("reply", summary="policy.summary_reply", audience="ld")
async def reply(turn: Turn) -> None:
    """An L&D team member answers a handed-over question: "reply 12: your answer"."""
    if not turn.person.is_ld:
        turn.say("policy.reply_not_allowed")
        return
    m = _REPLY.match(turn.args.strip())
    if m is None or not m.group(2).strip():
        turn.say("policy.reply_usage")
        return
    handoff = await turn.db.get(PolicyHandoff, int(m.group(1)))
    if handoff is None:
        turn.say("policy.reply_not_found", number=m.group(1))
        return
    question = await turn.db.get(PolicyQuestion, handoff.question_id)
    asker = await turn.db.get(Person, handoff.asker_id)
    text = m.group(2).strip()
    handoff.answer, handoff.answered_by_id, handoff.answered_at, handoff.status = (
        text, turn.person.id, turn.now(), "answered",
    )
    await turn.notify(
        handoff.asker_id,
        "policy.handoff_answer",
        {"question": question.text if question else "", "answer": text, "author": turn.person.name,
         "date": turn.today().isoformat()},
        kind="policy_answer",
    )
    await turn.audit("policy_handoff", handoff.id, "answer")
    turn.say(
        "policy.reply_sent",
        number=handoff.id,
        asker=asker.name if asker else "",
        buttons=(Button(turn.text("policy.button_save_standard"), f"policy.save_standard:{handoff.id}"),),
    )


@action("policy.save_standard")
async def save_standard(turn: Turn) -> None:
    if not turn.person.is_ld:
        turn.say("policy.reply_not_allowed")
        return
    parts = _action_parts(turn)
    handoff = await turn.db.get(PolicyHandoff, int(parts[0])) if parts and parts[0].isdigit() else None
    if handoff is None or not handoff.answer:
        turn.say("core.stale_action")
        return
    if handoff.standard_answer_id is not None:
        turn.say("policy.standard_exists")
        return
    question = await turn.db.get(PolicyQuestion, handoff.question_id)
    author = await turn.db.get(Person, handoff.answered_by_id) if handoff.answered_by_id else None
    text = question.text if question else ""
    standard = PolicyStandardAnswer(
        question=text,
        concepts=await question_signature(turn.db, text),
        answer=handoff.answer,
        author_id=author.id if author else None,
        author_name=author.name if author else turn.person.name,
        created_at=turn.now(),
    )
    turn.db.add(standard)
    await turn.db.flush()
    handoff.standard_answer_id = standard.id
    await turn.audit("policy_standard_answer", standard.id, "create", handoff=handoff.id)
    turn.say("policy.standard_saved")
