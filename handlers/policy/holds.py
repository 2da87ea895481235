"""What the policy unit holds about a person: the questions they asked (and handed to L&D), their feedback
on answers, and — for the L&D team — answers, standard answers, documents and synonyms they added.

Questions go on erasure. What an L&D member wrote as the service (an answer, a standard answer, a synonym,
an imported document) stays for everyone else, without their name; a standard answer made from someone's
question keeps the answer and loses the question's words.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, select

from bot.personal_data import AuditTrail, Erase, Holding, Holdings, Link, Subject
from storage.policy.models import PolicyHandoff


def standard_answers_from(table: Table, subject: Subject) -> ColumnElement[bool]:
    """Standard answers the L&D team made from a question this person handed to them."""
    return table.c.id.in_(
        select(PolicyHandoff.standard_answer_id).where(
            PolicyHandoff.asker_id == subject.id, PolicyHandoff.standard_answer_id.is_not(None)
        )
    )


HOLDS = Holdings(
    owner="policy",
    tables=(
        Holding(
            "policy_questions", "Policy questions you asked",
            links=(Link("asked by you", Erase.DELETE, column="person_id",
                        columns=("id", "asked_at", "text", "channel", "answered", "confident", "off_topic", "cited")),),
        ),
        Holding(
            "policy_feedback", "Your feedback on answers",
            links=(Link("given by you", Erase.DETACH, column="person_id", columns=("question_id", "helpful", "cited", "at")),),
        ),
        Holding(
            "policy_handoffs", "Questions handed to the L&D team",
            links=(
                Link("asked by you", Erase.DELETE, column="asker_id",
                     columns=("id", "question_id", "status", "created_at", "answer", "answered_at")),
                Link("answered by you", Erase.DETACH, column="answered_by_id", columns=("id", "answer", "answered_at")),
            ),
            scrub=("answer",),
            audit=(AuditTrail("policy_handoff"),),
        ),
        Holding(
            "policy_standard_answers", "Standard answers",
            links=(
                Link("written by you", Erase.DETACH, column="author_id", columns=("id", "answer", "created_at"),
                     set={"author_name": "a former member of staff"}),
                Link("made from a question you asked", Erase.DETACH, where="handlers.policy.holds:standard_answers_from",
                     columns=("id", "question", "created_at"), set={"question": ""}),
            ),
            scrub=("question", "answer", "author_name"),
        ),
        Holding(
            "policy_documents", "Policy documents you imported",
            links=(Link("imported by you", Erase.DETACH, column="imported_by_id", columns=("title", "version", "imported_at")),),
        ),
        Holding(
            "policy_synonyms", "Synonyms you added",
            links=(Link("added by you", Erase.DETACH, column="added_by_id", columns=("term", "means", "added_at")),),
        ),
    ),
)
