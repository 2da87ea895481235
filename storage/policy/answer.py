"""From a question to an answer: quote what answers it, cite it, or say honestly that nothing fits.

The answer quotes the sentences and list items of the best section that hold the question's words and
the kind of fact asked for (see passages.py): a list comes with the line that introduces it, whole when
the question is about the list, a lead-in is never quoted alone. It names the document and section, shows
the document's version and dates, flags a document past its review date, and offers the next best
sections as "see also". It is confident only when the answer as shown holds the question; otherwise it
abstains. Questions outside learning and development are marked off topic (scope.py). A standard answer
the L&D team saved for a similar question is served first. Questions are logged unless record=False,
never their text in logs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.base import utcnow
from storage.policy.blocks import BULLET
from storage.policy.models import PolicyQuestion, PolicyStandardAnswer
from storage.policy.passages import (
    Unit as _Unit,
)
from storage.policy.passages import (
    answer_cue,
    is_definition,
    items_of,
    refers_back,
    scored_units,
    unit_match,
    unit_stems,
    units_of,
)
from storage.policy.scope import is_off_topic
from storage.policy.search import Concept, Hit, concept_signature, lexicon_for, search
from storage.policy.text import WEAK_WORDS, stem

log = logging.getLogger("ldbot.policy")

# Set from the evaluation set in tests/test_policy_eval.py (see the figures in bench/README or the report).
MIN_COVERAGE = 0.55
MIN_SCORE = 0.5
SEE_ALSO = 2
MAX_QUOTE_UNITS = 3
MAX_QUOTE_CHARS = 700
MAX_WHOLE_LIST = 8  # a list this long or shorter is quoted whole when the question is about the list
PICK_SHARE = 0.6  # quote the units that score at least this share of the best one
STANDOUT_SHARE = 0.8  # list items this close to the list's best item are quoted with it
WHOLE_LIST_SHARE = 0.6  # a lead-in (with its heading) holding this much of the question: quote the whole list
MIN_TEXT_COVERAGE = 0.55  # the answer as shown must hold this share of the question to be confident
STANDARD_MATCH = 0.67



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
    lines = quote(hits[0], concepts, question) if hits else []
    confident = (bool(hits) and is_confident(hits[0]) and answers_with_text(lines)
                 and text_matches(hits[0], lines, concepts))
    standard = await find_standard_answer(db, concepts)
    off_topic = standard is None and is_off_topic(
        {s for c in concepts for p in c.alternatives for s in p}, (result.lexicon or await lexicon_for(db)).domain,
        answered=confident, anchored=bool(hits) and _anchored(hits[0], concepts),
    )
    if off_topic:
        confident, hits = False, []
    citations = [_citation(h, today) for h in hits if h is hits[0] or _worth_seeing(h, hits[0])]
    for before, after in zip(citations, citations[1:], strict=False):
        # A section ranked below another is shown as no surer than it (its raw `confidence` is kept).
        after.score = min(after.score, before.score)
    answer = Answer(question, confident=confident, citations=citations[: 1 + SEE_ALSO], off_topic=off_topic)
    if confident:
        answer.quote = lines
    answer.standard = standard
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
            off_topic=off_topic,
        )
        db.add(row)
        await db.flush()
        answer.question_id = row.id
        log.info(
            "policy question=%s confident=%s off_topic=%s section=%s standard=%s",
            row.id, confident, off_topic, row.section_id, row.standard_answer_id,
        )
    return answer


def _anchored(hit: Hit, concepts: list[Concept]) -> bool:
    """The section's heading, its parents' headings or the document's title hold one of the question's words."""
    context = " ".join([hit.document.title, hit.section.path, hit.section.heading])
    return bool(unit_match(unit_stems(context), concepts)[1])


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
def quote(hit: Hit, concepts: list[Concept], question: str = "") -> list[str]:
    """The sentences and list items of a section that answer the question, in the document's order.

    A list item comes with the line that introduces it; a lead-in that matches comes with its list (the
    whole list when the question is about the list, else its matching items); a lead-in is never quoted
    alone. "They must ..." brings the sentence that says who they are, and a definition ("what is ...")
    the sentence that completes it.
    """
    units = units_of(hit.section.body, hit.section.heading)
    if not units:
        return []
    scores = scored_units(units, concepts, answer_cue(question))
    best = max(scores)
    if unit_match(unit_stems(hit.section.heading), concepts)[1] >= {c.key for c in concepts}:
        # The heading asks the question ("What Counts as CPD"): the section is the answer, as far as it fits.
        picked = set(range(len(units)))
    elif best <= 0:
        # Nothing in the text itself: the heading (or title) carries the question, so quote the opening.
        picked = _opening(units)
    else:
        ranked = sorted(range(len(units)), key=lambda i: (-scores[i], i))
        chosen = [i for i in ranked[:MAX_QUOTE_UNITS] if scores[i] >= PICK_SHARE * best]
        lead_shares = _lead_in_shares(units, hit.section.heading, concepts)
        picked = set()
        for i in chosen:
            picked |= _with_context(units, scores, i, definition=is_definition(question), lead_shares=lead_shares)
        picked |= _completing(units, picked, concepts)
    lines: list[str] = []
    total = 0
    for i in sorted(picked):
        text = units[i].display()
        if lines and total + len(text) > MAX_QUOTE_CHARS:
            break
        lines.append(text)
        total += len(text)
    while lines and lines[-1].endswith(":") and not lines[-1].startswith(BULLET):
        lines.pop()  # a lead-in whose items did not fit is no answer
    return lines


def _opening(units: list[_Unit]) -> set[int]:
    first = units[0]
    if first.introduces or first.lead_in is not None:
        lead = first.lead_in if first.lead_in is not None else first.index
        return {lead, *items_of(units, lead)[:MAX_WHOLE_LIST]}
    if first.bullet:  # a list under its heading ("Key Accountabilities"): the list
        run = [u.index for u in units[:MAX_WHOLE_LIST] if u.bullet]
        return set(run[: next((k for k, i in enumerate(run) if i != k), len(run))])
    picked = {first.index}
    if len(units) > 1 and not units[1].introduces:
        picked.add(units[1].index)
    return picked


def _lead_in_shares(units: list[_Unit], heading: str, concepts: list[Concept]) -> dict[int, float]:
    """How much of the question each lead-in holds, read with the section's heading."""
    total = sum(c.weight for c in concepts) or 1.0
    return {u.index: unit_match(unit_stems(f"{heading} {u.text}"), concepts)[0] / total
            for u in units if u.introduces}


def _with_context(
    units: list[_Unit], scores: list[float], i: int, *, definition: bool, lead_shares: dict[int, float]
) -> set[int]:
    unit = units[i]
    if unit.introduces or unit.lead_in is not None:
        lead = i if unit.introduces else unit.lead_in
        items = items_of(units, lead)
        if not items:
            return set() if unit.introduces else {i}
        best_item = max(scores[j] for j in items)
        standouts = [j for j in items if scores[j] > scores[lead] and scores[j] >= STANDOUT_SHARE * best_item]
        if not standouts or lead_shares.get(lead, 0.0) >= WHOLE_LIST_SHARE:
            # The question is about the list ("what does my line manager have to do"): the lead-in (or the
            # heading) holds its words as much as any item does. Quote it whole, or as much as fits.
            return {lead, *items[:MAX_WHOLE_LIST]}
        # Some items answer it ("we take ownership"): those, with the line that introduces them.
        return {lead, *standouts} if (unit.introduces or i in standouts) else set()
    picked = {i}
    if refers_back(unit) and i > 0 and units[i - 1].paragraph == unit.paragraph:
        picked.add(i - 1)
    nxt = units[i + 1] if i + 1 < len(units) else None
    if definition and nxt is not None and nxt.paragraph == unit.paragraph and refers_back(nxt):
        picked.add(i + 1)
    return picked


def _completing(units: list[_Unit], picked: set[int], concepts: list[Concept]) -> set[int]:
    """The sentence next to a picked one (same paragraph) that holds a word of the question the picked ones
    lack: "Examples are breathing apparatus ..." before "They must be revalidated every 12 months"."""
    have = set().union(*(unit_match(unit_stems(units[i].text), concepts)[1] for i in picked)) if picked else set()
    extra: set[int] = set()
    for i in sorted(picked):
        for j in (i - 1, i + 1):
            if j in picked or not 0 <= j < len(units) or units[j].bullet or units[i].bullet:
                continue
            if units[j].paragraph != units[i].paragraph or units[j].introduces:
                continue
            adds = unit_match(unit_stems(units[j].text), concepts)[1] - have
            if adds:
                extra.add(j)
                have |= adds
    return extra


def text_matches(hit: Hit, lines: list[str], concepts: list[Concept]) -> bool:
    """Whether the answer as shown (the quote, and the heading and title it is cited under) holds enough of
    the question, and the quote itself holds some of it unless the heading and title hold all of it."""
    total = sum(c.weight for c in concepts) or 1.0
    cited = " ".join([hit.document.title, hit.section.path, hit.section.heading])
    weight, keys = unit_match(unit_stems(" ".join([cited, *lines])), concepts)
    if weight / total < MIN_TEXT_COVERAGE:
        return False
    own = unit_match(unit_stems(" ".join(lines)), concepts)[1]
    return bool(own) or unit_match(unit_stems(cited), concepts)[1] >= {c.key for c in concepts}


def answers_with_text(lines: list[str]) -> bool:
    """At least one line that is not just a lead-in ("A line manager must:")."""
    return any(line.startswith(BULLET) or not line.endswith(":") for line in lines)


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
