"""From a question to an answer: quote the best section, cite it, or say honestly that nothing fits.

The answer quotes only the sentences or bullet points of the best section that carry the question's words
(with the lead-in line of a bullet list, so a bullet still reads as a rule), names the document and
section, shows the document's version and dates, flags a document past its review date, and offers the
next best sections as "see also". Below the confidence threshold it abstains. A standard answer the L&D
team saved for a similar question is served first. Every question is logged, never its text in logs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.base import utcnow
from storage.policy.models import PolicyQuestion, PolicyStandardAnswer
from storage.policy.parse import BULLET
from storage.policy.search import Concept, Hit, concept_signature, lexicon_for, search
from storage.policy.text import WEAK_WORDS, stem, stems

log = logging.getLogger("ldbot.policy")

# Set from the evaluation set in tests/test_policy_eval.py (see the figures in bench/README or the report).
MIN_COVERAGE = 0.55
MIN_SCORE = 0.5
SEE_ALSO = 2
MAX_QUOTE_UNITS = 3
MAX_QUOTE_CHARS = 480
STANDARD_MATCH = 0.67

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£])")


@dataclass(slots=True)
class Citation:
    document: str
    number: str | None
    heading: str
    score: float
    confidence: float
    section_id: int
    document_id: int
    version: str | None = None
    published: date | None = None
    review: date | None = None
    past_review: bool = False
    url: str | None = None

    @property
    def section(self) -> str:
        """The section number where the document has one, else the heading."""
        return self.number or self.heading

    @property
    def label(self) -> str:
        return f"{self.number} {self.heading}" if self.number else self.heading

    def as_json(self) -> dict:
        return {"document": self.document, "section": self.section, "heading": self.heading, "score": self.score}

    def as_context(self) -> dict:
        """Plain values for a template (and for an outbox row's JSON context)."""
        return {
            "document": self.document,
            "section": self.section,
            "number": self.number or "",
            "heading": self.heading,
            "label": self.label,
            "version": self.version or "",
            "published": self.published.isoformat() if self.published else "",
            "review": self.review.isoformat() if self.review else "",
            "past_review": self.past_review,
            "url": self.url or "",
            "score": self.score,
        }


@dataclass(slots=True)
class StandardAnswer:
    id: int
    text: str
    author: str
    created: date


@dataclass(slots=True)
class Answer:
    question: str
    confident: bool
    quote: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    standard: StandardAnswer | None = None
    question_id: int | None = None
    vague: bool = False  # nothing to search for ("thanks", "1", one word no document uses)
    off_topic: bool = False  # clearly outside learning and development ("who won the football")

    @property
    def answered(self) -> bool:
        return self.confident or self.standard is not None

    @property
    def best(self) -> Citation | None:
        return self.citations[0] if self.citations and self.confident else None

    @property
    def see_also(self) -> list[Citation]:
        return self.citations[1 : 1 + SEE_ALSO] if self.confident else []


def confidence_of(hit: Hit) -> float:
    """0..1: coverage of the question, damped when the match is thin (one passing mention)."""
    strength = hit.score / (hit.score + 1.0)
    return round(hit.coverage * (0.5 + 0.5 * strength), 3)


def is_confident(hit: Hit) -> bool:
    return hit.coverage >= MIN_COVERAGE and hit.score >= MIN_SCORE


async def answer_question(
    db: AsyncSession,
    question: str,
    *,
    today: date,
    now: datetime | None = None,
    person_id: int | None = None,
    channel: str = "chat",
    record: bool = True,
) -> Answer:
    question = question.strip()
    result = await search(db, question, limit=1 + SEE_ALSO + 2)
    concepts = result.concepts
    if not concepts or (len(concepts) == 1 and not concepts[0].known and len(question.split()) == 1):
        # "thanks", "1", "flibbertigibbet": not a question the documents could answer, and not a gap either.
        return Answer(question, confident=False, vague=True)
    hits = result.hits
    confident = bool(hits) and is_confident(hits[0])
    citations = [_citation(h, today) for h in hits if h is hits[0] or _worth_seeing(h, hits[0])]
    answer = Answer(question, confident=confident, citations=citations[: 1 + SEE_ALSO])
    if confident:
        answer.quote = quote(hits[0], concepts)
    answer.standard = await find_standard_answer(db, concepts)
    if answer.standard is not None and not confident:
        answer.citations = []
    if record:
        row = PolicyQuestion(
            person_id=person_id,
            asked_at=now or utcnow(),
            text=question,
            concepts=signature(concepts),
            channel=channel[:20],
            answered=answer.answered,
            confident=confident,
            score=citations[0].confidence if citations else 0.0,
            section_id=citations[0].section_id if citations else None,
            cited=f"{citations[0].document}, {citations[0].label}"[:700] if citations else None,
            standard_answer_id=answer.standard.id if answer.standard else None,
        )
        db.add(row)
        await db.flush()
        answer.question_id = row.id
        log.info(
            "policy question=%s confident=%s section=%s standard=%s",
            row.id, confident, row.section_id, row.standard_answer_id,
        )
    return answer


def _worth_seeing(hit: Hit, best: Hit) -> bool:
    return hit.section.id != best.section.id and hit.score >= 0.35 * best.score and hit.coverage >= 0.5


def _citation(hit: Hit, today: date) -> Citation:
    d = hit.document
    return Citation(
        document=d.title,
        number=hit.section.number,
        heading=hit.section.heading,
        score=confidence_of(hit),
        confidence=confidence_of(hit),
        section_id=hit.section.id,
        document_id=d.id,
        version=d.version,
        published=d.published_on,
        review=d.review_on,
        past_review=d.review_on is not None and d.review_on < today,
        url=d.source_url,
    )


# --- quoting ------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Unit:
    text: str
    bullet: bool
    lead_in: int | None  # index of the line introducing this bullet's list


def units_of(body: str) -> list[_Unit]:
    units: list[_Unit] = []
    lead: int | None = None
    for line in body.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith(BULLET):
            units.append(_Unit(line[len(BULLET):].strip(), True, lead))
            continue
        lead = None
        for sentence in _SENTENCE.split(line):
            sentence = sentence.strip()
            if sentence:
                units.append(_Unit(sentence, False, None))
                if sentence.endswith(":"):
                    lead = len(units) - 1
    return units


def quote(hit: Hit, concepts: list[Concept]) -> list[str]:
    """The most relevant sentences or bullet points of a section, in the document's order."""
    units = units_of(hit.section.body)
    if not units:
        return []
    scores = [_unit_score(u.text, concepts) for u in units]
    best = max(scores)
    if best <= 0:
        chosen = list(range(min(2, len(units))))
    else:
        ranked = sorted(range(len(units)), key=lambda i: (-scores[i], i))
        chosen = [i for i in ranked[:MAX_QUOTE_UNITS] if scores[i] >= 0.5 * best]
    picked: set[int] = set()
    for i in chosen:
        picked.add(i)
        if units[i].lead_in is not None:
            picked.add(units[i].lead_in)
    lines: list[str] = []
    total = 0
    for i in sorted(picked):
        text = (BULLET + units[i].text) if units[i].bullet else units[i].text
        if lines and total + len(text) > MAX_QUOTE_CHARS:
            break
        lines.append(text)
        total += len(text)
    return lines


def _unit_score(text: str, concepts: list[Concept]) -> float:
    tokens = stems(text)
    joined = " " + " ".join(tokens) + " "
    score = 0.0
    for concept in concepts:
        if any((" " + " ".join(p) + " ") in joined for p in concept.alternatives):
            score += concept.weight
    return score


# --- standard answers ---------------------------------------------------------------------------------------
def signature(concepts: list[Concept]) -> str:
    weak = {stem(w) for w in WEAK_WORDS}
    return concept_signature([c for c in concepts if c.key not in weak])


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two questions' concept signatures."""
    sa, sb = set(a.split()), set(b.split())
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


async def find_standard_answer(db: AsyncSession, concepts: list[Concept]) -> StandardAnswer | None:
    mine = signature(concepts)
    best: tuple[float, PolicyStandardAnswer] | None = None
    for row in await db.scalars(select(PolicyStandardAnswer).where(PolicyStandardAnswer.active.is_(True))):
        score = similarity(mine, row.concepts)
        if score >= STANDARD_MATCH and (best is None or score > best[0]):
            best = (score, row)
    if best is None:
        return None
    row = best[1]
    return StandardAnswer(row.id, row.answer, row.author_name, row.created_at.date())


async def question_signature(db: AsyncSession, question: str) -> str:
    """The signature a question would be stored with (for saving a standard answer)."""
    from storage.policy.search import analyse

    return signature(analyse(question, await lexicon_for(db)))
