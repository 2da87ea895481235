"""What the L&D team should look at: unanswered and not-helpful questions, grouped by similarity.

Two questions are "the same" when their concept signatures (stems and synonym groups, so "boss" and
"line manager" agree) overlap enough; groups are listed biggest first, so the gaps that matter most lead.
Questions outside learning and development ("who won the football") are not gaps: they are only counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.policy.answer import similarity
from storage.policy.models import PolicyFeedback, PolicyHandoff, PolicyQuestion

GROUP_SIMILARITY = 0.5


@dataclass
class QuestionGroup:
    signature: str
    count: int = 0
    unanswered: int = 0
    not_helpful: int = 0
    handed_off: int = 0
    examples: list[str] = field(default_factory=list)
    last_asked: datetime | None = None
    nearest: str | None = None  # the closest section, when the search found one


async def unanswered_groups(db: AsyncSession, *, since: datetime | None = None) -> list[QuestionGroup]:
    not_helpful = select(PolicyFeedback.question_id).where(PolicyFeedback.helpful.is_(False))
    query = (
        select(PolicyQuestion, PolicyHandoff.id)
        .outerjoin(PolicyHandoff, PolicyHandoff.question_id == PolicyQuestion.id)
        .where(or_(PolicyQuestion.answered.is_(False), PolicyQuestion.id.in_(not_helpful)))
        .where(PolicyQuestion.off_topic.is_(False))
        .order_by(PolicyQuestion.asked_at)
    )
    if since is not None:
        query = query.where(PolicyQuestion.asked_at >= since)
    unhelpful_ids = set(await db.scalars(not_helpful))
    groups: list[QuestionGroup] = []
    for question, handoff_id in await db.execute(query):
        group = _best_group(groups, question.concepts)
        if group is None:
            group = QuestionGroup(signature=question.concepts)
            groups.append(group)
        group.count += 1
        group.unanswered += 0 if question.answered else 1
        group.not_helpful += 1 if question.id in unhelpful_ids else 0
        group.handed_off += 1 if handoff_id is not None else 0
        text = question.text.strip()
        if text.lower() not in (e.lower() for e in group.examples) and len(group.examples) < 3:
            group.examples.append(text)
        group.last_asked = question.asked_at
        group.nearest = question.cited or group.nearest
    groups.sort(key=lambda g: (-g.count, -(g.last_asked.timestamp() if g.last_asked else 0)))
    return groups


async def off_topic_count(db: AsyncSession, *, since: datetime | None = None) -> int:
    """How many questions were outside learning and development (kept out of the unanswered list)."""
    query = select(func.count(PolicyQuestion.id)).where(PolicyQuestion.off_topic.is_(True))
    if since is not None:
        query = query.where(PolicyQuestion.asked_at >= since)
    return int(await db.scalar(query) or 0)


def _best_group(groups: list[QuestionGroup], signature: str) -> QuestionGroup | None:
    best: tuple[float, QuestionGroup] | None = None
    for group in groups:
        score = 1.0 if group.signature == signature else similarity(group.signature, signature)
        if score >= GROUP_SIMILARITY and (best is None or score > best[0]):
            best = (score, group)
    return best[1] if best else None
